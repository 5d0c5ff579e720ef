// One stack's page: a header with its status (kept current by the live stream), a tab bar, and the
// tab's content, read with one request per tab (the stream's first message is the stack's status,
// so the header needs no request of its own). A deleted stack (`?deleted=1`) is read the same way.
"use strict";

const TABS = ["overview", "resources", "events", "outputs", "parameters", "template", "graph", "changes", "drift"];

// What every tab of one stack's page shares: its name, owner, whether it is deleted, the API paths
// and the page's own links.
function stackContext(name, query) {
  const owner = query.get("owner");
  const deleted = query.get("deleted") === "1";
  const params = new URLSearchParams();
  if (owner) params.set("owner", owner);
  if (deleted) params.set("deleted", "true");
  const q = params.toString() ? "?" + params.toString() : "";
  const base = `/v1/stacks/${encodeURIComponent(name)}`;
  return {
    name, owner, deleted, base, q,
    // An API path of this stack with extra query values.
    path: (sub, extra) => {
      const p = new URLSearchParams(params);
      for (const [k, v] of Object.entries(extra || {})) p.set(k, v);
      const s = p.toString();
      return base + sub + (s ? "?" + s : "");
    },
    // A link to one of this page's tabs, with extra values.
    link: (tab, extra) => {
      const p = new URLSearchParams({ tab });
      if (owner) p.set("owner", owner);
      if (deleted) p.set("deleted", "1");
      for (const [k, v] of Object.entries(extra || {})) p.set(k, v);
      return `#/stacks/${encodeURIComponent(name)}?${p.toString()}`;
    },
    onEvent: [],
    status: null,
  };
}

// The header's status, and the overview's, shown again.
function showStatus(ctx, status) {
  ctx.status = status;
  ctx.headerStatus.replaceChildren(statusBadge(status));
  const overview = document.getElementById("overview-status");
  if (overview) overview.replaceChildren(statusBadge(status));
}

async function stackPage(name, query) {
  const ctx = stackContext(name, query);
  const tab = TABS.includes(query.get("tab")) ? query.get("tab") : "overview";
  ctx.headerStatus = el("span", { id: "header-status" });
  const header = [
    el("h1", {}, name, " ", ctx.headerStatus, ctx.deleted ? el("span", { class: "tag" }, "deleted") : null),
    el("nav", { class: "tabs", "aria-label": "Stack" }, TABS.map((t) => el("a", {
      href: ctx.link(t), "aria-current": t === tab ? "page" : undefined, id: "tab-" + t,
    }, t[0].toUpperCase() + t.slice(1)))),
  ];
  const body = el("section", { id: "tab-body", "aria-labelledby": "tab-" + tab });
  const view = await STACK_TABS[tab](ctx, body, query);
  if (view === "gone") {
    return [el("h1", {}, name), el("p", { id: "gone" }, "This stack does not exist (or is gone). ",
      el("a", { href: `#/stacks?deleted=1&q=${encodeURIComponent(name)}` }, "Look for it among deleted stacks"), ".")];
  }
  // The stream: the stack's status first, then its events as they happen.
  const extra = tab === "events" && ctx.after !== undefined ? { after: String(ctx.after) } : { from_now: "true" };
  startStream(ctx.path("/events/stream", extra), {
    status: (s) => showStatus(ctx, s.status),
    event: (e) => {
      if (e.logical_id === name) showStatus(ctx, e.status);
      ctx.onEvent.forEach((f) => f(e));
    },
  });
  if (ctx.status) showStatus(ctx, ctx.status);
  return [...header, body];
}

// A tab's API answer, or the tab's error in `body`; "gone" for a stack that is not there.
async function tabData(ctx, body, path) {
  const r = await api("GET", path);
  if (r.status === 404 && r.data && r.data.error && /no stack named/.test(r.data.error.message)) return "gone";
  if (r.status !== 200) { body.append(el("p", { class: "error" }, errorText(r.data))); return null; }
  return r.data;
}

const STACK_TABS = {
  async overview(ctx, body) {
    const s = await tabData(ctx, body, ctx.path(""));
    if (!s || s === "gone") return s;
    ctx.status = s.status;
    const act = (label, id, path, method, warn) => el("button", {
      type: "button", id, class: id === "delete" ? "danger" : undefined,
      onclick: async () => {
        if (!(await confirmAction(label + " " + ctx.name + "?", warn))) return;
        const r = await api(method, ctx.base + path + ctx.q, method === "DELETE" ? undefined : {});
        const said = r.status === 202 ? `${label}: queued (operation ${r.data.operation.id})` : errorText(r.data);
        say(said);
        document.getElementById("action-result").textContent = said;
      },
    }, label);
    const op = s.operation;
    const failure = op && op.failure;
    const tags = Object.entries(s.tags || {});
    body.append(
      el("dl", { class: "overview" },
        el("dt", {}, "Status"), el("dd", { id: "overview-status" }, statusBadge(s.status)),
        el("dt", {}, "Reason"), el("dd", {}, s.reason || "\u2014"),
        el("dt", {}, "Description"), el("dd", {}, s.description || "\u2014"),
        el("dt", {}, "Owner"), el("dd", {}, s.owner),
        el("dt", {}, "Created"), el("dd", {}, timeEl(s.created)),
        el("dt", {}, "Updated"), el("dd", {}, timeEl(s.updated)),
        el("dt", {}, "Stack id"), el("dd", { class: "mono" }, s.stack_id || "\u2014"),
        el("dt", {}, "Last operation"), el("dd", {}, op ? `${op.kind}: ${op.state}${op.outcome ? " (" + op.outcome + ")" : ""}` : "\u2014"),
        failure ? [el("dt", {}, "Failed resource"), el("dd", {}, `${failure.logical} (${failure.type_name})${failure.api ? ", " + failure.api : ""}${failure.code ? ", code " + failure.code : ""}: ${failure.message}`)] : null,
        el("dt", {}, "Rollback on failure"), el("dd", {}, s.disable_rollback ? "no" : "yes"),
        el("dt", {}, "Timeout"), el("dd", {}, s.timeout_minutes ? `${s.timeout_minutes} minutes` : "none"),
        el("dt", {}, "Tags"), el("dd", { id: "overview-tags" }, tags.length ? tags.map(([k, v]) => el("span", { class: "tag" }, `${k}=${v}`)) : "none"),
        el("dt", {}, "Stack policy"), el("dd", {}, s.stack_policy ? el("pre", {}, s.stack_policy) : "none")),
      ctx.deleted ? null : el("div", { class: "row" },
        stable(s.status) ? el("a", { href: ctx.link("changes", { new: "1" }), class: "button", id: "update" }, "Update") : null,
        act("Delete", "delete", "", "DELETE", "Every resource of the stack is deleted."),
        resumable(s.status) ? act("Resume", "resume", "/resume", "POST", "The stack's interrupted operation goes on.") : null,
        rollbackStuck(s.status) ? act("Continue rollback", "continue-rollback", "/continue-rollback", "POST", "The failed rollback is tried again.") : null),
      el("p", { id: "action-result", role: "status" }));
  },

  async resources(ctx, body, query) {
    const r = await tabData(ctx, body, ctx.path("/resources"));
    if (!r || r === "gone") return r;
    const chosen = query.get("resource");
    body.append(table({ id: "resources" }, ["Logical id", "Type", "Physical id", "Status", el("th", { scope: "col", class: "hide-narrow" }, "Reason")], r.resources, (x) => [
      el("td", {}, el("a", { href: ctx.link("events", { resource: x.logical_id }), title: "its events" }, x.logical_id)),
      el("td", {}, x.resource_type), el("td", { class: "mono" }, x.physical_id || "\u2014"), el("td", {}, statusBadge(x.status)),
      el("td", { class: "hide-narrow" }, x.reason || ""),
    ], (x) => ({ id: "resource-" + x.logical_id, class: x.logical_id === chosen ? "chosen" : undefined })));
    if (chosen) setTimeout(() => { const row = document.getElementById("resource-" + chosen); if (row) row.scrollIntoView({ block: "center" }); });
  },

  async events(ctx, body, query) {
    const r = await tabData(ctx, body, ctx.path("/events", { latest: "1000" }));
    if (!r || r === "gone") return r;
    ctx.after = r.next;
    const events = r.events.slice().reverse();
    const only = { resource: query.get("resource") || "", status: query.get("status") || "" };
    const hiddenBy = (e) => (only.resource && e.logical_id !== only.resource) || (only.status && e.status !== only.status);
    const row = (e, isNew) => el("tr", { class: isNew ? "new" : undefined, "data-event": e.id, "data-status": e.status, "data-logical": e.logical_id, hidden: hiddenBy(e) },
      el("td", {}, timeEl(e.timestamp), isNew ? el("span", { class: "badge" }, "new") : null),
      el("td", {}, e.logical_id), el("td", { class: "hide-narrow" }, e.resource_type), el("td", {}, statusBadge(e.status)), el("td", { class: "reason" }, e.reason || ""));
    const tbody = el("tbody", {}, events.map((e) => row(e, false)));
    const seen = new Set(events.map((e) => e.id));
    const logicals = [...new Set(events.map((e) => e.logical_id).concat(only.resource ? [only.resource] : []))].sort();
    const statuses = [...new Set(events.map((e) => e.status).concat(only.status ? [only.status] : []))].sort();
    const select = (id, label, values, value) => el("div", {}, el("label", { for: id }, label),
      el("select", { id, onchange: (ev) => refilter(id === "event-resource" ? "resource" : "status", ev.target.value) },
        el("option", { value: "" }, "All"), values.map((v) => el("option", { value: v, selected: v === value }, v))));
    const bySelect = { resource: select("event-resource", "Resource", logicals, only.resource), status: select("event-status", "Status", statuses, only.status) };
    // A value first seen in a new event joins its filter's choices, in order.
    const offer = (k, v) => {
      const sel = bySelect[k].querySelector("select");
      if ([...sel.options].some((o) => o.value === v)) return;
      const next = [...sel.options].slice(1).find((o) => o.value > v);
      sel.insertBefore(el("option", { value: v }, v), next || null);
    };
    // Filtering hides rows in place and keeps the address in step, without another request.
    const refilter = (k, v) => {
      only[k] = v;
      tbody.querySelectorAll("tr").forEach((tr) => (tr.hidden = hiddenBy({ logical_id: tr.dataset.logical, status: tr.dataset.status })));
      const q = new URLSearchParams(location.hash.split("?")[1] || "");
      v ? q.set(k, v) : q.delete(k);
      history.replaceState(null, "", "#" + location.hash.slice(1).split("?")[0] + "?" + q.toString());
      document.body.setAttribute("data-rendered", location.hash);
    };
    let fresh = 0;
    const marker = el("p", { id: "new-events", role: "status" });
    ctx.onEvent.push((e) => {
      if (seen.has(e.id)) return;
      seen.add(e.id);
      offer("resource", e.logical_id);
      offer("status", e.status);
      tbody.prepend(row(e, true));
      if (hiddenBy(e)) return;
      fresh += 1;
      marker.textContent = `${fresh} new event${fresh === 1 ? "" : "s"}`;
    });
    body.append(
      el("div", { class: "filters" }, bySelect.resource, bySelect.status, utcToggle()),
      marker,
      el("div", { class: "scroll" }, el("table", { id: "events" },
        el("thead", {}, el("tr", {}, ["Time", "Logical id", "Type", "Status", "Reason"].map((h, i) => el("th", { scope: "col", class: i === 2 ? "hide-narrow" : undefined }, h)))), tbody)));
  },

  async outputs(ctx, body) {
    const r = await tabData(ctx, body, ctx.path("/outputs"));
    if (!r || r === "gone") return r;
    ctx.status = r.status;
    const outs = r.details || [];
    body.append(outs.length
      ? table({ id: "outputs" }, ["Name", "Value", "Description", "Export name"], outs, (o) => [
          el("th", { scope: "row" }, o.name), el("td", { class: "mono", "data-output": o.name }, o.value),
          el("td", {}, o.description || ""), el("td", { class: "mono" }, o.export_name || "")])
      : el("p", {}, stable(r.status) ? "This stack has no outputs." : "No outputs until the stack stands as made."));
  },

  async parameters(ctx, body) {
    const s = await tabData(ctx, body, ctx.path(""));
    if (!s || s === "gone") return s;
    ctx.status = s.status;
    const values = s.parameters || {};
    const order = (s.parameter_order || []).filter((n) => n in values);
    const names = order.concat(Object.keys(values).filter((n) => !order.includes(n)).sort());
    body.append(table({ id: "parameters" }, ["Parameter", "Value"], names, (n) => [el("th", { scope: "row" }, n), el("td", { class: "mono" }, values[n])]));
  },

  async template(ctx, body) {
    const r = await tabData(ctx, body, ctx.path("/template"));
    if (!r || r === "gone") return r;
    body.append(templateViewer(r.template, r.document, "template"));
  },

  async graph(ctx, body) {
    const g = await tabData(ctx, body, ctx.path("/graph"));
    if (!g || g === "gone") return g;
    let view = graphView(g, (id) => ctx.link("resources", { resource: id }));
    body.append(view.node);
    // Statuses follow the stream: each resource event recolours its box. A resource the graph
    // does not have yet (a stack whose create was still queued) has the graph read again, once
    // for a burst of such events.
    let again = null;
    ctx.onEvent.push((e) => {
      if (e.logical_id === ctx.name) return;
      if (view.has(e.logical_id)) { view.update(e.logical_id, e.status); return; }
      if (again) return;
      again = setTimeout(async () => {
        const r = await api("GET", ctx.path("/graph"));
        again = null;
        if (r.status !== 200) return;
        const next = graphView(r.data, (id) => ctx.link("resources", { resource: id }));
        view.node.replaceWith(next.node);
        view = next;
      }, 300);
    });
  },

  // In changes.js, loaded after this file.
  changes: (...args) => changeSetsTab(...args),
  drift: (...args) => driftTab(...args),
};
