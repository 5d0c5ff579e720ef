// A stack's change sets and drift. An update from the UI is always a change set: made from a new
// template or the same one with new parameters, shown for review (what happens to each resource,
// and each property before and after) and only then executed. Drift shows the last check, when it
// was made, and each changed property expected and actual side by side.
"use strict";

function shown(v) {
  if (v === null || v === undefined) return "\u2014";
  return typeof v === "string" ? v : JSON.stringify(v);
}

// The form that makes a change set: its name, the template (kept, stored, or pasted) and the
// parameters, prefilled with the stack's current values (NoEcho ones must be given again).
async function changeSetForm(ctx, onMade) {
  const [current, stored, described] = await Promise.all([
    api("GET", ctx.path("/template")), api("GET", "/v1/templates"), api("GET", ctx.path("")),
  ]);
  const values = (described.data && described.data.parameters) || {};
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
  const name = el("input", { id: "cs-name", value: "update-" + stamp, pattern: "[A-Za-z][A-Za-z0-9-]*" });
  const kind = el("select", { id: "cs-template" },
    el("option", { value: "current" }, "Keep the current template"),
    ((stored.data && stored.data.templates) || []).filter((t) => t.owner === window.me.name)
      .map((t) => el("option", { value: "stored:" + t.name }, `Stored template ${t.name} (version ${t.version})`)),
    el("option", { value: "paste" }, "Paste a new template"));
  const text = el("textarea", { id: "cs-text", spellcheck: "false", hidden: true, "aria-label": "The new template" });
  const fields = el("div", { id: "cs-parameters" });
  const problems = el("div", { class: "error", id: "cs-error", role: "alert" });
  let params = [];
  const source = () => kind.value === "current" ? { template: (current.data && current.data.template) || "" }
    : kind.value === "paste" ? { template: text.value } : { template_name: kind.value.slice(7) };
  const load = async () => {
    problems.textContent = "";
    fields.textContent = "";
    text.hidden = kind.value !== "paste";
    if (kind.value === "paste" && !text.value.trim()) return;
    const r = await api("POST", "/v1/validate", source());
    if (r.status !== 200) { showProblems(r.data, problems, {}); return; }
    params = r.data.parameters;
    fields.append(el("h3", {}, "Parameters"), ...(params.length ? params.map((p) => {
      const f = paramField(p);
      const input = f.querySelector("input, select");
      const now = values[p.name];
      if (p.no_echo) input.required = true;
      else if (now !== undefined) input.value = now;
      return f;
    }) : [el("p", {}, "The template has no parameters.")]));
  };
  kind.addEventListener("change", load);
  text.addEventListener("change", load);
  await load();
  return el("form", {
    id: "change-set-form", novalidate: true,
    onsubmit: async (ev) => {
      ev.preventDefault();
      problems.textContent = "";
      const given = {};
      let ok = true;
      for (const p of params) {
        const input = document.getElementById("param-" + p.name);
        const err = document.getElementById("err-" + p.name);
        err.textContent = "";
        const problem = p.no_echo && input.value === "" ? "give the NoEcho value again (it is not kept)" : broken(p, input.value);
        if (problem) { err.textContent = problem; ok = false; }
        if (input.value !== "") given[p.name] = input.value;
      }
      if (!ok) { problems.textContent = "Some values need attention."; return; }
      const r = await api("POST", ctx.path("/change-sets"), { name: name.value, ...source(), parameters: given });
      if (r.status !== 201) { showProblems(r.data, problems, { fieldErrors: true }); return; }
      say(`change set ${r.data.name} made: review it before executing`);
      onMade(r.data.name);
    },
  },
    el("h2", { id: "cs-form-title" }, "New change set"),
    el("label", { for: "cs-name" }, "Change set name"), name,
    el("label", { for: "cs-template" }, "Template"), kind, text,
    fields, problems,
    el("div", { class: "row" }, el("button", { type: "submit", class: "primary", id: "cs-create" }, "Create change set for review")));
}

// One change set for review: each resource's action, and each property before and after.
function changeSetView(ctx, c, refresh) {
  const secrets = (c.no_echo || []).map((n) => el("div", { class: "field" },
    el("label", { for: `cs-secret-${c.name}-${n}` }, `${n} `, el("span", { class: "hint" }, "(NoEcho: give it again to execute)")),
    el("input", { id: `cs-secret-${c.name}-${n}`, type: "password", autocomplete: "new-password", "data-name": n })));
  const result = el("p", { role: "status", id: `cs-result-${c.name}` });
  const rows = [];
  for (const x of c.changes) {
    rows.push(el("tr", { "data-change": x.logical },
      el("td", {}, x.action), el("td", {}, x.logical), el("td", {}, x.type_name), el("td", {}, x.replacement || "\u2014")));
    if ((x.properties || []).length) {
      rows.push(el("tr", { class: "properties" }, el("td", { colspan: 4 },
        table({ class: "property-changes", "aria-label": `Properties of ${x.logical}` }, ["Property", "Before", "After", "Effect"], x.properties, (p) => [
          el("th", { scope: "row" }, p.name), el("td", { class: "mono before" }, shown(p.before)),
          el("td", { class: "mono after" }, shown(p.after) + (p.dynamic ? " (may change)" : "")), el("td", {}, p.effect)]))));
    }
  }
  return el("article", { class: "change-set", "data-change-set": c.name, "aria-labelledby": `cs-title-${c.name}` },
    el("h2", { id: `cs-title-${c.name}` }, c.name, c.stale ? el("span", { class: "tag" }, "stale: the stack changed since") : null),
    el("p", { class: "hint" }, "Made ", timeEl(c.created), ". ", c.changes.length ? `${c.changes.length} resource change${c.changes.length === 1 ? "" : "s"}.` : "No change."),
    el("div", { class: "scroll" }, el("table", { class: "changes" },
      el("thead", {}, el("tr", {}, ["Action", "Logical id", "Type", "Replacement"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows))),
    secrets,
    el("div", { class: "row" },
      el("button", { type: "button", class: "primary", id: `execute-${c.name}`, disabled: c.stale || ctx.deleted, onclick: async () => {
        if (!(await confirmAction("Execute " + c.name + "?", "The stack is updated as the change set says."))) return;
        const given = {};
        secrets.forEach((f) => { const i = f.querySelector("input"); if (i.value) given[i.dataset.name] = i.value; });
        const x = await api("POST", `${ctx.base}/change-sets/${encodeURIComponent(c.name)}/execute${ctx.q}`, { parameters: given });
        const said = x.status === 202 ? `${c.name}: executing (operation ${x.data.operation.id})` : errorText(x.data);
        result.textContent = said;
        say(said);
        if (x.status === 202) location.hash = ctx.link("events");
      } }, "Execute " + c.name),
      el("button", { type: "button", id: `delete-cs-${c.name}`, disabled: ctx.deleted, onclick: async () => {
        if (!(await confirmAction("Delete change set " + c.name + "?", "The change set is removed; the stack is not changed."))) return;
        const x = await api("DELETE", `${ctx.base}/change-sets/${encodeURIComponent(c.name)}${ctx.q}`);
        say(x.status === 200 ? `change set ${c.name} deleted` : errorText(x.data));
        refresh();
      } }, "Delete")),
    result);
}

async function changeSetsTab(ctx, body, query) {
  if (ctx.deleted) { body.append(el("p", {}, "A deleted stack has no change sets.")); return null; }
  const r = await tabData(ctx, body, ctx.path("/change-sets"));
  if (!r || r === "gone") return r;
  const list = el("div", { id: "change-sets" });
  const formSlot = el("div", {});
  const refresh = () => route();
  const draw = (sets) => list.replaceChildren(...(sets.length ? sets.map((c) => changeSetView(ctx, c, refresh))
    : [el("p", { id: "no-change-sets" }, "No change sets.")]));
  draw(r.change_sets);
  const openForm = async () => {
    const form = await changeSetForm(ctx, (made) => {
      location.hash = ctx.link("changes", { review: made });
    });
    formSlot.replaceChildren(form);
    // Focus once the form is in the page (a tab opened with the form is drawn after this).
    setTimeout(() => form.querySelector("#cs-name").focus());
  };
  body.append(
    el("p", {}, "An update is made as a change set: review what it does, then execute it."),
    ctx.deleted ? null : el("div", { class: "row" }, el("button", { type: "button", id: "new-change-set", onclick: openForm }, "Create a change set")),
    formSlot, list);
  if (query.get("new") === "1" && !ctx.deleted) await openForm();
  const review = query.get("review");
  if (review) setTimeout(() => { const a = document.querySelector(`[data-change-set="${CSS.escape(review)}"]`); if (a) { a.scrollIntoView(); a.querySelector("button").focus(); } });
}

function driftReport(report) {
  return [
    el("p", { id: "drift-status" }, "Stack: ", el("strong", {}, report.status), " \u2014 checked ", timeEl(report.checked)),
    table({ id: "drift-resources" }, ["Logical id", "Type", "Drift", "Expected and actual"], report.resources, (x) => [
      el("td", {}, x.logical), el("td", {}, x.type_name), el("td", { "data-drift": x.status }, x.status),
      el("td", {}, (x.differences || []).length
        ? table({ class: "drift-properties", "aria-label": `Drifted properties of ${x.logical}` }, ["Property", "Expected", "Actual"], x.differences, (p) => [
            el("th", { scope: "row" }, p.property), el("td", { class: "mono" }, shown(p.expected)), el("td", { class: "mono" }, shown(p.actual))])
        : "")]),
  ];
}

async function driftTab(ctx, body) {
  if (ctx.deleted) { body.append(el("p", {}, "A deleted stack is not checked for drift.")); return null; }
  const r = await tabData(ctx, body, ctx.path("/drift"));
  if (!r || r === "gone") return r;
  const out = el("div", { id: "drift" });
  out.append(...(r.checked ? driftReport(r) : [el("p", { id: "drift-never" }, "Never checked for drift.")]));
  const detect = el("button", { type: "button", id: "detect-drift", disabled: ctx.deleted, onclick: async () => {
    detect.disabled = true;
    out.replaceChildren(el("p", { role: "status" }, "Checking\u2026"));
    const x = await api("POST", ctx.path("/drift"), {});
    detect.disabled = false;
    out.replaceChildren(...(x.status === 200 ? driftReport(x.data) : [el("p", { class: "error" }, errorText(x.data))]));
    say(x.status === 200 ? `drift: ${x.data.status}` : errorText(x.data));
  } }, "Detect drift");
  body.append(el("div", { class: "row" }, detect), out);
}
