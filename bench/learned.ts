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
import { randomWeightedGraph, withPotential } from '../tests/generators/graphs';
import { arg } from './args';
import { median } from './stats';
import { roundMs } from '../src/services/types';

async function main(): Promise<void> {
  const sizes = arg('sizes', '100,1000,10000').split(',').map(Number);
  const reps = Number(arg('reps', '3'));
  const learned = await loadLearnedSolvers({ workers: 1 });
  if (!learned.route.model) throw new Error(`learned solver not ready: ${learned.route.readiness.reason}`);
  const context = { config: resolveConfig(), learned };
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
  await learned.close();
  const keys = Object.keys(rows[0]);
  console.log(`| ${keys.join(' | ')} |\n|${'---|'.repeat(keys.length)}`);
  for (const r of rows) console.log(`| ${keys.map((k) => String(r[k])).join(' | ')} |`);
  const dir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `learned-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(rows, null, 2));
}


main().catch((error) => {
  console.error(error);
  process.exit(1);
});
