/**
 * A stored graph's observation history in memory: per kind and edge, times and values in time
 * order, built from the store's batches once and then extended batch by batch. Queries read the
 * latest observations up to a time from here, never from disk.
 */
import type { ObservationBatch, ObservationKind } from '../store/types';

/** The first index whose time is after `time` (times ascending). */
function after(times: readonly number[], time: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class EdgeSeries {
  readonly times: number[] = [];
  readonly values: number[] = [];

  add(time: number, value: number): void {
    const { times, values } = this;
    if (times.length === 0 || time >= times[times.length - 1]) {
      times.push(time);
      values.push(value);
      return;
    }
    // Out of order (a late batch): insert after every observation at the same time or earlier.
    const at = after(times, time);
    times.splice(at, 0, time);
    values.splice(at, 0, value);
  }

  /** The last `count` values observed at `at` or before, oldest first. */
  upTo(at: number, count: number): number[] {
    const end = after(this.times, at);
    return this.values.slice(Math.max(0, end - count), end);
  }
}

export class ObservationHistory {
  private readonly byKind: Record<ObservationKind, Map<number, EdgeSeries>> = { cost: new Map(), capacity: new Map() };
  /** The store epoch this history holds every batch of. */
  epoch = 0;

  static from(batches: readonly ObservationBatch[]): ObservationHistory {
    const history = new ObservationHistory();
    for (const batch of batches) history.add(batch);
    return history;
  }

  add(batch: ObservationBatch): void {
    const byEdge = this.byKind[batch.kind];
    for (let i = 0; i < batch.edge.length; i++) {
      let series = byEdge.get(batch.edge[i]);
      if (!series) byEdge.set(batch.edge[i], (series = new EdgeSeries()));
      series.add(batch.time[i], batch.value[i]);
    }
    this.epoch = Math.max(this.epoch, batch.epoch);
  }

  /** Edge `edge`'s whole series of `kind`, times ascending (undefined when it has none). */
  series(kind: ObservationKind, edge: number): { readonly times: readonly number[]; readonly values: readonly number[] } | undefined {
    return this.byKind[kind].get(edge);
  }

  /** Edge `edge`'s latest `count` observations of `kind` at `at` or before (empty when none). */
  upTo(kind: ObservationKind, edge: number, at: number, count: number): number[] {
    return this.byKind[kind].get(edge)?.upTo(at, count) ?? [];
  }
}
