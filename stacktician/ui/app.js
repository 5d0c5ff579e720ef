// Stacktician's web UI: a client of the REST API and nothing else. Every value shown comes from an
// API answer; every check made here (parameter constraints) is made again by the API. The token is
// kept in sessionStorage only (gone when the browser session ends), and no NoEcho value is ever
// stored or put in the page after the form that took it is gone.
"use strict";

const TOKEN_KEY = "stacktician-token";
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
    if (c === null || c === undefined) continue;
    e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return e;
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

function statusBadge(status) {
  return el("span", { class: "status " + statusClass(status), "data-status": status || "" }, status || "NOT_STARTED");
}

function when(t) {
  return t ? new Date(t).toLocaleString(undefined, { timeZoneName: "short" }) : "\u2014";
}

// Which recovery actions a stack in `status` can take: resume a run that stopped half-way,
// continue a rollback or delete that failed.
function resumable(status) {
  return /_IN_PROGRESS$/.test(status || "") || status === "CREATE_FAILED";
}
function rollbackStuck(status) {
  return ["ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED"].includes(status);
}

function errorText(data) {
  return (data && data.error && data.error.message) || "the request failed";
}

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

// ---- pages ----

function signIn() {
  const err = el("p", { class: "error", id: "signin-error", role: "alert" });
  const input = el("input", { id: "token", type: "password", autocomplete: "off", required: true, "aria-describedby": "signin-error" });
  const form = el("form", {
    onsubmit: async (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      const r = await api("GET", "/v1/whoami");
      if (r.status === 200) {
        location.hash = "#/stacks";
      } else {
        sessionStorage.removeItem(TOKEN_KEY);
        err.textContent = errorText(r.data);
        input.focus();
      }
    },
  },
    el("label", { for: "token" }, "API token ", el("span", { class: "hint" }, "(kept in this browser session only)")),
    input, err,
    el("div", { class: "row" }, el("button", { class: "primary", type: "submit", id: "signin" }, "Sign in")));
  return [el("h1", {}, "Sign in"), form];
}

async function stacksPage(query) {
  const r = await api("GET", "/v1/stacks");
  if (r.status !== 200) return [el("p", { class: "error" }, errorText(r.data))];
  const all = r.data.stacks;
  const chosen = query.get("status") || "";
  const statuses = [...new Set(all.map((s) => s.status))].sort();
  const filter = el("select", {
    id: "status-filter",
    onchange: (e) => (location.hash = "#/stacks" + (e.target.value ? "?status=" + encodeURIComponent(e.target.value) : "")),
  }, el("option", { value: "" }, "All statuses"), statuses.map((s) => el("option", { value: s, selected: s === chosen }, s)));
  const shown = all.filter((s) => !chosen || s.status === chosen);
  const rows = shown.map((s) => el("tr", { "data-stack": s.name },
    el("td", {}, el("a", { href: `#/stacks/${encodeURIComponent(s.name)}${s.owner !== window.me.name ? "?owner=" + encodeURIComponent(s.owner) : ""}` }, s.name)),
    el("td", {}, statusBadge(s.status)),
    el("td", {}, when(s.updated || (s.operation && s.operation.created))),
    el("td", {}, s.owner)));
  return [
    el("h1", {}, "Stacks"),
    el("div", { class: "row" }, el("label", { for: "status-filter" }, "Status"), filter,
      el("a", { href: "#/launch" }, "Launch a stack")),
    shown.length
      ? el("div", { class: "scroll" }, el("table", { id: "stacks" },
          el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Stack"), el("th", { scope: "col" }, "Status"),
            el("th", { scope: "col" }, "Updated"), el("th", { scope: "col" }, "Owner"))),
          el("tbody", {}, rows)))
      : el("p", { id: "no-stacks" }, "No stacks" + (chosen ? " in " + chosen : "") + "."),
  ];
}

// The form field of one template parameter, with the constraints the API will check again.
function paramField(p) {
  const id = "param-" + p.name;
  const described = `err-${p.name} help-${p.name}`;
  let input;
  if (p.allowed_values && p.allowed_values.length) {
    input = el("select", { id, name: p.name, "aria-describedby": described },
      p.allowed_values.map((v) => el("option", { value: v, selected: v === p.default }, v)));
  } else {
    const number = p.type === "Number";
    input = el("input", {
      id, name: p.name, "aria-describedby": described,
      type: p.no_echo ? "password" : number ? "number" : "text",
      autocomplete: p.no_echo ? "new-password" : "off",
      minlength: p.min_length, maxlength: p.max_length, min: p.min_value, max: p.max_value,
      step: number ? "any" : undefined,
      required: !p.has_default,
    });
    if (!p.no_echo && p.default !== null && p.default !== undefined) input.value = p.default;
  }
  const help = [p.description, p.constraint_description, p.no_echo ? "hidden value (NoEcho)" : null].filter(Boolean).join(" \u2014 ");
  return el("div", { class: "field", "data-param": p.name },
    el("label", { for: id }, p.name, " ", el("span", { class: "hint" }, p.type)),
    input,
    el("p", { class: "hint", id: "help-" + p.name }, help),
    el("p", { class: "field-error", id: "err-" + p.name, role: "alert" }));
}

// The constraint a value breaks, if any (the API checks the same).
function broken(p, v) {
  if (v === "" && !p.has_default) return "a value is required";
  if (v === "") return null;
  if (p.min_length != null && v.length < p.min_length) return `at least ${p.min_length} characters`;
  if (p.max_length != null && v.length > p.max_length) return `at most ${p.max_length} characters`;
  if (p.allowed_pattern && !new RegExp("^(?:" + p.allowed_pattern + ")$").test(v)) return p.constraint_description || `must match ${p.allowed_pattern}`;
  if (p.type === "Number") {
    const n = Number(v);
    if (Number.isNaN(n)) return "must be a number";
    if (p.min_value != null && n < p.min_value) return `at least ${p.min_value}`;
    if (p.max_value != null && n > p.max_value) return `at most ${p.max_value}`;
  }
  if (p.allowed_values && p.allowed_values.length && !p.allowed_values.includes(v)) return "one of " + p.allowed_values.join(", ");
  return null;
}

async function launchPage() {
  const templates = (await api("GET", "/v1/templates")).data;
  const list = (templates && templates.templates) || [];
  const source = el("select", { id: "template-source" }, el("option", { value: "" }, "Upload or paste a template"),
    list.filter((t) => t.owner === window.me.name).map((t) => el("option", { value: t.name }, `${t.name} (version ${t.version})`)));
  const file = el("input", { id: "template-file", type: "file", accept: ".json,.template,.yaml,.yml,application/json" });
  const text = el("textarea", { id: "template-text", spellcheck: "false", "aria-describedby": "template-error" });
  const templateError = el("div", { class: "error", id: "template-error", role: "alert" });
  const name = el("input", { id: "stack-name", required: true, pattern: "[A-Za-z][A-Za-z0-9-]{0,127}", "aria-describedby": "err-name" });
  const nameError = el("p", { class: "field-error", id: "err-name", role: "alert" });
  const fields = el("div", { id: "parameters" });
  const formError = el("p", { class: "error", id: "form-error", role: "alert" });
  let params = [];
  let body = null;
  const chosenSource = () => (source.value ? { template_name: source.value } : { template: text.value });
  const load = async () => {
    templateError.textContent = "";
    fields.textContent = "";
    params = [];
    if (!source.value && !text.value.trim()) return;
    const r = await api("POST", "/v1/validate", chosenSource());
    if (r.status !== 200) {
      showProblems(r.data, templateError, {});
      return;
    }
    body = r.data;
    params = body.parameters;
    fields.append(el("h2", {}, "Parameters"), ...(params.length ? params.map(paramField) : [el("p", {}, "This template has no parameters.")]));
  };
  source.addEventListener("change", () => { text.disabled = !!source.value; file.disabled = !!source.value; load(); });
  file.addEventListener("change", async () => { if (file.files[0]) { text.value = await file.files[0].text(); load(); } });
  text.addEventListener("change", load);
  const form = el("form", {
    id: "launch", novalidate: true,
    onsubmit: async (ev) => {
      ev.preventDefault();
      formError.textContent = ""; nameError.textContent = "";
      let ok = true;
      if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(name.value)) { nameError.textContent = "a letter, then letters, digits and hyphens"; ok = false; }
      const values = {};
      for (const p of params) {
        const input = document.getElementById("param-" + p.name);
        const err = document.getElementById("err-" + p.name);
        err.textContent = "";
        input.removeAttribute("aria-invalid");
        const problem = broken(p, input.value);
        if (problem) { err.textContent = problem; input.setAttribute("aria-invalid", "true"); ok = false; }
        if (input.value !== "") values[p.name] = input.value;
      }
      if (!ok) { formError.textContent = "Some values need attention."; return; }
      const r = await api("POST", "/v1/stacks", { name: name.value, ...chosenSource(), parameters: values });
      if (r.status === 202) {
        say(`stack ${name.value} launched`);
        location.hash = "#/stacks/" + encodeURIComponent(name.value);
        return;
      }
      showProblems(r.data, templateError, { fieldErrors: true });
      formError.textContent = errorText(r.data);
    },
  },
    el("label", { for: "stack-name" }, "Stack name"), name, nameError,
    el("label", { for: "template-source" }, "Template"), source,
    el("label", { for: "template-file" }, "Upload a template file"), file,
    el("label", { for: "template-text" }, "or paste it"), text, templateError,
    fields, formError,
    el("div", { class: "row" }, el("button", { class: "primary", type: "submit", id: "launch-submit" }, "Launch")));
  return [el("h1", {}, "Launch a stack"), form];
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

const TABS = ["overview", "resources", "events", "outputs", "parameters", "template", "graph", "changes", "drift"];

let stream = null;

function stopStream() {
  if (stream) { stream.abort(); stream = null; }
}

async function stackPage(name, query) {
  const owner = query.get("owner");
  const q = owner ? "?owner=" + encodeURIComponent(owner) : "";
  const base = `/v1/stacks/${encodeURIComponent(name)}`;
  const tab = TABS.includes(query.get("tab")) ? query.get("tab") : "overview";
  const link = (t) => `#/stacks/${encodeURIComponent(name)}?tab=${t}${owner ? "&owner=" + encodeURIComponent(owner) : ""}`;
  const d = await api("GET", base + q);
  if (d.status === 404) return [el("h1", {}, name), el("p", { id: "gone" }, "This stack does not exist (or is gone).")];
  if (d.status !== 200) return [el("p", { class: "error" }, errorText(d.data))];
  const s = d.data;
  const header = [
    el("h1", {}, s.name, " ", statusBadge(s.status)),
    el("nav", { class: "tabs", "aria-label": "Stack" }, TABS.map((t) => el("a", { href: link(t), "aria-current": t === tab ? "page" : undefined, id: "tab-" + t }, t[0].toUpperCase() + t.slice(1)))),
  ];
  const body = el("section", { id: "tab-body", "aria-labelledby": "tab-" + tab });
  const refreshStatus = async () => {
    const again = await api("GET", base + q);
    const h1 = document.querySelector("h1 .status");
    if (again.status === 200 && h1) h1.replaceWith(statusBadge(again.data.status));
    if (again.status === 404 && h1) h1.replaceWith(statusBadge("DELETE_COMPLETE"));
    const overview = document.getElementById("overview-status");
    if (overview && (again.status === 200 || again.status === 404)) {
      overview.replaceChildren(statusBadge(again.status === 200 ? again.data.status : "DELETE_COMPLETE"));
    }
  };
  const onEvent = [];
  // The stack's own events change its status: one refresh for a burst of them (a page opened on a
  // long history replays every past event), not one request per event.
  let refreshTimer = null;
  const refreshSoon = () => {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => { refreshTimer = null; refreshStatus(); }, 400);
  };
  startStream(base + "/events/stream" + q, (e) => {
    onEvent.forEach((f) => f(e));
    if (e.logical_id === name) refreshSoon();
  });
  if (tab === "overview") {
    const act = (label, id, path, method, warn) => el("button", {
      type: "button", id, class: id === "delete" ? "danger" : undefined,
      onclick: async () => {
        if (!(await confirmAction(label + " " + name + "?", warn))) return;
        const r = await api(method, base + path + q, method === "DELETE" ? undefined : {});
        say(r.status === 202 ? `${label}: queued` : errorText(r.data));
        document.getElementById("action-result").textContent = r.status === 202 ? `${label}: queued (operation ${r.data.operation.id})` : errorText(r.data);
      },
    }, label);
    body.append(
      el("dl", { class: "overview" },
        el("dt", {}, "Status"), el("dd", { id: "overview-status" }, statusBadge(s.status)),
        el("dt", {}, "Reason"), el("dd", {}, s.reason || "\u2014"),
        el("dt", {}, "Description"), el("dd", {}, s.description || "\u2014"),
        el("dt", {}, "Owner"), el("dd", {}, s.owner),
        el("dt", {}, "Created"), el("dd", {}, when(s.created)),
        el("dt", {}, "Updated"), el("dd", {}, when(s.updated)),
        el("dt", {}, "Stack id"), el("dd", { class: "mono" }, s.stack_id || "\u2014"),
        el("dt", {}, "Last operation"), el("dd", {}, s.operation ? `${s.operation.kind}: ${s.operation.state}${s.operation.outcome ? " (" + s.operation.outcome + ")" : ""}` : "\u2014")),
      el("div", { class: "row" },
        act("Delete", "delete", "", "DELETE", "Every resource of the stack is deleted."),
        resumable(s.status) ? act("Resume", "resume", "/resume", "POST", "The stack's interrupted operation goes on.") : null,
        rollbackStuck(s.status) ? act("Continue rollback", "continue-rollback", "/continue-rollback", "POST", "The failed rollback is tried again.") : null),
      el("p", { id: "action-result", role: "status" }));
    onEvent.push(async () => {
      const again = await api("GET", base + q);
      const dd = document.getElementById("overview-status");
      if (dd && again.status === 200) dd.replaceChildren(statusBadge(again.data.status));
    });
  } else if (tab === "resources") {
    const r = await api("GET", base + "/resources" + q);
    body.append(el("div", { class: "scroll" }, el("table", { id: "resources" },
      el("thead", {}, el("tr", {}, ["Logical id", "Type", "Physical id", "Status"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, (r.data.resources || []).map((x) => el("tr", {},
        el("td", {}, el("a", { href: link("events") + "&resource=" + encodeURIComponent(x.logical_id) }, x.logical_id)),
        el("td", {}, x.resource_type), el("td", { class: "mono" }, x.physical_id || "\u2014"), el("td", {}, statusBadge(x.status))))))));
  } else if (tab === "events") {
    const only = query.get("resource");
    const r = await api("GET", base + "/events?limit=1000" + (owner ? "&owner=" + encodeURIComponent(owner) : ""));
    const tbody = el("tbody", {});
    let fresh = 0;
    const marker = el("p", { id: "new-events", role: "status" });
    const row = (e, isNew) => el("tr", { class: isNew ? "new" : undefined, "data-event": e.id, "data-status": e.status, "data-logical": e.logical_id },
      el("td", {}, when(e.timestamp), isNew ? el("span", { class: "badge" }, "new") : null),
      el("td", {}, e.logical_id), el("td", { class: "hide-narrow" }, e.resource_type), el("td", {}, statusBadge(e.status)), el("td", {}, e.reason || ""));
    const seen = new Set();
    (r.data.events || []).filter((e) => !only || e.logical_id === only).reverse().forEach((e) => { seen.add(e.id); tbody.append(row(e, false)); });
    onEvent.push((e) => {
      if (seen.has(e.id) || (only && e.logical_id !== only)) return;
      seen.add(e.id);
      fresh += 1;
      tbody.prepend(row(e, true));
      marker.textContent = `${fresh} new event${fresh === 1 ? "" : "s"}`;
    });
    body.append(only ? el("p", {}, "Events of ", el("strong", {}, only), " \u2014 ", el("a", { href: link("events") }, "all events")) : "",
      marker, el("div", { class: "scroll" }, el("table", { id: "events" },
        el("thead", {}, el("tr", {}, ["Time", "Logical id", "Type", "Status", "Reason"].map((h, i) => el("th", { scope: "col", class: i === 2 ? "hide-narrow" : undefined }, h)))), tbody)));
  } else if (tab === "outputs") {
    const r = await api("GET", base + "/outputs" + q);
    const outs = Object.entries((r.data && r.data.outputs) || {});
    body.append(outs.length ? el("table", { id: "outputs" }, el("tbody", {}, outs.map(([k, v]) => el("tr", {}, el("th", { scope: "row" }, k), el("td", { class: "mono", "data-output": k }, v)))))
      : el("p", {}, "No outputs (yet)."));
  } else if (tab === "parameters") {
    const ps = Object.entries(s.parameters || {});
    body.append(el("table", { id: "parameters" }, el("tbody", {}, ps.map(([k, v]) => el("tr", {}, el("th", { scope: "row" }, k), el("td", { class: "mono" }, v))))));
  } else if (tab === "template") {
    const r = await api("GET", base + "/template" + q);
    body.append(el("pre", { id: "template" }, (r.data && r.data.template) || ""));
  } else if (tab === "graph") {
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("class", "graph");
    svg.setAttribute("role", "img");
    svg.setAttribute("id", "graph");
    const draw = async () => {
      const g = await api("GET", base + "/graph" + q);
      if (g.status === 200) drawGraph(svg, g.data);
    };
    await draw();
    onEvent.push(draw);
    body.append(el("p", { class: "hint" }, "Each box is a resource, to the right of what it depends on; its status is written in it."), svg);
  } else if (tab === "changes") {
    const r = await api("GET", base + "/change-sets" + q);
    const sets = (r.data && r.data.change_sets) || [];
    if (!sets.length) body.append(el("p", {}, "No change sets. Make one with the API (POST " + base + "/change-sets) or the CLI."));
    for (const c of sets) {
      body.append(el("h2", {}, c.name, c.stale ? " (stale)" : ""),
        el("div", { class: "scroll" }, el("table", { class: "change-set", "data-change-set": c.name },
          el("thead", {}, el("tr", {}, ["Action", "Logical id", "Type", "Replacement", "Properties"].map((h) => el("th", { scope: "col" }, h)))),
          el("tbody", {}, c.changes.map((x) => el("tr", {}, el("td", {}, x.action), el("td", {}, x.logical), el("td", {}, x.type_name),
            el("td", {}, x.replacement || "\u2014"), el("td", {}, (x.properties || []).map((p) => p.name).join(", "))))))),
        el("button", { type: "button", class: "primary", disabled: c.stale, onclick: async () => {
          if (!(await confirmAction("Execute " + c.name + "?", "The stack is updated as the change set says."))) return;
          const x = await api("POST", `${base}/change-sets/${encodeURIComponent(c.name)}/execute${q}`, {});
          say(x.status === 202 ? "change set queued" : errorText(x.data));
        } }, "Execute " + c.name));
    }
  } else if (tab === "drift") {
    const out = el("div", { id: "drift" });
    body.append(el("button", { type: "button", id: "detect-drift", onclick: async () => {
      out.textContent = "Checking\u2026";
      const r = await api("POST", base + "/drift" + q, {});
      out.textContent = "";
      if (r.status !== 200) { out.append(el("p", { class: "error" }, errorText(r.data))); return; }
      out.append(el("p", {}, "Stack: ", el("strong", {}, r.data.status)),
        el("table", {}, el("thead", {}, el("tr", {}, ["Logical id", "Type", "Drift", "Differences"].map((h) => el("th", { scope: "col" }, h)))),
          el("tbody", {}, r.data.resources.map((x) => el("tr", {}, el("td", {}, x.logical), el("td", {}, x.type_name), el("td", {}, x.status),
            el("td", {}, (x.differences || []).map((p) => el("div", { class: "mono" }, `${p.property}: expected ${JSON.stringify(p.expected)}, actual ${JSON.stringify(p.actual)}`))))))));
    } }, "Detect drift"), out);
  }
  return [...header, body];
}

// Reads the stack's event stream (server-sent events over fetch, so that the token goes in a header).
function startStream(path, onEvent) {
  stopStream();
  const ctl = new AbortController();
  stream = ctl;
  (async () => {
    try {
      const r = await fetch(path, { headers: { Authorization: "Bearer " + sessionStorage.getItem(TOKEN_KEY) }, signal: ctl.signal });
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
          if (kind === "event" && data) onEvent(JSON.parse(data));
        }
      }
    } catch (e) { /* aborted, or the stream ended */ }
  })();
}

async function templatesPage() {
  const r = await api("GET", "/v1/templates");
  const list = (r.data && r.data.templates) || [];
  const name = el("input", { id: "upload-name", required: true });
  const file = el("input", { id: "upload-file", type: "file", accept: ".json,.template,.yaml,.yml" });
  const text = el("textarea", { id: "upload-text", spellcheck: "false" });
  const msg = el("p", { id: "upload-result", role: "status" });
  file.addEventListener("change", async () => { if (file.files[0]) text.value = await file.files[0].text(); });
  return [
    el("h1", {}, "Templates"),
    list.length ? el("div", { class: "scroll" }, el("table", { id: "templates" },
      el("thead", {}, el("tr", {}, ["Name", "Newest version", "Stored", "Owner"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, list.map((t) => el("tr", {}, el("td", {}, el("a", { href: "#/templates/" + encodeURIComponent(t.name) + (t.owner !== window.me.name ? "?owner=" + encodeURIComponent(t.owner) : "") }, t.name)),
        el("td", {}, t.version), el("td", {}, when(t.created)), el("td", {}, t.owner))))))
      : el("p", {}, "No stored templates."),
    el("h2", {}, "Upload"),
    el("form", { id: "upload", onsubmit: async (ev) => {
      ev.preventDefault();
      const x = await api("POST", "/v1/templates", { name: name.value, template: text.value });
      if (x.status === 201) { msg.textContent = `stored ${x.data.name} version ${x.data.version}`; route(); }
      else msg.textContent = errorText(x.data);
    } },
      el("label", { for: "upload-name" }, "Name"), name,
      el("label", { for: "upload-file" }, "File"), file,
      el("label", { for: "upload-text" }, "or its text"), text,
      el("div", { class: "row" }, el("button", { type: "submit", class: "primary" }, "Store a new version")), msg),
  ];
}

async function templatePage(name, version, query) {
  const owner = query.get("owner");
  const q = owner ? "?owner=" + encodeURIComponent(owner) : "";
  const r = await api("GET", `/v1/templates/${encodeURIComponent(name)}${version ? "/versions/" + version : ""}${q}`);
  if (r.status !== 200) return [el("p", { class: "error" }, errorText(r.data))];
  const all = version ? (await api("GET", `/v1/templates/${encodeURIComponent(name)}${q}`)).data.versions : r.data.versions;
  return [
    el("h1", {}, `${name}, version ${r.data.version}`),
    el("p", {}, "Versions: ", (all || []).map((v) => [el("a", { href: `#/templates/${encodeURIComponent(name)}/${v.version}${q}` }, String(v.version)), " "])),
    el("pre", { id: "template-body" }, r.data.template),
  ];
}

// ---- routing ----

async function route() {
  stopStream();
  const hash = location.hash || "#/stacks";
  const [path, qs] = hash.slice(1).split("?");
  const query = new URLSearchParams(qs || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const signedIn = !!sessionStorage.getItem(TOKEN_KEY);
  document.getElementById("nav").hidden = !signedIn;
  let content;
  if (!signedIn || parts[0] === "signin") {
    content = signIn();
  } else {
    if (!window.me) {
      const who = await api("GET", "/v1/whoami");
      if (who.status !== 200) return;
      window.me = who.data;
      document.getElementById("who").textContent = who.data.name + (who.data.admin ? " (admin)" : "");
    }
    if (parts[0] === "launch") content = await launchPage();
    else if (parts[0] === "templates" && parts[1]) content = await templatePage(parts[1], parts[2], query);
    else if (parts[0] === "templates") content = await templatesPage();
    else if (parts[0] === "stacks" && parts[1]) content = await stackPage(parts[1], query);
    else content = await stacksPage(query);
  }
  main().replaceChildren(...content);
  // For tests and assistive tools: which route the page shows now.
  document.body.setAttribute("data-rendered", hash);
  document.title = (main().querySelector("h1") || {}).textContent + " \u2014 Stacktician";
}

document.getElementById("signout").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  window.me = null;
  location.hash = "#/signin";
});
window.addEventListener("hashchange", route);
route();
