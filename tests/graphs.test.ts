/**
 * Stored graphs over HTTP: a user registers a network, streams observations into it and routes on
 * it by id. Every status and precondition of the contract, pointers on bad input, tenancy on every
 * endpoint, racing writers, and answers equal to the whole-body ones on the same evidence.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/api/app';
import { resolveConfig, type Limits } from '../src/config';
import { createStoredGraphs } from '../src/services/storedGraphs';
import { solveMaxflow } from '../src/services/maxflow';
import { solveRoute } from '../src/services/route';
import { learnedDisabled, type LearnedModel, type LearnedSolvers } from '../src/solvers/learned';
import type { GraphStore } from '../src/store/types';
import { freshStore } from './stores';
import { expectMatchesSchema } from './helpers';

const silent = pino({ level: 'silent' });
/** The tenant of an app without API keys. */
const OPEN_TENANT_ID = 'open';
const stores: GraphStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
});

/** An app over a fresh store in a temporary folder; `now` lets a test move the clock. */
function appWith(options: { limits?: Partial<Limits>; apiKeys?: { tenant: string; key: string }[]; now?: () => number; learned?: LearnedSolvers } = {}) {
  const store = freshStore('graphs');
  stores.push(store);
  const config = resolveConfig({ limits: options.limits });
  const graphs = createStoredGraphs(store, config, { now: options.now });
  return { app: createApp({ logger: silent, defaultMetrics: false, limits: options.limits, graphs, apiKeys: options.apiKeys, learned: options.learned }), store };
}

const CITY = {
  graph: {
    edges: [
      { from: 'depot', to: 'a', weight: 4 },
      { from: 'depot', to: 'b' },
      { from: 'b', to: 'a', weight: 2 },
      { from: 'a', to: 'shop', weight: 5 },
      { from: 'b', to: 'shop' },
    ],
  },
};

function expectProblem(res: request.Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expectMatchesSchema('problem.json', res.body);
}

/** A limit's problem: its status and code, and the variable that sets it named in the detail. */
function expectLimit(res: request.Response, status: number, code: string, variable: string): void {
  expectProblem(res, status, code);
  expect(res.body.detail).toContain(variable);
}

describe('registering a graph', () => {
  test('PUT creates (201, ETag "1", Location), PUT again replaces (200, ETag "2"), GET shows the metadata', async () => {
    const { app } = appWith();
    const created = await request(app).put('/graphs/city').send(CITY);
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.headers.location).toBe('/graphs/city');
    expect(created.body).toMatchObject({ graphId: 'city', version: 1, epoch: 0, nodes: 4, edges: 5, observations: { count: 0, latest: null } });
    expectMatchesSchema('graph-meta.json', created.body);
    const replaced = await request(app).put('/graphs/city').send(CITY);
    expect([replaced.status, replaced.headers.etag, replaced.body.version]).toEqual([200, '"2"', 2]);
    const meta = await request(app).get('/graphs/city');
    expect([meta.status, meta.headers.etag, meta.body.version, meta.body.created]).toEqual([200, '"2"', 2, created.body.created]);
    const list = await request(app).get('/graphs');
    expect(list.body.graphs.map((g: { graphId: string }) => g.graphId)).toEqual(['city']);
    expectMatchesSchema('graph-list.json', list.body);
  });

  test('If-None-Match: * creates only; If-Match must name the current version; DELETE honours If-Match too', async () => {
    const { app } = appWith();
    expectProblem(await request(app).put('/graphs/g').set('If-Match', '*').send(CITY), 412, 'PreconditionFailed');
    expect((await request(app).put('/graphs/g').set('If-None-Match', '*').send(CITY)).status).toBe(201);
    expectProblem(await request(app).put('/graphs/g').set('If-None-Match', '*').send(CITY), 412, 'PreconditionFailed');
    expectProblem(await request(app).put('/graphs/g').set('If-Match', '"7"').send(CITY), 412, 'PreconditionFailed');
    expect((await request(app).put('/graphs/g').set('If-Match', '"1"').send(CITY)).status).toBe(200);
    expectProblem(await request(app).delete('/graphs/g').set('If-Match', '"1"'), 412, 'PreconditionFailed');
    expect((await request(app).delete('/graphs/g').set('If-Match', '"2"')).status).toBe(204);
    expectProblem(await request(app).get('/graphs/g'), 404, 'GraphNotFound');
    expectProblem(await request(app).delete('/graphs/g'), 404, 'GraphNotFound');
  });

  test('bad ids and bad graphs are 400 with pointers; nothing is stored', async () => {
    const { app } = appWith();
    for (const id of ['a%20b', 'x'.repeat(129), 'caf%C3%A9']) {
      const res = await request(app).put(`/graphs/${id}`).send(CITY);
      expectProblem(res, 400, 'InvalidInput');
      expect(res.body.errors[0].pointer).toBe('/graphId');
    }
    const bad = await request(app).put('/graphs/g').send({ graph: { edges: { from: ['a', {}], to: ['b', 'c'], capacity: [1, -2], observations: [null, [1, -1]] } } });
    expectProblem(bad, 400, 'InvalidInput');
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/graph/edges/from/1', '/graph/edges/capacity/1', '/graph/edges/observations/1/1']);
    expectProblem(await request(app).put('/graphs/g').send({ graph: {} }), 400, 'InvalidInput');
    expect((await request(app).get('/graphs')).body.graphs).toEqual([]);
  });

  test('a registration past NARSOLVE_MAX_EDGES or NARSOLVE_MAX_NODES is a 413 naming the setting, as a whole-body request is', async () => {
    const { app } = appWith({ limits: { maxEdges: 3, maxNodes: 3 } });
    expectLimit(await request(app).put('/graphs/g').send({ graph: { edges: { from: [1, 2, 3, 4], to: [2, 3, 4, 1] } } }), 413, 'TooBig', 'NARSOLVE_MAX_EDGES');
    expectLimit(await request(app).put('/graphs/g').send({ graph: { edges: [{ from: 1, to: 2 }, { from: 3, to: 4 }] } }), 413, 'TooBig', 'NARSOLVE_MAX_NODES');
    expectLimit(await request(app).put('/graphs/g').send({ graph: { nodes: [1, 2, 3, 4], edges: [{ from: 1, to: 2 }] } }), 413, 'TooBig', 'NARSOLVE_MAX_NODES');
  });

  test('the limits on graphs per tenant and stored bytes are problems that name their setting', async () => {
    const { app } = appWith({ limits: { maxGraphsPerTenant: 1, maxStoredBytes: 400 } });
    expect((await request(app).put('/graphs/one').send(CITY)).status).toBe(201);
    const two = await request(app).put('/graphs/two').send(CITY);
    expectLimit(two, 429, 'QuotaExceeded', 'NARSOLVE_MAX_GRAPHS_PER_TENANT');
    const big = await request(app).put('/graphs/one').send({ graph: { edges: Array.from({ length: 40 }, (_, i) => ({ from: i, to: i + 1, weight: 1 })) } });
    expectLimit(big, 413, 'TooBig', 'NARSOLVE_MAX_STORED_BYTES');
  });

  test('registrations racing for the last places of a tenant\'s quota: as many are stored as the quota allows, the rest are refused, by graphs and by bytes', async () => {
    const { app, store } = appWith({ limits: { maxGraphsPerTenant: 3 } });
    const racing = await Promise.all(Array.from({ length: 10 }, (_, i) => request(app).put(`/graphs/g${i}`).send(CITY)));
    expect(racing.map((res) => res.status).filter((status) => status === 201)).toHaveLength(3);
    for (const refused of racing.filter((res) => res.status !== 201)) expectLimit(refused, 429, 'QuotaExceeded', 'NARSOLVE_MAX_GRAPHS_PER_TENANT');
    expect((await request(app).get('/graphs')).body.graphs).toHaveLength(3);

    // The stored bytes: room for two copies of CITY, and five racing for it.
    const [{ bytes }] = await store.list(OPEN_TENANT_ID);
    const sized = appWith({ limits: { maxStoredBytes: Math.floor(2.5 * bytes) } }).app;
    const filling = await Promise.all(Array.from({ length: 5 }, (_, i) => request(sized).put(`/graphs/g${i}`).send(CITY)));
    expect(filling.map((res) => res.status).filter((status) => status === 201)).toHaveLength(2);
    for (const refused of filling.filter((res) => res.status !== 201)) expectLimit(refused, 413, 'TooBig', 'NARSOLVE_MAX_STORED_BYTES');
    expect((await request(sized).get('/graphs')).body.graphs).toHaveLength(2);
  });
});

describe('streaming observations', () => {
  test('a batch is acknowledged with its count and the new epoch, and shows in the metadata', async () => {
    const { app } = appWith();
    await request(app).put('/graphs/city').send(CITY);
    const first = await request(app).post('/graphs/city/observations').send({ observations: { edge: [1, 4], value: [1.2, 9.5], time: ['2026-12-01T08:00:00Z', 1764576300000] } });
    expect(first.body).toEqual({ code: 'Ok', accepted: 2, epoch: 1 });
    expectMatchesSchema('observations-response.json', first.body);
    const second = await request(app).post('/graphs/city/observations').send({ observations: { edge: [1], value: [0.9] } });
    expect(second.body.epoch).toBe(2);
    const meta = await request(app).get('/graphs/city');
    expect(meta.body.observations.count).toBe(3);
  });

  test('a client revalidating the metadata with its ETag sees the new epoch, not a 304 of the old one', async () => {
    const { app } = appWith();
    await request(app).put('/graphs/city').send(CITY);
    const before = await request(app).get('/graphs/city');
    expect(before.body.epoch).toBe(0);
    await request(app).post('/graphs/city/observations').send({ observations: { edge: [1], value: [1.2] } });
    // The version (the ETag) did not move; the epoch did.
    const after = await request(app).get('/graphs/city').set('If-None-Match', before.headers.etag);
    expect(after.status).toBe(200);
    expect(after.headers.etag).toBe(before.headers.etag);
    expect(after.body.epoch).toBe(1);
  });

  test('bad rows are 400 with pointers into the columns, and nothing of that batch is stored', async () => {
    const { app } = appWith();
    await request(app).put('/graphs/city').send(CITY);
    const res = await request(app).post('/graphs/city/observations').send({ observations: { edge: [0, 5, 1.5, 2], value: [1, 1, 1, -3], time: [1, 2, 'noon', 4] } });
    expectProblem(res, 400, 'InvalidInput');
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/observations/edge/1', '/observations/edge/2', '/observations/time/2', '/observations/value/3']);
    const lengths = await request(app).post('/graphs/city/observations').send({ observations: { edge: [0, 1], value: [1] } });
    expect(lengths.body.errors[0].pointer).toBe('/observations/value');
    expect((await request(app).get('/graphs/city')).body).toMatchObject({ epoch: 0, observations: { count: 0 } });
    expectProblem(await request(app).post('/graphs/nope/observations').send({ observations: { edge: [0], value: [1] } }), 404, 'GraphNotFound');
  });

  test('a batch over NARSOLVE_MAX_OBSERVATION_BATCH is 413, and one past what the graph may retain is 429', async () => {
    const { app } = appWith({ limits: { maxObservationBatch: 3, maxRetainedObservations: 4 } });
    await request(app).put('/graphs/city').send(CITY);
    const big = await request(app).post('/graphs/city/observations').send({ observations: { edge: [0, 0, 0, 0], value: [1, 1, 1, 1] } });
    expectLimit(big, 413, 'TooBig', 'NARSOLVE_MAX_OBSERVATION_BATCH');
    expect((await request(app).post('/graphs/city/observations').send({ observations: { edge: [1, 1, 1], value: [1, 1, 1] } })).status).toBe(200);
    const full = await request(app).post('/graphs/city/observations').send({ observations: { edge: [1, 1], value: [1, 1] } });
    expectLimit(full, 429, 'QuotaExceeded', 'NARSOLVE_MAX_RETAINED_OBSERVATIONS');
  });
});

describe('answering by id', () => {
  test('a route uses the stored observations up to `at`, names the graph, version and epoch, and counts the edges without evidence', async () => {
    const { app } = appWith();
    await request(app).put('/graphs/city').send(CITY);
    await request(app).post('/graphs/city/observations').send({ observations: { edge: [1, 1, 4], value: [1, 1, 1], time: ['2026-12-01T08:00:00Z', '2026-12-01T08:01:00Z', '2026-12-01T09:00:00Z'] } });
    const before = await request(app).post('/graphs/city/route').send({ source: 'depot', target: 'shop', solver: 'classical', at: '2026-12-01T07:00:00Z' });
    expect(before.body).toMatchObject({ distance: 9, pathEdges: [0, 3], unusableEdges: 2, graph: { id: 'city', version: 1, epoch: 1, at: '2026-12-01T07:00:00.000Z' } });
    const between = await request(app).post('/graphs/city/route').send({ source: 'depot', target: 'shop', solver: 'classical', at: '2026-12-01T08:30:00Z' });
    expect(between.body).toMatchObject({ distance: 8, pathEdges: [1, 2, 3], unusableEdges: 1 });
    const after = await request(app).post('/graphs/city/route').send({ source: 'depot', target: 'shop', solver: 'classical' });
    expect(after.body).toMatchObject({ distance: 2, pathEdges: [1, 4], unusableEdges: 0 });
    expectMatchesSchema('route-response.json', after.body);
    const tree = await request(app).post('/graphs/city/route').send({ source: 'depot', solver: 'classical', at: '2026-12-01T08:30:00Z' });
    expect(tree.body.tree.predecessorEdge).toEqual({ depot: null, b: 1, a: 2, shop: 3 });
  });

  test('a flow treats edges without evidence as capacity 0 and uses capacity observations', async () => {
    const { app } = appWith();
    await request(app).put('/graphs/net').send({ graph: { edges: [{ from: 's', to: 'a', capacity: 3 }, { from: 'a', to: 't' }, { from: 's', to: 't' }] } });
    const none = await request(app).post('/graphs/net/maxflow').send({ source: 's', sink: 't', solver: 'classical' });
    expect(none.body).toMatchObject({ value: 0, unusableEdges: 2 });
    await request(app).post('/graphs/net/observations').send({ kind: 'capacity', observations: { edge: [1, 1, 1], value: [2, 2, 5] } });
    const some = await request(app).post('/graphs/net/maxflow').send({ source: 's', sink: 't', solver: 'classical' });
    expect(some.body).toMatchObject({ value: 2, unusableEdges: 1, flows: [2, 2, 0], certificate: { verified: true } });
    expectMatchesSchema('maxflow-response.json', some.body);
  });

  test('the encoder runs once per epoch: repeated queries reuse its costs, and a new batch is read by the next query', async () => {
    let calls = 0;
    // A stand-in encoder that decodes each arc to the mean of its edge's observations.
    const model: LearnedModel<'noisyRoutes'> = {
      version: 'stand-in', limits: { maxPaddedSlots: 1e9, maxSlotSteps: 1e9 }, steps: { rule: 'single_pass' }, auto: false,
      infer: async (inputs) => {
        calls++;
        const logCost = new Float32Array(inputs.m);
        for (let a = 0; a < inputs.m; a++) {
          let sum = 0;
          let count = 0;
          for (let j = 0; j < inputs.o; j++) if (inputs.obsMask[a * inputs.o + j]) (sum += Math.exp(inputs.logObs[a * inputs.o + j])), count++;
          logCost[a] = Math.log(sum / count);
        }
        return { logCost, inferenceMs: 0 };
      },
    };
    const { app } = appWith({ learned: { ...learnedDisabled('not in this test'), noisyRoutes: { readiness: { ready: true, reason: 'stand-in' }, model } } });
    await request(app).put('/graphs/city').send(CITY);
    await request(app).post('/graphs/city/observations').send({ observations: { edge: [1, 4], value: [1, 10] } });
    const first = await request(app).post('/graphs/city/route').send({ source: 'depot', target: 'shop' });
    const again = await request(app).post('/graphs/city/route').send({ source: 'depot', target: 'shop' });
    expect([first.body.solver.used, first.body.pathEdges, again.body.pathEdges, calls]).toEqual(['learned', [1, 2, 3], [1, 2, 3], 1]);
    expect(again.body.timingsMs.infer).toBeUndefined();
    await request(app).post('/graphs/city/observations').send({ observations: { edge: [4, 4], value: [0.1, 0.1] } });
    const after = await request(app).post('/graphs/city/route').send({ source: 'depot', target: 'shop' });
    expect([after.body.pathEdges, after.body.graph.epoch, calls]).toEqual([[1, 4], 2, 2]);
  });

  test('bad queries are the problems /route and /maxflow give, and an unknown graph is GraphNotFound', async () => {
    const { app } = appWith();
    await request(app).put('/graphs/city').send(CITY);
    expect((await request(app).post('/graphs/city/route').send({ source: 'nowhere' })).body.errors[0].pointer).toBe('/source');
    expect((await request(app).post('/graphs/city/route').send({ source: 'depot', at: 'yesterday' })).body.errors[0].pointer).toBe('/at');
    expect((await request(app).post('/graphs/city/route').send({ source: 'depot', graph: CITY.graph })).body.errors[0].pointer).toBe('/graph');
    expectProblem(await request(app).post('/graphs/city/maxflow').send({ source: 'depot', sink: 'depot' }), 400, 'InvalidInput');
    expectProblem(await request(app).post('/graphs/none/route').send({ source: 'depot' }), 404, 'GraphNotFound');
    expectProblem(await request(app).patch('/graphs/city'), 405, 'MethodNotAllowed');
  });

  test('property: routes and flows by id equal the whole-body answers on the same graph and observations', async () => {
    const { app } = appWith();
    const context = { config: resolveConfig(), learned: learnedDisabled('compared classically') };
    const network = fc.integer({ min: 2, max: 9 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        edges: fc.array(
          fc.record({
            from: fc.integer({ min: 0, max: n - 1 }),
            to: fc.integer({ min: 0, max: n - 1 }),
            known: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
            observed: fc.array(fc.double({ min: 0, max: 50, noNaN: true }), { maxLength: 4 }),
          }),
          { minLength: 1, maxLength: 20 },
        ),
      }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(network, async ({ n, edges }) => {
        const id = `p${run++}`;
        const nodes = Array.from({ length: n }, (_, v) => v);
        await request(app).put(`/graphs/${id}`).send({ graph: { nodes, edges: edges.map((e) => ({ from: e.from, to: e.to, ...(e.known !== undefined && { weight: e.known, capacity: e.known }) })) } });
        const rows = edges.flatMap((e, i) => e.observed.map((value) => ({ edge: i, value })));
        if (rows.length) {
          for (const kind of ['cost', 'capacity']) {
            await request(app).post(`/graphs/${id}/observations`).send({ kind, observations: { edge: rows.map((r) => r.edge), value: rows.map((r) => r.value) } });
          }
        }
        // The whole body a client would send with the same evidence: edges without any left out of the route, capacity 0 in the flow.
        const usable = edges.map((e, i) => ({ e, i })).filter(({ e }) => e.known !== undefined || e.observed.length > 0);
        const routeBody = {
          graph: { nodes, edges: usable.map(({ e }) => ({ from: e.from, to: e.to, ...(e.known !== undefined ? { weight: e.known } : { observations: e.observed }) })) },
          source: 0,
          target: n - 1,
          solver: 'classical',
        };
        const whole = await solveRoute(routeBody, context);
        const byId = (await request(app).post(`/graphs/${id}/route`).send({ source: 0, target: n - 1, solver: 'classical' })).body;
        expect(byId.distance).toBe(whole.distance);
        expect(byId.pathEdges).toEqual(whole.pathEdges?.map((e) => usable[e].i) ?? null);
        expect(byId.unusableEdges).toBe(edges.length - usable.length);
        const flowBody = {
          graph: { nodes, edges: edges.map((e) => ({ from: e.from, to: e.to, ...(e.known !== undefined ? { capacity: e.known } : e.observed.length ? { capacityObservations: e.observed } : { capacity: 0 }) })) },
          source: 0,
          sink: n - 1,
          solver: 'classical',
        };
        const flow = await solveMaxflow(flowBody, context);
        const flowById = (await request(app).post(`/graphs/${id}/maxflow`).send({ source: 0, sink: n - 1, solver: 'classical' })).body;
        expect([flowById.value, flowById.flows, flowById.minCut.edges]).toEqual([flow.value, flow.flows, flow.minCut.edges]);
      }),
      { numRuns: 60 },
    );
  });
});

describe('who may see what', () => {
  const KEYS = [
    { tenant: 'acme', key: 'acme-key-0123456789' },
    { tenant: 'globex', key: 'globex-key-0123456789' },
  ];
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });
  const ENDPOINTS: [string, string, object?][] = [
    ['get', '/graphs'],
    ['put', '/graphs/city', CITY],
    ['get', '/graphs/city'],
    ['post', '/graphs/city/observations', { observations: { edge: [1], value: [1] } }],
    ['post', '/graphs/city/route', { source: 'depot' }],
    ['post', '/graphs/city/maxflow', { source: 'depot', sink: 'shop' }],
    ['delete', '/graphs/city'],
  ];
  const call = (app: ReturnType<typeof appWith>['app'], [method, path, body]: [string, string, object?], headers: Record<string, string> = {}) => {
    const req = (request(app) as unknown as Record<string, (path: string) => request.Test>)[method](path).set(headers);
    return body ? req.send(body) : req;
  };

  test.each(ENDPOINTS)('%s %s: no key and a wrong key are 401 with WWW-Authenticate: Bearer', async (...endpoint) => {
    const { app } = appWith({ apiKeys: KEYS });
    for (const headers of [{}, as('not-a-key-at-all-000'), { Authorization: 'Basic YTpi' }]) {
      const res = await call(app, endpoint, headers);
      expectProblem(res, 401, 'Unauthorized');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  test("another tenant's graph is 404 on every endpoint, exactly as a missing one, and its list is empty", async () => {
    const { app } = appWith({ apiKeys: KEYS });
    expect((await call(app, ENDPOINTS[1], as(KEYS[0].key))).status).toBe(201);
    expect((await call(app, ENDPOINTS[0], as(KEYS[1].key))).body.graphs).toEqual([]);
    for (const endpoint of ENDPOINTS.slice(2)) {
      const theirs = await call(app, endpoint, as(KEYS[1].key));
      expectProblem(theirs, 404, 'GraphNotFound');
    }
    // Globex may register its own "city"; Acme's is untouched.
    expect((await call(app, ENDPOINTS[1], as(KEYS[1].key))).status).toBe(201);
    expect((await call(app, ENDPOINTS[2], as(KEYS[0].key))).body.version).toBe(1);
    // The whole-body endpoints stay open.
    expect((await request(app).post('/route').send({ ...CITY, graph: { edges: [{ from: 'a', to: 'b', weight: 1 }] }, source: 'a' })).status).toBe(200);
  });
});

describe('writers racing', () => {
  test('with If-Match, of concurrent replaces from the same version exactly one wins; the others get 412 and lose nothing silently', async () => {
    const { app } = appWith();
    await request(app).put('/graphs/race').send(CITY);
    const writers = await Promise.all(Array.from({ length: 8 }, (_, i) => request(app).put('/graphs/race').set('If-Match', '"1"').send({ graph: { edges: [{ from: 'w', to: String(i), weight: i }] } })));
    const statuses = writers.map((res) => res.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
    const winner = writers.find((res) => res.status === 200)!;
    const meta = await request(app).get('/graphs/race');
    expect(meta.body.version).toBe(2);
    expect(meta.headers.etag).toBe(winner.headers.etag);
  });

  test('concurrent observation batches are all kept, each with its own epoch', async () => {
    const { app } = appWith();
    await request(app).put('/graphs/city').send(CITY);
    const batches = await Promise.all(Array.from({ length: 10 }, (_, i) => request(app).post('/graphs/city/observations').send({ observations: { edge: [1, 4], value: [i, i] } })));
    expect(batches.map((res) => res.body.epoch).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect((await request(app).get('/graphs/city')).body.observations.count).toBe(20);
  });
});

describe('a replace between a query\'s reads', () => {
  test('a graph replaced between reading its meta and its edges is read again: the answer is stamped with the version whose edges it used', async () => {
    const inner = freshStore('graphs');
    stores.push(inner);
    const config = resolveConfig();
    const graphs = createStoredGraphs(inner, config);
    const line = (weight: number) => ({ graph: { edges: [{ from: 'a', to: 'b', weight }, { from: 'b', to: 'c', weight }] } });
    await graphs.register(OPEN_TENANT_ID, 'g', line(1), undefined);
    // A second service on the same store whose first body read finds the graph replaced (as by another replica) just before it.
    let sneak = true;
    const racing = new Proxy(inner, {
      get(target, name, receiver) {
        if (name !== 'body') return Reflect.get(target, name, receiver);
        return async (tenant: string, id: string) => {
          if (sneak) {
            sneak = false;
            await graphs.register(OPEN_TENANT_ID, 'g', line(5), undefined);
          }
          return target.body(tenant, id);
        };
      },
    });
    const reader = createStoredGraphs(racing, config);
    const answer = await reader.route(OPEN_TENANT_ID, 'g', { source: 'a', target: 'c' }, { config, learned: learnedDisabled('not in this test') });
    expect([answer.graph.version, answer.distance]).toEqual([2, 10]);
  });
});

describe('retention', () => {
  test('observations older than the graph\'s retentionDays are dropped as new batches arrive, and no longer answer', async () => {
    let clock = Date.parse('2026-12-01T00:00:00Z');
    const { app } = appWith({ now: () => clock });
    await request(app).put('/graphs/city').send({ ...CITY, retentionDays: 2 });
    await request(app).post('/graphs/city/observations').send({ observations: { edge: [1, 4], value: [1, 1] } });
    expect((await request(app).post('/graphs/city/route').send({ source: 'depot', target: 'shop', solver: 'classical' })).body.distance).toBe(2);
    clock += 3 * 24 * 60 * 60 * 1000;
    await request(app).post('/graphs/city/observations').send({ observations: { edge: [2], value: [1] } });
    const meta = (await request(app).get('/graphs/city')).body;
    expect([meta.retentionDays, meta.observations.count]).toEqual([2, 1]);
    const route = await request(app).post('/graphs/city/route').send({ source: 'depot', target: 'shop', solver: 'classical' });
    expect(route.body).toMatchObject({ distance: 9, unusableEdges: 2 });
  });
});
