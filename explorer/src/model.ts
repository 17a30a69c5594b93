/**
 * What the explorer draws, read from what it is given: a /route or /maxflow body, or a stored
 * graph's GET /graphs/{graphId}/edges. Pure functions, no DOM: the page and the tests share them.
 */
import Graph from 'graphology';
import { firstAppearance } from '../../src/graph/nodeOrder';

export type NodeId = string | number;
export type Position = { node: NodeId; x: number; y: number } | { node: NodeId; lat: number; lon: number };

/** A graph to draw: its nodes, its edges in request order (answers index them) and where nodes sit. */
export interface Drawing {
  readonly directed: boolean;
  readonly nodes: readonly NodeId[];
  readonly from: readonly NodeId[];
  readonly to: readonly NodeId[];
  readonly positions: readonly Position[];
  /** Whether any edge carries observations (a noisy request: learned and classical routes differ). */
  readonly noisy: boolean;
}

/** A node's key in the drawn graph: "1" and 1 are different nodes, as in the API. */
export const nodeKey = (id: NodeId): string => JSON.stringify(id);
export const edgeKey = (index: number): string => `e${index}`;

const isNodeId = (v: unknown): v is NodeId => typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v));

/** The drawing of a request body's graph, or a message saying what is wrong with it. */
export function drawingOfBody(body: unknown): Drawing {
  const graph = (body as { graph?: unknown } | null)?.graph as Record<string, unknown> | undefined;
  if (!graph || typeof graph !== 'object') throw new Error('the body has no "graph" object');
  const edges = graph.edges;
  const from: NodeId[] = [];
  const to: NodeId[] = [];
  let noisy = false;
  if (Array.isArray(edges)) {
    edges.forEach((edge: Record<string, unknown>, i) => {
      if (!edge || !isNodeId(edge.from) || !isNodeId(edge.to)) throw new Error(`/graph/edges/${i} needs "from" and "to" node ids`);
      from.push(edge.from);
      to.push(edge.to);
      if (Array.isArray(edge.observations) || Array.isArray(edge.capacityObservations) || Array.isArray(edge.capacitySamples)) noisy = true;
    });
  } else if (edges && typeof edges === 'object') {
    const columns = edges as Record<string, unknown[] | undefined>;
    if (!Array.isArray(columns.from) || !Array.isArray(columns.to) || columns.from.length !== columns.to.length) throw new Error('/graph/edges needs "from" and "to" columns of equal length');
    columns.from.forEach((id, i) => {
      if (!isNodeId(id) || !isNodeId(columns.to![i])) throw new Error(`/graph/edges/from/${i} or /graph/edges/to/${i} is not a node id`);
      from.push(id);
      to.push(columns.to![i] as NodeId);
    });
    noisy = ['observations', 'capacityObservations', 'capacitySamples'].some((key) => Array.isArray(columns[key]));
  } else throw new Error('/graph/edges must be an array of edges or an object of columns');
  // The API's node order, from the module the service uses.
  const nodes = Array.isArray(graph.nodes) ? (graph.nodes as NodeId[]) : firstAppearance(from, to);
  return { directed: graph.directed !== false, nodes, from, to, positions: Array.isArray(graph.positions) ? (graph.positions as Position[]) : [], noisy };
}

/**
 * Planar coordinates for the positions given: x/y as they are, lat/lon by an equirectangular
 * projection about their mean latitude (true to shape at city scale, which is what graphs carry).
 */
export function planar(positions: readonly Position[]): Map<string, { x: number; y: number }> {
  const geo = positions.filter((p): p is Extract<Position, { lat: number }> => 'lat' in p);
  const meanLat = geo.length ? geo.reduce((t, p) => t + p.lat, 0) / geo.length : 0;
  const scale = Math.cos((meanLat * Math.PI) / 180);
  const out = new Map<string, { x: number; y: number }>();
  for (const p of positions) out.set(nodeKey(p.node), 'lat' in p ? { x: p.lon * scale, y: p.lat } : { x: p.x, y: p.y });
  return out;
}

/** A deterministic pseudo-random sequence, so a graph without positions is drawn the same way each time. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The graphology graph sigma draws: nodes keyed by nodeKey, edges by edgeKey (their request
 * index). Nodes without a position start beside a placed neighbour, else at random in the
 * placed nodes' box; `placed` says how many had one.
 */
export async function toGraphology(
  drawing: Drawing,
  colours: { node: string; edge: string } = { node: '#495057', edge: '#ced4da' },
  // Called every CHUNK nodes or edges: the page yields to the browser there, so a big graph is not one long task.
  pause: () => Promise<void> = () => Promise.resolve(),
): Promise<{ graph: Graph; placed: number }> {
  const graph = new Graph({ multi: true, type: drawing.directed ? 'directed' : 'undirected', allowSelfLoops: true });
  const at = planar(drawing.positions);
  const next = random(drawing.nodes.length * 7919 + drawing.from.length);
  const box = at.size ? { x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity } : { x0: 0, x1: 1, y0: 0, y1: 1 };
  for (const p of at.values()) {
    box.x0 = Math.min(box.x0, p.x);
    box.x1 = Math.max(box.x1, p.x);
    box.y0 = Math.min(box.y0, p.y);
    box.y1 = Math.max(box.y1, p.y);
  }
  const span = Math.max(box.x1 - box.x0, box.y1 - box.y0) || 1;
  let placed = 0;
  let done = 0;
  for (const id of drawing.nodes) {
    if (++done % CHUNK === 0) await pause();
    const key = nodeKey(id);
    const p = at.get(key);
    if (p) placed++;
    graph.addNode(key, { label: String(id), x: p?.x ?? box.x0 + next() * span, y: p?.y ?? box.y0 + next() * span, size: 3, color: colours.node, placed: p !== undefined });
  }
  for (let i = 0; i < drawing.from.length; i++) {
    if (i % CHUNK === CHUNK - 1) await pause();
    graph.addEdgeWithKey(edgeKey(i), nodeKey(drawing.from[i]), nodeKey(drawing.to[i]), { size: 1, color: colours.edge });
  }
  if (placed > 0 && placed < drawing.nodes.length) {
    // Unplaced nodes next to a placed neighbour read far better than nodes scattered at random.
    graph.forEachNode((node, attributes) => {
      if (attributes.placed) return;
      const neighbour = graph.neighbors(node).find((other) => graph.getNodeAttribute(other, 'placed'));
      if (neighbour === undefined) return;
      graph.mergeNodeAttributes(node, { x: graph.getNodeAttribute(neighbour, 'x') + (next() - 0.5) * span * 0.02, y: graph.getNodeAttribute(neighbour, 'y') + (next() - 0.5) * span * 0.02 });
    });
  }
  return { graph, placed };
}

const CHUNK = 20_000;

/** A colour from green (0) through yellow to red (1). */
export function ramp(t: number): string {
  const u = Math.min(1, Math.max(0, t));
  const r = Math.round(u < 0.5 ? 64 + u * 2 * 191 : 255);
  const g = Math.round(u < 0.5 ? 192 : 192 - (u - 0.5) * 2 * 160);
  return `rgb(${r},${g},64)`;
}

/** Per edge, a colour for its evidence: by the latest observation's age (relative to the newest) or by count (log scale); null where it has none. */
export function evidenceColours(freshness: { count: readonly number[]; latest: readonly (number | null)[] }, by: 'age' | 'count'): { colours: (string | null)[]; legend: string } {
  if (by === 'age') {
    const times = freshness.latest.filter((t): t is number => t !== null);
    if (times.length === 0) return { colours: freshness.latest.map(() => null), legend: 'no observations yet' };
    const newest = Math.max(...times);
    const oldest = Math.min(...times);
    const spread = newest - oldest || 1;
    return {
      colours: freshness.latest.map((t) => (t === null ? null : ramp((newest - t) / spread))),
      legend: `green: observed at the newest time (${new Date(newest).toISOString()}); red: ${formatAge(newest - oldest)} older; grey: never observed`,
    };
  }
  const most = Math.max(0, ...freshness.count);
  return {
    colours: freshness.count.map((c) => (c === 0 ? null : ramp(1 - Math.log1p(c) / Math.log1p(most || 1)))),
    legend: `green: ${most} observations; red: 1; grey: none`,
  };
}

export function formatAge(ms: number): string {
  const hours = ms / 3600e3;
  return hours >= 48 ? `${(hours / 24).toFixed(1)} days` : hours >= 1 ? `${hours.toFixed(1)} hours` : `${Math.round(ms / 60e3)} minutes`;
}

/** How two routes (edge indices) compare: the edges only one of them takes. */
export function routeDifference(learned: readonly number[], classical: readonly number[]): { onlyLearned: number[]; onlyClassical: number[] } {
  const a = new Set(learned);
  const b = new Set(classical);
  return { onlyLearned: learned.filter((e) => !b.has(e)), onlyClassical: classical.filter((e) => !a.has(e)) };
}
