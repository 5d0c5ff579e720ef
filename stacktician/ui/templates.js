// Stored templates: the list and an upload form; one template's versions, each viewable as
// written, as JSON or as YAML, two of them compared line by line, and a stack launched from one.
"use strict";

async function templatesPage() {
  const r = await api("GET", "/v1/templates");
  const list = (r.data && r.data.templates) || [];
  const name = el("input", { id: "upload-name", required: true });
  const file = el("input", { id: "upload-file", type: "file", accept: ".json,.template,.yaml,.yml" });
  const text = el("textarea", { id: "upload-text", spellcheck: "false" });
  const msg = el("p", { id: "upload-result", role: "status" });
  file.addEventListener("change", async () => { if (file.files[0]) text.value = await file.files[0].text(); });
  const ownerQ = (t) => (t.owner !== window.me.name ? "?owner=" + encodeURIComponent(t.owner) : "");
  return [
    el("h1", {}, "Templates"),
    list.length ? table({ id: "templates" }, ["Name", "Newest version", "Stored", "Owner", "Launch"], list, (t) => [
      el("td", {}, el("a", { href: "#/templates/" + encodeURIComponent(t.name) + ownerQ(t) }, t.name)),
      el("td", {}, t.version), el("td", {}, timeEl(t.created)), el("td", {}, t.owner),
      el("td", {}, t.owner === window.me.name ? el("a", { href: `#/launch?template=${encodeURIComponent(t.name)}`, "aria-label": `Launch a stack from ${t.name}` }, "Launch") : ""),
    ]) : el("p", {}, "No stored templates."),
    el("h2", {}, "Upload"),
    el("form", { id: "upload", onsubmit: async (ev) => {
      ev.preventDefault();
      const x = await api("POST", "/v1/templates", { name: name.value, template: text.value });
      if (x.status === 201) {
        // Shown on the template's own page, which the stored version opens.
        location.hash = `#/templates/${encodeURIComponent(x.data.name)}/${x.data.version}?stored=1`;
      } else msg.textContent = errorText(x.data);
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
  const base = `/v1/templates/${encodeURIComponent(name)}`;
  const r = await api("GET", base + q);
  if (r.status !== 200) return [el("h1", {}, name), el("p", { class: "error" }, errorText(r.data))];
  const all = r.data.versions || [];
  const chosen = version ? Number(version) : r.data.version;
  let shown = r.data;
  if (chosen !== r.data.version) {
    const v = await api("GET", `${base}/versions/${chosen}${q}`);
    if (v.status !== 200) return [el("h1", {}, name), el("p", { class: "error" }, errorText(v.data))];
    shown = v.data;
  }
  const link = (v) => `#/templates/${encodeURIComponent(name)}/${v}${q}`;
  const pick = (id, label, value) => el("div", {}, el("label", { for: id }, label),
    el("select", { id }, all.map((v) => el("option", { value: v.version, selected: v.version === value }, `version ${v.version}`))));
  const from = pick("diff-from", "Compare version", Math.max(1, chosen - 1));
  const to = pick("diff-to", "with version", chosen);
  const diffSlot = el("div", {});
  const compare = async () => {
    const [a, b] = [from.querySelector("select").value, to.querySelector("select").value];
    const [x, y] = await Promise.all([api("GET", `${base}/versions/${a}${q}`), api("GET", `${base}/versions/${b}${q}`)]);
    if (x.status !== 200 || y.status !== 200) { diffSlot.replaceChildren(el("p", { class: "error" }, errorText((x.status !== 200 ? x : y).data))); return; }
    diffSlot.replaceChildren(diffView(x.data.template, y.data.template, `version ${a}`, `version ${b}`));
  };
  return [
    el("h1", {}, `${name}, version ${chosen}`),
    query.get("stored") === "1" ? el("p", { id: "stored-note", role: "status" }, `Stored as version ${chosen}.`) : null,
    el("p", {}, "Versions: ", all.map((v) => [v.version === chosen ? el("strong", { "aria-current": "page" }, String(v.version))
      : el("a", { href: link(v.version), "aria-label": `version ${v.version}` }, String(v.version)), " "]),
      " \u2014 stored ", timeEl(shown.created)),
    !owner ? el("p", {}, el("a", { href: `#/launch?template=${encodeURIComponent(name)}&version=${chosen}`, class: "button primary", id: "launch-from-template" }, "Launch a stack from this version")) : null,
    templateViewer(shown.template, shown.document, "template-body"),
    all.length > 1 ? el("section", { "aria-labelledby": "compare-title" },
      el("h2", { id: "compare-title" }, "Compare versions"),
      el("div", { class: "filters" }, from, to, el("button", { type: "button", id: "compare", onclick: compare }, "Compare")),
      diffSlot) : null,
  ];
}
