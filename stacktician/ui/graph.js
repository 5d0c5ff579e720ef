// The dependency graph of a stack, readable at any size. Resources stand in columns (each one
// column right of the furthest of its dependencies); an edge that spans columns passes through a
// free slot in every column between, so no edge is drawn behind a box; the order in each column is
// chosen to cross few edges. Each box names its resource, its type and its status (not told by
// colour alone) and links to the resource. The picture zooms and pans (buttons, keys, wheel with
// Ctrl, dragging); at phone width, or when asked, the same graph is a list.
"use strict";

const FILL = { ok: "#dafbe1", bad: "#ffebe9", busy: "#fff8c5", idle: "#f6f8fa" };
const STROKE = { ok: "#1a7f37", bad: "#cf222e", busy: "#7d5400", idle: "#57606a" };
const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, v);
  children.forEach((c) => e.appendChild(typeof c === "string" ? document.createTextNode(c) : c));
  return e;
}

// Columns of node ids (real and pass-through), with each edge as the chain of ids it goes along.
function layout(graph) {
  const deps = {};
  graph.nodes.forEach((n) => (deps[n.id] = []));
  graph.edges.forEach((e) => deps[e.to] && deps[e.from] && deps[e.to].push(e.from));
  const col = {};
  const colOf = (id, seen) => {
    if (col[id] !== undefined) return col[id];
    if (seen.has(id)) return 0;
    seen.add(id);
    col[id] = deps[id].length ? 1 + Math.max(...deps[id].map((d) => colOf(d, seen))) : 0;
    return col[id];
  };
  graph.nodes.forEach((n) => colOf(n.id, new Set()));
  const columns = [];
  const put = (id, c) => (columns[c] = columns[c] || []).push(id);
  graph.nodes.forEach((n) => put(n.id, col[n.id]));
  // Every edge gets a pass-through point in each column it crosses.
  const chains = [];
  graph.edges.forEach((e, i) => {
    if (col[e.from] === undefined || col[e.to] === undefined) return;
    const chain = [e.from];
    for (let c = col[e.from] + 1; c < col[e.to]; c++) {
      const id = `\u0000pass${i}:${c}`;
      col[id] = c;
      put(id, c);
      chain.push(id);
    }
    chain.push(e.to);
    chains.push({ edge: e, chain });
  });
  // Fewer crossings: each column ordered by the mean position of its neighbours, a few sweeps
  // left to right and back.
  const left = {}, right = {};
  chains.forEach(({ chain }) => chain.slice(1).forEach((id, k) => {
    (left[id] = left[id] || []).push(chain[k]);
    (right[chain[k]] = right[chain[k]] || []).push(id);
  }));
  const rank = {};
  const rerank = () => columns.forEach((ids) => ids.forEach((id, k) => (rank[id] = k)));
  rerank();
  const sweep = (cols, near) => cols.forEach((c) => {
    const ids = columns[c];
    const at = (id) => (near[id] && near[id].length ? near[id].reduce((s, n) => s + rank[n], 0) / near[id].length : rank[id]);
    ids.sort((a, b) => at(a) - at(b));
    ids.forEach((id, k) => (rank[id] = k));
  });
  const order = [...columns.keys()];
  for (let i = 0; i < 4; i++) { sweep(order.slice(1), left); sweep(order.slice(0, -1).reverse(), right); }
  rerank();
  return { columns, chains };
}

function graphView(graph, linkFor) {
  const W = 230, H = 58, GX = 70, GY = 18, PASS = 14, PAD = 12;
  const byId = {};
  graph.nodes.forEach((n) => (byId[n.id] = n));
  const { columns, chains } = layout(graph);
  // Positions: a box is H high, a pass-through slot PASS; each column stacked from the top.
  const pos = {};
  let height = 0;
  columns.forEach((ids, c) => {
    let y = PAD;
    ids.forEach((id) => {
      const real = !!byId[id];
      pos[id] = { x: PAD + c * (W + GX), y, h: real ? H : PASS, real };
      y += (real ? H : PASS) + GY;
    });
    height = Math.max(height, y - GY + PAD);
  });
  const width = PAD * 2 + columns.length * (W + GX) - GX;
  const size = { w: Math.max(width, 240), h: Math.max(height, 80) };
  const svg = svgEl("svg", { class: "graph", role: "group", id: "graph", viewBox: `0 0 ${size.w} ${size.h}`, tabindex: "0",
    "aria-label": "Dependency graph: each box links to its resource; plus and minus zoom, arrows pan" });
  // Drawn at its own size, scaled down (never up) to fit (set through the style object: the
  // page's content security policy refuses style attributes).
  svg.style.maxWidth = `${size.w}px`;
  svg.appendChild(svgEl("defs", {}, svgEl("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" },
    svgEl("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#57606a" }))));
  // Edges: from a box's right side to the next point's left, through each pass-through point;
  // each piece lies in the gap between two columns, where no box stands.
  const edges = svgEl("g", { class: "edges" });
  chains.forEach(({ edge, chain }) => {
    const pts = chain.map((id) => pos[id]);
    let d = "";
    for (let k = 0; k + 1 < pts.length; k++) {
      const a = pts[k], b = pts[k + 1];
      const x1 = a.real ? a.x + W : a.x + W, y1 = a.y + a.h / 2, x2 = b.x, y2 = b.y + b.h / 2, mx = (x1 + x2) / 2;
      if (k === 0) d += `M ${x1} ${y1} `;
      d += `C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2} `;
      // Through a pass-through slot: straight across its column.
      if (!b.real) d += `L ${b.x + W} ${y2} `;
    }
    edges.appendChild(svgEl("path", { d, fill: "none", stroke: "#6e7781", "stroke-width": "1.5", "marker-end": "url(#arrow)",
      "data-from": edge.from, "data-to": edge.to }));
  });
  const content = svgEl("g", { class: "content" }, edges);
  const nodes = {};
  graph.nodes.forEach((n) => {
    const p = pos[n.id];
    const rect = svgEl("rect", { x: p.x, y: p.y, width: W, height: H, rx: 6, "stroke-width": 2 });
    const status = svgEl("text", { x: p.x + 8, y: p.y + 50, "font-size": "11" });
    const cut = (s, n) => (s.length > n ? s.slice(0, n - 1) + "\u2026" : s);
    const title = svgEl("title");
    const a = svgEl("a", { href: linkFor(n.id), class: "node", "data-id": n.id },
      title, rect,
      svgEl("text", { x: p.x + 8, y: p.y + 17, "font-weight": "600" }, cut(n.id, 30)),
      svgEl("text", { x: p.x + 8, y: p.y + 33, fill: "#57606a", "font-size": "11" }, cut(n.type, 36)),
      status);
    nodes[n.id] = { a, rect, status, title, node: n };
    content.appendChild(a);
  });
  svg.appendChild(content);
  // The list: the same resources, for narrow screens and for anyone who asks for it.
  const items = {};
  const list = el("ul", { class: "graph-list", id: "graph-list" }, graph.nodes.map((n) => {
    const needs = graph.edges.filter((e) => e.to === n.id).map((e) => e.from);
    items[n.id] = el("span", {});
    return el("li", { "data-id": n.id }, el("a", { href: linkFor(n.id) }, n.id), ` (${n.type}) `, items[n.id],
      needs.length ? el("span", { class: "hint" }, " \u2014 needs " + needs.join(", ")) : null);
  }));
  const paint = (id, st) => {
    const x = nodes[id];
    if (!x) return;
    x.node.status = st;
    const cls = statusClass(st);
    x.rect.setAttribute("fill", FILL[cls]);
    x.rect.setAttribute("stroke", STROKE[cls]);
    x.status.setAttribute("fill", STROKE[cls]);
    x.status.textContent = st;
    x.a.setAttribute("data-status", st);
    x.a.setAttribute("aria-label", `${id}, ${x.node.type}: ${st}`);
    x.title.textContent = `${id} (${x.node.type}): ${st}`;
    items[id].replaceChildren(statusBadge(st));
  };
  graph.nodes.forEach((n) => paint(n.id, n.status));

  // Zoom and pan: the view box moves over the picture.
  const view = { x: 0, y: 0, w: size.w, h: size.h };
  const apply = () => svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
  const zoom = (f, cx, cy) => {
    const w = Math.min(Math.max(view.w * f, size.w / 8), size.w * 2);
    const k = w / view.w;
    cx = cx === undefined ? view.x + view.w / 2 : cx;
    cy = cy === undefined ? view.y + view.h / 2 : cy;
    view.x = cx - (cx - view.x) * k; view.y = cy - (cy - view.y) * k;
    view.w = w; view.h = view.h * k;
    apply();
  };
  const pan = (dx, dy) => { view.x += dx * view.w; view.y += dy * view.h; apply(); };
  const fit = () => { Object.assign(view, { x: 0, y: 0, w: size.w, h: size.h }); apply(); };
  svg.addEventListener("keydown", (e) => {
    const keys = { "+": () => zoom(0.8), "=": () => zoom(0.8), "-": () => zoom(1.25), "0": fit,
      ArrowLeft: () => pan(-0.1, 0), ArrowRight: () => pan(0.1, 0), ArrowUp: () => pan(0, -0.1), ArrowDown: () => pan(0, 0.1) };
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });
  svg.addEventListener("wheel", (e) => {
    if (!e.ctrlKey) return;
    e.preventDefault();
    const r = svg.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 0.85 : 1.18, view.x + ((e.clientX - r.left) / r.width) * view.w, view.y + ((e.clientY - r.top) / r.height) * view.h);
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", (e) => {
    if (e.target.closest("a")) return;
    drag = { x: e.clientX, y: e.clientY };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const r = svg.getBoundingClientRect();
    pan(-(e.clientX - drag.x) / r.width, -(e.clientY - drag.y) / r.height);
    drag = { x: e.clientX, y: e.clientY };
  });
  svg.addEventListener("pointerup", () => (drag = null));
  const wrap = el("div", { class: "graph-wrap" });
  const asList = el("button", { type: "button", id: "graph-as-list", "aria-pressed": "false", onclick: () => {
    const on = wrap.classList.toggle("as-list");
    asList.setAttribute("aria-pressed", on ? "true" : "false");
    asList.textContent = on ? "Show as a picture" : "Show as a list";
  } }, "Show as a list");
  wrap.append(
    el("div", { class: "row graph-controls" },
      el("button", { type: "button", id: "zoom-in", onclick: () => zoom(0.8) }, "Zoom in"),
      el("button", { type: "button", id: "zoom-out", onclick: () => zoom(1.25) }, "Zoom out"),
      el("button", { type: "button", id: "zoom-fit", onclick: fit }, "Fit"),
      asList),
    el("p", { class: "hint graph-hint" }, "Each box is a resource, right of what it needs: its name, type and status. Drag to pan; Ctrl and the wheel zoom."),
    el("div", { class: "graph-frame" }, svg),
    list);
  return { node: wrap, update: paint, has: (id) => !!nodes[id] };
}
