import { join } from 'node:path';
import { MultiUndirectedGraph } from 'graphology';
import { dijkstra as graphologyDijkstra } from 'graphology-shortest-path';
import { solveMaxflow } from '../src/services/maxflow';
import { solveRoute } from '../src/services/route';
import { gridFlowNetwork, rmfNetwork, rng, roadNetworkFromGeoJson, type WeightedEdge } from '../generators/graphs';
import { testContext } from './helpers';

const ctx = testContext();
// OpenStreetMap road extracts shipped as test data inside the geojson-path-finder npm package (ISC).
const ROADS = join(__dirname, '..', 'node_modules', 'geojson-path-finder', 'test');

function graphologyGraph(edges: WeightedEdge[]): MultiUndirectedGraph {
  const graph = new MultiUndirectedGraph();
  for (const e of edges) {
    graph.mergeNode(e.from as string);
    graph.mergeNode(e.to as string);
    graph.addEdge(e.from as string, e.to as string, { weight: e.weight });
  }
  return graph;
}

function graphologyDistance(graph: MultiUndirectedGraph, source: string, target: string): number {
  const path = graphologyDijkstra.bidirectional(graph, source, target, 'weight');
  if (!path) return Infinity;
  let length = 0;
  for (let k = 0; k + 1 < path.length; k++) {
    length += Math.min(...graph.edges(path[k], path[k + 1]).map((e) => graph.getEdgeAttribute(e, 'weight') as number));
  }
  return length;
}

describe('real road networks (OpenStreetMap extracts)', () => {
  for (const file of ['network.json', 'large-network.json']) {
    test(`${file}: routes between random points are certified and match graphology-shortest-path`, async () => {
      const edges = roadNetworkFromGeoJson(join(ROADS, file));
      const nodes = [...new Set(edges.flatMap((e) => [e.from as string, e.to as string]))];
      expect(edges.length).toBeGreaterThan(file === 'network.json' ? 500 : 100_000);
      const oracle = graphologyGraph(edges);
      const random = rng(7);
      let routed = 0;
      for (let k = 0; k < 8; k++) {
        const source = nodes[Math.floor(random() * nodes.length)];
        const target = nodes[Math.floor(random() * nodes.length)];
        const answer = await solveRoute({ graph: { directed: false, edges }, source, target }, ctx);
        expect(answer.certificate.verified).toBe(true);
        expect(answer.certificate.checkedEdges).toBe(2 * edges.length);
        const expected = graphologyDistance(oracle, source, target);
        if (expected === Infinity) {
          expect(answer.code).toBe('NoRoute');
          continue;
        }
        routed++;
        // Metres along real roads; same edges summed in a possibly different order.
        expect(Math.abs(answer.distance! - expected)).toBeLessThanOrEqual(1e-9 * expected);
      }
      expect(routed).toBeGreaterThan(0);
    });
  }

  test('network.json: the whole shortest-path tree from one point is certified', async () => {
    const edges = roadNetworkFromGeoJson(join(ROADS, 'network.json'));
    const answer = await solveRoute({ graph: { directed: false, edges }, source: edges[0].from }, ctx);
    expect(answer.code).toBe('Ok');
    expect(answer.certificate.verified).toBe(true);
  });
});

describe('standard max-flow test networks', () => {
  test('RMF (Goldfarb–Grigoriadis, DIMACS genrmf) networks: the value equals the cut between two frames that the certificate proves', async () => {
    for (const [a, frames, seed] of [[4, 4, 1], [6, 8, 2], [10, 10, 3]]) {
      const { edges, source, sink } = rmfNetwork(a, frames, 1, 100, seed);
      const answer = await solveMaxflow({ graph: { edges }, source, sink }, ctx);
      expect(answer.certificate).toMatchObject({ verified: true, capacityMaxViolation: 0, conservationMaxError: 0 });
      expect(answer.value).toBe(answer.minCut.capacity);
      // In RMF networks the in-frame arcs are too big to cut, so the minimum cut is one layer of inter-frame arcs.
      let cheapestLayer = Infinity;
      const perFrame = a * a;
      for (let f = 0; f + 1 < frames; f++) {
        const layer = edges.filter((e) => Math.floor((e.from as number) / perFrame) === f && Math.floor((e.to as number) / perFrame) === f + 1);
        cheapestLayer = Math.min(cheapestLayer, layer.reduce((s, e) => s + e.capacity, 0));
      }
      expect(answer.value).toBeLessThanOrEqual(cheapestLayer);
      for (const i of answer.minCut.edges) expect(answer.flows[i]).toBe(edges[i].capacity);
    }
  });

  test('image-segmentation grids with terminal edges are certified', async () => {
    const edges = gridFlowNetwork(60, 60, 11);
    const answer = await solveMaxflow({ graph: { edges }, source: 's', sink: 't' }, ctx);
    expect(answer.certificate.verified).toBe(true);
    expect(answer.value).toBeGreaterThan(0);
    expect(answer.value).toBe(answer.minCut.capacity);
  });

  test('a road network as an undirected flow network (capacity = metres) is certified', async () => {
    const roads = roadNetworkFromGeoJson(join(ROADS, 'network.json'));
    const edges = roads.map((e) => ({ from: e.from, to: e.to, capacity: e.weight }));
    const route = await solveRoute({ graph: { directed: false, edges: roads }, source: roads[0].from }, ctx);
    const reached = Object.entries(route.tree!.distance).filter(([, d]) => d !== null);
    const far = reached.sort((x, y) => (y[1] as number) - (x[1] as number))[0][0];
    const answer = await solveMaxflow({ graph: { directed: false, edges }, source: roads[0].from, sink: far }, ctx);
    expect(answer.certificate.verified).toBe(true);
    expect(answer.value).toBeGreaterThan(0);
  });
});
