/**
 * npm run bench:size-generalization [-- --sources 2 --seed 1 --models DIR]
 *
 * How the served Bellman-Ford processor holds as executions get long: on deep graphs
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
import { chainEdges, gridEdges, hopDepth, knnCorridor, prunedLattice, rng, roadNetworkFromGeoJson, type WeightedEdge } from '../generators/graphs';
import { arg } from './args';

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
  const families: [string, WeightedEdge[]][] = [
    ['chain 64', chainEdges(64, seed)],
    ['chain 200', chainEdges(200, seed)],
    ['grid 16×16', gridEdges(16, seed)],
    ['grid 32×32', gridEdges(32, seed)],
    ['grid 64×64', gridEdges(64, seed)],
    ['grid 64×64, holes + diagonals', gridEdges(64, seed, true)],
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
