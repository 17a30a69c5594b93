/**
 * Estimates of every edge's value at a time from the graph's own history: what a careful engineer
 * computes from a year of measurements (the same hour on recent days, split by weekday and weekend,
 * exponentially weighted), and a regression on those, fitted on the graph's own past. Periods are
 * local hours in the graph's time zone. Every estimate at `at` reads observations before `at` only.
 */
import type { EdgeSeriesTable } from './series';

/** A history read by whole local hours: what every estimate reads. */
export interface HourlyHistory {
  readonly edges: number;
  /** The sum and count of `edge`'s observations in local hour `hour`. */
  cell(edge: number, hour: number): { sum: number; count: number };
  /** `edge`'s last observation before local hour `hour`, or undefined. */
  lastBefore(edge: number, hour: number): number | undefined;
}

const HOUR = 60 * 60 * 1000;

/** Local hour indices (hours since 1970-01-01T00:00 local time) of a time zone, with its UTC offsets cached by UTC hour. */
export class LocalClock {
  private readonly offsets = new Map<number, number>();
  private readonly format?: Intl.DateTimeFormat;

  constructor(readonly timeZone: string = 'UTC') {
    if (timeZone !== 'UTC') {
      this.format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    }
  }

  /** Whether `timeZone` is an IANA name this runtime knows. */
  static valid(timeZone: string): boolean {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
      return true;
    } catch {
      return false;
    }
  }

  /** The zone's offset from UTC at `t`, in ms. */
  offset(t: number): number {
    if (!this.format) return 0;
    const key = Math.floor(t / HOUR);
    let off = this.offsets.get(key);
    if (off === undefined) {
      const parts = Object.fromEntries(this.format.formatToParts(new Date(key * HOUR)).map((p) => [p.type, p.value]));
      off = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute)) - key * HOUR;
      this.offsets.set(key, off);
    }
    return off;
  }

  /** The local hour index of `t`. */
  hourOf(t: number): number {
    return Math.floor((t + this.offset(t)) / HOUR);
  }

  /** The UTC start of local hour `h` (the offset taken at that hour). */
  startOf(h: number): number {
    const guess = h * HOUR;
    return guess - this.offset(guess - this.offset(guess));
  }
}

/** Whether local hour `h` falls on a Saturday or a Sunday (1970-01-01 was a Thursday). */
export function isWeekend(h: number): boolean {
  const weekday = (((Math.floor(h / 24) + 4) % 7) + 7) % 7;
  return weekday === 0 || weekday === 6;
}

/** A classical history estimate: the value of `edge` for local hour `hour`, from hours before it, or undefined without data. */
interface HistoryEstimate {
  readonly description: string;
  at(hours: HourlyHistory, edge: number, hour: number): number | undefined;
}

/** The mean of `edge`'s observations in local hours hour − 24·d for d = 1..days, optionally only on days of the same kind (weekday or weekend). */
function samePeriod(hours: HourlyHistory, edge: number, hour: number, days: number, sameKind: boolean): number | undefined {
  let sum = 0;
  let count = 0;
  const weekend = isWeekend(hour);
  for (let d = 1; d <= days; d++) {
    const h = hour - 24 * d;
    if (sameKind && isWeekend(h) !== weekend) continue;
    const cell = hours.cell(edge, h);
    sum += cell.sum;
    count += cell.count;
  }
  return count ? sum / count : undefined;
}

/** Daily same-hour means over the last `days` days, weighted by 0.5^(age / halfLife). */
function weightedSamePeriod(hours: HourlyHistory, edge: number, hour: number, days: number, halfLife: number): number | undefined {
  let sum = 0;
  let weights = 0;
  for (let d = 1; d <= days; d++) {
    const h = hour - 24 * d;
    const cell = hours.cell(edge, h);
    if (!cell.count) continue;
    const w = 0.5 ** ((d - 1) / halfLife);
    sum += (w * cell.sum) / cell.count;
    weights += w;
  }
  return weights ? sum / weights : undefined;
}

/** The median over the last `days` days of the same hour's mean (a day with an incident moves it little). */
function medianSamePeriod(hours: HourlyHistory, edge: number, hour: number, days: number): number | undefined {
  const means: number[] = [];
  for (let d = 1; d <= days; d++) {
    const h = hour - 24 * d;
    const cell = hours.cell(edge, h);
    if (cell.count) means.push(cell.sum / cell.count);
  }
  if (!means.length) return undefined;
  means.sort((a, b) => a - b);
  const mid = means.length >> 1;
  return means.length % 2 ? means[mid] : (means[mid - 1] + means[mid]) / 2;
}

/** The classical estimates a fit compares, by name. */
export const HISTORY_ESTIMATES = {
  recent: {
    description: "the mean of the edge's observations in the hour before",
    at: (hours, edge, hour) => {
      const cell = hours.cell(edge, hour - 1);
      return cell.count ? cell.sum / cell.count : hours.lastBefore(edge, hour);
    },
  },
  'same-hour-7d': { description: 'the mean of the same local hour on the last 7 days', at: (s, e, h) => samePeriod(s, e, h, 7, false) },
  'same-hour-28d': { description: 'the mean of the same local hour on the last 28 days', at: (s, e, h) => samePeriod(s, e, h, 28, false) },
  'same-hour-median-28d': { description: "the median of the same local hour's daily means on the last 28 days", at: (s, e, h) => medianSamePeriod(s, e, h, 28) },
  'same-hour-ewma': { description: 'the same local hour on the last 28 days, exponentially weighted (half-life 3 days)', at: (s, e, h) => weightedSamePeriod(s, e, h, 28, 3) },
  'weekday-profile-28d': { description: 'the mean of the same local hour on the last 28 days of the same kind (weekday or weekend)', at: (s, e, h) => samePeriod(s, e, h, 28, true) },
} satisfies Record<string, HistoryEstimate>;

export type HistoryEstimateName = keyof typeof HISTORY_ESTIMATES;
export const HISTORY_ESTIMATE_NAMES = Object.keys(HISTORY_ESTIMATES) as HistoryEstimateName[];

/** The features of the fitted regression, in order: each a classical estimate's log (the first is the intercept). */
export const FEATURES: readonly HistoryEstimateName[] = ['recent', 'same-hour-7d', 'same-hour-28d', 'same-hour-median-28d', 'same-hour-ewma', 'weekday-profile-28d'];

/** What a fit serves: a classical estimate by name, or the regression with its coefficients. */
export type Estimator =
  | { readonly kind: 'classical'; readonly name: HistoryEstimateName }
  | { readonly kind: 'encoder'; readonly name: 'encoder' }
  | { readonly kind: 'regression'; readonly name: 'regression'; readonly coefficients: readonly number[]; readonly edgeBias?: readonly number[] };

/** Where an estimate has no data for an edge: the next in this order that has some (indices into HISTORY_ESTIMATE_NAMES). */
const FALLBACK = (['weekday-profile-28d', 'same-hour-median-28d', 'same-hour-28d', 'same-hour-ewma', 'same-hour-7d', 'recent'] as const).map((k) => HISTORY_ESTIMATE_NAMES.indexOf(k));

/**
 * Every edge's classical estimates at local hour `hour`, each falling back (where it has no data for
 * an edge) to the first of FALLBACK that has some, so that every edge with any observation before
 * the hour has every estimate. NaN where an edge has none.
 */
export function historyFeatures(hours: HourlyHistory, hour: number): Record<HistoryEstimateName, Float64Array> {
  const m = hours.edges;
  const out = Object.fromEntries(HISTORY_ESTIMATE_NAMES.map((k) => [k, new Float64Array(m).fill(NaN)])) as Record<HistoryEstimateName, Float64Array>;
  for (let e = 0; e < m; e++) {
    const raw = HISTORY_ESTIMATE_NAMES.map((k) => HISTORY_ESTIMATES[k].at(hours, e, hour));
    for (const [i, k] of HISTORY_ESTIMATE_NAMES.entries()) {
      let value = raw[i];
      for (let j = 0; value === undefined && j < FALLBACK.length; j++) value = raw[FALLBACK[j]];
      if (value !== undefined) out[k][e] = value;
    }
  }
  return out;
}

/** The estimator's value for every edge at local hour `hour` (NaN where the edge has no observation before it). */
export function estimateAt(estimator: Estimator, hours: HourlyHistory, hour: number): Float64Array {
  const features = historyFeatures(hours, hour);
  if (estimator.kind === 'classical') return features[estimator.name];
  if (estimator.kind === 'encoder') throw new Error('estimateAt: the encoder is served through the learned solver, not from history features');
  return regress(estimator.coefficients, features, estimator.edgeBias);
}

/**
 * The regression's estimate from the features: exp(b0 + b_e + Σ b_i log f_i), with b_e the edge's
 * own (shrunk) bias, kept within the features' range (never beyond the evidence).
 */
export function regress(coefficients: readonly number[], features: Record<HistoryEstimateName, Float64Array>, edgeBias?: readonly number[]): Float64Array {
  const m = features.recent.length;
  const out = new Float64Array(m);
  for (let e = 0; e < m; e++) {
    let z = coefficients[0] + (edgeBias?.[e] ?? 0);
    let lo = Infinity;
    let hi = -Infinity;
    for (const [i, k] of FEATURES.entries()) {
      const x = features[k][e];
      if (!(x > 0)) {
        z = NaN;
        break;
      }
      z += coefficients[i + 1] * Math.log(x);
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    // A zero (or missing) feature has no log: the profile, as the fallback order would give it.
    out[e] = Number.isFinite(z) ? Math.min(hi, Math.max(lo, Math.exp(z))) : features['weekday-profile-28d'][e];
  }
  return out;
}

/** A history table read by local hours through its binary searches: what a query (a few estimates) reads. */
export class TableHours implements HourlyHistory {
  constructor(
    private readonly table: EdgeSeriesTable,
    private readonly clock: LocalClock,
  ) {}

  get edges(): number {
    return this.table.edges;
  }

  cell(edge: number, hour: number) {
    return this.table.sumCount(edge, this.clock.startOf(hour), this.clock.startOf(hour + 1));
  }

  lastBefore(edge: number, hour: number): number | undefined {
    return this.table.lastBefore(edge, this.clock.startOf(hour));
  }
}

/**
 * Every edge's hours from `first` to `last`, summed once into dense arrays (edges × hours): what a
 * fit, which reads each hour many times, reads. Hours outside the range are empty.
 */
export class HourBins implements HourlyHistory {
  private readonly sums: Float64Array;
  private readonly counts: Float32Array;
  private readonly width: number;
  private readonly empty = { sum: 0, count: 0 };

  constructor(
    private readonly table: EdgeSeriesTable,
    private readonly clock: LocalClock,
    private readonly first: number,
    last: number,
  ) {
    this.width = last - first + 1;
    this.sums = new Float64Array(table.edges * this.width);
    this.counts = new Float32Array(table.edges * this.width);
    const { start, times, values } = table.columns;
    for (let e = 0; e < table.edges; e++) {
      for (let j = start[e]; j < start[e + 1]; j++) {
        const h = clock.hourOf(times[j]) - first;
        if (h < 0 || h >= this.width) continue;
        this.sums[e * this.width + h] += values[j];
        this.counts[e * this.width + h]++;
      }
    }
  }

  get edges(): number {
    return this.table.edges;
  }

  cell(edge: number, hour: number) {
    const h = hour - this.first;
    if (h < 0 || h >= this.width) return this.empty;
    return { sum: this.sums[edge * this.width + h], count: this.counts[edge * this.width + h] };
  }

  lastBefore(edge: number, hour: number): number | undefined {
    return this.table.lastBefore(edge, this.clock.startOf(hour));
  }
}
