// Launching a stack: a template (stored, uploaded or pasted), its parameters as a form built from
// the template (in the order it declares them, with the constraints the API checks again), the
// create options (tags, rollback on failure, timeout, stack policy), then a review of all of it,
// checked by the API against the cloud's release, before anything is made.
"use strict";

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

// Rows of key and value fields for the stack's tags, with a button to add one more.
function tagRows() {
  const rows = el("div", { id: "tags" });
  let n = 0;
  const add = () => {
    n += 1;
    const i = n;
    rows.append(el("div", { class: "row tag-row" },
      el("label", { class: "inline", for: `tag-key-${i}` }, `Tag ${i} key`), el("input", { id: `tag-key-${i}`, class: "short", maxlength: 128 }),
      el("label", { class: "inline", for: `tag-value-${i}` }, "value"), el("input", { id: `tag-value-${i}`, class: "short", maxlength: 256 })));
  };
  add();
  return {
    node: el("fieldset", {}, el("legend", {}, "Tags ", el("span", { class: "hint" }, "(put on every resource that takes tags)")), rows,
      el("button", { type: "button", id: "add-tag", onclick: add }, "Add a tag")),
    values: () => {
      const out = {};
      rows.querySelectorAll(".tag-row").forEach((r) => {
        const [k, v] = r.querySelectorAll("input");
        if (k.value.trim()) out[k.value.trim()] = v.value;
      });
      return out;
    },
  };
}

// What the options say is wrong, if anything (the API checks the same).
function optionProblem(tags, timeout, policy) {
  if (Object.keys(tags).length > 50) return "at most 50 tags";
  const reserved = Object.keys(tags).find((k) => k.toLowerCase().startsWith("cloudstack:"));
  if (reserved) return `tag ${reserved}: keys starting with cloudstack: are the stack's own`;
  if (timeout !== "" && !(Number.isInteger(Number(timeout)) && Number(timeout) >= 1 && Number(timeout) <= 43200)) return "the timeout is 1 to 43200 minutes";
  if (policy.trim()) {
    try { const p = JSON.parse(policy); if (!Array.isArray(p.Statement)) return "a stack policy has a Statement list"; } catch (e) { return "the stack policy is not JSON: " + e.message; }
  }
  return null;
}

async function launchPage(query) {
  const templates = (await api("GET", "/v1/templates")).data;
  const list = ((templates && templates.templates) || []).filter((t) => t.owner === window.me.name);
  const preset = query.get("template") || "";
  const presetVersion = query.get("version") || "";
  const source = el("select", { id: "template-source" }, el("option", { value: "" }, "Upload or paste a template"),
    list.map((t) => el("option", { value: t.name, selected: t.name === preset }, `${t.name} (newest: version ${t.version})`)));
  const file = el("input", { id: "template-file", type: "file", accept: ".json,.template,.yaml,.yml,application/json" });
  const text = el("textarea", { id: "template-text", spellcheck: "false", "aria-describedby": "template-error" });
  const templateError = el("div", { class: "error", id: "template-error", role: "alert" });
  const name = el("input", { id: "stack-name", required: true, pattern: "[A-Za-z][A-Za-z0-9-]{0,127}", "aria-describedby": "err-name" });
  const nameError = el("p", { class: "field-error", id: "err-name", role: "alert" });
  const fields = el("div", { id: "parameters" });
  const formError = el("p", { class: "error", id: "form-error", role: "alert" });
  const tags = tagRows();
  const rollback = el("input", { type: "checkbox", id: "rollback", checked: true });
  const timeout = el("input", { id: "timeout", type: "number", min: 1, max: 43200, step: 1, class: "short" });
  const policy = el("textarea", { id: "stack-policy", spellcheck: "false", class: "short-text" });
  const review = el("section", { id: "review", "aria-labelledby": "review-title", hidden: true });
  let params = [];
  let described = null;
  const chosenSource = () => source.value
    ? { template_name: source.value, template_version: source.value === preset && presetVersion ? Number(presetVersion) : undefined }
    : { template: text.value };
  const load = async () => {
    templateError.textContent = "";
    fields.textContent = "";
    params = [];
    if (!source.value && !text.value.trim()) return;
    const r = await api("POST", "/v1/validate", chosenSource());
    if (r.status !== 200) { showProblems(r.data, templateError, {}); return; }
    described = r.data;
    params = described.parameters;
    fields.append(el("h2", {}, "Parameters"), ...(params.length ? params.map(paramField) : [el("p", {}, "This template has no parameters.")]));
  };
  source.addEventListener("change", () => { text.disabled = !!source.value; file.disabled = !!source.value; load(); });
  file.addEventListener("change", async () => { if (file.files[0]) { text.value = await file.files[0].text(); load(); } });
  text.addEventListener("change", load);

  // The values as the form holds them, checked here first; null when one needs attention.
  const gather = () => {
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
    const t = tags.values();
    const problem = optionProblem(t, timeout.value, policy.value);
    if (problem) { formError.textContent = problem; return null; }
    if (!ok) { formError.textContent = "Some values need attention."; return null; }
    const body = { name: name.value, ...chosenSource(), parameters: values, tags: t, disable_rollback: !rollback.checked };
    if (timeout.value !== "") body.timeout_minutes = Number(timeout.value);
    if (policy.value.trim()) body.stack_policy = policy.value;
    return body;
  };

  const showReview = (body) => {
    const noEcho = new Set(params.filter((p) => p.no_echo).map((p) => p.name));
    const row = (k, v) => [el("dt", {}, k), el("dd", {}, v)];
    review.replaceChildren(
      el("h2", { id: "review-title", tabindex: "-1" }, "Review"),
      el("dl", { class: "overview" },
        row("Stack name", body.name),
        row("Template", body.template_name ? `${body.template_name}${body.template_version ? " version " + body.template_version : " (newest)"}` : "pasted or uploaded"),
        row("Description", (described && described.description) || "\u2014"),
        row("Rollback on failure", body.disable_rollback ? "no: what was made is kept" : "yes"),
        row("Timeout", body.timeout_minutes ? `${body.timeout_minutes} minutes` : "none"),
        row("Stack policy", body.stack_policy ? "given" : "none"),
        row("Tags", Object.keys(body.tags).length ? Object.entries(body.tags).map(([k, v]) => `${k}=${v}`).join(", ") : "none")),
      el("h3", {}, "Parameters"),
      params.length ? table({ id: "review-parameters" }, ["Parameter", "Value"], params, (p) => [
        el("th", { scope: "row" }, p.name),
        el("td", { class: "mono" }, noEcho.has(p.name) ? (body.parameters[p.name] ? "****" : "(none)") : (body.parameters[p.name] ?? p.default ?? "")),
      ]) : el("p", {}, "None."),
      el("h3", {}, "Resources to create"),
      table({ id: "review-resources" }, ["Logical id", "Type"], (described && described.resources) || [], (x) => [el("td", {}, x.logical_id), el("td", {}, x.type)]),
      el("div", { class: "row" },
        el("button", { type: "button", id: "launch-back", onclick: () => { review.hidden = true; form.hidden = false; name.focus(); } }, "Back"),
        el("button", { type: "button", class: "primary", id: "launch-submit", onclick: () => launch(body) }, "Launch")),
      el("p", { class: "error", id: "launch-error", role: "alert" }));
    form.hidden = true;
    review.hidden = false;
    document.getElementById("review-title").focus();
  };

  const launch = async (body) => {
    const r = await api("POST", "/v1/stacks", body);
    if (r.status === 202) {
      say(`stack ${body.name} launched`);
      location.hash = "#/stacks/" + encodeURIComponent(body.name) + "?tab=events";
      return;
    }
    // Back to the form, with the API's problems at their fields.
    review.hidden = true;
    form.hidden = false;
    showProblems(r.data, templateError, { fieldErrors: true });
    formError.textContent = errorText(r.data);
  };

  const form = el("form", {
    id: "launch", novalidate: true,
    onsubmit: async (ev) => {
      ev.preventDefault();
      const body = gather();
      if (!body) return;
      // The whole plan, checked against the cloud's release, before the review.
      const r = await api("POST", "/v1/validate", { ...chosenSource(), parameters: body.parameters });
      if (r.status !== 200) {
        showProblems(r.data, templateError, { fieldErrors: true });
        formError.textContent = errorText(r.data);
        return;
      }
      described = r.data;
      showReview(body);
    },
  },
    el("label", { for: "stack-name" }, "Stack name"), name, nameError,
    el("label", { for: "template-source" }, "Template"), source,
    el("label", { for: "template-file" }, "Upload a template file"), file,
    el("label", { for: "template-text" }, "or paste it"), text, templateError,
    fields,
    el("h2", {}, "Options"),
    tags.node,
    el("label", { class: "inline", for: "rollback" }, rollback, " Roll back on failure"),
    el("label", { for: "timeout" }, "Timeout ", el("span", { class: "hint" }, "(minutes the create may take; empty: none)")), timeout,
    el("label", { for: "stack-policy" }, "Stack policy ", el("span", { class: "hint" }, "(JSON; what later updates may change)")), policy,
    formError,
    el("div", { class: "row" }, el("button", { class: "primary", type: "submit", id: "launch-next" }, "Next: review")));
  if (preset) { text.disabled = true; file.disabled = true; await load(); }
  return [el("h1", {}, "Launch a stack"), form, review];
}
