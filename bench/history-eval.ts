/**
 * npm run eval:history [-- --aarhus ../shared/data/aarhus-traffic --first-day 36 --pairs 6 --write]
 * npm run eval:history -- --capacity [--write]
 *
 * What a graph's own history buys, the way a user gets it: the Aarhus network (City of Aarhus /
 * CityPulse, CC BY 4.0) registered as a stored graph in its local time zone, its first 36 days of
 * 5-minute travel times streamed in, a fit (POST /graphs/{id}/fit as the service runs it, in a
 * worker), then every held-out day in turn: routes are asked for each hour from 06:00 to 21:00 with
 * `at` at the start of that hour (so only the past is read), scored against that hour's realized
 * travel times, and then the day's observations are streamed in. The model is refitted whenever the
 * refit policy says so (every REFIT_AFTER_DAYS days of new history).
 *
 * Beside the served (fitted) answer, the same routes on every classical history estimate in the
 * same run (the same code the fit compares): the "last 7 days, same hour" baseline, the best
 * classical one, and the latest observations (what a stored route answered before fits). --write
 * puts the table in models/MODEL_CARD.md.
 *
 * --capacity runs the same protocol on a synthetic provisioned network instead (there is no real
 * capacity history at hand): an 8 × 8 two-way grid whose links take their zone's base capacity, less
 * a load that peaks at 08:00 and 17:00 on weekdays and drifts up 1% a day over 61 days, sampled every
 * 5 minutes (lognormal noise 0.1, 30% missing); max flows between random pairs are scored by cut
 * regret against the realized hour.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../src/config';
import { compactFromArcs } from '../src/graph/compact';
import { HISTORY_ESTIMATE_NAMES, historyFeatures, LocalClock, TableHours, type HistoryEstimateName } from '../src/services/forecast';
import { ObservationHistory } from '../src/services/history';
import { EdgeSeriesTable } from '../src/services/series';
import { createStoredGraphs, REFIT_AFTER_DAYS } from '../src/services/storedGraphs';
import type { FitReport } from '../src/services/fitting';
import { exactMaxflow } from '../src/solvers/classical/maxflow';
import { shortestPaths } from '../src/solvers/classical/shortestPaths';
import { loadLearnedSolvers } from '../src/solvers/learned';
import { EmbeddedStore } from '../src/store/embedded';
import { rng } from '../generators/graphs';
import { arg } from './args';
import { dayBatch, readAarhus, slotMean, SLOTS_PER_DAY } from './aarhus';
import { replaceBetween } from './card';
import { mean, percentile } from './stats';

const REPO = join(__dirname, '..', '..');
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const ZONE = 'Europe/Copenhagen';

/** A history to replay: links, 5-minute values link-major (NaN where none), and what it is. */
interface World {
  readonly name: string;
  readonly kind: 'cost' | 'capacity';
  readonly credit: string;
  readonly links: readonly { from: string; to: string }[];
  readonly slots: number;
  readonly days: number;
  readonly values: Float32Array;
  /** Slot 0, epoch ms (local midnight). */
  readonly t0: number;
  readonly zone: string;
}

function aarhus(dir: string): World | undefined {
  const data = readAarhus(dir);
  return data && { ...data, name: 'aarhus', kind: 'cost', credit: 'Aarhus (City of Aarhus / CityPulse, CC BY 4.0)', zone: ZONE };
}

/** The synthetic provisioned network with a drifting daily load (see the module doc). */
function drifting(): World {
  const side = 8;
  const links: { from: string; to: string }[] = [];
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      if (c + 1 < side) links.push({ from: `${r}-${c}`, to: `${r}-${c + 1}` }, { from: `${r}-${c + 1}`, to: `${r}-${c}` });
      if (r + 1 < side) links.push({ from: `${r}-${c}`, to: `${r + 1}-${c}` }, { from: `${r + 1}-${c}`, to: `${r}-${c}` });
    }
  }
  const random = rng(61);
  const zoneBase = Array.from({ length: 4 }, () => 20 + 180 * random());
  const zoneOf = (id: string) => (Number(id.split('-')[0]) < side / 2 ? 0 : 2) + (Number(id.split('-')[1]) < side / 2 ? 0 : 1);
  const days = 61;
  const slots = days * 288;
  const t0 = Date.UTC(2026, 0, 5);
  const values = new Float32Array(links.length * slots).fill(NaN);
  links.forEach((link, l) => {
    const base = zoneBase[zoneOf(link.from)] * Math.exp(0.1 * (random() - 0.5));
    for (let s = 0; s < slots; s++) {
      if (random() < 0.3) continue;
      const hour = (s % 288) / 12;
      const weekday = (Math.floor(s / 288) % 7) < 5;
      const peak = Math.exp(-((hour - 8) ** 2) / 2) + Math.exp(-((hour - 17) ** 2) / 2);
      const load = Math.min(0.9, 0.5 * peak * (weekday ? 1 : 0.4) * (1 + 0.01 * Math.floor(s / 288)));
      values[l * slots + s] = base * (1 - load) * Math.exp(0.1 * (random() - 0.5) * 3.46);
    }
  });
  return { name: 'drifting', kind: 'capacity', credit: 'Synthetic provisioned network (8 × 8 two-way grid, 4 zones) with a drifting weekday load', links, slots, days, values, t0, zone: 'UTC' };
}

async function main(): Promise<void> {
  const world = process.argv.includes('--capacity') ? drifting() : aarhus(arg('aarhus', join(REPO, '..', 'shared', 'data', 'aarhus-traffic')));
  if (!world) {
    console.error('SKIPPED: no Aarhus data (pass --aarhus <folder>)');
    return;
  }
  const firstDay = Number(arg('first-day', '36'));
  const pairsPerHour = Number(arg('pairs', '6'));
  const m = world.links.length;
  const t0 = world.t0;
  let clockNow = t0 + firstDay * DAY;
  const limits = { maxObservationBatch: 1_000_000, maxRetainedObservations: 50_000_000 };
  const store = new EmbeddedStore(mkdtempSync(join(tmpdir(), 'narsolve-history-eval-')));
  const graphs = createStoredGraphs(store, resolveConfig({ limits }), { now: () => clockNow });
  // The served encoder answers one row (on each edge's latest observations), and serves wherever a fit chooses it.
  const context = { config: resolveConfig({ limits }), learned: await loadLearnedSolvers({ workers: 1 }) };
  const tenant = 'eval';
  const kind = world.kind;
  await graphs.register(tenant, 'aarhus', { graph: { directed: true, edges: { from: world.links.map((l) => l.from), to: world.links.map((l) => l.to) } }, timeZone: world.zone }, undefined);
  for (let d = 0; d < firstDay; d++) await graphs.ingest(tenant, 'aarhus', { kind, observations: dayBatch(world, d) });

  const fitNow = async (): Promise<{ report: FitReport; seconds: number }> => {
    const started = performance.now();
    const job = await graphs.fit(tenant, 'aarhus', { kind });
    await graphs.fitsIdle();
    const done = await graphs.fitJob(tenant, 'aarhus', job.id);
    if (done.state !== 'done') throw new Error(`the fit failed: ${done.error}`);
    return { report: done.report!, seconds: (performance.now() - started) / 1000 };
  };
  const fits: { day: number; report: FitReport; seconds: number }[] = [{ day: firstDay, ...(await fitNow()) }];
  console.error(`fitted on days 0-${firstDay - 1} in ${fits[0].seconds.toFixed(1)} s: ${fits[0].report.chosen}`);

  const ids = [...new Set(world.links.flatMap((l) => [l.from, l.to]))];
  const index = new Map(ids.map((v, i) => [v, i]));
  const arcsFrom = Int32Array.from(world.links, (l) => index.get(l.from)!);
  const arcsTo = Int32Array.from(world.links, (l) => index.get(l.to)!);
  const clock = new LocalClock(world.zone);
  const random = rng(2014);
  const served: number[] = [];
  const byEstimate = Object.fromEntries(['latest', 'encoder', ...HISTORY_ESTIMATE_NAMES].map((k) => [k, [] as number[]])) as Record<string, number[]>;
  const typical = typicalHours(world);
  let sinceFit = 0;
  for (let d = firstDay; d < world.days; d++) {
    // The history the service holds now (days before d), as the fit and the estimates read it.
    const loadedTable = await tableOf(store, tenant, m, kind);
    for (let hourOfDay = 6; hourOfDay < 22; hourOfDay++) {
      const at = t0 + d * DAY + hourOfDay * HOUR;
      const hour = clock.hourOf(at);
      const truth = realizedHour(world, d, hourOfDay, typical);
      const truthGraph = compactFromArcs(ids.length, arcsFrom, arcsTo, truth);
      const features = historyFeatures(new TableHours(loadedTable, clock), hour);
      for (let p = 0; p < pairsPerHour; p++) {
        const s = Math.floor(random() * ids.length);
        let t = Math.floor(random() * ids.length);
        if (t === s) t = (t + 1) % ids.length;
        if (kind === 'cost') {
          const best = tree(truthGraph, s).potential[t];
          if (!(best > 0 && best < Infinity)) continue;
          const answer = await graphs.route(tenant, 'aarhus', { source: ids[s], target: ids[t], at }, context);
          if (!answer.pathEdges) continue;
          served.push(regretOf(answer.pathEdges, truth, best));
          const latest = await graphs.route(tenant, 'aarhus', { source: ids[s], target: ids[t], at, estimate: 'latest', solver: 'classical' }, context);
          byEstimate.latest.push(latest.pathEdges ? regretOf(latest.pathEdges, truth, best) : NaN);
          const encoded = await graphs.route(tenant, 'aarhus', { source: ids[s], target: ids[t], at, estimate: 'latest', solver: 'learned' }, context);
          byEstimate.encoder.push(encoded.pathEdges ? regretOf(encoded.pathEdges, truth, best) : NaN);
          for (const k of HISTORY_ESTIMATE_NAMES) {
            const values = Float64Array.from(features[k], (x, e) => (x >= 0 ? x : truth[e]));
            const chosen = tree(compactFromArcs(ids.length, arcsFrom, arcsTo, values), s);
            const path: number[] = [];
            for (let x = t; x !== s; x = chosen.predNode[x]) path.push(chosen.predEdge[x]);
            byEstimate[k].push(regretOf(path, truth, best));
          }
        } else {
          const best = exactMaxflow(truthGraph, s, t, { maxWork: Number.MAX_SAFE_INTEGER }).value;
          if (!(best > 0)) continue;
          const cutRegret = (edges: readonly number[]) => Math.max(0, (edges.reduce((a, e) => a + truth[e], 0) - best) / best);
          const answer = await graphs.maxflow(tenant, 'aarhus', { source: ids[s], sink: ids[t], at }, context);
          served.push(cutRegret(answer.minCut.edges));
          const latest = await graphs.maxflow(tenant, 'aarhus', { source: ids[s], sink: ids[t], at, estimate: 'latest', solver: 'classical' }, context);
          byEstimate.latest.push(cutRegret(latest.minCut.edges));
          const encoded = await graphs.maxflow(tenant, 'aarhus', { source: ids[s], sink: ids[t], at, estimate: 'latest', solver: 'learned' }, context);
          byEstimate.encoder.push(cutRegret(encoded.minCut.edges));
          for (const k of HISTORY_ESTIMATE_NAMES) {
            const values = Float64Array.from(features[k], (x, e) => (x >= 0 ? x : truth[e]));
            const side = exactMaxflow(compactFromArcs(ids.length, arcsFrom, arcsTo, values), s, t, { maxWork: Number.MAX_SAFE_INTEGER }).sourceSide;
            const cut: number[] = [];
            for (let e = 0; e < m; e++) if (side[arcsFrom[e]] && !side[arcsTo[e]]) cut.push(e);
            byEstimate[k].push(cutRegret(cut));
          }
        }
      }
    }
    // The day is over: its observations arrive; a refit when the policy says so.
    clockNow = t0 + (d + 1) * DAY;
    await graphs.ingest(tenant, 'aarhus', { kind, observations: dayBatch(world, d) });
    if (++sinceFit >= REFIT_AFTER_DAYS && d + 1 < world.days) {
      fits.push({ day: d + 1, ...(await fitNow()) });
      sinceFit = 0;
      console.error(`refitted on days 0-${d} in ${fits[fits.length - 1].seconds.toFixed(1)} s: ${fits[fits.length - 1].report.chosen}`);
    }
  }
  await store.close();
  await context.learned.close();
  const report = table(world, served, byEstimate, fits, firstDay, world.days);
  console.log(report);
  if (process.argv.includes('--write')) replaceBetween(join(REPO, 'models', 'MODEL_CARD.md'), kind === 'cost' ? 'history-aarhus' : 'history-capacity', report);
}

async function tableOf(store: EmbeddedStore, tenant: string, edges: number, kind: 'cost' | 'capacity'): Promise<EdgeSeriesTable> {
  // The same history the service reads: every stored batch, in order.
  return EdgeSeriesTable.fromHistory(ObservationHistory.from(await store.batches(tenant, 'aarhus'), edges), kind);
}

function realizedHour(world: World, day: number, hourOfDay: number, typical: Float64Array[]): Float64Array {
  const first = day * SLOTS_PER_DAY + hourOfDay * 12;
  return Float64Array.from(world.links, (_, l) => {
    const x = slotMean(world, l, first, first + 12);
    return Number.isNaN(x) ? typical[hourOfDay][l] : x;
  });
}

/** The realized value of an unobserved link-hour: the median over all days of that hour's means (truth only; no estimate reads it). */
function typicalHours(world: World): Float64Array[] {
  return Array.from({ length: 24 }, (_, h) =>
    Float64Array.from(world.links, (_, l) => {
      const means: number[] = [];
      for (let d = 0; d < world.days; d++) {
        const x = slotMean(world, l, d * SLOTS_PER_DAY + h * 12, d * SLOTS_PER_DAY + (h + 1) * 12);
        if (!Number.isNaN(x)) means.push(x);
      }
      return means.length ? means.sort((a, b) => a - b)[means.length >> 1] : 60;
    }),
  );
}

function tree(graph: ReturnType<typeof compactFromArcs>, source: number) {
  const result = shortestPaths(graph, source, { maxWork: Number.MAX_SAFE_INTEGER });
  if (result.kind !== 'tree') throw new Error('negative cycle');
  return result.tree;
}

const regretOf = (path: readonly number[], truth: Float64Array, best: number) => Math.max(0, (path.reduce((a, e) => a + truth[e], 0) - best) / best);

function table(world: World, served: number[], byEstimate: Record<string, number[]>, fits: { day: number; report: FitReport; seconds: number }[], firstDay: number, days: number): string {
  const what = world.kind === 'cost' ? 'route' : 'cut';
  const fmt = (xs: number[]) => `${(100 * mean(xs)).toFixed(3)}% / ${(100 * percentile(xs, 95)).toFixed(2)}%`;
  const classical = HISTORY_ESTIMATE_NAMES as readonly HistoryEstimateName[];
  const best = classical.reduce((a, b) => (mean(byEstimate[b]) < mean(byEstimate[a]) ? b : a));
  const lines = [
    `${world.credit}, held-out days ${firstDay}-${days - 1}, ${served.length} ${what}s (each hour 06:00-21:00, random ${world.kind === 'cost' ? 'origin and destination' : 'source and sink'}), scored against the realized hour. Mean / 95th-percentile ${what} regret.`,
    '',
    '| estimate | regret | served / this |',
    '|---|---|---|',
    `| **served: the graph's fitted model** | ${fmt(served)} | 1.00 |`,
    ...['latest', 'encoder', ...classical].map((k) => `| ${k === 'latest' ? `latest observations (stored ${what}s before fits)` : k === 'encoder' ? 'the generic encoder on the latest observations' : k}${k === 'same-hour-7d' ? ' (the baseline)' : ''}${k === best ? ' (best classical, after the fact)' : ''} | ${fmt(byEstimate[k])} | ${(mean(served) / mean(byEstimate[k])).toFixed(3)} |`),
    '',
    'Fits (each on every day before it, chosen on its own last 7 days):',
    '',
    '| fitted before day | chosen | its validation regret | best classical on validation | fit time |',
    '|---|---|---|---|---|',
    ...fits.map(({ day, report, seconds }) => {
      const chosen = report.candidates.find((c) => c.name === report.chosen)!;
      const classicalBest = report.candidates.filter((c) => c.name !== 'regression').reduce((a, b) => (b.meanRegret < a.meanRegret ? b : a));
      return `| ${day} | ${report.chosen} | ${(100 * chosen.meanRegret).toFixed(3)}% | ${classicalBest.name} ${(100 * classicalBest.meanRegret).toFixed(3)}% | ${seconds.toFixed(1)} s |`;
    }),
  ];
  return lines.join('\n');
}


main().catch((error) => {
  console.error(error);
  process.exit(1);
});
