/**
 * A stored graph's observation history in memory: per kind, every edge's times and values in time
 * order as flat columns (CSR: edge e's observations are positions start[e] to start[e+1]). Batches
 * are added in O(1) and packed into the columns once, when the next read needs them, in one pass
 * over typed arrays: a history of millions of observations is a few arrays, not an object and two
 * lists per edge, so loading one costs tens of milliseconds and little memory. Queries read the
 * latest observations up to a time from here, never from the store.
 */
import type { ObservationBatch, ObservationKind } from '../store/types';
import type { SeriesColumns } from './series';

const KINDS: readonly ObservationKind[] = ['cost', 'capacity'];

/** One edge's observations: views into the history's columns, times ascending. */
export interface EdgeSeries {
  readonly times: Float64Array;
  readonly values: Float64Array;
}

export class ObservationHistory {
  /** The store epoch this history holds every batch of. */
  epoch = 0;
  private readonly packed: Record<ObservationKind, SeriesColumns>;
  private readonly pending: Record<ObservationKind, ObservationBatch[]> = { cost: [], capacity: [] };

  /** `edges`: the graph's edge count; rows naming an edge past it (a graph replaced by a smaller one) are not kept. */
  constructor(readonly edges: number) {
    const empty = (): SeriesColumns => ({ start: new Int32Array(edges + 1), times: new Float64Array(0), values: new Float64Array(0) });
    this.packed = { cost: empty(), capacity: empty() };
  }

  static from(batches: readonly ObservationBatch[], edges: number): ObservationHistory {
    const history = new ObservationHistory(edges);
    for (const batch of batches) history.add(batch);
    return history;
  }

  add(batch: ObservationBatch): void {
    this.pending[batch.kind].push(batch);
    this.epoch = Math.max(this.epoch, batch.epoch);
  }

  /** One kind's columns (shared: copy before handing them to anything that keeps or moves them). */
  columns(kind: ObservationKind): SeriesColumns {
    if (this.pending[kind].length > 0) {
      this.packed[kind] = pack(this.packed[kind], this.pending[kind], this.edges);
      this.pending[kind] = [];
    }
    return this.packed[kind];
  }

  /** Edge `edge`'s whole series of `kind`, times ascending (undefined when it has none). */
  series(kind: ObservationKind, edge: number): EdgeSeries | undefined {
    const { start, times, values } = this.columns(kind);
    const lo = start[edge];
    const hi = start[edge + 1];
    return hi > lo ? { times: times.subarray(lo, hi), values: values.subarray(lo, hi) } : undefined;
  }

  /** Edge `edge`'s latest `count` observations of `kind` at `at` or before, oldest first (empty when none). */
  upTo(kind: ObservationKind, edge: number, at: number, count: number): Float64Array {
    const { start, times, values } = this.columns(kind);
    const lo = start[edge];
    const hi = start[edge + 1];
    // Queries after every observation (the common case) need no search.
    const end = hi === lo || times[hi - 1] <= at ? hi : after(times, lo, hi, at);
    return values.subarray(Math.max(lo, end - count), end);
  }

  /** Both kinds packed now (so later reads, and the memory they take, are known). */
  pack(): this {
    for (const kind of KINDS) this.columns(kind);
    return this;
  }
}

/** The first position in [lo, hi) whose time is after `time` (times ascending there). */
function after(times: Float64Array, lo: number, hi: number, time: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The columns with `batches` added: each edge's old observations, then its new rows in arrival
 * order; an edge whose new rows are not all at or after its latest is re-sorted by time, stably (a
 * late observation goes after those at the same time or earlier, as if it had arrived in order).
 */
function pack(old: SeriesColumns, batches: readonly ObservationBatch[], edges: number): SeriesColumns {
  const added = new Int32Array(edges);
  for (const batch of batches) for (let i = 0; i < batch.edge.length; i++) if (batch.edge[i] < edges) added[batch.edge[i]]++;
  const start = new Int32Array(edges + 1);
  for (let e = 0; e < edges; e++) start[e + 1] = start[e] + (old.start[e + 1] - old.start[e]) + added[e];
  const times = new Float64Array(start[edges]);
  const values = new Float64Array(start[edges]);
  const cursor = new Int32Array(edges);
  for (let e = 0; e < edges; e++) {
    let to = start[e];
    for (let j = old.start[e]; j < old.start[e + 1]; j++, to++) {
      times[to] = old.times[j];
      values[to] = old.values[j];
    }
    cursor[e] = to;
  }
  for (const batch of batches) {
    for (let i = 0; i < batch.edge.length; i++) {
      const e = batch.edge[i];
      if (e >= edges) continue;
      const at = cursor[e]++;
      times[at] = batch.time[i];
      values[at] = batch.value[i];
    }
  }
  for (let e = 0; e < edges; e++) {
    if (added[e] === 0) continue;
    const from = Math.max(start[e] + 1, start[e + 1] - added[e]);
    for (let j = from; j < start[e + 1]; j++) {
      if (times[j] < times[j - 1]) {
        sortStably(times, values, start[e], start[e + 1]);
        break;
      }
    }
  }
  return { start, times, values };
}

/** Sorts positions [lo, hi) by time, keeping the order of equal times. */
function sortStably(times: Float64Array, values: Float64Array, lo: number, hi: number): void {
  const order = Array.from({ length: hi - lo }, (_, i) => lo + i).sort((a, b) => times[a] - times[b] || a - b);
  const t = order.map((j) => times[j]);
  const v = order.map((j) => values[j]);
  times.set(t, lo);
  values.set(v, lo);
}
