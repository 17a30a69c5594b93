/**
 * A graph's history of one kind as flat, time-sorted columns per edge (CSR) with prefix sums: the
 * form a fit reads (it crosses to a fit worker as three transferable arrays) and a fitted estimate
 * queries, a sum over any time range in two binary searches.
 */
import type { ObservationHistory } from './history';
import type { ObservationKind } from '../store/types';

/** The columns that cross to a worker. */
export interface SeriesColumns {
  readonly start: Int32Array;
  readonly times: Float64Array;
  readonly values: Float64Array;
}

export class EdgeSeriesTable {
  /** prefix[j] = the sum of values before position j (per edge, positions start[e]..start[e+1]). */
  private readonly prefix: Float64Array;

  constructor(readonly columns: SeriesColumns) {
    const { start, values } = columns;
    this.prefix = new Float64Array(values.length + start.length);
    // One extra slot per edge so that each edge's prefix starts at 0: prefix index = j + e.
    for (let e = 0; e + 1 < start.length; e++) {
      let total = 0;
      for (let j = start[e]; j < start[e + 1]; j++) {
        this.prefix[j + e] = total;
        total += values[j];
      }
      this.prefix[start[e + 1] + e] = total;
    }
  }

  /** The history's columns of `kind`, copied: the table owns them (a fit moves them to its worker). */
  static fromHistory(history: ObservationHistory, kind: ObservationKind): EdgeSeriesTable {
    const { start, times, values } = history.columns(kind);
    return new EdgeSeriesTable({ start: start.slice(), times: times.slice(), values: values.slice() });
  }

  get edges(): number {
    return this.columns.start.length - 1;
  }

  /** The first and last observation times (NaN when there are none). */
  span(): { first: number; last: number; count: number } {
    let first = Infinity;
    let last = -Infinity;
    const { start, times } = this.columns;
    for (let e = 0; e + 1 < start.length; e++) {
      if (start[e + 1] > start[e]) {
        first = Math.min(first, times[start[e]]);
        last = Math.max(last, times[start[e + 1] - 1]);
      }
    }
    return { first: Number.isFinite(first) ? first : NaN, last: Number.isFinite(last) ? last : NaN, count: times.length };
  }

  /** The sum and count of `edge`'s observations with from <= time < to. */
  sumCount(edge: number, from: number, to: number): { sum: number; count: number } {
    const a = this.firstAtOrAfter(edge, from);
    const b = this.firstAtOrAfter(edge, to);
    return { sum: this.prefix[b + edge] - this.prefix[a + edge], count: b - a };
  }

  /** `edge`'s last observation before `time`, or undefined. */
  lastBefore(edge: number, time: number): number | undefined {
    const j = this.firstAtOrAfter(edge, time);
    return j > this.columns.start[edge] ? this.columns.values[j - 1] : undefined;
  }

  /** `edge`'s last `count` observations before `time`, oldest first. */
  latestBefore(edge: number, time: number, count: number): Float64Array {
    const end = this.firstAtOrAfter(edge, time);
    return this.columns.values.slice(Math.max(this.columns.start[edge], end - count), end);
  }

  private firstAtOrAfter(edge: number, time: number): number {
    const { start, times } = this.columns;
    let lo = start[edge];
    let hi = start[edge + 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
