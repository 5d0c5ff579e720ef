// Templates as text: a viewer that shows one as written, as JSON or as YAML (the service reads it
// into JSON; YAML is written here from that), and a line diff of two versions.
"use strict";

// A YAML scalar: plain where YAML 1.2 reads it back as the same string, quoted otherwise.
function yamlScalar(v) {
  if (v === null) return "null";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const s = String(v);
  const plain = /^[A-Za-z_./][A-Za-z0-9_ ./:@-]*$/.test(s) && !/[: ]$/.test(s) && !/: /.test(s)
    && !/^(true|false|null|yes|no|on|off|~)$/i.test(s) && !/^[0-9.+-]/.test(s);
  return plain ? s : JSON.stringify(s);
}

// `v` as YAML text (block style; empty collections in flow style).
function toYaml(v, indent) {
  const pad = "  ".repeat(indent || 0);
  if (Array.isArray(v)) {
    if (!v.length) return "[]";
    return v.map((x) => {
      const inner = toYaml(x, (indent || 0) + 1);
      return x !== null && typeof x === "object" && Object.keys(x).length
        ? `${pad}- ${inner.trimStart()}`
        : `${pad}- ${inner}`;
    }).join("\n");
  }
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v);
    if (!keys.length) return "{}";
    return keys.map((k) => {
      const x = v[k];
      const key = yamlScalar(k);
      if (x !== null && typeof x === "object" && (Array.isArray(x) ? x.length : Object.keys(x).length)) {
        return `${pad}${key}:\n${toYaml(x, (indent || 0) + 1)}`;
      }
      if (typeof x === "string" && x.includes("\n")) {
        const body = x.replace(/\n$/, "").split("\n").map((l) => pad + "  " + l).join("\n");
        return `${pad}${key}: |${x.endsWith("\n") ? "" : "-"}\n${body}`;
      }
      return `${pad}${key}: ${toYaml(x, 0)}`;
    }).join("\n");
  }
  return yamlScalar(v);
}

// A viewer with three views of one template: as written, JSON and YAML.
function templateViewer(text, doc, id) {
  const pre = el("pre", { id, tabindex: "0", "aria-label": "Template text" });
  const views = {
    written: () => text,
    json: () => (doc ? JSON.stringify(doc, null, 2) : "This template does not read as JSON."),
    yaml: () => (doc ? toYaml(doc) + "\n" : "This template does not read as YAML."),
  };
  const buttons = [["written", "As written"], ["json", "JSON"], ["yaml", "YAML"]].map(([k, label]) =>
    el("button", { type: "button", id: `${id}-as-${k}`, "aria-pressed": k === "written" ? "true" : "false", onclick: () => show(k) }, label));
  const show = (k) => {
    pre.textContent = views[k]();
    pre.dataset.view = k;
    buttons.forEach((b) => b.setAttribute("aria-pressed", b.id === `${id}-as-${k}` ? "true" : "false"));
  };
  show("written");
  return el("div", { class: "template-viewer" }, el("div", { class: "row", role: "group", "aria-label": "Show the template" }, buttons), pre);
}

// The lines of `a` and `b` as a diff: each line kept (" "), removed ("-") or added ("+"), by the
// longest common subsequence of lines.
function lineDiff(a, b) {
  const x = a.split("\n"), y = b.split("\n");
  const n = x.length, m = y.length;
  // Too long to compare line by line in the page: each side whole.
  if (n * m > 4_000_000) return x.map((l) => ["-", l]).concat(y.map((l) => ["+", l]));
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) {
    lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) { out.push([" ", x[i]]); i++; j++; }
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push(["-", x[i++]]);
    else out.push(["+", y[j++]]);
  }
  while (i < n) out.push(["-", x[i++]]);
  while (j < m) out.push(["+", y[j++]]);
  return out;
}

// A diff as a table of lines, each marked by its sign as well as its colour.
function diffView(a, b, labelA, labelB) {
  const lines = lineDiff(a, b);
  const changed = lines.filter(([s]) => s !== " ").length;
  const cls = { " ": "same", "-": "removed", "+": "added" };
  const said = { " ": "unchanged", "-": "removed", "+": "added" };
  return el("div", { id: "diff" },
    el("p", { id: "diff-summary" }, changed ? `${lines.filter(([s]) => s === "-").length} lines removed from ${labelA}, ${lines.filter(([s]) => s === "+").length} added in ${labelB}.` : `${labelA} and ${labelB} are the same.`),
    el("pre", { class: "diff", tabindex: "0", "aria-label": `Differences from ${labelA} to ${labelB}` },
      lines.map(([s, l]) => el("span", { class: "line " + cls[s], title: said[s] }, `${s} ${l}\n`))));
}
