/**
 * Seeded graph generators shared by the tests and bench/. They produce request JSON (the same
 * shape clients send), never the compact form, so they exercise the whole pipeline.
 */
import { readFileSync } from 'node:fs';
import { seededRandom } from '../src/random';

export type Id = string | number;
export interface WeightedEdge { from: Id; to: Id; weight: number }
export interface CapacityEdge { from: Id; to: Id; capacity: number }

/** The seeded PRNG every generated graph is drawn with, so each can be reproduced. */
export const rng = seededRandom;

/**
 * A random sparse graph on nodes 0..n-1 with m edges: a random spanning path first (so most
 * nodes are reachable), then uniformly random edges. Weights are integers in [lo, hi].
 */
export function randomWeightedGraph(n: number, m: number, seed: number, lo = 1, hi = 100): WeightedEdge[] {
  const random = rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const edges: WeightedEdge[] = [];
  const weight = () => lo + Math.floor(random() * (hi - lo + 1));
  for (let i = 0; i + 1 < n && edges.length < m; i++) edges.push({ from: order[i], to: order[i + 1], weight: weight() });
  while (edges.length < m) edges.push({ from: Math.floor(random() * n), to: Math.floor(random() * n), weight: weight() });
  return edges;
}

/** Re-weights edges with a random potential p: w + p(u) − p(v) keeps shortest paths and creates negative edges but no negative cycles. */
export function withPotential(edges: WeightedEdge[], n: number, seed: number, spread = 50): WeightedEdge[] {
  const random = rng(seed);
  const p = Array.from({ length: n }, () => Math.floor(random() * spread));
  return edges.map((e) => ({ ...e, weight: e.weight + p[e.from as number] - p[e.to as number] }));
}

/** A rows × cols grid with random integer capacities, the image-segmentation shape, with terminals "s" and "t". */
export function gridFlowNetwork(rows: number, cols: number, seed: number): CapacityEdge[] {
  const random = rng(seed);
  const id = (r: number, c: number) => r * cols + c;
  const edges: CapacityEdge[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (c + 1 < cols) edges.push({ from: id(r, c), to: id(r, c + 1), capacity: 1 + Math.floor(random() * 9) });
      if (r + 1 < rows) edges.push({ from: id(r, c), to: id(r + 1, c), capacity: 1 + Math.floor(random() * 9) });
      if (random() < 0.3) edges.push({ from: 's', to: id(r, c), capacity: 1 + Math.floor(random() * 20) });
      if (random() < 0.3) edges.push({ from: id(r, c), to: 't', capacity: 1 + Math.floor(random() * 20) });
    }
  }
  return edges;
}

/**
 * The RMF family of Goldfarb and Grigoriadis (the DIMACS "genrmf" generator): `frames` square
 * frames of a×a nodes; in-frame grid arcs of capacity c2·a·a both ways, and arcs from each node
 * to a random permutation of the next frame with capacities in [c1, c2]. Source is node 0 of the
 * first frame, sink the last node of the last frame.
 */
export function rmfNetwork(a: number, frames: number, c1: number, c2: number, seed: number): { edges: CapacityEdge[]; source: number; sink: number } {
  const random = rng(seed);
  const perFrame = a * a;
  const id = (f: number, r: number, c: number) => f * perFrame + r * a + c;
  const edges: CapacityEdge[] = [];
  const big = c2 * perFrame;
  for (let f = 0; f < frames; f++) {
    for (let r = 0; r < a; r++) {
      for (let c = 0; c < a; c++) {
        if (c + 1 < a) {
          edges.push({ from: id(f, r, c), to: id(f, r, c + 1), capacity: big });
          edges.push({ from: id(f, r, c + 1), to: id(f, r, c), capacity: big });
        }
        if (r + 1 < a) {
          edges.push({ from: id(f, r, c), to: id(f, r + 1, c), capacity: big });
          edges.push({ from: id(f, r + 1, c), to: id(f, r, c), capacity: big });
        }
      }
    }
    if (f + 1 < frames) {
      const perm = Array.from({ length: perFrame }, (_, i) => i);
      for (let i = perFrame - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      for (let k = 0; k < perFrame; k++) {
        edges.push({ from: f * perFrame + k, to: (f + 1) * perFrame + perm[k], capacity: c1 + Math.floor(random() * (c2 - c1 + 1)) });
      }
    }
  }
  return { edges, source: 0, sink: frames * perFrame - 1 };
}

/** A random directed flow network on 0..n-1 with integer (or fractional) capacities. */
export function randomFlowNetwork(n: number, m: number, seed: number, fractional = false): CapacityEdge[] {
  const random = rng(seed);
  const edges: CapacityEdge[] = [];
  for (let i = 0; i < m; i++) {
    const capacity = fractional ? Math.round(random() * 1000) / 7 : Math.floor(random() * 20);
    edges.push({ from: Math.floor(random() * n), to: Math.floor(random() * n), capacity });
  }
  return edges;
}

/**
 * A pyramid (telescoping) network whose maximum flow is exactly 1 in real arithmetic, built from
 * capacities 1/(i+2): the source sends 1 into a chain a0 → a1 → … with chain capacities 1/(i+2);
 * node ai drains 1/(i+1) − 1/(i+2) = 1/((i+1)(i+2)) to the sink, and the last node drains the rest.
 * Every edge is saturated at the optimum, so rounding meets the certificate head-on.
 */
export function pyramidNetwork(k: number): { edges: CapacityEdge[]; expected: number } {
  const edges: CapacityEdge[] = [{ from: 's', to: 'a0', capacity: 1 }];
  for (let i = 0; i < k; i++) {
    edges.push({ from: `a${i}`, to: `a${i + 1}`, capacity: 1 / (i + 2) });
    edges.push({ from: `a${i}`, to: 't', capacity: 1 / ((i + 1) * (i + 2)) });
  }
  edges.push({ from: `a${k}`, to: 't', capacity: 1 / (k + 1) });
  return { edges, expected: 1 };
}

/** CLRS (3rd ed.) figure 26.1, the textbook flow network with maximum flow 23. */
export const CLRS_FLOW_NETWORK: CapacityEdge[] = [
  { from: 's', to: 'v1', capacity: 16 },
  { from: 's', to: 'v2', capacity: 13 },
  { from: 'v2', to: 'v1', capacity: 4 },
  { from: 'v1', to: 'v3', capacity: 12 },
  { from: 'v3', to: 'v2', capacity: 9 },
  { from: 'v2', to: 'v4', capacity: 14 },
  { from: 'v4', to: 'v3', capacity: 7 },
  { from: 'v3', to: 't', capacity: 20 },
  { from: 'v4', to: 't', capacity: 4 },
];

/**
 * A real road network from an OpenStreetMap GeoJSON extract (LineStrings): nodes are the points
 * (keyed "lon,lat"), edges join consecutive points, weighted by great-circle length in metres.
 */
export function roadNetworkFromGeoJson(path: string): WeightedEdge[] {
  const geo = JSON.parse(readFileSync(path, 'utf8')) as { features: { geometry: { type: string; coordinates: number[][] } }[] };
  const edges: WeightedEdge[] = [];
  const key = (p: number[]) => `${p[0].toFixed(6)},${p[1].toFixed(6)}`;
  for (const feature of geo.features) {
    if (feature.geometry?.type !== 'LineString') continue;
    const points = feature.geometry.coordinates;
    for (let i = 0; i + 1 < points.length; i++) {
      const from = key(points[i]);
      const to = key(points[i + 1]);
      if (from !== to) edges.push({ from, to, weight: haversineMetres(points[i], points[i + 1]) });
    }
  }
  return edges;
}

function haversineMetres([lon1, lat1]: number[], [lon2, lat2]: number[]): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}

/** The max-flow model's training families (training/narsolve_train/maxflow_data.py), re-made here for tests, evaluation and bench. */
export const FLOW_FAMILIES = ['two_community', 'segmentation', 'layered', 'random_directed'] as const;
export type FlowFamily = (typeof FLOW_FAMILIES)[number];
export const CAPACITY_KINDS = ['small_int', 'int', 'fractional'] as const;
export type CapacityKind = (typeof CAPACITY_KINDS)[number];
export interface FlowNetwork { edges: CapacityEdge[]; source: number; sink: number; n: number }

/**
 * flowFamilyNetwork: one network of a training family on n nodes (terminals included), with
 * capacities 1..9, 1..100 or fractional in (0.01, 10), as maxflow_data.py draws them. The
 * sparse variants (used there above 32 nodes) are used from 33 nodes up, so sizes far beyond
 * training stay sparse.
 */
export function flowFamilyNetwork(family: FlowFamily, n: number, seed: number, kind: CapacityKind): FlowNetwork {
  const random = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo)); // [lo, hi)
  const uniform = (lo: number, hi: number) => lo + random() * (hi - lo);
  const capacity = () => (kind === 'small_int' ? int(1, 10) : kind === 'int' ? int(1, 101) : Math.round(uniform(0.01, 10) * 1e6) / 1e6);
  n = Math.max(4, n);
  const arcs = new Map<number, [number, number]>();
  const add = (u: number, v: number) => {
    if (u !== v) arcs.set(u * n + v, [u, v]);
  };
  let source: number;
  let sink: number;
  if (family === 'two_community') {
    const half = Math.floor(n / 2);
    // One density for both communities, as maxflow_data.py draws it.
    const p = n <= 32 ? uniform(0.3, 0.6) : Math.min(1, uniform(3, 6) / half);
    for (const [lo, hi] of [[0, half], [half, n]]) {
      const size = hi - lo;
      const count = Math.floor((p * size * (size - 1)) / 2);
      for (let i = 0; i < count; i++) {
        const u = int(lo, hi);
        const v = int(lo, hi);
        add(u, v);
        add(v, u);
      }
    }
    for (let i = 0; i < Math.max(1, Math.floor(n / 8)); i++) {
      const u = int(0, half);
      const v = int(half, n);
      add(u, v);
      add(v, u);
    }
    source = int(0, half);
    sink = int(half, n);
  } else if (family === 'segmentation') {
    const pixels = n - 2;
    const cols = Math.max(1, Math.round(Math.sqrt(pixels) * uniform(0.7, 1.3)));
    for (let u = 0; u < pixels; u++) {
      if ((u + 1) % cols !== 0 && u + 1 < pixels) {
        add(u, u + 1);
        add(u + 1, u);
      }
      if (u + cols < pixels) {
        add(u, u + cols);
        add(u + cols, u);
      }
    }
    source = pixels;
    sink = pixels + 1;
    const fg = uniform(0.2, 0.5);
    const bg = uniform(0.2, 0.5);
    for (let u = 0; u < pixels; u++) if (random() < fg) add(source, u);
    for (let u = 0; u < pixels; u++) if (random() < bg) add(u, sink);
  } else if (family === 'layered') {
    const inner = n - 2;
    const layers = int(2, Math.max(3, Math.floor(Math.sqrt(inner)) + 1));
    const bounds = Array.from({ length: layers + 1 }, (_, i) => Math.floor((i * inner) / layers));
    source = inner;
    sink = inner + 1;
    for (let i = 0; i < layers; i++) {
      for (let u = bounds[i]; u < bounds[i + 1]; u++) {
        if (i === 0) add(source, u);
        if (i === layers - 1) add(u, sink);
        else if (bounds[i + 2] > bounds[i + 1]) for (let j = int(1, 4); j > 0; j--) add(u, int(bounds[i + 1], bounds[i + 2]));
      }
    }
  } else {
    // Every ordered pair independently with probability p, as maxflow_data.py's mask does; geometric
    // jumps between chosen pairs keep it O(arcs), so the 10^5-edge evaluation networks stay cheap.
    const p = n <= 32 ? uniform(0.15, 0.4) : Math.min(1, uniform(2, 5) / n);
    const jump = () => (p >= 1 ? 1 : 1 + Math.floor(Math.log(1 - random()) / Math.log(1 - p)));
    for (let pair = jump() - 1; pair < n * n; pair += jump()) add(Math.floor(pair / n), pair % n);
    source = int(0, n);
    sink = int(0, n - 1);
    if (sink >= source) sink++;
  }
  const edges = [...arcs.values()].map(([from, to]) => ({ from, to, capacity: capacity() }));
  return { edges, source, sink, n };
}

/** The POST /maxflow body for a generated network; listing the nodes keeps an isolated source or sink valid. */
export function flowRequestBody(net: FlowNetwork): { graph: { nodes: number[]; edges: CapacityEdge[] }; source: number; sink: number } {
  return { graph: { nodes: Array.from({ length: net.n }, (_, v) => v), edges: net.edges }, source: net.source, sink: net.sink };
}

// Deep, road-like graphs: both directions of every edge, on nodes 0..n-1.

/** Both directions of an undirected road segment. */
function both(edges: WeightedEdge[], from: number, to: number, weight: number): void {
  edges.push({ from, to, weight }, { from: to, to: from, weight });
}

/** A path 0–1–…–(n−1) with integer weights 1–9. */
export function chainEdges(n: number, seed: number): WeightedEdge[] {
  const r = rng(seed);
  const edges: WeightedEdge[] = [];
  for (let i = 0; i < n - 1; i++) both(edges, i, i + 1, 1 + Math.floor(r() * 9));
  return edges;
}

/** A k×k grid with integer weights 1–9; with `roads`, 10% of the nodes removed (holes) and some diagonals, weights length × congestion. */
export function gridEdges(k: number, seed: number, roads = false): WeightedEdge[] {
  const r = rng(seed);
  const id = (i: number, j: number) => i * k + j;
  const hole = new Uint8Array(k * k).map((_, v) => (roads && v !== 0 && r() < 0.1 ? 1 : 0));
  const weight = (length: number) => (roads ? Math.round(length * 100 * (1 + 2 * r())) : 1 + Math.floor(r() * 9));
  const edges: WeightedEdge[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (hole[id(i, j)]) continue;
      if (j + 1 < k && !hole[id(i, j + 1)]) both(edges, id(i, j), id(i, j + 1), weight(1));
      if (i + 1 < k && !hole[id(i + 1, j)]) both(edges, id(i, j), id(i + 1, j), weight(1));
      if (roads && i + 1 < k && j + 1 < k && !hole[id(i + 1, j + 1)] && r() < 0.2) both(edges, id(i, j), id(i + 1, j + 1), weight(Math.SQRT2));
    }
  }
  return edges;
}

/** n points in a long 8:1 strip (corridors), each joined to its 3 nearest neighbours; weights length × congestion. */
export function knnCorridor(n: number, seed: number): WeightedEdge[] {
  const r = rng(seed);
  const xs = Array.from({ length: n }, () => r() * 8);
  const ys = Array.from({ length: n }, () => r());
  const seen = new Set<string>();
  const edges: WeightedEdge[] = [];
  for (let u = 0; u < n; u++) {
    const near = Array.from({ length: n }, (_, v) => v)
      .filter((v) => v !== u)
      .map((v) => ({ v, d: Math.hypot(xs[u] - xs[v], ys[u] - ys[v]) }))
      .sort((a, b) => a.d - b.d)
      .slice(0, 3);
    for (const { v, d } of near) {
      const key = u < v ? `${u},${v}` : `${v},${u}`;
      if (seen.has(key)) continue;
      seen.add(key);
      both(edges, u, v, Math.round(d * 1000 * (1 + 2 * r())) + 1);
    }
  }
  return edges;
}

/** A jittered lattice of about n nodes, 4 columns per row, with a quarter of its streets closed; weights length × congestion. */
export function prunedLattice(n: number, seed: number): WeightedEdge[] {
  const r = rng(seed);
  const cols = Math.round(Math.sqrt(4 * n));
  const rows = Math.floor(n / cols);
  const xs = Array.from({ length: rows * cols }, (_, v) => (v % cols) + (r() - 0.5) * 0.6);
  const ys = Array.from({ length: rows * cols }, (_, v) => Math.floor(v / cols) + (r() - 0.5) * 0.6);
  const edges: WeightedEdge[] = [];
  for (let v = 0; v < rows * cols; v++) {
    for (const u of [v % cols + 1 < cols ? v + 1 : -1, v + cols < rows * cols ? v + cols : -1]) {
      if (u >= 0 && r() < 0.75) both(edges, v, u, Math.round(Math.hypot(xs[u] - xs[v], ys[u] - ys[v]) * 100 * (1 + 2 * r())) + 1);
    }
  }
  return edges;
}

/** The most edges on any path of a shortest-path tree given as predecessors (a route answer's `tree.predecessor`). */
export function hopDepth(predecessor: Record<string, string | number | null>): number {
  const depth = new Map<string, number>();
  const of = (node: string): number => {
    const known = depth.get(node);
    if (known !== undefined) return known;
    const path: string[] = [];
    let at: string | null = node;
    while (at !== null && !depth.has(at)) {
      path.push(at);
      const p: string | number | null = predecessor[at];
      at = p === null || p === undefined ? null : String(p);
    }
    let d = at === null ? -1 : depth.get(at)!;
    for (let i = path.length - 1; i >= 0; i--) depth.set(path[i], ++d);
    return depth.get(node)!;
  };
  let deepest = 0;
  for (const node of Object.keys(predecessor)) deepest = Math.max(deepest, of(node));
  return deepest;
}

/** The deep road-like families of training (bellman_ford_data.py's DEEP_FAMILIES), by the same names. */
export const DEEP_FAMILIES = ['chain', 'holey_grid', 'knn_strip', 'pruned_lattice'] as const;
export type DeepFamily = (typeof DEEP_FAMILIES)[number];

/**
 * One graph of a deep family, of about n nodes, as training's deep_graph draws them:
 * tests/generators.golden.test.ts holds the two to the same nodes, arcs per node and hop depth
 * (tests/fixtures/deep_families.json). Weights are lengths × congestion here too, in other units.
 */
export function deepGraph(family: DeepFamily, n: number, seed: number): WeightedEdge[] {
  switch (family) {
    case 'chain':
      return chainEdges(n, seed);
    case 'holey_grid':
      return gridEdges(Math.max(2, Math.round(Math.sqrt(n))), seed, true);
    case 'knn_strip':
      return knnCorridor(n, seed);
    case 'pruned_lattice':
      return prunedLattice(n, seed);
  }
}
