import fc from 'fast-check';
import { compactGraph } from '../src/graph/compact';
import { DEFAULT_LIMITS } from '../src/config';
import { dinic } from '../src/solvers/classical/dinic';
import { solveMaxflow } from '../src/services/maxflow';
import { verifyMaxflow } from '../src/verify/maxflow';
import { edmondsKarp } from './oracles/edmondsKarp';
import { flowCase, type FlowCase } from './arbitraries';
import { testContext } from './helpers';

const ctx = testContext();
const RUNS = 2500;

const request = (c: FlowCase) => ({ graph: { directed: c.directed, nodes: Array.from({ length: c.n }, (_, i) => i), edges: c.edges }, source: c.source, sink: c.sink });

describe('max flow agrees with a plain Edmonds–Karp on thousands of random graphs', () => {
  test('integer capacities: the value is exactly the oracle value, and the cut proves it', async () => {
    await fc.assert(
      fc.asyncProperty(flowCase(fc.integer({ min: 0, max: 12 })), async (c) => {
        const answer = await solveMaxflow(request(c), ctx);
        expect(answer.value).toBe(edmondsKarp(c.n, c.edges, c.directed, c.source, c.sink));
        expect(answer.minCut.capacity).toBe(answer.value);
        expect(answer.certificate).toMatchObject({ verified: true, capacityMaxViolation: 0, conservationMaxError: 0 });
      }),
      { numRuns: RUNS },
    );
  });

  test('fractional capacities: the value matches the oracle within the certificate tolerance', async () => {
    await fc.assert(
      fc.asyncProperty(flowCase(fc.double({ min: 0, max: 100, noNaN: true, noDefaultInfinity: true })), async (c) => {
        const answer = await solveMaxflow(request(c), ctx);
        const expected = edmondsKarp(c.n, c.edges, c.directed, c.source, c.sink);
        expect(Math.abs(answer.value - expected)).toBeLessThanOrEqual(1e-9 * 100 * Math.max(1, c.edges.length));
        expect(answer.certificate.verified).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('the max-flow certificate rejects corrupted answers', () => {
  test('changing the flow on any one edge that is not a self-loop makes verification fail', () => {
    fc.assert(
      fc.property(flowCase(fc.integer({ min: 0, max: 12 })), fc.nat(), fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: -20, max: -1 })), (c, pick, delta) => {
        const graph = compactGraph(request(c).graph, 'capacity', DEFAULT_LIMITS);
        const result = dinic(graph, c.source, c.sink, { maxWork: 1e9 });
        expect(verifyMaxflow(graph, c.source, c.sink, result.flow, result.sourceSide, { relativeTolerance: 1e-9 }).verified).toBe(true);
        const candidates = c.edges.map((e, i) => (e.from === e.to ? -1 : i)).filter((i) => i >= 0);
        fc.pre(candidates.length > 0);
        const flow = result.flow.slice();
        flow[candidates[pick % candidates.length]] += delta;
        expect(verifyMaxflow(graph, c.source, c.sink, flow, result.sourceSide, { relativeTolerance: 1e-9 }).verified).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  test('a cut that leaves out a saturated crossing edge (a smaller cut that is not a cut) is rejected', () => {
    fc.assert(
      fc.property(flowCase(fc.integer({ min: 1, max: 12 })), (c) => {
        const graph = compactGraph(request(c).graph, 'capacity', DEFAULT_LIMITS);
        const result = dinic(graph, c.source, c.sink, { maxWork: 1e9 });
        fc.pre(result.value > 0);
        // Claiming the sink side as well breaks the cut itself.
        const side = result.sourceSide.slice();
        side[c.sink] = 1;
        expect(verifyMaxflow(graph, c.source, c.sink, result.flow, side, { relativeTolerance: 1e-9 }).verified).toBe(false);
        // Claiming less flow than the cut is rejected too.
        const flow = result.flow.map(() => 0);
        expect(verifyMaxflow(graph, c.source, c.sink, flow, result.sourceSide, { relativeTolerance: 1e-9 }).verified).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
