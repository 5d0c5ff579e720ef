// The stacks list: search by name or description, filter by status, deleted stacks on request;
// the filters live in the address (`#/stacks?q=&status=&deleted=1`), so a filtered list can be
// shared and comes back on reload.
"use strict";

function stackLink(s, tab) {
  const q = new URLSearchParams();
  if (tab) q.set("tab", tab);
  if (s.owner !== window.me.name) q.set("owner", s.owner);
  if (s.deleted) q.set("deleted", "1");
  const qs = q.toString();
  return `#/stacks/${encodeURIComponent(s.name)}${qs ? "?" + qs : ""}`;
}

async function stacksPage(query) {
  const deleted = query.get("deleted") === "1";
  const r = await api("GET", "/v1/stacks" + (deleted ? "?deleted=true" : ""));
  if (r.status !== 200) return [el("h1", {}, "Stacks"), el("p", { class: "error" }, errorText(r.data))];
  const all = r.data.stacks;
  const chosen = query.get("status") || "";
  const words = (query.get("q") || "").trim().toLowerCase();
  const go = (changes) => {
    const q = new URLSearchParams(query);
    for (const [k, v] of Object.entries(changes)) v ? q.set(k, v) : q.delete(k);
    const qs = q.toString();
    location.hash = "#/stacks" + (qs ? "?" + qs : "");
  };
  const statuses = [...new Set(all.map((s) => s.status).concat(chosen ? [chosen] : []))].sort();
  const filter = el("select", { id: "status-filter", onchange: (e) => go({ status: e.target.value }) },
    el("option", { value: "" }, "All statuses"),
    statuses.map((s) => el("option", { value: s, selected: s === chosen }, s)));
  const search = el("input", { id: "stack-search", type: "search", value: words, placeholder: "name or description" });
  search.addEventListener("keydown", (e) => { if (e.key === "Enter") go({ q: search.value.trim() }); });
  search.addEventListener("search", () => go({ q: search.value.trim() }));
  const showDeleted = el("input", { type: "checkbox", id: "show-deleted", checked: deleted, onchange: (e) => go({ deleted: e.target.checked ? "1" : "" }) });
  const shown = all.filter((s) => (!chosen || s.status === chosen)
    && (!words || s.name.toLowerCase().includes(words) || (s.description || "").toLowerCase().includes(words)));
  const admin = window.me.admin;
  const headers = ["Stack", "Status", el("th", { scope: "col", class: "hide-narrow" }, "Description"), "Created", el("th", { scope: "col", class: "hide-narrow" }, "Updated")]
    .concat(admin ? ["Owner"] : []);
  return [
    el("h1", {}, "Stacks"),
    el("div", { class: "filters" },
      el("div", {}, el("label", { for: "stack-search" }, "Search"), search),
      el("div", {}, el("label", { for: "status-filter" }, "Status"), filter),
      el("label", { class: "inline", for: "show-deleted" }, showDeleted, " Deleted stacks too"),
      el("a", { href: "#/launch", class: "button primary" }, "Launch a stack")),
    shown.length
      ? table({ id: "stacks" }, headers, shown, (s) => [
          el("td", {}, el("a", { href: stackLink(s) }, s.name), s.deleted ? el("span", { class: "tag" }, "deleted") : null),
          el("td", {}, statusBadge(s.status)),
          el("td", { class: "hide-narrow" }, s.description || ""),
          el("td", {}, timeEl(s.created || (s.operation && s.operation.created))),
          el("td", { class: "hide-narrow" }, timeEl(s.updated)),
          admin ? el("td", {}, s.owner) : null,
        ], (s) => ({ "data-stack": s.name }))
      : el("p", { id: "no-stacks" }, "No stacks" + (chosen ? " in " + chosen : "") + (words ? ` matching \u201c${words}\u201d` : "") + "."),
  ];
}
