/**
 * npm run bench:noisy-inference [-- --baseline <models folder> --reps 5]
 *
 * The observation encoders' time as served (encode, inference in a worker thread, the guarded
 * decode) on road-like grids of about 1,000 and 90,000 nodes (two-way streets, 1–6 observations
 * each), for the committed models/ and, in the same run, a baseline models folder: the previous
 * release is `mkdir -p /tmp/v01 && git archive 6fe4cf7 models | tar -x -C /tmp/v01`, then
 * `--baseline /tmp/v01/models`. Prints the ratio. Not a test: nothing asserts a time.
 */
import { resolveConfig } from '../src/config';
import { compactGraph } from '../src/graph/compact';
import { StageTimer } from '../src/services/context';
import { decodeObservations } from '../src/services/observations';
import { loadLearnedSolvers, type EncoderName, type LearnedModel } from '../src/solvers/learned';
import { rng } from '../generators/graphs';
import { arg } from './args';
import { median } from './stats';

function noisyGrid(side: number, seed: number, field: 'weight' | 'capacity') {
  const random = rng(seed);
  const from: number[] = [];
  const to: number[] = [];
  const observations: number[][] = [];
  const street = (u: number, v: number) => {
    const cost = 1 + 9 * random();
    from.push(u);
    to.push(v);
    observations.push(Array.from({ length: 1 + Math.floor(6 * random()) }, () => cost * Math.exp(0.4 * (random() - 0.5))));
  };
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const u = r * side + c;
      if (c + 1 < side) (street(u, u + 1), street(u + 1, u));
      if (r + 1 < side) (street(u, u + side), street(u + side, u));
    }
  }
  const edges = field === 'weight' ? { from, to, observations } : { from, to, capacityObservations: observations };
  return compactGraph({ directed: true, edges }, field, resolveConfig().limits);
}

async function timeEncoder(modelsDir: string, encoder: EncoderName, side: number, reps: number): Promise<number> {
  const learned = await loadLearnedSolvers({ workers: 1, modelsDir });
  try {
    const model = learned[encoder].model as LearnedModel<EncoderName> | undefined;
    if (!model) throw new Error(`${modelsDir}: ${learned[encoder].readiness.reason}`);
    const context = { config: resolveConfig(), learned };
    const times: number[] = [];
    for (let r = 0; r <= reps; r++) {
      // A new graph object each time: the decoded values of one are cached.
      const graph = noisyGrid(side, r, encoder === 'noisyRoutes' ? 'weight' : 'capacity');
      const started = performance.now();
      await decodeObservations(graph, model, context, new StageTimer());
      if (r > 0) times.push(performance.now() - started);
    }
    return median(times);
  } finally {
    await learned.close();
  }
}

async function main(): Promise<void> {
  const baseline = arg('baseline', '');
  const reps = Number(arg('reps', '5'));
  console.log(`| encoder | grid | nodes | served ms (encode + infer + decode) | ${baseline ? 'baseline ms | served / baseline |' : ''}`);
  console.log(`|---|---|---|---|${baseline ? '---|---|' : ''}`);
  // One untimed pass over everything first: the JIT warms up for both folders alike, whichever runs first.
  for (const encoder of ['noisyRoutes', 'noisyCapacities'] as const) {
    for (const dir of [`${__dirname}/../../models`, ...(baseline ? [baseline] : [])]) await timeEncoder(dir, encoder, 32, 2);
  }
  for (const encoder of ['noisyRoutes', 'noisyCapacities'] as const) {
    for (const side of [32, 300]) {
      const served = await timeEncoder(`${__dirname}/../../models`, encoder, side, reps);
      const base = baseline ? await timeEncoder(baseline, encoder, side, reps) : undefined;
      console.log(`| ${encoder} | ${side}x${side} | ${side * side} | ${served.toFixed(1)} | ${base !== undefined ? `${base.toFixed(1)} | ${(served / base).toFixed(2)}x |` : ''}`);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
