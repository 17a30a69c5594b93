/**
 * The columnar edge form ({ from: [...], to: [...], weight: [...] }): the same answers as the
 * object form, the same checks with pointers into the columns, and the same limits.
 */
import fc from 'fast-check';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/api/app';
import { solveMaxflow } from '../src/services/maxflow';
import { solveRoute } from '../src/services/route';
import { flowCase } from './arbitraries';
import { randomWeightedGraph, withPotential } from '../generators/graphs';
import { expectMatchesSchema, refusal, testContext } from './helpers';

const ctx = testContext();
const columns = <E extends { from: unknown; to: unknown }>(edges: E[], field: 'weight' | 'capacity') => ({
  from: edges.map((e) => e.from),
  to: edges.map((e) => e.to),
  [field]: edges.map((e) => (e as unknown as Record<string, unknown>)[field]),
});
const withoutTimes = <T extends { timingsMs: unknown }>(answer: T) => ({ ...answer, timingsMs: undefined });

describe('columns answer exactly as objects do', () => {
  test('routes: trees and paths, positive and negative weights, directed or not', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 80 }), fc.integer({ min: 1, max: 1e6 }), fc.boolean(), fc.boolean(), async (n, seed, negative, directed) => {
        const base = randomWeightedGraph(n, 3 * n, seed);
        const edges = negative && directed ? withPotential(base, n, seed) : base;
        for (const target of [undefined, n - 1]) {
          const asObjects = await solveRoute({ graph: { directed, edges }, source: 0, target }, ctx).catch((e) => e.code);
          const asColumns = await solveRoute({ graph: { directed, edges: columns(edges, 'weight') }, source: 0, target }, ctx).catch((e) => e.code);
          if (typeof asObjects === 'string') expect(asColumns).toBe(asObjects);
          else {
            expect(withoutTimes(asColumns)).toEqual(withoutTimes(asObjects));
            expectMatchesSchema('route-response.json', asColumns);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  test('max flow: value, flows and cut, with zeros, self-loops, parallel and undirected edges', async () => {
    await fc.assert(
      fc.asyncProperty(flowCase(fc.integer({ min: 0, max: 12 })), async (c) => {
        const nodes = Array.from({ length: c.n }, (_, i) => i);
        const asObjects = await solveMaxflow({ graph: { directed: c.directed, nodes, edges: c.edges }, source: c.source, sink: c.sink }, ctx);
        const asColumns = await solveMaxflow({ graph: { directed: c.directed, nodes, edges: columns(c.edges, 'capacity') }, source: c.source, sink: c.sink }, ctx);
        expect(withoutTimes(asColumns)).toEqual(withoutTimes(asObjects));
      }),
      { numRuns: 300 },
    );
  });
});

describe('columns are checked entry by entry, with pointers into the columns', () => {
  const route = (edges: unknown) => refusal(() => solveRoute({ graph: { edges }, source: 'a' }, ctx));

  test('a column of the wrong length names the column and both lengths', async () => {
    const error = await route({ from: ['a', 'b'], to: ['b'], weight: [1, 2] });
    expect(error.errors).toEqual([{ pointer: '/graph/edges/to', message: 'must have one entry per edge: /graph/edges/from has 2, this column 1' }]);
  });

  test('bad node ids and values point at their entries, every one of them (up to the cap)', async () => {
    const error = await route({ from: ['a', true, ''], to: ['b', 'c', 'a'], weight: [1, 'x', 1e400] });
    // Node ids are resolved in one pass and values checked in the next, so their errors come in that order.
    expect(error.errors).toEqual([
      { pointer: '/graph/edges/from/1', message: expect.stringMatching(/^must be a node id/) },
      { pointer: '/graph/edges/from/2', message: expect.stringMatching(/^must be a node id/) },
      { pointer: '/graph/edges/weight/1', message: 'weight must be a finite number' },
      { pointer: '/graph/edges/weight/2', message: 'weight must be a finite number' },
    ]);
  });

  test('a missing value column, an unknown column and a non-array column are refused by the schema', async () => {
    expect((await route({ from: ['a'], to: ['b'] })).errors).toEqual([{ pointer: '/graph/edges/weight', message: 'is required (or the observations column)' }]);
    expect((await route({ from: ['a'], to: ['b'], weight: [1], lanes: [2] })).errors).toEqual([{ pointer: '/graph/edges/lanes', message: 'is not a known property' }]);
    expect((await route({ from: 'a', to: ['b'], weight: [1] })).errors).toEqual([{ pointer: '/graph/edges/from', message: 'must be array' }]);
    expect((await route('a→b')).errors![0]).toMatchObject({ pointer: '/graph/edges', message: expect.stringMatching(/array of edge objects or an object of equal-length columns/) });
  });

  test('negative capacities and unlisted nodes are refused as in the object form', async () => {
    const flow = await refusal(() => solveMaxflow({ graph: { edges: { from: ['s', 'a'], to: ['a', 't'], capacity: [1, -2] } }, source: 's', sink: 't' }, ctx));
    expect(flow.errors).toEqual([{ pointer: '/graph/edges/capacity/1', message: 'capacity must be >= 0' }]);
    const unlisted = await refusal(() => solveRoute({ graph: { nodes: ['a', 'b'], edges: { from: ['a'], to: ['z'], weight: [1] } }, source: 'a' }, ctx));
    expect(unlisted.errors).toEqual([{ pointer: '/graph/edges/to/0', message: 'node "z" is not in /graph/nodes' }]);
    // Integer ids take the dense-table path: the same refusal, at every unlisted end.
    const unlistedIds = await refusal(() => solveRoute({ graph: { nodes: [0, 1], edges: { from: [0, 7, 1], to: [1, 0, 9], weight: [1, 1, 1] } }, source: 0 }, ctx));
    expect(unlistedIds.errors).toEqual([
      { pointer: '/graph/edges/from/1', message: 'node 7 is not in /graph/nodes' },
      { pointer: '/graph/edges/to/2', message: 'node 9 is not in /graph/nodes' },
    ]);
  });

  test('the edge limit counts column entries, before anything else is checked', async () => {
    const small = testContext({ maxEdges: 3 });
    const error = await refusal(() => solveRoute({ graph: { edges: { from: [1, 2, 3, 4], to: [2, 3, 4, 5], weight: [1, 1, 1, 'not checked yet'] } }, source: 1 }, small));
    expect(error).toMatchObject({ code: 'TooBig', errors: [{ pointer: '/graph/edges', message: 'at most 3 edges' }] });
  });
});

test('over HTTP, a columnar body answers as documented and OpenAPI shows both forms', async () => {
  const app = createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false });
  const res = await request(app).post('/route').send({ graph: { edges: { from: ['depot', 'depot', 'b', 'a'], to: ['a', 'b', 'a', 'shop'], weight: [7, 2, 3, 3] } }, source: 'depot', target: 'shop' });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ code: 'Ok', distance: 8, path: ['depot', 'b', 'a', 'shop'], pathEdges: [1, 2, 3] });
  const openapi = (await request(app).get('/openapi.json')).body;
  expect(openapi.components.schemas.WeightedEdgeColumns.required).toEqual(['from', 'to']);
  expect(Object.keys(openapi.components.schemas.WeightedEdgeColumns.properties)).toEqual(['from', 'to', 'weight', 'observations']);
  expect(openapi.components.schemas.CapacityEdgeColumns.required).toEqual(['from', 'to']);
  // The schema's if/then/else (array of edge objects, else columns) is a oneOf for client generators.
  expect(openapi.components.schemas.RouteRequest.properties.graph.properties.edges.oneOf).toEqual([
    expect.objectContaining({ type: 'array', items: { $ref: '#/components/schemas/WeightedEdge' } }),
    { $ref: '#/components/schemas/WeightedEdgeColumns' },
  ]);
});
