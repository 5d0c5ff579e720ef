// What every page of the web UI shares: building elements, calling the API, statuses, times, the
// confirmation dialog and the live event stream. The UI is a client of the REST API and nothing
// else. The token is kept in sessionStorage only; no NoEcho value is ever stored or left in the page
// after the form that took it is gone.
"use strict";

const TOKEN_KEY = "stacktician-token";
const UTC_KEY = "stacktician-utc";
const main = () => document.getElementById("main");

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return e;
}

// A table with a header row and one row per item (`cells` gives an item's cells).
function table(attrs, headers, items, cells, rowAttrs) {
  return el("div", { class: "scroll" }, el("table", attrs,
    el("thead", {}, el("tr", {}, headers.map((h) => typeof h === "string" ? el("th", { scope: "col" }, h) : h))),
    el("tbody", {}, items.map((x) => el("tr", rowAttrs ? rowAttrs(x) : {}, cells(x))))));
}

function say(text) {
  document.getElementById("live").textContent = text;
}

async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + (sessionStorage.getItem(TOKEN_KEY) || "") };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let r;
  try {
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    return { status: 0, data: { error: { code: "unreachable", message: "the service did not answer" } } };
  }
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  // On the sign-in form a refused token is its own message; elsewhere it means signing in again.
  if (r.status === 401 && !document.getElementById("signin")) {
    sessionStorage.removeItem(TOKEN_KEY);
    location.hash = "#/signin";
  }
  return { status: r.status, data };
}

function errorText(data) {
  return (data && data.error && data.error.message) || "the request failed";
}

// ---- statuses ----

function statusClass(status) {
  if (!status) return "idle";
  // A deleted stack or resource is gone as asked: neutral, not the look of a failure.
  if (status === "DELETE_COMPLETE") return "idle";
  if (/FAILED/.test(status) || /ROLLBACK/.test(status)) return "bad";
  if (/IN_PROGRESS/.test(status)) return "busy";
  if (/COMPLETE/.test(status)) return "ok";
  return "idle";
}

function statusBadge(status) {
  return el("span", { class: "status " + statusClass(status), "data-status": status || "" }, status || "NOT_STARTED");
}

// Which recovery actions a stack in `status` can take: resume a run that stopped half-way,
// continue a rollback or delete that failed.
function resumable(status) {
  return /_IN_PROGRESS$/.test(status || "") || status === "CREATE_FAILED";
}
function rollbackStuck(status) {
  return ["ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED"].includes(status);
}
// Whether a stack stands as made and takes an update, a change set or a drift check.
function stable(status) {
  return ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"].includes(status);
}

// ---- times ----

function utcShown() {
  return localStorage.getItem(UTC_KEY) === "1";
}

function when(t) {
  if (!t) return "\u2014";
  const d = new Date(t);
  return utcShown()
    ? d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC")
    : d.toLocaleString(undefined, { timeZoneName: "short" });
}

// A time element: its machine-readable value, and the text in the zone chosen.
function timeEl(t) {
  return t ? el("time", { datetime: t }, when(t)) : "\u2014";
}

// The "Times in UTC" switch: every time on the page is written again when it changes.
function utcToggle() {
  const box = el("input", { type: "checkbox", id: "utc", checked: utcShown() });
  box.addEventListener("change", () => {
    localStorage.setItem(UTC_KEY, box.checked ? "1" : "0");
    document.querySelectorAll("time[datetime]").forEach((t) => (t.textContent = when(t.getAttribute("datetime"))));
  });
  return el("label", { class: "inline", for: "utc" }, box, " Times in UTC");
}

// ---- dialogs ----

function confirmAction(title, text) {
  const d = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  return new Promise((resolve) => {
    d.addEventListener("close", () => resolve(d.returnValue === "ok"), { once: true });
    d.showModal();
    document.getElementById("confirm-cancel").focus();
  });
}

// An API error's problems: at their parameter's field when there is one, else listed by JSON pointer.
function showProblems(data, where, opts) {
  where.textContent = "";
  const problems = (data && data.error && data.error.problems) || [];
  if (!problems.length) { where.textContent = errorText(data); return; }
  const rest = [];
  for (const p of problems) {
    const m = /^\/Parameters\/([^/]+)/.exec(p.pointer || "");
    const field = m && document.getElementById("err-" + m[1]);
    if (field && opts.fieldErrors !== false) {
      field.textContent = p.message;
      const input = document.getElementById("param-" + m[1]);
      if (input) input.setAttribute("aria-invalid", "true");
    } else rest.push(p);
  }
  if (rest.length) where.append(el("ul", {}, rest.map((p) => el("li", {}, el("code", {}, p.pointer || "/"), " ", p.message))));
}

// ---- the live stream ----

let stream = null;

function stopStream() {
  if (stream) { stream.abort(); stream = null; }
}

// Reads a stack's event stream (server-sent events over fetch, so that the token goes in a
// header): `on.status` with the stack's status first, `on.event` per event, `on.end` at the end.
function startStream(path, on) {
  stopStream();
  const ctl = new AbortController();
  stream = ctl;
  (async () => {
    try {
      const r = await fetch(path, { headers: { Authorization: "Bearer " + sessionStorage.getItem(TOKEN_KEY) }, signal: ctl.signal });
      if (!r.ok) { if (on.missing) on.missing(r.status); return; }
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const kind = (/^event: (.*)$/m.exec(block) || [])[1];
          const data = (/^data: (.*)$/m.exec(block) || [])[1];
          if (!data) continue;
          const f = on[kind];
          if (f) f(JSON.parse(data));
        }
      }
    } catch (e) { /* aborted, or the stream ended */ }
  })();
}
