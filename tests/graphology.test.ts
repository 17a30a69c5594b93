/**
 * A user of the graphology ecosystem hands narsolve the Graph they already hold: the answers are
 * exactly those of the equivalent JSON body, for routes, noisy routes, flows, undirected graphs and
 * stored graphs, and can be written back onto the graph as attributes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Graph, { DirectedGraph, MultiDirectedGraph, UndirectedGraph } from 'graphology';
import { fromGraphology, NarsolveError, openGraphs, solveMaxflow, solveRoute, writeMaxflow, writeRoute } from '../src/index';
import { learnedDisabled, loadLearnedSolvers, type LearnedSolvers } from '../src/solvers/learned';

/** An answer without its timings (they differ run to run). */
const answerOf = ({ timingsMs: _t, ...rest }: { timingsMs: unknown }) => rest;

function city(): MultiDirectedGraph {
  const graph = new MultiDirectedGraph();
  graph.addNode('depot', { x: 0, y: 0 });
  graph.addNode('a', { lat: 56.15, lon: 10.2 });
  graph.addNode('b');
  graph.addNode('shop');
  graph.addNode('lonely');
  graph.addEdge('depot', 'a', { weight: 4, capacity: 3 });
  graph.addEdge('depot', 'b', { weight: 1, capacity: 2 });
  graph.addEdge('b', 'a', { weight: 2, capacity: 2 });
  graph.addEdge('a', 'shop', { weight: 5, capacity: 4 });
  graph.addEdge('b', 'shop', { weight: 9, capacity: 1 });
  // A parallel edge: multigraphs are kept edge for edge.
  graph.addEdge('a', 'shop', { weight: 4.5, capacity: 1 });
  return graph;
}

const CITY_JSON = {
  directed: true,
  nodes: ['depot', 'a', 'b', 'shop', 'lonely'],
  positions: [{ node: 'depot', x: 0, y: 0 }, { node: 'a', lat: 56.15, lon: 10.2 }],
  edges: [
    { from: 'depot', to: 'a', weight: 4, capacity: 3 },
    { from: 'depot', to: 'b', weight: 1, capacity: 2 },
    { from: 'b', to: 'a', weight: 2, capacity: 2 },
    { from: 'a', to: 'shop', weight: 5, capacity: 4 },
    { from: 'b', to: 'shop', weight: 9, capacity: 1 },
    { from: 'a', to: 'shop', weight: 4.5, capacity: 1 },
  ],
};

describe('a graphology graph as the graph', () => {
  const options = { learned: learnedDisabled() };

  test('reads into the JSON graph edge for edge, with nodes in order and positions from x/y and lat/lon', () => {
    expect(fromGraphology(city())).toEqual(CITY_JSON);
  });

  test('a route on it is the route on the equivalent JSON body, and writes back as onRoute', async () => {
    const graph = city();
    const fromGraph = await solveRoute({ graph, source: 'depot', target: 'shop' }, options);
    const fromJson = await solveRoute({ graph: CITY_JSON, source: 'depot', target: 'shop' }, options);
    expect(answerOf(fromGraph)).toEqual(answerOf(fromJson));
    expect(fromGraph.distance).toBe(7.5);
    writeRoute(graph, fromGraph);
    expect(graph.edges().filter((e) => graph.getEdgeAttribute(e, 'onRoute'))).toEqual(fromGraph.pathEdges!.map((i) => graph.edges()[i]));
    expect(graph.filterNodes((_n, a) => a.onRoute === true)).toEqual(['depot', 'a', 'b', 'shop'].filter((n) => fromGraph.path!.includes(n)));
  });

  test('a max flow on it is the JSON one, and writes back flows, the cut and the source side', async () => {
    const graph = city();
    const fromGraph = await solveMaxflow({ graph, source: 'depot', sink: 'shop' }, options);
    const fromJson = await solveMaxflow({ graph: CITY_JSON, source: 'depot', sink: 'shop' }, options);
    expect(answerOf(fromGraph)).toEqual(answerOf(fromJson));
    writeMaxflow(graph, fromGraph);
    expect(graph.mapEdges((_e, a) => a.flow)).toEqual(fromGraph.flows);
    expect(graph.filterEdges((_e, a) => a.inCut).length).toBe(fromGraph.minCut.edges.length);
    expect(graph.filterNodes((_n, a) => a.sourceSide)).toEqual(fromGraph.minCut.sourceSide);
  });

  test('an undirected graph stays undirected, and attribute names can be mapped', async () => {
    const graph = new UndirectedGraph();
    graph.mergeEdge('x', 'y', { seconds: 3 });
    graph.mergeEdge('y', 'z', { seconds: 4 });
    graph.mergeEdge('x', 'z', { seconds: 9 });
    const answer = await solveRoute({ graph, source: 'z', target: 'x' }, { ...options, attributes: { weight: 'seconds' } });
    const json = await solveRoute({ graph: { directed: false, nodes: ['x', 'y', 'z'], edges: [{ from: 'x', to: 'y', weight: 3 }, { from: 'y', to: 'z', weight: 4 }, { from: 'x', to: 'z', weight: 9 }] }, source: 'z', target: 'x' }, options);
    expect(answerOf(answer)).toEqual(answerOf(json));
    expect(answer.distance).toBe(7);
  });

  test('bad attributes are refused with a pointer to the edge, as in a JSON body', async () => {
    const graph = new DirectedGraph();
    graph.mergeEdge('a', 'b', { weight: 1 });
    graph.mergeEdge('b', 'c', { weight: 'fast' });
    const error = await solveRoute({ graph, source: 'a', target: 'c' }, options).catch((e) => e);
    expect(error).toBeInstanceOf(NarsolveError);
    expect(error.code).toBe('InvalidInput');
    expect(error.errors.map((e: { pointer: string }) => e.pointer)).toContain('/graph/edges/1/weight');
  });

  test('a mixed graph is refused by name, not half read', async () => {
    const graph = new Graph({ type: 'mixed' });
    graph.mergeDirectedEdge('a', 'b', { weight: 1 });
    graph.mergeUndirectedEdge('b', 'c', { weight: 1 });
    const error = await solveRoute({ graph, source: 'a', target: 'c' }, options).catch((e) => e);
    expect(error.code).toBe('InvalidInput');
    expect(error.message).toContain('fromGraphology');
  });

  describe('with observations, through the served encoder', () => {
    let learned: LearnedSolvers;
    beforeAll(async () => {
      learned = await loadLearnedSolvers();
    });
    afterAll(() => learned.close());

    test('a noisy route is the JSON one: same estimate, same learned and classical routes', async () => {
      const graph = new DirectedGraph();
      const json: { from: string; to: string; observations: number[] }[] = [];
      for (let i = 0; i < 12; i++) {
        const observations = [1 + (i % 3) * 0.2, 1.1, 0.8 + (i % 2) * 0.5];
        graph.mergeEdge(`n${i}`, `n${i + 1}`, { observations });
        json.push({ from: `n${i}`, to: `n${i + 1}`, observations });
        if (i % 3 === 0) {
          graph.mergeEdge(`n${i}`, `n${i + 3}`, { observations: [3.5, 2.9, 3.1] });
          json.push({ from: `n${i}`, to: `n${i + 3}`, observations: [3.5, 2.9, 3.1] });
        }
      }
      const nodes = graph.nodes();
      const fromGraph = await solveRoute({ graph, source: 'n0', target: 'n12' }, { learned });
      const fromJson = await solveRoute({ graph: { nodes, edges: json }, source: 'n0', target: 'n12' }, { learned });
      expect(answerOf(fromGraph)).toEqual(answerOf(fromJson));
      expect(fromGraph.solver.noisy).toBeDefined();
    });
  });

  test('a stored graph registered from graphology routes as the stored JSON graph does', async () => {
    const graphs = await openGraphs({ dataDir: mkdtempSync(join(tmpdir(), 'narsolve-graphology-')), learned: learnedDisabled() });
    try {
      await graphs.put('from-graphology', { graph: city() });
      await graphs.put('from-json', { graph: CITY_JSON });
      const a = await graphs.route('from-graphology', { source: 'depot', target: 'shop' });
      const b = await graphs.route('from-json', { source: 'depot', target: 'shop' });
      const strip = (answer: typeof a) => ({ ...answerOf(answer), graph: { ...answer.graph, id: undefined, at: undefined } });
      expect(strip(a)).toEqual(strip(b));
      expect(a.distance).toBe(7.5);
    } finally {
      await graphs.close();
    }
  });
});
