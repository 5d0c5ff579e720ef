// The dependency graph of a stack as an SVG picture: resources in layers (a resource one layer right
// of the furthest of its dependencies), each box coloured by its status and labelled with it, so
// that the status is not told by colour alone.
"use strict";

function statusClass(status) {
  if (!status) return "idle";
  // A deleted stack or resource is gone as asked: neutral, not the look of a failure.
  if (status === "DELETE_COMPLETE") return "idle";
  if (/FAILED/.test(status) || /ROLLBACK/.test(status)) return "bad";
  if (/IN_PROGRESS/.test(status)) return "busy";
  if (/COMPLETE/.test(status)) return "ok";
  return "idle";
}

const FILL = { ok: "#dafbe1", bad: "#ffebe9", busy: "#fff8c5", idle: "#f6f8fa" };
const STROKE = { ok: "#1a7f37", bad: "#cf222e", busy: "#9a6700", idle: "#8c959f" };

function drawGraph(svg, graph) {
  const NS = "http://www.w3.org/2000/svg";
  const deps = {};
  graph.nodes.forEach((n) => (deps[n.id] = []));
  graph.edges.forEach((e) => deps[e.to] && deps[e.to].push(e.from));
  const layer = {};
  const layerOf = (id, seen) => {
    if (layer[id] !== undefined) return layer[id];
    if (seen.has(id)) return 0;
    seen.add(id);
    const l = deps[id].length ? 1 + Math.max(...deps[id].map((d) => layerOf(d, seen))) : 0;
    layer[id] = l;
    return l;
  };
  graph.nodes.forEach((n) => layerOf(n.id, new Set()));
  const columns = [];
  graph.nodes.forEach((n) => (columns[layer[n.id]] = columns[layer[n.id]] || []).push(n));
  const W = 180, H = 44, GX = 50, GY = 14;
  const pos = {};
  columns.forEach((col, x) => col.forEach((n, y) => (pos[n.id] = { x: 10 + x * (W + GX), y: 10 + y * (H + GY) })));
  const width = 20 + columns.length * (W + GX) - GX;
  const height = 20 + Math.max(1, ...columns.map((c) => c.length)) * (H + GY) - GY;
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  svg.setAttribute("viewBox", `0 0 ${Math.max(width, 200)} ${Math.max(height, 60)}`);
  // Drawn at its own size, and scaled down (never up) to fit.
  svg.setAttribute("width", Math.max(width, 200));
  svg.setAttribute("height", Math.max(height, 60));
  const defs = document.createElementNS(NS, "defs");
  defs.innerHTML = '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#57606a"/></marker>';
  svg.appendChild(defs);
  graph.edges.forEach((e) => {
    const a = pos[e.from], b = pos[e.to];
    if (!a || !b) return;
    const line = document.createElementNS(NS, "path");
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
    line.setAttribute("d", `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}`);
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", "#8c959f");
    line.setAttribute("marker-end", "url(#arrow)");
    svg.appendChild(line);
  });
  graph.nodes.forEach((n) => {
    const p = pos[n.id], cls = statusClass(n.status);
    const g = document.createElementNS(NS, "g");
    g.setAttribute("class", "node");
    g.setAttribute("data-id", n.id);
    g.setAttribute("data-status", n.status);
    const title = document.createElementNS(NS, "title");
    title.textContent = `${n.id} (${n.type}): ${n.status}`;
    g.appendChild(title);
    const r = document.createElementNS(NS, "rect");
    Object.entries({ x: p.x, y: p.y, width: W, height: H, rx: 6, fill: FILL[cls], stroke: STROKE[cls], "stroke-width": 2 })
      .forEach(([k, v]) => r.setAttribute(k, v));
    g.appendChild(r);
    const t1 = document.createElementNS(NS, "text");
    Object.entries({ x: p.x + 8, y: p.y + 17, "font-weight": 600 }).forEach(([k, v]) => t1.setAttribute(k, v));
    t1.textContent = n.id.length > 24 ? n.id.slice(0, 23) + "\u2026" : n.id;
    const t2 = document.createElementNS(NS, "text");
    Object.entries({ x: p.x + 8, y: p.y + 34, fill: STROKE[cls] }).forEach(([k, v]) => t2.setAttribute(k, v));
    t2.textContent = n.status;
    g.appendChild(t1);
    g.appendChild(t2);
    svg.appendChild(g);
  });
  svg.setAttribute("aria-label", "Dependency graph: " + graph.nodes.map((n) => `${n.id} ${n.status}`).join(", "));
}
