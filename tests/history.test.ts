/**
 * The observation history a stored graph's queries read: packed into columns, it must answer
 * exactly what a plain list per edge would, whatever order batches arrive in (late observations
 * included), however reads and batches interleave, and whatever edges a batch names.
 */
import fc from 'fast-check';
import { ObservationHistory } from '../src/services/history';
import { EdgeSeriesTable } from '../src/services/series';
import type { ObservationBatch } from '../src/store/types';

/** The reference: per kind and edge, (time, value) in arrival order, sorted stably by time. */
class Lists {
  private readonly rows = new Map<string, { time: number; value: number; order: number }[]>();
  private order = 0;
  constructor(private readonly edges: number) {}
  add(batch: ObservationBatch): void {
    for (let i = 0; i < batch.edge.length; i++) {
      if (batch.edge[i] >= this.edges) continue;
      const key = `${batch.kind}:${batch.edge[i]}`;
      this.rows.set(key, [...(this.rows.get(key) ?? []), { time: batch.time[i], value: batch.value[i], order: this.order++ }]);
    }
  }
  series(kind: string, edge: number) {
    return [...(this.rows.get(`${kind}:${edge}`) ?? [])].sort((a, b) => a.time - b.time || a.order - b.order);
  }
  upTo(kind: string, edge: number, at: number, count: number): number[] {
    const before = this.series(kind, edge).filter((r) => r.time <= at);
    return before.slice(Math.max(0, before.length - count)).map((r) => r.value);
  }
}

const EDGES = 6;
const batch = fc.record({
  kind: fc.constantFrom('cost' as const, 'capacity' as const),
  rows: fc.array(fc.record({ edge: fc.integer({ min: 0, max: EDGES + 1 }), time: fc.integer({ min: 0, max: 20 }), value: fc.integer({ min: 0, max: 99 }) }), { maxLength: 12 }),
});

test('property: upTo, series and the columns equal the plain lists, batches and reads interleaved', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(batch, fc.integer({ min: -1, max: 21 }), fc.integer({ min: 1, max: 4 })), { maxLength: 8 }), (steps) => {
      const history = new ObservationHistory(EDGES);
      const lists = new Lists(EDGES);
      steps.forEach(([b, at, count], epoch) => {
        const stored: ObservationBatch = {
          epoch: epoch + 1,
          kind: b.kind,
          edge: Int32Array.from(b.rows.map((r) => r.edge)),
          value: Float64Array.from(b.rows.map((r) => r.value)),
          time: Float64Array.from(b.rows.map((r) => r.time)),
        };
        history.add(stored);
        lists.add(stored);
        for (const kind of ['cost', 'capacity'] as const) {
          for (let e = 0; e < EDGES; e++) {
            expect(Array.from(history.upTo(kind, e, at, count))).toEqual(lists.upTo(kind, e, at, count));
            expect(Array.from(history.upTo(kind, e, Infinity, count))).toEqual(lists.upTo(kind, e, Infinity, count));
            const series = history.series(kind, e);
            const expected = lists.series(kind, e);
            expect(series ? { times: Array.from(series.times), values: Array.from(series.values) } : undefined).toEqual(
              expected.length ? { times: expected.map((r) => r.time), values: expected.map((r) => r.value) } : undefined,
            );
          }
        }
        expect(history.epoch).toBe(epoch + 1);
      });
    }),
    { numRuns: 300 },
  );
});

test('a fit table owns its columns: moving them to a worker leaves the history whole', () => {
  const history = ObservationHistory.from([{ epoch: 1, kind: 'cost', edge: Int32Array.from([0, 1, 0]), value: Float64Array.from([5, 6, 7]), time: Float64Array.from([1, 2, 3]) }], 2);
  const table = EdgeSeriesTable.fromHistory(history, 'cost');
  structuredClone(table.columns.values, { transfer: [table.columns.values.buffer as ArrayBuffer] });
  expect(table.columns.values.length).toBe(0);
  expect(Array.from(history.upTo('cost', 0, Infinity, 5))).toEqual([5, 7]);
});
