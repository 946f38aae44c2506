/* global document */
// Draws the dependency graph as SVG: layers by depth from top to bottom
// (external roots first), ordered by the mean position of their parents to
// keep crossings down. Top to bottom because layers are usually wider than deep.
const NS = 'http://www.w3.org/2000/svg';
const NODE_W = 270;
const NODE_H = 46;
const GAP_X = 24;
const GAP_Y = 64;

function el(name, attrs = {}, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** `registry.example.com/platform/python` -> `platform/python`. */
export function shortImage(name) {
  const parts = name.split('/');
  return parts.length > 2
    ? parts.slice(1).join('/')
    : name.replace(/^docker\.io\/(library\/)?/, '');
}

function shortRef(ref) {
  return ref
    .replace(/^docker\.io\/(library\/)?/, '')
    .replace(/@sha256:([0-9a-f]{8})[0-9a-f]+/, '@$1…');
}

/** Nodes with x, y and layer; edges between node ids. External refs are nodes too. */
export function layout(graph) {
  const nodes = new Map();
  for (const n of graph.nodes) {
    const title = n.images.length
      ? shortImage(n.images[0].name)
      : n.dockerfile.replace(/^repos\//, '').replace(/\/(Dockerfile|Containerfile)$/, '');
    nodes.set(n.dockerfile, {
      id: n.dockerfile,
      kind: 'dockerfile',
      title,
      sub: n.dockerfile,
      parents: [],
    });
  }
  const edges = [];
  for (const x of graph.external) {
    nodes.set(`ext:${x.ref}`, {
      id: `ext:${x.ref}`,
      kind: 'external',
      title: shortRef(x.ref),
      sub: 'external',
      parents: [],
    });
    for (const d of x.dependents) edges.push({ from: `ext:${x.ref}`, to: d, kind: 'from' });
  }
  for (const e of graph.edges)
    if (e.from !== e.to) edges.push({ from: e.from, to: e.to, kind: e.kind });
  for (const e of edges) nodes.get(e.to)?.parents.push(e.from);
  // Longest path from a root; a cycle (reported in errors) is cut by the visiting guard.
  const depth = new Map();
  const visiting = new Set();
  function depthOf(id) {
    if (depth.has(id)) return depth.get(id);
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const n = nodes.get(id);
    const d = n && n.parents.length ? 1 + Math.max(...n.parents.map(depthOf)) : 0;
    visiting.delete(id);
    depth.set(id, d);
    return d;
  }
  const layers = [];
  for (const id of nodes.keys()) (layers[depthOf(id)] ??= []).push(nodes.get(id));
  layers.forEach((layer, l) => {
    if (l === 0) layer.sort((a, b) => a.title.localeCompare(b.title));
    else {
      const mean = (n) =>
        n.parents.reduce((s, p) => s + (nodes.get(p)?.order ?? 0), 0) / (n.parents.length || 1);
      layer.sort((a, b) => mean(a) - mean(b) || a.title.localeCompare(b.title));
    }
    layer.forEach((n, i) => Object.assign(n, { order: i, layer: l }));
  });
  const widest = Math.max(1, ...layers.map((l) => l?.length ?? 0));
  const width = widest * (NODE_W + GAP_X) - GAP_X;
  layers.forEach((layer) => {
    const offset = (width - (layer.length * (NODE_W + GAP_X) - GAP_X)) / 2;
    for (const n of layer) {
      n.x = offset + n.order * (NODE_W + GAP_X);
      n.y = n.layer * (NODE_H + GAP_Y);
    }
  });
  return {
    nodes: [...nodes.values()],
    edges,
    width,
    height: layers.length * (NODE_H + GAP_Y) - GAP_Y,
  };
}

/** Renders into `svg` and returns controls for search, highlight and fit. */
export function drawGraph(svg, graph) {
  svg.replaceChildren();
  const g = layout(graph);
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const defs = el('defs');
  const marker = el('marker', {
    id: 'arrow',
    viewBox: '0 0 10 10',
    refX: 10,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: 'auto-start-reverse',
  });
  marker.append(el('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow' }));
  defs.append(marker);
  svg.append(defs);
  const edgeLayer = el('g', { class: 'edges' });
  const nodeLayer = el('g', { class: 'nodes' });
  svg.append(edgeLayer, nodeLayer);
  const edgeEls = [];
  for (const e of g.edges) {
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + NODE_W / 2;
    const y1 = a.y + NODE_H;
    const x2 = b.x + NODE_W / 2;
    const y2 = b.y;
    const mid = (y1 + y2) / 2;
    const path = el('path', {
      d: `M ${x1} ${y1} C ${x1} ${mid}, ${x2} ${mid}, ${x2} ${y2}`,
      class: `edge edge-${e.kind}`,
      'marker-end': 'url(#arrow)',
    });
    path.dataset.from = e.from;
    path.dataset.to = e.to;
    edgeLayer.append(path);
    edgeEls.push(path);
  }
  const nodeEls = new Map();
  for (const n of g.nodes) {
    const group = el('g', {
      class: `node node-${n.kind}`,
      transform: `translate(${n.x} ${n.y})`,
      'data-id': n.id,
    });
    const title = el('title', {}, n.sub === 'external' ? n.id.slice(4) : n.sub);
    group.append(title, el('rect', { width: NODE_W, height: NODE_H, rx: 8 }));
    group.append(el('text', { x: 10, y: 19, class: 'node-title' }, n.title));
    group.append(
      el(
        'text',
        { x: 10, y: 36, class: 'node-sub' },
        n.sub.length > 44 ? `…${n.sub.slice(-43)}` : n.sub,
      ),
    );
    const badge = el(
      'text',
      { x: NODE_W - 10, y: 19, class: 'node-badge', 'text-anchor': 'end' },
      '',
    );
    group.append(badge);
    nodeLayer.append(group);
    nodeEls.set(n.id, { group, badge, node: n });
  }

  const full = { x: -20, y: -20, w: Math.max(g.width + 40, 400), h: Math.max(g.height + 40, 200) };
  // Height follows the graph's shape so that it is drawn near full size.
  const shown = svg.clientWidth || 1000;
  svg.style.height = `${Math.round(Math.min(760, Math.max(320, (shown * full.h) / full.w)))}px`;
  let view = { ...full };
  const apply = () => svg.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);
  apply();
  svg.onwheel = (ev) => {
    ev.preventDefault();
    const r = svg.getBoundingClientRect();
    const fx = (ev.clientX - r.left) / r.width;
    const fy = (ev.clientY - r.top) / r.height;
    const k = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
    const w = Math.min(Math.max(view.w * k, 150), full.w * 4);
    const h = (w * view.h) / view.w;
    view = { x: view.x + (view.w - w) * fx, y: view.y + (view.h - h) * fy, w, h };
    apply();
  };
  let drag = null;
  svg.onpointerdown = (ev) => {
    drag = { x: ev.clientX, y: ev.clientY, view: { ...view } };
    svg.setPointerCapture(ev.pointerId);
  };
  svg.onpointermove = (ev) => {
    if (!drag) return;
    const r = svg.getBoundingClientRect();
    view = {
      ...drag.view,
      x: drag.view.x - ((ev.clientX - drag.x) * view.w) / r.width,
      y: drag.view.y - ((ev.clientY - drag.y) * view.h) / r.height,
    };
    apply();
  };
  svg.onpointerup = () => (drag = null);

  return {
    fit() {
      view = { ...full };
      apply();
    },
    /** Dims what does not match; returns how many nodes match. */
    search(text) {
      const q = text.trim().toLowerCase();
      let hits = 0;
      for (const { group, node } of nodeEls.values()) {
        const match =
          !q || node.id.toLowerCase().includes(q) || node.title.toLowerCase().includes(q);
        group.classList.toggle('dim', !match);
        group.classList.toggle('match', Boolean(q) && match);
        if (match) hits++;
      }
      return hits;
    },
    /** Marks each planned Dockerfile with its wave; null clears. */
    highlight(plan) {
      const wave = new Map();
      plan?.waves.forEach((ids, w) => ids.forEach((id) => wave.set(id, w)));
      // An external root is the change itself when it names a changed reference (any pinned digest).
      const bare = (ref) => ref.replace(/@.*$/, '');
      const changed = new Set((plan?.changed ?? []).map((c) => `ext:${bare(c)}`));
      const moved = (id) => id.startsWith('ext:') && changed.has(bare(id));
      for (const { group, badge, node } of nodeEls.values()) {
        const w = wave.get(node.id);
        group.classList.toggle('affected', w !== undefined || moved(node.id));
        group.classList.toggle('dim', Boolean(plan) && w === undefined && !moved(node.id));
        badge.textContent = w === undefined ? (moved(node.id) ? 'moved' : '') : `wave ${w + 1}`;
      }
      for (const p of edgeEls) {
        const { from, to } = p.dataset;
        p.classList.toggle('affected', wave.has(to) && (wave.has(from) || moved(from)));
      }
    },
  };
}
