/**
 * A fit on one stored graph's history, strictly forward in time: the last `validationDays` of the
 * history are the held-out slice; the regression is fitted on the hours before it; every candidate
 * (the classical history estimates and the regression) is scored there by route (or cut) regret
 * against the realized values, the way answers will be used; the best one serves, the regression
 * only where it beat every classical estimate. Then the regression is refitted on all hours.
 *
 * The realized value of an edge in an hour is the mean of its observations in that hour (later
 * observations are the ground truth nobody else has). Pure and seeded: the same history and
 * options give the same report.
 */
import { compactFromArcs } from '../graph/compact';
import { seededRandom } from '../random';
import type { CompactGraph } from '../graph/types';
import { exactMaxflow } from '../solvers/classical/maxflow';
import { shortestPaths } from '../solvers/classical/shortestPaths';
import type { ObservationKind } from '../store/types';
import { FEATURES, HISTORY_ESTIMATES, HISTORY_ESTIMATE_NAMES, historyFeatures, HourBins, LocalClock, regress, type Estimator, type HistoryEstimateName, type HourlyHistory } from './forecast';
import { EdgeSeriesTable, type SeriesColumns } from './series';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** What a fit reads: the graph's structure, its history of one kind, and the options. */
export interface FitInput {
  readonly kind: ObservationKind;
  readonly nodes: number;
  readonly directed: boolean;
  readonly from: Int32Array;
  readonly to: Int32Array;
  /** Per edge: its registered value, NaN where it comes from observations. */
  readonly known: Float64Array;
  readonly series: SeriesColumns;
  readonly timeZone: string;
  readonly options: FitOptions;
  readonly fittedAt: number;
  /** The served observation encoder for this kind, when it is loaded: it becomes a candidate on each edge's latest observations. */
  readonly encoder?: { readonly path: string; readonly hidden: number; readonly maxObservations: number };
}

/** Decodes every edge's value at local hour `hour` from its latest observations before it (the generic encoder's candidate). */
export type EncoderCandidate = (hour: number) => Promise<Float64Array>;

export interface FitOptions {
  /** The held-out slice: the last this many days of the history. */
  readonly validationDays: number;
  /** Most hours scored in the slice, and most hours the regression is fitted on (sampled, seeded). */
  readonly maxHours: number;
  /** Routes (or cuts) scored per hour. */
  readonly pairs: number;
  readonly seed: number;
}

export const DEFAULT_FIT_OPTIONS: FitOptions = { validationDays: 7, maxHours: 168, pairs: 20, seed: 1 };

/** One candidate's figures on the held-out slice. */
export interface CandidateReport {
  readonly name: HistoryEstimateName | 'regression' | 'encoder';
  readonly description: string;
  readonly meanRegret: number;
  readonly p95Regret: number;
  /** Mean absolute error of the log estimate against the realized values, over observed edge-hours. */
  readonly logMae: number;
}

/** What a fit found: the data it saw, every candidate's validation figures, and what serves. */
export interface FitReport {
  readonly kind: ObservationKind;
  readonly timeZone: string;
  readonly fittedAt: string;
  readonly data: { readonly from: string; readonly to: string; readonly observations: number; readonly edges: number; readonly observedEdges: number };
  readonly validation: { readonly from: string; readonly to: string; readonly hours: number; readonly scored: number; readonly metric: 'route regret' | 'cut regret' };
  readonly training: { readonly hours: number; readonly samples: number };
  readonly candidates: readonly CandidateReport[];
  readonly chosen: CandidateReport['name'];
  readonly reason: string;
  readonly estimator: Estimator;
}

export class FitError extends Error {}

/** fit: the report and the estimator to serve. `progress` hears 0..1; `encoder`, when given, is one more candidate. */
export async function fit(input: FitInput, progress: (done: number) => void = () => {}, encoder?: EncoderCandidate): Promise<FitReport> {
  const series = new EdgeSeriesTable(input.series);
  const clock = new LocalClock(input.timeZone);
  const span = series.span();
  const { validationDays, maxHours, pairs, seed } = input.options;
  if (!(span.count > 0)) throw new FitError('the graph has no observations of this kind to fit on');
  const lastHour = clock.hourOf(span.last);
  const firstHour = clock.hourOf(span.first);
  // The held-out slice: the last validationDays of whole hours; it needs a week of history before it.
  const validationStart = lastHour - 24 * validationDays + 1;
  if (validationStart - firstHour < 24 * 7) {
    throw new FitError(`a fit needs at least ${7 + validationDays} days of history (7 before the ${validationDays}-day held-out slice); this graph has ${((span.last - span.first) / DAY).toFixed(1)}`);
  }
  const hours = new HourBins(series, clock, firstHour, lastHour);
  const random = seededRandom(seed);
  const validationHours = sample(range(validationStart, lastHour), maxHours, random);
  const trainingHours = sample(range(firstHour + 24 * 7, validationStart), maxHours, random);
  const typical = typicalByHourOfDay(hours, firstHour, lastHour);

  // The regression, fitted on the hours before the slice only.
  const training = trainRows(hours, trainingHours, (done) => progress(0.3 * done));
  const coefficients = ridge(training.rows, training.targets);
  const biases = edgeBiases(coefficients, training, series.edges);
  const candidates: CandidateReport['name'][] = [...HISTORY_ESTIMATE_NAMES, 'regression', ...(encoder ? (['encoder'] as const) : [])];
  const regrets = Object.fromEntries(candidates.map((k) => [k, [] as number[]])) as Record<CandidateReport['name'], number[]>;
  const errors = Object.fromEntries(candidates.map((k) => [k, { sum: 0, count: 0 }])) as Record<CandidateReport['name'], { sum: number; count: number }>;
  const arcs = arcsOf(input);
  for (const [i, hour] of validationHours.entries()) {
    const features = historyFeatures(hours, hour);
    const estimates = { ...features, regression: regress(coefficients, features, biases), ...(encoder && { encoder: await encoder(hour) }) } as Record<CandidateReport['name'], Float64Array>;
    const { truth, observed } = realized(hours, hour, typical, input.known);
    for (const k of candidates) {
      const values = fill(estimates[k], truth, input.known);
      for (let e = 0; e < values.length; e++) {
        if (observed[e] && values[e] > 0 && truth[e] > 0) {
          errors[k].sum += Math.abs(Math.log(values[e]) - Math.log(truth[e]));
          errors[k].count++;
        }
      }
      regrets[k].push(...(input.kind === 'cost' ? routeRegrets : cutRegrets)(input.nodes, arcs, values, truth, pairs, seededFrom(seed, hour)));
    }
    progress(0.3 + (0.7 * (i + 1)) / validationHours.length);
  }
  const reports: CandidateReport[] = candidates.map((k) => ({
    name: k,
    description:
      k === 'regression'
        ? `a ridge regression on the logs of ${FEATURES.join(', ')}, with each edge's own shrunk bias, fitted on this graph's earlier hours`
        : k === 'encoder'
          ? "the generic observation encoder on each edge's latest observations before the hour (as a stored query without a fit reads them)"
          : HISTORY_ESTIMATES[k].description,
    meanRegret: mean(regrets[k]),
    p95Regret: p95(regrets[k]),
    logMae: errors[k].count ? errors[k].sum / errors[k].count : NaN,
  }));
  const classical = reports.filter((r) => r.name !== 'regression' && r.name !== 'encoder');
  const best = classical.reduce((a, b) => (b.meanRegret < a.meanRegret ? b : a));
  // A learned candidate serves only if it beat every classical one; the better of the two learned ones if both did.
  const learned = reports.filter((r) => (r.name === 'regression' || r.name === 'encoder') && r.meanRegret < best.meanRegret).sort((a, b) => a.meanRegret - b.meanRegret)[0];
  const fitted = reports.find((r) => r.name === 'regression')!;
  const useRegression = learned?.name === 'regression';
  let estimator: Estimator = learned?.name === 'encoder' ? { kind: 'encoder', name: 'encoder' } : { kind: 'classical', name: best.name as HistoryEstimateName };
  if (useRegression) {
    // Chosen on the slice; served with coefficients from every hour, the slice included (the past of any later query).
    const all = trainRows(hours, sample(range(firstHour + 24 * 7, lastHour + 1), maxHours, random), () => {});
    const refitted = ridge(all.rows, all.targets);
    estimator = { kind: 'regression', name: 'regression', coefficients: refitted, edgeBias: edgeBiases(refitted, all, series.edges) };
  }
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const iso = (t: number) => new Date(t).toISOString();
  return {
    kind: input.kind,
    timeZone: input.timeZone,
    fittedAt: iso(input.fittedAt),
    data: { from: iso(span.first), to: iso(span.last), observations: span.count, edges: series.edges, observedEdges: countObserved(input.series) },
    validation: { from: iso(clock.startOf(validationStart)), to: iso(clock.startOf(lastHour + 1)), hours: validationHours.length, scored: regrets.recent.length, metric: input.kind === 'cost' ? 'route regret' : 'cut regret' },
    training: { hours: trainingHours.length, samples: training.targets.length },
    candidates: reports,
    chosen: estimator.name,
    reason: learned
      ? `the ${learned.name} validated better than the best classical estimate, ${best.name} (${pct(learned.meanRegret)} against ${pct(best.meanRegret)} mean ${input.kind === 'cost' ? 'route' : 'cut'} regret)${useRegression ? '; refitted on every hour for serving' : ''}`
      : `no learned candidate validated better than the best classical estimate, ${best.name} (the regression: ${pct(fitted.meanRegret)}${encoder ? `, the encoder: ${pct(reports.find((r) => r.name === 'encoder')!.meanRegret)}` : ''}, against ${pct(best.meanRegret)}), so it serves`,
    estimator,
  };
}

/** The regression's rows: [1, log feature...] per observed edge-hour, and the log realized value. */
function trainRows(history: HourlyHistory, hours: readonly number[], progress: (done: number) => void): { rows: number[][]; targets: number[]; edges: number[] } {
  const rows: number[][] = [];
  const targets: number[] = [];
  const edges: number[] = [];
  for (const [i, hour] of hours.entries()) {
    const features = historyFeatures(history, hour);
    for (let e = 0; e < history.edges; e++) {
      const cell = history.cell(e, hour);
      if (!cell.count || !(cell.sum > 0)) continue;
      const row = [1];
      for (const k of FEATURES) row.push(features[k][e] > 0 ? Math.log(features[k][e]) : NaN);
      if (row.some(Number.isNaN)) continue;
      rows.push(row);
      targets.push(Math.log(cell.sum / cell.count));
      edges.push(e);
    }
    progress((i + 1) / hours.length);
  }
  return { rows, targets, edges };
}

/** Edges' own biases: each edge's mean residual of the shared regression, shrunk toward 0 by BIAS_PRIOR rows of none. */
const BIAS_PRIOR = 20;
function edgeBiases(coefficients: readonly number[], data: { rows: number[][]; targets: number[]; edges: number[] }, edgeCount: number): number[] {
  const sum = new Float64Array(edgeCount);
  const count = new Float64Array(edgeCount);
  for (let r = 0; r < data.rows.length; r++) {
    let z = 0;
    for (let i = 0; i < coefficients.length; i++) z += coefficients[i] * data.rows[r][i];
    sum[data.edges[r]] += data.targets[r] - z;
    count[data.edges[r]]++;
  }
  return Array.from(sum, (s, e) => s / (count[e] + BIAS_PRIOR));
}

/**
 * Ridge regression by its normal equations (a few coefficients: Gaussian elimination with partial
 * pivoting). The intercept is not penalized; without rows, the 28-day same-hour mean alone.
 */
export function ridge(rows: readonly number[][], targets: readonly number[], lambda = 1e-3): number[] {
  const p = FEATURES.length + 1;
  if (rows.length < p * 10) {
    const fallback = new Array(p).fill(0);
    fallback[FEATURES.indexOf('same-hour-28d') + 1] = 1;
    return fallback;
  }
  const a = Array.from({ length: p }, () => new Array(p + 1).fill(0));
  for (let r = 0; r < rows.length; r++) {
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) a[i][j] += rows[r][i] * rows[r][j];
      a[i][p] += rows[r][i] * targets[r];
    }
  }
  for (let i = 1; i < p; i++) a[i][i] += lambda * rows.length;
  for (let c = 0; c < p; c++) {
    let pivot = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) pivot = r;
    [a[c], a[pivot]] = [a[pivot], a[c]];
    for (let r = 0; r < p; r++) {
      if (r === c || a[c][c] === 0) continue;
      const f = a[r][c] / a[c][c];
      for (let k = c; k <= p; k++) a[r][k] -= f * a[c][k];
    }
  }
  return a.map((row, i) => (row[i] === 0 ? 0 : row[p] / row[i]));
}

/** The realized value of every edge in local hour `hour`: its mean there, else the typical value of that hour of day (truth only). */
function realized(history: HourlyHistory, hour: number, typical: Float64Array[], known: Float64Array) {
  const m = history.edges;
  const truth = new Float64Array(m);
  const observed = new Uint8Array(m);
  const hourOfDay = ((hour % 24) + 24) % 24;
  for (let e = 0; e < m; e++) {
    if (!Number.isNaN(known[e])) {
      truth[e] = known[e];
      continue;
    }
    const cell = history.cell(e, hour);
    if (cell.count) {
      truth[e] = cell.sum / cell.count;
      observed[e] = 1;
    } else truth[e] = typical[hourOfDay][e];
  }
  return { truth, observed };
}

/** Per hour of day and edge, the median over days of that hour's means (NaN without data): what stands in for an unobserved realized value. */
function typicalByHourOfDay(history: HourlyHistory, firstHour: number, lastHour: number): Float64Array[] {
  const out = Array.from({ length: 24 }, () => new Float64Array(history.edges).fill(NaN));
  for (let e = 0; e < history.edges; e++) {
    const byHour: number[][] = Array.from({ length: 24 }, () => []);
    for (let h = firstHour; h <= lastHour; h++) {
      const cell = history.cell(e, h);
      if (cell.count) byHour[((h % 24) + 24) % 24].push(cell.sum / cell.count);
    }
    const all = byHour.flat().sort((a, b) => a - b);
    for (let k = 0; k < 24; k++) {
      const xs = byHour[k].sort((a, b) => a - b);
      // An hour of day never observed on this edge: its median over every hour.
      if (xs.length) out[k][e] = xs[xs.length >> 1];
      else if (all.length) out[k][e] = all[all.length >> 1];
    }
  }
  // An edge never observed at all: the median edge's value, so it neither attracts nor repels routes.
  const seen = out.flatMap((values) => Array.from(values).filter(Number.isFinite)).sort((a, b) => a - b);
  const neutral = seen.length ? seen[seen.length >> 1] : 1;
  for (const values of out) for (let e = 0; e < values.length; e++) if (!Number.isFinite(values[e])) values[e] = neutral;
  return out;
}

/** A candidate's values, with the truth standing in where it has none (no observation before the hour: no candidate can say anything there). */
function fill(values: Float64Array, truth: Float64Array, known: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  for (let e = 0; e < values.length; e++) out[e] = !Number.isNaN(known[e]) ? known[e] : values[e] >= 0 ? values[e] : truth[e];
  return out;
}

interface Arcs {
  readonly from: Int32Array;
  readonly to: Int32Array;
  readonly edge: Int32Array;
}

/** The graph's arcs (an undirected edge is two), so that a compact graph per candidate is a copy of values. */
function arcsOf(input: FitInput): Arcs {
  const m = input.from.length;
  const count = input.directed ? m : 2 * m;
  const from = new Int32Array(count);
  const to = new Int32Array(count);
  const edge = new Int32Array(count);
  for (let e = 0; e < m; e++) {
    from[e] = input.from[e];
    to[e] = input.to[e];
    edge[e] = e;
    if (!input.directed) {
      from[m + e] = input.to[e];
      to[m + e] = input.from[e];
      edge[m + e] = e;
    }
  }
  return { from, to, edge };
}

function graphOn(nodes: number, arcs: Arcs, values: Float64Array): CompactGraph {
  return compactFromArcs(nodes, arcs.from, arcs.to, Float64Array.from(arcs.edge, (e) => (Number.isFinite(values[e]) ? values[e] : 0)));
}

/** Route regrets for `pairs` random origin–destination pairs (a few sources, several targets each). */
function routeRegrets(nodes: number, arcs: Arcs, values: Float64Array, truth: Float64Array, pairs: number, random: () => number): number[] {
  const estimated = graphOn(nodes, arcs, values);
  const real = graphOn(nodes, arcs, truth);
  const out: number[] = [];
  const sources = Math.max(1, Math.round(Math.sqrt(pairs)));
  for (let s = 0; s < sources; s++) {
    const source = Math.floor(random() * nodes);
    const chosen = tree(estimated, source);
    const best = tree(real, source);
    for (let t = 0; t < Math.ceil(pairs / sources); t++) {
      const target = Math.floor(random() * nodes);
      const optimum = best.potential[target];
      if (!(optimum > 0 && optimum < Infinity) || chosen.potential[target] === Infinity) continue;
      let cost = 0;
      for (let x = target; x !== source; x = chosen.predNode[x]) cost += truth[arcs.edge[chosen.predEdge[x]]];
      out.push(Math.max(0, (cost - optimum) / optimum));
    }
  }
  return out;
}

/** Cut regrets for `pairs` random source–sink pairs: the true capacity of the minimum cut on the estimate over the true minimum. */
function cutRegrets(nodes: number, arcs: Arcs, values: Float64Array, truth: Float64Array, pairs: number, random: () => number): number[] {
  const estimated = graphOn(nodes, arcs, values);
  const real = graphOn(nodes, arcs, truth);
  const out: number[] = [];
  for (let i = 0; i < Math.max(1, Math.round(pairs / 4)); i++) {
    const source = Math.floor(random() * nodes);
    const sink = Math.floor(random() * nodes);
    if (source === sink) continue;
    const best = exactMaxflow(real, source, sink, { maxWork: Number.MAX_SAFE_INTEGER }).value;
    if (!(best > 0)) continue;
    const side = exactMaxflow(estimated, source, sink, { maxWork: Number.MAX_SAFE_INTEGER }).sourceSide;
    let crossing = 0;
    for (let a = 0; a < arcs.from.length; a++) if (side[arcs.from[a]] && !side[arcs.to[a]]) crossing += truth[arcs.edge[a]];
    out.push(Math.max(0, (crossing - best) / best));
  }
  return out;
}

function tree(graph: CompactGraph, source: number) {
  const result = shortestPaths(graph, source, { maxWork: Number.MAX_SAFE_INTEGER });
  if (result.kind !== 'tree') throw new FitError('a negative cycle among non-negative estimates');
  return result.tree;
}

function countObserved(columns: SeriesColumns): number {
  let n = 0;
  for (let e = 0; e + 1 < columns.start.length; e++) if (columns.start[e + 1] > columns.start[e]) n++;
  return n;
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const p95 = (xs: readonly number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(0.95 * xs.length))] : NaN);

/** Up to `k` of `xs`, in order, chosen by `random` (all when there are no more than k). */
function sample(xs: readonly number[], k: number, random: () => number): number[] {
  if (xs.length <= k) return [...xs];
  const picked = new Set<number>();
  while (picked.size < k) picked.add(Math.floor(random() * xs.length));
  return [...picked].sort((a, b) => a - b).map((i) => xs[i]);
}


/** The generator for one hour's pairs: the same pairs for every candidate. */
function seededFrom(seed: number, hour: number): () => number {
  return seededRandom((seed * 2654435761 + hour) >>> 0);
}
