import request from 'supertest';
import pino from 'pino';
import { createApp } from '../src/api/app';
import { expectMatchesSchema } from './helpers';
import express from 'express';
import * as maxflowVerifier from '../src/verify/maxflow';

const silent = pino({ level: 'silent' });
const app = createApp({ logger: silent, defaultMetrics: false });

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: `https://narsolve.dev/problems/${code}` });
  expect(typeof res.body.title).toBe('string');
  expect(typeof res.body.detail).toBe('string');
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/); // never a stack trace
  expectMatchesSchema('problem.json', res.body);
}

describe('HTTP answers', () => {
  test('each resource has one spelling: /ROUTE and /route/ are 404 problems; a query string is ignored', async () => {
    const route = { graph: { edges: [{ from: 'a', to: 'b', weight: 2 }] }, source: 'a' };
    for (const path of ['/ROUTE', '/route/', '/Healthz']) expectProblem(await request(app).post(path).send(route), 404, 'NotFound');
    expect((await request(app).post('/route?x=').send(route)).status).toBe(200);
  });

  test('POST /route answers a certified shortest path', async () => {
    const res = await request(app)
      .post('/route')
      .send({ graph: { edges: [{ from: 'a', to: 'b', weight: 2 }, { from: 'b', to: 'c', weight: 3 }] }, source: 'a', target: 'c' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: 'Ok', distance: 5, path: ['a', 'b', 'c'], certificate: { verified: true } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expectMatchesSchema('route-response.json', res.body);
  });

  test('POST /maxflow answers a certified flow and cut', async () => {
    const res = await request(app).post('/maxflow').send({ graph: { edges: [{ from: 's', to: 't', capacity: 2.5 }] }, source: 's', sink: 't' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: 'Ok', value: 2.5, flows: [2.5], minCut: { sourceSide: ['s'], edges: [0], capacity: 2.5 } });
    expectMatchesSchema('maxflow-response.json', res.body);
  });

  test('a caller-supplied X-Request-Id is echoed back', async () => {
    const res = await request(app).get('/healthz').set('X-Request-Id', 'trace-123');
    expect(res.headers['x-request-id']).toBe('trace-123');
  });

  test('GET /healthz and /readyz report up and which solvers are ready, and why not', async () => {
    expect((await request(app).get('/healthz')).body).toMatchObject({ code: 'Ok', status: 'up' });
    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.solvers.classical).toEqual({ route: { ready: true }, maxflow: { ready: true } });
    expect(ready.body.solvers.learned.route).toMatchObject({ ready: false, reason: expect.any(String) });
    expect(ready.body.limits.maxEdges).toEqual({ value: 4_000_000, env: 'NARSOLVE_MAX_EDGES' });
  });

  test('GET /openapi.json is OpenAPI 3.1 whose schemas are the ones in schemas/', async () => {
    const res = await request(app).get('/openapi.json');
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/route', '/maxflow', '/healthz', '/readyz', '/metrics']));
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('common.json#');
    for (const name of ['RouteRequest', 'RouteResponse', 'MaxflowRequest', 'MaxflowResponse', 'Problem', 'NodeId', 'WeightedEdge']) {
      expect(res.body.components.schemas[name]).toBeDefined();
    }
    // Every component ref points at a component that exists.
    for (const [, ref] of text.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) expect(res.body.components.schemas[ref]).toBeDefined();
  });

  test('GET /metrics counts requests by route and code, latency, and the solver used', async () => {
    const fresh = createApp({ logger: silent, defaultMetrics: false });
    await request(fresh).post('/route').send({ graph: { edges: [{ from: 1, to: 2, weight: 1 }] }, source: 1, target: 2 });
    await request(fresh).post('/route').send({ graph: { edges: [] }, source: 1 });
    const res = await request(fresh).get('/metrics');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/narsolve_requests_total\{route="\/route",method="POST",code="Ok"\} 1/);
    expect(res.text).toMatch(/narsolve_requests_total\{route="\/route",method="POST",code="InvalidInput"\} 1/);
    expect(res.text).toMatch(/narsolve_request_duration_seconds_count\{route="\/route"\} 2/);
    expect(res.text).toMatch(/narsolve_solver_used_total\{route="\/route",solver="classical",algorithm="dijkstra"\} 1/);
  });

  test('the app mounts inside another express app under a prefix', async () => {
    const host = express();
    host.use('/optimize', createApp({ logger: silent, defaultMetrics: false }));
    const res = await request(host).post('/optimize/route').send({ graph: { edges: [{ from: 1, to: 2, weight: 1 }] }, source: 1, target: 2 });
    expect(res.body).toMatchObject({ code: 'Ok', distance: 1 });
  });
});

describe('HTTP errors: every documented code', () => {
  test('InvalidInput (400) for a schema violation, with JSON pointers', async () => {
    const res = await request(app).post('/route').send({ graph: { edges: [{ from: 'a', to: 'b' }] }, source: 'a' });
    expectProblem(res, 400, 'InvalidInput');
    expect(res.body.errors).toEqual([{ pointer: '/graph/edges/0/weight', message: 'is required' }]);
  });

  test('InvalidInput (400) for malformed JSON', async () => {
    const res = await request(app).post('/route').set('Content-Type', 'application/json').send('{"graph": {');
    expectProblem(res, 400, 'InvalidInput');
    expect(res.body.errors).toEqual([{ pointer: '', message: 'malformed JSON' }]);
  });

  test('InvalidInput (400) for a body that is JSON but not an object', async () => {
    const res = await request(app).post('/maxflow').set('Content-Type', 'application/json').send('[1,2]');
    expectProblem(res, 400, 'InvalidInput');
  });

  test('InvalidInput (400) for a number too large to be finite', async () => {
    const res = await request(app).post('/route').set('Content-Type', 'application/json').send('{"graph":{"edges":[{"from":1,"to":2,"weight":1e400}]},"source":1}');
    expectProblem(res, 400, 'InvalidInput');
    expect(res.body.errors[0].pointer).toBe('/graph/edges/0/weight');
  });

  test('InvalidInput (400) for source equal to sink', async () => {
    const res = await request(app).post('/maxflow').send({ graph: { edges: [{ from: 1, to: 2, capacity: 1 }] }, source: 2, sink: 2 });
    expectProblem(res, 400, 'InvalidInput');
  });

  test('NotFound (404) for an unknown path', async () => {
    expectProblem(await request(app).get('/nope'), 404, 'NotFound');
  });

  test('MethodNotAllowed (405) with Allow for a known path and the wrong method', async () => {
    const res = await request(app).get('/route');
    expectProblem(res, 405, 'MethodNotAllowed');
    expect(res.headers.allow).toBe('POST');
  });

  test('TooBig (413) for a body over the byte limit', async () => {
    const small = createApp({ logger: silent, defaultMetrics: false, limits: { maxBodyBytes: 100 } });
    const edges = Array.from({ length: 20 }, (_, i) => ({ from: i, to: i + 1, weight: 1 }));
    const res = await request(small).post('/route').send({ graph: { edges }, source: 0 });
    expectProblem(res, 413, 'TooBig');
    expect(res.body.detail).toContain('NARSOLVE_MAX_BODY_BYTES');
  });

  test('TooBig (413) for too many edges', async () => {
    const small = createApp({ logger: silent, defaultMetrics: false, limits: { maxEdges: 1 } });
    const res = await request(small).post('/maxflow').send({ graph: { edges: [{ from: 1, to: 2, capacity: 1 }, { from: 2, to: 3, capacity: 1 }] }, source: 1, sink: 3 });
    expectProblem(res, 413, 'TooBig');
    expect(res.body.errors).toEqual([{ pointer: '/graph/edges', message: 'at most 1 edges' }]);
  });

  test('UnsupportedMediaType (415) for a body that is not JSON', async () => {
    const res = await request(app).post('/route').set('Content-Type', 'text/plain').send('a b 1');
    expectProblem(res, 415, 'UnsupportedMediaType');
  });

  test('NegativeCycle (422) with the cycle as proof', async () => {
    const res = await request(app).post('/route').send({ graph: { edges: [{ from: 'a', to: 'b', weight: -1 }, { from: 'b', to: 'a', weight: 0 }] }, source: 'a', target: 'b' });
    expectProblem(res, 422, 'NegativeCycle');
    expect(res.body).toMatchObject({ cycleWeight: -1, cycleEdges: expect.any(Array) });
    expect(res.body.cycle).toHaveLength(3);
  });

  test('WorkLimitExceeded (422) when solving would pass the work limit', async () => {
    const tight = createApp({ logger: silent, defaultMetrics: false, limits: { maxWork: 10 } });
    const edges = Array.from({ length: 50 }, (_, i) => ({ from: i, to: i + 1, weight: 1 }));
    expectProblem(await request(tight).post('/route').send({ graph: { edges }, source: 0 }), 422, 'WorkLimitExceeded');
  });

  test('ModelUnavailable (503) for solver "learned" without a model', async () => {
    const res = await request(app).post('/route').send({ graph: { edges: [{ from: 1, to: 2, weight: 1 }] }, source: 1, solver: 'learned' });
    expectProblem(res, 503, 'ModelUnavailable');
  });

  test('Internal (500) when an answer fails its own certificate, without leaking internals', async () => {
    const spy = jest.spyOn(maxflowVerifier, 'verifyMaxflow').mockReturnValue({
      verified: false, failures: ['forced failure for the test'], capacityMaxViolation: 0, conservationMaxError: 0, value: 0, cutCapacity: 0, cutEdges: [], tolerance: 0,
    });
    try {
      const res = await request(app).post('/maxflow').send({ graph: { edges: [{ from: 1, to: 2, capacity: 1 }] }, source: 1, sink: 2 });
      expectProblem(res, 500, 'Internal');
      expect(res.body.requestId).toEqual(expect.any(String));
    } finally {
      spy.mockRestore();
    }
  });

  test('a bad request never takes the server down: it answers the next one', async () => {
    await request(app).post('/route').set('Content-Type', 'application/json').send('{{{');
    const res = await request(app).post('/route').send({ graph: { edges: [{ from: 1, to: 2, weight: 1 }] }, source: 1, target: 2 });
    expect(res.status).toBe(200);
  });
});
