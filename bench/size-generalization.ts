/**
 * npm run bench:size-generalization [-- --sources 2 --seed 1 --models DIR]
 *
 * How the served Bellman-Ford processor holds as executions get long (issue 14): on deep graphs
 * (chains, grids, grids with holes and diagonals, k-nearest-neighbour road-like graphs, pruned
 * jittered lattices of 5,000, 10,000 and 50,000 nodes, a real OpenStreetMap network) it reports, per family, the share of nodes at their exact distance in the
 * raw learned tree, trees certified without repair, processor steps against the exact tree's hop
 * depth + patience, the share of nodes the repair relabels, and time per tree. Every generator is
 * seeded; none of these families is in the processor's training set. Not a test: nothing here asserts.
 * Writes bench/results/size-generalization-<model version>.json, which
 * `python -m narsolve_train.plot_size_generalization` (in training/) draws for the model card.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../src/config';
import { solveRoute } from '../src/services/route';
import { loadLearnedSolvers } from '../src/solvers/learned';
import { rng, roadNetworkFromGeoJson, type WeightedEdge } from '../tests/generators/graphs';
import { arg } from './args';

type Edge = WeightedEdge;

/** Both directions of an undirected road segment. */
function both(edges: Edge[], from: number, to: number, weight: number): void {
  edges.push({ from, to, weight }, { from: to, to: from, weight });
}

function chain(n: number, seed: number): Edge[] {
  const r = rng(seed);
  const edges: Edge[] = [];
  for (let i = 0; i < n - 1; i++) both(edges, i, i + 1, 1 + Math.floor(r() * 9));
  return edges;
}

/** A k×k grid with integer weights 1–9; with `roads`, 10% of the nodes removed (holes) and some diagonals, weights length × congestion. */
function grid(k: number, seed: number, roads = false): Edge[] {
  const r = rng(seed);
  const id = (i: number, j: number) => i * k + j;
  const hole = new Uint8Array(k * k).map((_, v) => (roads && v !== 0 && r() < 0.1 ? 1 : 0));
  const weight = (length: number) => (roads ? Math.round(length * 100 * (1 + 2 * r())) : 1 + Math.floor(r() * 9));
  const edges: Edge[] = [];
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
function knnCorridor(n: number, seed: number): Edge[] {
  const r = rng(seed);
  const xs = Array.from({ length: n }, () => r() * 8);
  const ys = Array.from({ length: n }, () => r());
  const seen = new Set<string>();
  const edges: Edge[] = [];
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
function prunedLattice(n: number, seed: number): Edge[] {
  const r = rng(seed);
  const cols = Math.round(Math.sqrt(4 * n));
  const rows = Math.floor(n / cols);
  const xs = Array.from({ length: rows * cols }, (_, v) => (v % cols) + (r() - 0.5) * 0.6);
  const ys = Array.from({ length: rows * cols }, (_, v) => Math.floor(v / cols) + (r() - 0.5) * 0.6);
  const edges: Edge[] = [];
  for (let v = 0; v < rows * cols; v++) {
    for (const u of [v % cols + 1 < cols ? v + 1 : -1, v + cols < rows * cols ? v + cols : -1]) {
      if (u >= 0 && r() < 0.75) both(edges, v, u, Math.round(Math.hypot(xs[u] - xs[v], ys[u] - ys[v]) * 100 * (1 + 2 * r())) + 1);
    }
  }
  return edges;
}

/** Hops from the source to each node in the exact tree (following predecessors), and the deepest. */
function hopDepth(predecessor: Record<string, string | number | null>): number {
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

async function main(): Promise<void> {
  const sources = Number(arg('sources', '2'));
  const seed = Number(arg('seed', '1'));
  const models = arg('models', '');
  const learned = await loadLearnedSolvers({ workers: 1, ...(models && { modelsDir: models }) });
  const route = learned.route;
  if (!route.model) throw new Error(`learned solver not ready: ${route.readiness.reason}`);
  const plain = { config: resolveConfig(), learned };
  // auto as it would run were the spec to allow it (serving.auto true): the repair's work is what we want to see.
  const repairing = { ...plain, learned: { ...learned, route: { ...route, model: { ...route.model, auto: true } } } };
  const roads = join(__dirname, '..', '..', 'node_modules', 'geojson-path-finder', 'test', 'network.json');
  const families: [string, Edge[]][] = [
    ['chain 64', chain(64, seed)],
    ['chain 200', chain(200, seed)],
    ['grid 16×16', grid(16, seed)],
    ['grid 32×32', grid(32, seed)],
    ['grid 64×64', grid(64, seed)],
    ['grid 64×64, holes + diagonals', grid(64, seed, true)],
    ['kNN corridor 3,000', knnCorridor(3000, seed)],
    ['pruned lattice 5,000', prunedLattice(5000, seed)],
    ['pruned lattice 10,000', prunedLattice(10000, seed)],
    ['pruned lattice 50,000', prunedLattice(50000, seed)],
    ['OSM road network (geojson-path-finder)', roadNetworkFromGeoJson(roads)],
  ];
  console.log(`served processor ${route.model.version}; stopping patience ${route.model.steps.patience}; ${sources} source(s) per family, seed ${seed}`);
  console.log('| family | nodes | hop depth | steps | exact nodes | certified trees | repair relabels | ms per tree | ms per step |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const rows: Record<string, unknown>[] = [];
  for (const [name, edges] of families) {
    const nodes = new Set(edges.flatMap((e) => [e.from, e.to]));
    const pick = rng(seed + 7);
    const list = [...nodes];
    let exact = 0;
    let total = 0;
    let certified = 0;
    let relabeled = 0;
    const steps: number[] = [];
    const depths: number[] = [];
    let ms = 0;
    let inferMs = 0;
    let stepCount = 0;
    for (let s = 0; s < sources; s++) {
      const source = s === 0 ? list[0] : list[Math.floor(pick() * list.length)];
      const body = { graph: { edges }, source };
      const raw = await solveRoute({ ...body, solver: 'learned' }, plain);
      const truth = await solveRoute({ ...body, solver: 'classical' }, plain);
      const fixed = await solveRoute(body, repairing);
      const rawTree = (raw as { tree: { distance: Record<string, number | null> } }).tree;
      const trueTree = (truth as { tree: { distance: Record<string, number | null>; predecessor: Record<string, string | number | null> } }).tree;
      for (const [node, d] of Object.entries(trueTree.distance)) {
        total++;
        if (rawTree.distance[node] === d) exact++;
      }
      if (raw.certificate.verified) certified++;
      relabeled += fixed.solver.repair?.nodesRelabeled ?? 0;
      steps.push(raw.solver.learned!.steps);
      depths.push(hopDepth(trueTree.predecessor));
      ms += raw.timingsMs.total;
      inferMs += raw.timingsMs.infer ?? 0;
      stepCount += raw.solver.learned!.steps;
    }
    rows.push({ family: name, nodes: nodes.size, hopDepth: depths, steps, exactNodes: exact / total, certified, sources, repairRelabeled: relabeled / (sources * nodes.size), msPerTree: ms / sources, msPerStep: inferMs / stepCount });
    const range = (xs: number[]) => (Math.min(...xs) === Math.max(...xs) ? `${xs[0]}` : `${Math.min(...xs)}–${Math.max(...xs)}`);
    console.log(
      `| ${name} | ${nodes.size.toLocaleString('en')} | ${range(depths)} | ${range(steps)} | ${((100 * exact) / total).toFixed(1)}% | ${certified} of ${sources} | ${((100 * relabeled) / (sources * nodes.size)).toFixed(1)}% | ${Math.round(ms / sources).toLocaleString('en')} | ${(inferMs / stepCount).toFixed(2)} |`,
    );
  }
  await learned.close();
  // One file per processor version, so two versions' runs sit side by side (the model card's plot reads them).
  const dir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `size-generalization-${route.model.version}.json`);
  writeFileSync(file, JSON.stringify({ version: route.model.version, patience: route.model.steps.patience, seed, sources, measured: new Date().toISOString(), rows }, null, 2));
  console.log(`wrote ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
