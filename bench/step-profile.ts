/**
 * npm run bench:step-profile [-- --nodes 1000 --steps 60 --threads 1]
 *
 * Where one Bellman-Ford processor step spends its time: onnxruntime's own profiler over `--steps`
 * steps of the committed model on the bench's graph shape (m = 5n random arcs, integer weights),
 * summed per ONNX operation. Prints the median run time and the heaviest operations, to find what
 * to make cheaper next. Runs the session on this thread (no worker): this is a profile, not a latency
 * figure; `npm run bench:learned` measures the served path.
 */
import * as ort from 'onnxruntime-node';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../src/config';
import { compactGraph } from '../src/graph/compact';
import { encodeBellmanFord } from '../src/solvers/learned/bellmanFordEncoding';
import { readModelEntry } from '../src/solvers/learned/manifest';
import { MODELS } from '../src/solvers/learned/models';
import { feedsOf, sessionOptions } from '../src/solvers/learned/session';
import { randomWeightedGraph } from '../generators/graphs';
import { arg } from './args';
import { median } from './stats';

interface ProfileEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string };
}

async function main(): Promise<void> {
  const n = Number(arg('nodes', '1000'));
  const steps = Number(arg('steps', '60'));
  const models = join(__dirname, '..', '..', 'models');
  const found = readModelEntry(models, 'route');
  if ('reason' in found) throw new Error(`the Bellman-Ford model cannot be profiled: ${found.reason}`);
  const { hidden } = found.model;
  const graph = compactGraph({ edges: randomWeightedGraph(n, 5 * n, n) }, 'weight', resolveConfig().limits);
  const inputs = encodeBellmanFord(graph, 0);
  const folder = mkdtempSync(join(tmpdir(), 'narsolve-profile-'));
  const session = await ort.InferenceSession.create(found.model.path, {
    ...sessionOptions(Number(arg('threads', '1'))),
    enableProfiling: true,
    profileFilePrefix: join(folder, 'step'),
  });
  const feeds = feedsOf(MODELS.route, inputs, hidden);
  for (let i = 0; i < steps; i++) feeds.h = (await session.run(feeds)).h_next;
  // onnxruntime-node's endProfiling does not return the file name; the fresh folder holds only that file.
  session.endProfiling();
  await session.release();
  const file = join(folder, readdirSync(folder).find((f) => f.endsWith('.json')) ?? 'missing.json');
  const events = JSON.parse(readFileSync(file, 'utf8')) as ProfileEvent[];
  const runs = events.filter((e) => e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  // The first run pays one-time costs (memory planning for the new shapes): leave it out.
  const warmedAt = runs[0].ts + runs[0].dur;
  const timed = runs.slice(1).map((e) => e.dur);
  const perOp = new Map<string, number>();
  let kernels = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < warmedAt) continue;
    const key = `${e.args?.op_name ?? '?'} ${e.name.replace(/_kernel_time$/, '')}`;
    perOp.set(key, (perOp.get(key) ?? 0) + e.dur);
    kernels += e.dur;
  }
  console.log(`model ${found.model.version}, ${inputs.n} nodes, in-degree up to ${inputs.k}, hidden ${hidden}, ${steps} steps`);
  console.log(`after one warm-up step: median run ${(median(timed) / 1000).toFixed(2)} ms; kernels ${(kernels / timed.length / 1000).toFixed(2)} ms a step`);
  console.log('| operation | µs a step | share of kernel time |\n|---|---|---|');
  for (const [op, us] of [...perOp].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`| ${op} | ${(us / timed.length).toFixed(0)} | ${((100 * us) / kernels).toFixed(1)}% |`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
