/**
 * Queries on big stored graphs run in the stored-graph worker (here every graph is big enough:
 * NARSOLVE_OFFLOAD_EDGES 0), from the worker's own connection to the store and its own cache.
 * They must answer exactly what the event loop answers, see every write the moment it is
 * acknowledged, refuse with the same problems, and proxy their inferences to the one learned pool;
 * on both stores.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { redisAvailable, startRedis, type LocalRedis } from '../generators/redis';
import { createApp } from '../src/api/app';
import { OPEN_TENANT } from '../src/api/graphs';
import { createOffload, storedWorkerIndex, type Offload, type StoredWorkerOptions } from '../src/api/offload';
import { resolveConfig } from '../src/config';
import { createStoredGraphs } from '../src/services/storedGraphs';
import { loadLearnedSolvers, type LearnedSolvers } from '../src/solvers/learned';
import { EmbeddedStore } from '../src/store/embedded';
import { RedisStore } from '../src/store/redis';
import type { GraphStore } from '../src/store/types';
import type { StoredGraphs } from '../src/services/storedGraphs';

jest.setTimeout(60_000);

const silent = pino({ level: 'silent' });
const required = process.env.NARSOLVE_REQUIRE_REDIS === '1';
const withRedis = redisAvailable() || required;
const STORES = ['embedded', ...(withRedis ? ['redis'] : [])];

/** A 10×10 street grid whose costs come only from observations, four each, moderately spread. */
function grid() {
  const from: number[] = [];
  const to: number[] = [];
  const observations: number[][] = [];
  const id = (i: number, j: number) => i * 10 + j;
  for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) for (const [a, b] of [[i, j + 1], [i + 1, j]]) {
    if (a > 9 || b > 9) continue;
    for (const [u, v] of [[id(i, j), id(a, b)], [id(a, b), id(i, j)]]) {
      from.push(u);
      to.push(v);
      const cost = 1 + ((u * 7 + v * 3) % 9);
      observations.push([cost * 0.8, cost, cost * 1.1, cost * 1.3]);
    }
  }
  return { graph: { edges: { from, to, observations } } };
}

/**
 * Two apps over one fresh embedded store, for a describe block: `app` sends stored-graph work to
 * stored-graph workers as `stored` says (and bodies of `thresholdBytes` or more with it), `onLoop`
 * answers everything on the event loop. Set up before the block's tests, closed after them.
 */
function embeddedApps(thresholdBytes: number, stored: Pick<StoredWorkerOptions, 'from' | 'workers'>) {
  const apps = {} as { offload: Offload; graphs: StoredGraphs; app: ReturnType<typeof createApp>; onLoop: ReturnType<typeof createApp> };
  let learned: LearnedSolvers;
  let store: GraphStore;
  beforeAll(async () => {
    learned = await loadLearnedSolvers({ workers: 1, maxQueue: 8 });
    const config = resolveConfig();
    const dataDir = mkdtempSync(join(tmpdir(), 'narsolve-stored-offload-'));
    store = new EmbeddedStore(dataDir);
    apps.offload = createOffload({ workers: 1, thresholdBytes, config, learned, stored: { dataDir, cacheGraphs: 4, ...stored } });
    apps.graphs = createStoredGraphs(store, config);
    apps.app = createApp({ logger: silent, defaultMetrics: false, learned, offload: apps.offload, graphs: apps.graphs });
    apps.onLoop = createApp({ logger: silent, defaultMetrics: false, learned, graphs: apps.graphs });
  });
  afterAll(async () => {
    await apps.graphs.fitsIdle();
    await apps.offload.close();
    await learned.close();
    await store.close();
  });
  return apps;
}

/** An answer without what differs between any two requests: the timings and the query's own `at` (now). */
const withoutTimings = (body: Record<string, any>) => ({ ...body, timingsMs: undefined, graph: body.graph && { ...body.graph, at: undefined } });

describe.each(STORES)('stored-graph queries in the worker, on the %s store', (kind) => {
  let learned: LearnedSolvers;
  let offload: Offload;
  let store: GraphStore;
  let redis: LocalRedis | undefined;
  let inWorker: ReturnType<typeof createApp>;
  let onLoop: ReturnType<typeof createApp>;
  beforeAll(async () => {
    learned = await loadLearnedSolvers({ workers: 1, maxQueue: 8 });
    const config = resolveConfig();
    const dataDir = mkdtempSync(join(tmpdir(), 'narsolve-stored-offload-'));
    if (kind === 'redis') redis = await startRedis();
    store = redis ? new RedisStore(redis.url) : new EmbeddedStore(dataDir);
    offload = createOffload({ workers: 1, thresholdBytes: Infinity, config, learned, stored: { store: redis?.url, dataDir, cacheGraphs: 4, from: { edges: 0, observations: 0 } } });
    const graphs = createStoredGraphs(store, config);
    inWorker = createApp({ logger: silent, defaultMetrics: false, learned, offload, graphs });
    onLoop = createApp({ logger: silent, defaultMetrics: false, learned, graphs });
  });
  afterAll(async () => {
    await offload.close();
    await learned.close();
    await store.close();
    await redis?.stop();
  });

  test('the same answers as on the event loop, and every acknowledged batch is read by the next query', async () => {
    expect((await request(inWorker).put('/graphs/city').send(grid())).status).toBe(201);
    for (const solver of ['classical', 'auto']) {
      const query = { source: 0, target: 99, solver };
      const there = await request(inWorker).post('/graphs/city/route').send(query);
      const here = await request(onLoop).post('/graphs/city/route').send(query);
      expect(there.status).toBe(200);
      expect(withoutTimings(there.body)).toEqual(withoutTimings(here.body));
    }
    // Each batch makes one edge of the current route dear: the worker's next answer must go around it.
    for (let round = 1; round <= 4; round++) {
      const before = await request(inWorker).post('/graphs/city/route').send({ source: 0, target: 99, solver: 'classical' });
      const edge = before.body.pathEdges[0] as number;
      const ack = await request(onLoop).post('/graphs/city/observations').send({ observations: { edge: [edge, edge, edge, edge], value: [900, 900, 900, 900] } });
      const after = await request(inWorker).post('/graphs/city/route').send({ source: 0, target: 99, solver: 'classical' });
      expect(after.body.graph.epoch).toBe(ack.body.epoch);
      expect(after.body.pathEdges).not.toContain(edge);
      expect(withoutTimings(after.body)).toEqual(withoutTimings((await request(onLoop).post('/graphs/city/route').send({ source: 0, target: 99, solver: 'classical' })).body));
    }
  });

  test('flows too; problems carry the same codes and pointers; a missing graph is GraphNotFound', async () => {
    const edges = { from: ['s', 's', 'a', 'b'], to: ['a', 'b', 't', 't'], capacityObservations: [[3, 4], [5, 5], [2, 2], [9, 8]] };
    expect((await request(onLoop).put('/graphs/pipes').send({ graph: { edges } })).status).toBe(201);
    const flow = await request(inWorker).post('/graphs/pipes/maxflow').send({ source: 's', sink: 't', solver: 'classical' });
    expect(withoutTimings(flow.body)).toEqual(withoutTimings((await request(onLoop).post('/graphs/pipes/maxflow').send({ source: 's', sink: 't', solver: 'classical' })).body));
    const bad = await request(inWorker).post('/graphs/city/route').send({ source: 'nowhere', target: 99 });
    expect([bad.status, bad.body.code, bad.body.errors?.[0]?.pointer]).toEqual([400, 'InvalidInput', '/source']);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    expect((await request(inWorker).post('/graphs/nothing/route').send({ source: 0 })).body.code).toBe('GraphNotFound');
  });
});

describe('where a stored-graph query runs follows the work it implies', () => {
  // Few edges are never enough; 400 retained observations are. Two stored-graph workers.
  const apps = embeddedApps(Infinity, { workers: 2, from: { edges: 1_000_000, observations: 400 } });

  test('a graph with a long history is queried and drawn in the worker; a small one on the event loop until its history grows past the threshold', async () => {
    const solveStored = jest.spyOn(apps.offload, 'solveStored');
    expect((await request(apps.app).put('/graphs/corridor').send(grid())).status).toBe(201);
    const query = { source: 0, target: 99, solver: 'classical' };
    // grid() registers 360 edges with four observations each: 1,440 retained, past 400 already.
    const first = await request(apps.app).post('/graphs/corridor/route').send(query);
    expect(first.status).toBe(200);
    expect(solveStored).toHaveBeenCalledTimes(1);
    expect(withoutTimings(first.body)).toEqual(withoutTimings((await request(apps.onLoop).post('/graphs/corridor/route').send(query)).body));
    // Drawing it reads the whole history too: the worker reads it, and the page gets the same columns.
    const drawn = await request(apps.app).get('/graphs/corridor/edges');
    expect([drawn.status, drawn.headers['cache-control'], drawn.headers['content-type']]).toEqual([200, 'no-cache', expect.stringMatching(/^application\/json/)]);
    expect(solveStored).toHaveBeenCalledTimes(2);
    expect(solveStored.mock.calls[1][0]).toBe('edges');
    expect(drawn.body).toEqual((await request(apps.onLoop).get('/graphs/corridor/edges')).body);
    expect(drawn.body.freshness.cost.count[0]).toBe(4);
    solveStored.mockClear();

    const edges = { from: ['a', 'b', 'a'], to: ['b', 'c', 'c'], observations: [[1, 1.2], [2, 2.1], [4, 4]] };
    expect((await request(apps.app).put('/graphs/short').send({ graph: { edges } })).status).toBe(201);
    expect((await request(apps.app).post('/graphs/short/route').send({ source: 'a', target: 'c', solver: 'classical' })).body.path).toEqual(['a', 'b', 'c']);
    expect(solveStored).toHaveBeenCalledTimes(0);
    // 400 observations making a→b dear: the next query runs in the worker, and reads them.
    const ack = await request(apps.app).post('/graphs/short/observations').send({ observations: { edge: Array(400).fill(0), value: Array(400).fill(50) } });
    expect(ack.status).toBe(200);
    const after = await request(apps.app).post('/graphs/short/route').send({ source: 'a', target: 'c', solver: 'classical' });
    expect(solveStored).toHaveBeenCalledTimes(1);
    expect([after.body.distance, after.body.path, after.body.graph.epoch]).toEqual([4, ['a', 'c'], ack.body.epoch]);
  });

  test('with two stored-graph workers, each graph is read by one of them, always the same, and answers as on the event loop', async () => {
    const ids = ['north', 'south', 'east', 'west'];
    expect(new Set(ids.map((id) => storedWorkerIndex(OPEN_TENANT, id, 2)))).toEqual(new Set([0, 1]));
    // Spread evenly over many graphs, too.
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[storedWorkerIndex(OPEN_TENANT, `graph-${i}`, 4)]++;
    for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThan(150);
    for (const id of ids) expect(storedWorkerIndex(OPEN_TENANT, id, 2)).toBe(storedWorkerIndex(OPEN_TENANT, id, 2));
    for (const id of ids) expect((await request(apps.app).put(`/graphs/${id}`).send(grid())).status).toBe(201);
    const query = { source: 0, target: 99, solver: 'classical' };
    // All four at once: two run in parallel, each graph's queries queue in its own worker.
    const answers = await Promise.all(ids.flatMap((id) => [0, 1].map(() => request(apps.app).post(`/graphs/${id}/route`).send(query))));
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      expect(withoutTimings(answer.body)).toEqual(withoutTimings((await request(apps.onLoop).post(`/graphs/${ids[Math.floor(i / 2)]}/route`).send(query)).body));
    }
  });
});

describe('a fit of a graph with a long history reads it in the stored-graph worker', () => {
  const apps = embeddedApps(Infinity, { from: { edges: 1_000_000, observations: 400 } });

  const finished = async (location: string) => {
    for (;;) {
      const res = await request(apps.app).get(location);
      if (res.body.job.state === 'done' || res.body.job.state === 'failed') return res.body.job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  test('the same report as a fit read on the event loop', async () => {
    const edges = { from: ['a', 'b', 'a'], to: ['b', 'c', 'c'] };
    expect((await request(apps.app).put('/graphs/commute').send({ graph: { edges } })).status).toBe(201);
    // Three weeks of hourly observations, b→c slow at 8 on weekdays: 1,512 rows, past the 400 that make a graph big.
    const hour = 3600_000;
    const t0 = Math.floor(Date.now() / hour) * hour - 21 * 24 * hour;
    const observations = { edge: [] as number[], value: [] as number[], time: [] as number[] };
    for (let t = t0; t < t0 + 21 * 24 * hour; t += hour) {
      const rush = new Date(t).getUTCHours() === 8 && new Date(t).getUTCDay() % 6 !== 0;
      for (const [e, base] of [[0, 2], [1, 3], [2, 6]]) {
        observations.edge.push(e);
        observations.value.push(base * (e === 1 && rush ? 3 : 1) * (1 + 0.05 * Math.sin(t / hour + e)));
        observations.time.push(t);
      }
    }
    expect((await request(apps.app).post('/graphs/commute/observations').send({ observations })).status).toBe(200);
    const readFitStored = jest.spyOn(apps.offload, 'readFitStored');
    const there = await finished((await request(apps.app).post('/graphs/commute/fit').send({ seed: 5 })).headers.location);
    expect(readFitStored).toHaveBeenCalledTimes(1);
    const here = await finished((await request(apps.onLoop).post('/graphs/commute/fit').send({ seed: 5 })).headers.location);
    expect(readFitStored).toHaveBeenCalledTimes(1);
    expect([there.state, here.state]).toEqual(['done', 'done']);
    const report = (job: { report: Record<string, unknown> }) => ({ ...job.report, timingsMs: undefined, fittedAt: undefined });
    expect(report(there)).toEqual(report(here));
    expect(there.report.data).toMatchObject({ observations: 1512, edges: 3, observedEdges: 3 });
    expect(there.report.candidates.length).toBeGreaterThan(1);
  });
});

describe('a big registration or batch is parsed, checked and stored in the stored-graph worker', () => {
  // Bodies of 1 KB or more are big here.
  const apps = embeddedApps(1024, { from: { edges: 1_000_000, observations: 1_000_000 } });

  test('created, replaced and refused as on the event loop, with the same statuses, headers, codes and pointers', async () => {
    const writeStored = jest.spyOn(apps.offload, 'writeStored');
    const created = await request(apps.app).put('/graphs/city').send(grid());
    expect(writeStored).toHaveBeenCalledTimes(1);
    expect([created.status, created.headers.etag, created.headers.location]).toEqual([201, '"1"', '/graphs/city']);
    expect(created.body).toEqual((await request(apps.onLoop).get('/graphs/city')).body);
    const replaced = await request(apps.app).put('/graphs/city').set('If-Match', '"1"').send(grid());
    expect([replaced.status, replaced.headers.etag, replaced.body.version]).toEqual([200, '"2"', 2]);
    // A stale If-Match, a bad edge deep in a big body, and malformed JSON: refused by the worker as the event loop refuses them.
    const stale = await request(apps.app).put('/graphs/city').set('If-Match', '"1"').send(grid());
    expect([stale.status, stale.body.code]).toEqual([412, 'PreconditionFailed']);
    const bad = grid();
    (bad.graph.edges.observations[200] as unknown[])[1] = 'slow';
    const there = await request(apps.app).put('/graphs/other').send(bad);
    const here = await request(apps.onLoop).put('/graphs/other').send(bad);
    expect([there.status, there.body.code, there.body.errors]).toEqual([here.status, here.body.code, here.body.errors]);
    expect(there.body.errors[0].pointer).toBe('/graph/edges/observations/200/1');
    const text = JSON.stringify(grid()).slice(0, -2);
    const malformed = await request(apps.app).put('/graphs/other').set('content-type', 'application/json').send(text);
    expect([malformed.status, malformed.body.code, malformed.headers['content-type']]).toEqual([400, 'InvalidInput', expect.stringMatching(/problem\+json/)]);
    expect(writeStored.mock.calls.length).toBe(5);
  });

  test('a big batch is stored there and read by the next query', async () => {
    expect((await request(apps.onLoop).put('/graphs/corridor').send({ graph: { edges: { from: ['a', 'b', 'a'], to: ['b', 'c', 'c'], observations: [[1], [1], [3]] } } })).status).toBe(201);
    const writeStored = jest.spyOn(apps.offload, 'writeStored');
    writeStored.mockClear();
    // 300 observations making a→b dear: a body of more than 1 KB.
    const ack = await request(apps.app).post('/graphs/corridor/observations').send({ observations: { edge: Array(300).fill(0), value: Array(300).fill(50) } });
    expect(writeStored).toHaveBeenCalledTimes(1);
    expect([ack.status, ack.body.accepted]).toEqual([200, 300]);
    const route = await request(apps.app).post('/graphs/corridor/route').send({ source: 'a', target: 'c', solver: 'classical' });
    expect([route.body.path, route.body.graph.epoch]).toEqual([['a', 'c'], ack.body.epoch]);
    const missing = await request(apps.app).post('/graphs/nowhere/observations').send({ observations: { edge: Array(300).fill(0), value: Array(300).fill(1) } });
    expect([missing.status, missing.body.code]).toEqual([404, 'GraphNotFound']);
  });
});

describe('a batch written in the stored-graph worker moves the graph\'s next query there once its history is long', () => {
  // Bodies of 1 KB or more are written in the worker; 200 retained observations make a graph big.
  const apps = embeddedApps(1024, { from: { edges: 1_000_000, observations: 200 } });

  test('the main thread does not answer from the size it saw before the worker\'s write', async () => {
    const solveStored = jest.spyOn(apps.offload, 'solveStored');
    const writeStored = jest.spyOn(apps.offload, 'writeStored');
    expect((await request(apps.app).put('/graphs/lane').send({ graph: { edges: { from: ['a', 'b', 'a'], to: ['b', 'c', 'c'], observations: [[1], [1], [3]] } } })).status).toBe(201);
    expect((await request(apps.app).post('/graphs/lane/route').send({ source: 'a', target: 'c', solver: 'classical' })).body.path).toEqual(['a', 'b', 'c']);
    expect(solveStored).not.toHaveBeenCalled();
    const ack = await request(apps.app).post('/graphs/lane/observations').send({ observations: { edge: Array(300).fill(0), value: Array(300).fill(50) } });
    expect([ack.status, writeStored.mock.calls.length]).toEqual([200, 1]);
    const after = await request(apps.app).post('/graphs/lane/route').send({ source: 'a', target: 'c', solver: 'classical' });
    expect(solveStored).toHaveBeenCalledTimes(1);
    expect([after.body.path, after.body.graph.epoch]).toEqual([['a', 'c'], ack.body.epoch]);
  });
});
