import fc from 'fast-check';
import { compactGraph } from '../src/graph/compact';
import { DEFAULT_LIMITS } from '../src/config';
import { dinic } from '../src/solvers/classical/dinic';
import { addedFlow } from '../src/solvers/classical/flow';
import { pushRelabel } from '../src/solvers/classical/pushRelabel';
import { projectFlow } from '../src/solvers/classical/projection';
import { verifyMaxflow } from '../src/verify/maxflow';
import { flowCase, type FlowCase } from './arbitraries';

const MAX_WORK = 1e9;

/** A flow network with one arbitrary prediction per edge: garbage is allowed, the projection must cope. */
interface Case extends FlowCase {
  predicted: number[];
}

const predictedCase = (capacity: fc.Arbitrary<number>): fc.Arbitrary<Case> =>
  flowCase(capacity, 14, 45).chain((c) =>
    fc
      .array(fc.oneof(fc.double({ min: -20, max: 120 }), fc.constant(Number.NaN), fc.integer({ min: -5, max: 15 })), { minLength: c.edges.length, maxLength: c.edges.length })
      .map((predicted) => ({ ...c, predicted })),
  );

const compact = (c: Case) => compactGraph({ directed: c.directed, nodes: Array.from({ length: c.n }, (_, i) => i), edges: c.edges }, 'capacity', DEFAULT_LIMITS);

describe('the projection turns any prediction into a feasible flow, and Dinic or push-relabel finishes exactly from it', () => {
  for (const [kind, capacity] of [
    ['integer', fc.integer({ min: 0, max: 12 })],
    ['fractional', fc.double({ min: 0, max: 100, noNaN: true, noDefaultInfinity: true })],
  ] as const) {
    test(`${kind} capacities: projected flows respect capacities and conservation; the warm start reaches the cold value, certified`, () => {
      fc.assert(
        fc.property(predictedCase(capacity), (c) => {
          const graph = compact(c);
          const projected = projectFlow(graph, c.source, c.sink, Float64Array.from(c.predicted), { maxWork: MAX_WORK });
          const asIs = verifyMaxflow(graph, c.source, c.sink, projected.flow, new Uint8Array(c.n).fill(0), { relativeTolerance: 1e-9 });
          const tol = kind === 'integer' ? 0 : 1e-9 * graph.stats.maxAbs * Math.max(1, c.edges.length);
          expect(asIs.capacityMaxViolation).toBeLessThanOrEqual(tol);
          expect(asIs.conservationMaxError).toBeLessThanOrEqual(tol);
          expect(Math.abs(asIs.value - projected.value)).toBeLessThanOrEqual(tol);
          if (kind === 'integer') for (const f of projected.flow) expect(Number.isInteger(f)).toBe(true);

          const cold = dinic(graph, c.source, c.sink, { maxWork: MAX_WORK });
          expect(projected.value).toBeLessThanOrEqual(cold.value + tol);
          for (const solver of [dinic, pushRelabel]) {
            const warm = solver(graph, c.source, c.sink, { maxWork: MAX_WORK, initialFlow: projected.flow });
            const verdict = verifyMaxflow(graph, c.source, c.sink, warm.flow, warm.sourceSide, { relativeTolerance: 1e-9 });
            expect(verdict.failures).toEqual([]);
            if (kind === 'integer') expect(warm.value).toBe(cold.value);
            else expect(Math.abs(warm.value - cold.value)).toBeLessThanOrEqual(1e-9 * 100 * Math.max(1, c.edges.length));
          }
        }),
        { numRuns: 1500 },
      );
    });
  }

  test('when the prediction is already a maximum flow, the projection keeps all of it and neither warm-started solver moves any flow', () => {
    fc.assert(
      fc.property(predictedCase(fc.integer({ min: 0, max: 12 })), (c) => {
        const graph = compact(c);
        const best = dinic(graph, c.source, c.sink, { maxWork: MAX_WORK });
        const projected = projectFlow(graph, c.source, c.sink, best.flow, { maxWork: MAX_WORK });
        expect(projected.value).toBe(best.value);
        expect(projected.clippedEdges).toBe(0);
        for (const solver of [dinic, pushRelabel]) {
          const warm = solver(graph, c.source, c.sink, { maxWork: MAX_WORK, initialFlow: projected.flow });
          expect(addedFlow(warm)).toBe(false);
          expect(warm.value).toBe(best.value);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('a prediction with flow on a cycle and excess at a dead end loses only what it must', () => {
    // s=0 → 1 → t=3 carries 5; 1 → 2 → 1 is a cycle; 1 → 4 claims 3 more that nothing drains.
    const graph = compactGraph(
      { nodes: [0, 1, 2, 3, 4], edges: [{ from: 0, to: 1, capacity: 5 }, { from: 1, to: 3, capacity: 5 }, { from: 1, to: 2, capacity: 2 }, { from: 2, to: 1, capacity: 2 }, { from: 1, to: 4, capacity: 3 }] },
      'capacity',
      DEFAULT_LIMITS,
    );
    const projected = projectFlow(graph, 0, 3, Float64Array.of(5, 5, 2, 2, 3), { maxWork: MAX_WORK });
    expect(projected.value).toBe(5);
    expect(Array.from(projected.flow)).toEqual([5, 5, 2, 2, 0]);
  });
});
