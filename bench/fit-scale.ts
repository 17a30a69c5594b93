/**
 * npm run bench:fit-scale [-- --edges 10000 --days 60 --per-hour 1]
 *
 * How long a fit takes (services/fitting.ts, in this thread: the worker runs the same function) on a
 * street grid of about `edges` directed edges with `days` of history, `per-hour` observations per
 * edge and hour, with daily rush hours. A fit's work grows with edges × sampled hours × window days
 * (every estimate reads whole hours); observations per hour only change a binary search's depth, so
 * hourly history is a fair stand-in for 5-minute history, which would not fit this machine's memory
 * at 10,000 edges (172M observations). Prints the time; nothing asserts one.
 */
import { fit, DEFAULT_FIT_OPTIONS } from '../src/services/fitting';
import { rng } from '../generators/graphs';
import { arg } from './args';

async function main(): Promise<void> {
  const edges = Number(arg('edges', '10000'));
  const days = Number(arg('days', '60'));
  const perHour = Number(arg('per-hour', '1'));
  const side = Math.max(2, Math.round(Math.sqrt(edges / 4)) + 1);
  const from: number[] = [];
  const to: number[] = [];
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const u = r * side + c;
      if (c + 1 < side) (from.push(u, u + 1), to.push(u + 1, u));
      if (r + 1 < side) (from.push(u, u + side), to.push(u + side, u));
    }
  }
  const m = from.length;
  const random = rng(3);
  const t0 = Date.UTC(2026, 0, 5);
  const step = 3600_000 / perHour;
  const slots = days * 24 * perHour;
  const start = new Int32Array(m + 1);
  for (let e = 0; e < m; e++) start[e + 1] = start[e] + slots;
  const times = new Float64Array(m * slots);
  const values = new Float64Array(m * slots);
  for (let e = 0; e < m; e++) {
    const base = 1 + 9 * random();
    const rush = Math.floor(random() * 24);
    for (let i = 0; i < slots; i++) {
      const t = t0 + i * step;
      times[e * slots + i] = t;
      values[e * slots + i] = base * (new Date(t).getUTCHours() === rush ? 2.5 : 1) * Math.exp(0.2 * (random() - 0.5));
    }
  }
  const started = performance.now();
  const report = await fit({ kind: 'cost', nodes: side * side, directed: true, from: Int32Array.from(from), to: Int32Array.from(to), known: new Float64Array(m).fill(NaN), series: { start, times, values }, timeZone: 'UTC', options: DEFAULT_FIT_OPTIONS, fittedAt: Date.now() });
  const seconds = (performance.now() - started) / 1000;
  console.log(`| edges | days | observations | fit | chosen |\n|---|---|---|---|---|\n| ${m} | ${days} | ${times.length} | ${seconds.toFixed(1)} s | ${report.chosen} |`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
