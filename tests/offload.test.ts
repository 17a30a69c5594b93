/**
 * Big requests solved in solve workers (threshold 0 here, so every solve goes there): the same
 * answers and problems as on the event loop, and learned inferences proxied to the one learned pool.
 */
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/api/app';
import { createOffload, type Offload } from '../src/api/offload';
import { resolveConfig } from '../src/config';
import { solveRoute } from '../src/services/route';
import { loadLearnedSolvers, type LearnedSolvers } from '../src/solvers/learned';
import { randomFlowNetwork, randomWeightedGraph } from '../generators/graphs';

const silent = pino({ level: 'silent' });
const withoutTimings = (body: Record<string, unknown>) => ({ ...body, timingsMs: undefined });

describe('when a request is solved in a solve worker', () => {
  let learned: LearnedSolvers;
  let offload: Offload;
  let inWorker: ReturnType<typeof createApp>;
  let onLoop: ReturnType<typeof createApp>;
  beforeAll(async () => {
    learned = await loadLearnedSolvers({ workers: 1, maxQueue: 0 });
    offload = createOffload({ workers: 1, thresholdBytes: 0, config: resolveConfig(), learned });
    inWorker = createApp({ logger: silent, defaultMetrics: false, learned, offload });
    onLoop = createApp({ logger: silent, defaultMetrics: false, learned });
  });
  afterAll(async () => {
    await offload.close();
    await learned.close();
  });

  test('routes and max flows answer exactly as on the event loop', async () => {
    const route = { graph: { edges: randomWeightedGraph(300, 1500, 5) }, source: 0, target: 17 };
    const flow = { graph: { edges: randomFlowNetwork(200, 1000, 6) }, source: 0, sink: 199 };
    for (const [path, body] of [['/route', route], ['/maxflow', flow], ['/route', { ...route, target: undefined }]] as const) {
      const a = await request(inWorker).post(path).send(body);
      const b = await request(onLoop).post(path).send(body);
      expect(a.status).toBe(200);
      expect(a.type).toBe('application/json');
      expect(withoutTimings(a.body)).toEqual(withoutTimings(b.body));
    }
  });

  test('bad input gets the same problems: malformed JSON, located schema errors, a negative cycle with its cycle', async () => {
    const malformed = await request(inWorker).post('/route').set('content-type', 'application/json').send('{"graph":');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'InvalidInput', errors: [{ pointer: '', message: 'malformed JSON' }] });
    const bad = { graph: { edges: [{ from: 'a', to: 'b', weight: 'x' }] }, source: 'a' };
    const located = await request(inWorker).post('/route').send(bad);
    expect(located.status).toBe(400);
    expect(located.body).toEqual({ ...(await request(onLoop).post('/route').send(bad)).body, requestId: located.body.requestId });
    const cycle = await request(inWorker).post('/route').send({ graph: { edges: [{ from: 'a', to: 'b', weight: 1 }, { from: 'b', to: 'a', weight: -2 }] }, source: 'a' });
    expect(cycle.status).toBe(422);
    expect(cycle.type).toBe('application/problem+json');
    expect(cycle.body).toMatchObject({ code: 'NegativeCycle', cycle: expect.any(Array), cycleWeight: -1 });
  });

  test('a noisy route reaches the learned encoder through the main thread, with its queue wait reported', async () => {
    const noisy = { graph: { edges: [{ from: 'a', to: 'b', observations: [2, 2.4, null] }, { from: 'b', to: 'c', observations: [3, 30] }, { from: 'a', to: 'c', observations: [9] }] }, source: 'a', target: 'c', solver: 'learned' };
    const answer = await request(inWorker).post('/route').send(noisy);
    expect(answer.status).toBe(200);
    expect(answer.body.solver.used).toBe('learned');
    expect(answer.body.timingsMs).toEqual(expect.objectContaining({ queue: expect.any(Number), infer: expect.any(Number) }));
  });

  test('behind a long inference, a full queue is 503 Overloaded with Retry-After, from the worker too', async () => {
    const edges = Array.from({ length: 1999 }, (_, i) => ({ from: i, to: i + 1, weight: 1 }));
    const long = solveRoute({ graph: { edges }, source: 0, solver: 'learned' }, { config: resolveConfig(), learned });
    const small = { graph: { edges: [{ from: 'a', to: 'b', weight: 2 }] }, source: 'a', target: 'b', solver: 'learned' };
    const busy = await request(inWorker).post('/route').send(small);
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.body.code).toBe('Overloaded');
    await long;
  });

  test('a deadline that passes while the worker waits for the learned queue is DeadlineExceeded, and the main queue drops it', async () => {
    const queued = await loadLearnedSolvers({ workers: 1, maxQueue: 4 });
    const queuedOffload = createOffload({ workers: 1, thresholdBytes: 0, config: resolveConfig(), learned: queued });
    try {
      const app = createApp({ logger: silent, defaultMetrics: false, learned: queued, offload: queuedOffload });
      const small = { graph: { edges: [{ from: 'a', to: 'b', weight: 2 }] }, source: 'a', solver: 'learned' };
      // A first request starts the worker, so the deadline below is spent waiting in the learned queue.
      expect((await request(app).post('/route').send(small)).status).toBe(200);
      const edges = Array.from({ length: 1999 }, (_, i) => ({ from: i, to: i + 1, weight: 1 }));
      const long = solveRoute({ graph: { edges }, source: 0, solver: 'learned' }, { config: resolveConfig(), learned: queued });
      const late = await request(app).post('/route').send({ ...small, timeoutMs: 300 });
      expect(late.status).toBe(503);
      expect(late.body.code).toBe('DeadlineExceeded');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(queued.queue?.abandoned).toBe(1);
      await long;
    } finally {
      await queuedOffload.close();
      await queued.close();
    }
  });
});
