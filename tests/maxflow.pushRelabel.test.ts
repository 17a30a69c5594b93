/**
 * Push-relabel against the oracles: a plain Edmonds–Karp on small random networks (self-loops,
 * parallel edges, zero capacities, undirected edges and isolated sinks included), Dinic on the
 * training families, and the independent verifier on every answer.
 */
import fc from 'fast-check';
import { DEFAULT_LIMITS } from '../src/config';
import { compactGraph } from '../src/graph/compact';
import { dinic } from '../src/solvers/classical/dinic';
import { projectFlow } from '../src/solvers/classical/projection';
import { pushRelabel } from '../src/solvers/classical/pushRelabel';
import { verifyMaxflow } from '../src/verify/maxflow';
import { flowCase, type FlowCase } from './arbitraries';
import { CAPACITY_KINDS, CLRS_FLOW_NETWORK, FLOW_FAMILIES, flowFamilyNetwork, flowRequestBody, pyramidNetwork, rmfNetwork } from '../generators/graphs';
import { edmondsKarp } from './oracles/edmondsKarp';

const graphOf = (c: FlowCase) => compactGraph({ directed: c.directed, nodes: Array.from({ length: c.n }, (_, i) => i), edges: c.edges }, 'capacity', DEFAULT_LIMITS);
const verify = (graph: ReturnType<typeof graphOf>, s: number, t: number, r: { flow: Float64Array; sourceSide: Uint8Array }) =>
  verifyMaxflow(graph, s, t, r.flow, r.sourceSide, { relativeTolerance: 1e-9 });

describe('push-relabel finds the maximum flow and a minimum cut that proves it', () => {
  test('integer capacities (zeros, self-loops, parallel and undirected edges, isolated sinks): exactly the oracle value, certified', () => {
    fc.assert(
      fc.property(flowCase(fc.integer({ min: 0, max: 12 })), (c) => {
        const graph = graphOf(c);
        const result = pushRelabel(graph, c.source, c.sink, { maxWork: 1e9 });
        expect(result.value).toBe(edmondsKarp(c.n, c.edges, c.directed, c.source, c.sink));
        expect(verify(graph, c.source, c.sink, result)).toMatchObject({ verified: true, capacityMaxViolation: 0, conservationMaxError: 0 });
      }),
      { numRuns: 3000 },
    );
  });

  test('fractional capacities: the oracle value within the certificate tolerance, certified', () => {
    fc.assert(
      fc.property(flowCase(fc.double({ min: 0, max: 100, noNaN: true, noDefaultInfinity: true })), (c) => {
        const graph = graphOf(c);
        const result = pushRelabel(graph, c.source, c.sink, { maxWork: 1e9 });
        expect(Math.abs(result.value - edmondsKarp(c.n, c.edges, c.directed, c.source, c.sink))).toBeLessThanOrEqual(1e-9 * 100 * Math.max(1, c.edges.length));
        expect(verify(graph, c.source, c.sink, result).verified).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  test('its minimum cut is the minimal one (what the source reaches), the same side Dinic reports', () => {
    fc.assert(
      fc.property(flowCase(fc.integer({ min: 0, max: 12 }), 16, 60), (c) => {
        const graph = graphOf(c);
        expect(Array.from(pushRelabel(graph, c.source, c.sink, { maxWork: 1e9 }).sourceSide)).toEqual(Array.from(dinic(graph, c.source, c.sink, { maxWork: 1e9 }).sourceSide));
      }),
      { numRuns: 1000 },
    );
  });

  test.each(FLOW_FAMILIES.flatMap((family) => CAPACITY_KINDS.map((kind) => [family, kind] as const)))(
    'the %s family with %s capacities, 40 to 1500 nodes: Dinic\'s value, certified',
    (family, kind) => {
      for (const [n, seed] of [[40, 1], [300, 2], [1500, 3]]) {
        const net = flowFamilyNetwork(family, n, seed, kind);
        const graph = compactGraph(flowRequestBody(net).graph, 'capacity', DEFAULT_LIMITS);
        const result = pushRelabel(graph, net.source, net.sink, { maxWork: 1e12 });
        const exact = dinic(graph, net.source, net.sink, { maxWork: 1e12 });
        expect(Math.abs(result.value - exact.value)).toBeLessThanOrEqual(1e-9 * Math.max(1, exact.value));
        expect(verify(graph, net.source, net.sink, result).verified).toBe(true);
      }
    },
  );

  test('textbook and adversarial networks: CLRS 26.1 (23), the fractional pyramid (exactly 1), RMF frames', () => {
    const clrs = compactGraph({ edges: CLRS_FLOW_NETWORK }, 'capacity', DEFAULT_LIMITS);
    expect(pushRelabel(clrs, clrs.ids.indexOf('s'), clrs.ids.indexOf('t'), { maxWork: 1e9 }).value).toBe(23);
    const pyramid = pyramidNetwork(30);
    const pg = compactGraph({ edges: pyramid.edges }, 'capacity', DEFAULT_LIMITS);
    const pr = pushRelabel(pg, pg.ids.indexOf('s'), pg.ids.indexOf('t'), { maxWork: 1e9 });
    expect(Math.abs(pr.value - pyramid.expected)).toBeLessThan(1e-12);
    expect(verify(pg, pg.ids.indexOf('s'), pg.ids.indexOf('t'), pr).verified).toBe(true);
    const rmf = rmfNetwork(6, 8, 1, 1000, 5);
    const rg = compactGraph({ nodes: Array.from({ length: 6 * 6 * 8 }, (_, i) => i), edges: rmf.edges }, 'capacity', DEFAULT_LIMITS);
    expect(pushRelabel(rg, rmf.source, rmf.sink, { maxWork: 1e12 }).value).toBe(dinic(rg, rmf.source, rmf.sink, { maxWork: 1e12 }).value);
  });

  test('the work limit stops it with WorkLimitExceeded, never a hang', () => {
    const net = flowFamilyNetwork('segmentation', 2000, 9, 'int');
    const graph = compactGraph(flowRequestBody(net).graph, 'capacity', DEFAULT_LIMITS);
    expect(() => pushRelabel(graph, net.source, net.sink, { maxWork: 1000 })).toThrow(expect.objectContaining({ code: 'WorkLimitExceeded' }));
  });
});

describe('push-relabel warm-started from a feasible flow', () => {
  test('from any feasible flow (a partial maximum flow scaled down) it reaches the maximum, certified', () => {
    fc.assert(
      fc.property(flowCase(fc.integer({ min: 0, max: 12 }), 16, 60), fc.double({ min: 0, max: 1, noNaN: true }), (c, share) => {
        const graph = graphOf(c);
        const exact = dinic(graph, c.source, c.sink, { maxWork: 1e9 });
        // A scaled maximum flow is feasible (conservation is linear); rounding keeps integer arithmetic exact... so scale by whole units only.
        const start = exact.flow.map((f) => Math.trunc(f * share));
        const conserves = Array.from({ length: c.n }, (_, v) => v).every((v) => v === c.source || v === c.sink || Math.abs(balance(graph, start, v)) === 0);
        fc.pre(conserves);
        const warm = pushRelabel(graph, c.source, c.sink, { maxWork: 1e9, initialFlow: start });
        expect(warm.value).toBe(exact.value);
        expect(verify(graph, c.source, c.sink, warm).verified).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  test('from a preflow (any prediction with only its shortfall walked off) it routes the excess itself and reaches the maximum', () => {
    fc.assert(
      fc.property(flowCase(fc.integer({ min: 0, max: 12 }), 16, 60), fc.array(fc.integer({ min: -15, max: 15 }), { minLength: 60, maxLength: 60 }), (c, guess) => {
        const graph = graphOf(c);
        const preflow = projectFlow(graph, c.source, c.sink, Float64Array.from(c.edges, (_, i) => guess[i]), { maxWork: 1e9, keepExcess: true });
        for (let v = 0; v < c.n; v++) if (v !== c.source) expect(balance(graph, preflow.flow, v)).toBeGreaterThanOrEqual(0);
        const warm = pushRelabel(graph, c.source, c.sink, { maxWork: 1e9, initialFlow: preflow.flow });
        expect(warm.value).toBe(edmondsKarp(c.n, c.edges, c.directed, c.source, c.sink));
        expect(verify(graph, c.source, c.sink, warm).verified).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  test('a start flow that leaves a node short (more out than in) is refused: it is not a preflow', () => {
    const graph = compactGraph({ edges: [{ from: 's', to: 'a', capacity: 5 }, { from: 'a', to: 't', capacity: 5 }] }, 'capacity', DEFAULT_LIMITS);
    expect(() => pushRelabel(graph, 0, 2, { maxWork: 1e9, initialFlow: Float64Array.of(1, 3) })).toThrow(/node 1 short of 2/);
  });

  test('from the maximum flow itself it pushes nothing', () => {
    const net = flowFamilyNetwork('layered', 400, 4, 'int');
    const graph = compactGraph(flowRequestBody(net).graph, 'capacity', DEFAULT_LIMITS);
    const exact = dinic(graph, net.source, net.sink, { maxWork: 1e12 });
    const warm = pushRelabel(graph, net.source, net.sink, { maxWork: 1e12, initialFlow: exact.flow });
    expect(warm.value).toBe(exact.value);
    expect(warm.counts.pushes).toBe(0);
  });
});

function balance(graph: ReturnType<typeof graphOf>, flow: Float64Array, v: number): number {
  let b = 0;
  for (let i = 0; i < graph.edgeCount; i++) {
    if (graph.edgeFrom[i] === graph.edgeTo[i]) continue;
    if (graph.edgeTo[i] === v) b += flow[i];
    if (graph.edgeFrom[i] === v) b -= flow[i];
  }
  return b;
}
