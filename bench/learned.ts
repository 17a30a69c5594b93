/**
 * npm run bench:learned [-- --sizes 100,1000,10000]
 *
 * The learned Bellman-Ford as served: processor steps, inference time (worker thread,
 * onnxruntime-node) and end-to-end `auto` time per graph size, next to the classical solver on
 * the same graphs in the same run. Graphs have m = 5n edges (random sparse, integer weights).
 * Not a test: nothing here asserts a time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../src/config';
import { solveRoute } from '../src/services/route';
import { loadLearnedSolvers } from '../src/solvers/learned';
import { randomWeightedGraph, rng, withPotential } from '../generators/graphs';
import { arg } from './args';
import { median } from './stats';
import { roundMs } from '../src/services/context';

async function main(): Promise<void> {
  const sizes = arg('sizes', '100,1000,10000').split(',').map(Number);
  const reps = Number(arg('reps', '3'));
  const learned = await loadLearnedSolvers({ workers: 1 });
  if (!learned.route.model) throw new Error(`learned solver not ready: ${learned.route.readiness.reason}`);
  // Measure auto as it would run the processor were its spec to allow it (serving.auto true): inference, verification, repair.
  const route = learned.route;
  const context = { config: resolveConfig(), learned: { ...learned, route: { ...route, model: { ...route.model!, auto: true } } } };
  const rows: Record<string, string | number>[] = [];
  for (const n of sizes) {
    for (const weights of ['positive', 'negative']) {
      const base = randomWeightedGraph(n, 5 * n, n);
      const edges = weights === 'negative' ? withPotential(base, n, n + 1) : base;
      const body = { graph: { edges }, source: 0 };
      const auto = [];
      const classical = [];
      for (let r = 0; r < reps; r++) {
        auto.push(await solveRoute(body, context));
        classical.push(await solveRoute({ ...body, solver: 'classical' }, context));
      }
      const a = auto[0];
      const inferMs = median(auto.map((x) => x.timingsMs.infer));
      const autoMs = median(auto.map((x) => x.timingsMs.total));
      const classicalMs = median(classical.map((x) => x.timingsMs.total));
      rows.push({
        nodes: n, edges: 5 * n, weights,
        steps: a.solver.learned?.steps ?? 0,
        inferMs: roundMs(inferMs), msPerStep: roundMs(inferMs / (a.solver.learned?.steps ?? 1)),
        certifiedWithoutRepair: a.solver.used === 'learned' ? 'yes' : 'no',
        repairRelaxations: a.solver.repair?.relaxations ?? 0,
        autoMs: roundMs(autoMs), classicalMs: roundMs(classicalMs), 'auto/classical': `${(autoMs / classicalMs).toFixed(1)}x`,
      });
      console.error(`measured n=${n} ${weights}`);
    }
  }
  const noisy = await noisyInference(context, reps);
  await learned.close();
  const keys = Object.keys(rows[0]);
  console.log(`| ${keys.join(' | ')} |\n|${'---|'.repeat(keys.length)}`);
  for (const r of rows) console.log(`| ${keys.map((k) => String(r[k])).join(' | ')} |`);
  if (noisy) console.log(`\n| road-like grid | nodes | arcs | encoderInferMs | processorInferMs (same graph, weights = medians) | encoder/processor |\n|---|---|---|---|---|---|\n| 32x32 | 1024 | ${noisy.arcs} | ${roundMs(noisy.encoderMs)} | ${roundMs(noisy.processorMs)} | ${(noisy.encoderMs / noisy.processorMs).toFixed(2)}x |`);
  const dir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `learned-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(rows, null, 2));
}

/**
 * The noisy-routes encoder's inference on a 1,024-node road-like grid (two-way streets, 1..6
 * observations each) next to the clean processor's on the same graph with each edge's median as its
 * weight: the "within 2× of the clean model" target.
 */
async function noisyInference(context: { config: ReturnType<typeof resolveConfig>; learned: Awaited<ReturnType<typeof loadLearnedSolvers>> }, reps: number) {
  if (!context.learned.noisyRoutes.model) {
    console.error(`SKIPPED the noisy-routes encoder: ${context.learned.noisyRoutes.readiness.reason}`);
    return undefined;
  }
  const side = 32;
  const random = rng(32);
  const edges: { from: number; to: number; observations: number[] }[] = [];
  const street = (from: number, to: number) => {
    const cost = 1 + 99 * random();
    edges.push({ from, to, observations: Array.from({ length: 1 + Math.floor(6 * random()) }, () => cost * Math.exp(0.4 * (random() - 0.5))) });
  };
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const u = r * side + c;
      if (c + 1 < side) (street(u, u + 1), street(u + 1, u));
      if (r + 1 < side) (street(u, u + side), street(u + side, u));
    }
  }
  const target = side * side - 1;
  const medians = edges.map((e) => {
    const s = [...e.observations].sort((a, b) => a - b);
    return { from: e.from, to: e.to, weight: s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 };
  });
  const encoder: number[] = [];
  const processor: number[] = [];
  for (let r = 0; r < Math.max(reps, 3); r++) {
    encoder.push((await solveRoute({ graph: { edges }, source: 0, target }, context)).timingsMs.infer);
    processor.push((await solveRoute({ graph: { edges: medians }, source: 0, target, solver: 'learned' }, context)).timingsMs.infer);
  }
  return { arcs: edges.length, encoderMs: median(encoder), processorMs: median(processor) };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
