import fc from 'fast-check';

/** A small random flow network as the property tests draw it: nodes 0..n-1, any edges, source ≠ sink. */
export interface FlowCase {
  n: number;
  directed: boolean;
  edges: { from: number; to: number; capacity: number }[];
  source: number;
  sink: number;
}

/** flowCase: random flow networks of up to `maxNodes` nodes and `maxEdges` edges (self-loops and parallel edges included). */
export const flowCase = (capacity: fc.Arbitrary<number>, maxNodes = 12, maxEdges = 40): fc.Arbitrary<FlowCase> =>
  fc.integer({ min: 2, max: maxNodes }).chain((n) =>
    fc
      .record({
        n: fc.constant(n),
        directed: fc.boolean(),
        edges: fc.array(fc.record({ from: fc.nat(n - 1), to: fc.nat(n - 1), capacity }), { maxLength: maxEdges }),
        source: fc.nat(n - 1),
        sink: fc.nat(n - 2),
      })
      .map((c) => ({ ...c, sink: c.sink >= c.source ? c.sink + 1 : c.sink })),
  );
