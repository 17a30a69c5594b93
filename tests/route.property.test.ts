import fc from 'fast-check';
import { MultiDirectedGraph, MultiUndirectedGraph } from 'graphology';
import { dijkstra as graphologyDijkstra } from 'graphology-shortest-path';
import { compactGraph } from '../src/graph/compact';
import { DEFAULT_LIMITS } from '../src/config';
import { shortestPaths } from '../src/solvers/classical/shortestPaths';
import { solveRoute } from '../src/services/route';
import { verifyShortestPaths } from '../src/verify/shortestPaths';
import { plainBellmanFord } from './oracles/plainBellmanFord';
import { refusal, testContext } from './helpers';

const ctx = testContext();
const RUNS = 2500;

interface Case {
  n: number;
  directed: boolean;
  edges: { from: number; to: number; weight: number }[];
  source: number;
  target: number;
}

const graphCase = (weight: fc.Arbitrary<number>): fc.Arbitrary<Case> =>
  fc.integer({ min: 1, max: 14 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      directed: fc.boolean(),
      edges: fc.array(fc.record({ from: fc.nat(n - 1), to: fc.nat(n - 1), weight }), { maxLength: 45 }),
      source: fc.nat(n - 1),
      target: fc.nat(n - 1),
    }),
  );

const request = (c: Case, withTarget: boolean) => ({
  graph: { directed: c.directed, nodes: Array.from({ length: c.n }, (_, i) => i), edges: c.edges },
  source: c.source,
  ...(withTarget ? { target: c.target } : {}),
});

/** Distances by graphology-shortest-path: the path it returns, measured with the cheapest parallel edge. */
function graphologyDistances(c: Case): number[] {
  const graph = c.directed ? new MultiDirectedGraph() : new MultiUndirectedGraph();
  for (let v = 0; v < c.n; v++) graph.addNode(String(v));
  c.edges.forEach((e, i) => graph.addEdgeWithKey(String(i), String(e.from), String(e.to), { weight: e.weight }));
  const paths = graphologyDijkstra.singleSource(graph, String(c.source), 'weight');
  const between = (u: string, v: string) => (c.directed ? graph.outEdges(u, v) : graph.edges(u, v));
  const cheapest = (u: string, v: string) => Math.min(...between(u, v).map((e) => graph.getEdgeAttribute(e, 'weight') as number));
  return Array.from({ length: c.n }, (_, v) => {
    const path = paths[String(v)];
    if (!path) return Infinity;
    let length = 0;
    for (let k = 0; k + 1 < path.length; k++) length += cheapest(path[k], path[k + 1]);
    return length;
  });
}

function arcsOf(c: Case) {
  return c.edges.flatMap((e) => (c.directed || e.from === e.to ? [e] : [e, { from: e.to, to: e.from, weight: e.weight }]));
}

describe('shortest paths agree with independent oracles on thousands of random graphs', () => {
  test('non-negative weights: every distance equals graphology-shortest-path', async () => {
    await fc.assert(
      fc.asyncProperty(graphCase(fc.integer({ min: 0, max: 20 })), async (c) => {
        const answer = await solveRoute(request(c, false), ctx);
        const expected = graphologyDistances(c);
        for (let v = 0; v < c.n; v++) {
          const got = answer.tree!.distance[String(v)];
          expect(got === null ? Infinity : got).toBe(expected[v]);
        }
        expect(answer.certificate.verified).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  test('non-negative weights with a target: the path is real, its length is the distance, and it matches the oracle', async () => {
    await fc.assert(
      fc.asyncProperty(graphCase(fc.integer({ min: 0, max: 20 })), async (c) => {
        const answer = await solveRoute(request(c, true), ctx);
        const expected = graphologyDistances(c)[c.target];
        if (expected === Infinity) {
          expect(answer.code).toBe('NoRoute');
          return;
        }
        expect(answer.distance).toBe(expected);
        const length = answer.pathEdges!.reduce((sum, i) => sum + c.edges[i].weight, 0);
        expect(length).toBe(expected);
        expect(answer.path![0]).toBe(c.source);
        expect(answer.path![answer.path!.length - 1]).toBe(c.target);
      }),
      { numRuns: RUNS },
    );
  });

  test('negative weights: distances equal a plain O(nm) Bellman-Ford, and negative cycles are found exactly when it finds them', async () => {
    await fc.assert(
      fc.asyncProperty(graphCase(fc.integer({ min: -6, max: 20 })), async (c) => {
        const expected = plainBellmanFord(c.n, arcsOf(c), c.source);
        if (expected === null) {
          const error = await refusal(() => solveRoute(request(c, false), ctx));
          expect(error.code).toBe('NegativeCycle');
          const { cycleEdges, cycleWeight } = error.extensions as { cycleEdges: number[]; cycleWeight: number };
          expect(cycleWeight).toBeLessThan(0);
          expect(cycleEdges.reduce((s, i) => s + c.edges[i].weight, 0)).toBe(cycleWeight);
          return;
        }
        const answer = await solveRoute(request(c, false), ctx);
        for (let v = 0; v < c.n; v++) {
          const got = answer.tree!.distance[String(v)];
          expect(got === null ? Infinity : got).toBe(expected[v]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('fractional weights: distances match the oracle within the certificate tolerance', async () => {
    await fc.assert(
      fc.asyncProperty(graphCase(fc.double({ min: 0, max: 1000, noNaN: true, noDefaultInfinity: true })), async (c) => {
        const answer = await solveRoute(request(c, false), ctx);
        const expected = plainBellmanFord(c.n, arcsOf(c), c.source)!;
        for (let v = 0; v < c.n; v++) {
          const got = answer.tree!.distance[String(v)];
          if (expected[v] === Infinity) expect(got).toBeNull();
          else expect(Math.abs((got as number) - expected[v])).toBeLessThanOrEqual(1e-9 * Math.max(1, expected[v]));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the shortest-path certificate rejects corrupted answers', () => {
  test('changing any one reached distance by any amount makes verification fail', () => {
    fc.assert(
      fc.property(
        graphCase(fc.integer({ min: -3, max: 20 })),
        fc.nat(),
        fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: -50, max: -1 }), fc.double({ min: 1e-6, max: 1, noNaN: true })),
        (c, pick, delta) => {
          const graph = compactGraph({ directed: c.directed, nodes: Array.from({ length: c.n }, (_, i) => i), edges: c.edges }, 'weight', DEFAULT_LIMITS);
          const result = shortestPaths(graph, c.source, { maxWork: 1e9 });
          fc.pre(result.kind === 'tree');
          if (result.kind !== 'tree') return;
          const tree = result.tree;
          const honest = verifyShortestPaths(graph, c.source, tree, { relativeTolerance: 1e-9 });
          expect(honest.verified).toBe(true);
          const reached = Array.from({ length: c.n }, (_, v) => v).filter((v) => tree.potential[v] !== Infinity);
          const victim = reached[pick % reached.length];
          const potential = tree.potential.slice();
          potential[victim] += delta;
          const verdict = verifyShortestPaths(graph, c.source, { ...tree, potential }, { relativeTolerance: 1e-9 });
          expect(verdict.verified).toBe(false);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('marking a reachable node unreachable makes verification fail', () => {
    fc.assert(
      fc.property(graphCase(fc.integer({ min: 0, max: 20 })), fc.nat(), (c, pick) => {
        const graph = compactGraph({ directed: c.directed, nodes: Array.from({ length: c.n }, (_, i) => i), edges: c.edges }, 'weight', DEFAULT_LIMITS);
        const result = shortestPaths(graph, c.source, { maxWork: 1e9 });
        if (result.kind !== 'tree') return;
        const reached = Array.from({ length: c.n }, (_, v) => v).filter((v) => v !== c.source && result.tree.potential[v] !== Infinity);
        fc.pre(reached.length > 0);
        const victim = reached[pick % reached.length];
        const potential = result.tree.potential.slice();
        const predNode = result.tree.predNode.slice();
        potential[victim] = Infinity;
        predNode[victim] = -1;
        expect(verifyShortestPaths(graph, c.source, { ...result.tree, potential, predNode }, { relativeTolerance: 1e-9 }).verified).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});
