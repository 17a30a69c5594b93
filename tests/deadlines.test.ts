/**
 * Deadlines, a bounded learned queue and cancellation: one worker, a long learned inference holding
 * it, and short requests behind it.
 */
import { connect, type AddressInfo } from 'node:net';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/api/app';
import { resolveConfig } from '../src/config';
import { RequestCancelled, type SolveContext } from '../src/services/context';
import { solveRoute } from '../src/services/route';
import { loadLearnedSolvers, type LearnedSolvers } from '../src/solvers/learned';
import { refusal } from './helpers';

/** A chain long enough that the processor needs about a second (one step per hop). */
function longChain(n = 2000) {
  const edges = [];
  for (let i = 0; i < n - 1; i++) edges.push({ from: i, to: i + 1, weight: 1 });
  return { graph: { edges }, source: 0, solver: 'learned' as const };
}

const small = { graph: { edges: [{ from: 'a', to: 'b', weight: 2 }, { from: 'b', to: 'c', weight: 3 }] }, source: 'a', target: 'c' };
// Widely spread observations, three an edge: the evidence band (high-several) where the encoder's policy serves it under auto.
const noisySmall = { graph: { edges: [{ from: 'a', to: 'b', observations: [2, 3, 4.5] }, { from: 'b', to: 'c', observations: [3, 5, 2] }] }, source: 'a', target: 'c' };

describe('a request that waits behind a long learned inference', () => {
  let learned: LearnedSolvers;
  let context: SolveContext;
  beforeAll(async () => {
    learned = await loadLearnedSolvers({ workers: 1, maxQueue: 8 });
    context = { config: resolveConfig(), learned };
  });
  afterAll(() => learned.close());

  test('when its deadline passes while queued, learned gets DeadlineExceeded, auto answers classically and says why, and the long one still finishes', async () => {
    const long = solveRoute(longChain(), context);
    const refused = await refusal(() => solveRoute({ ...small, solver: 'learned', timeoutMs: 50 }, context));
    expect(refused).toMatchObject({ code: 'DeadlineExceeded', status: 503 });
    const fellBack = await solveRoute({ ...noisySmall, timeoutMs: 50 }, context);
    expect(fellBack.solver).toMatchObject({ used: 'classical', fallbackReason: expect.stringMatching(/deadline .* passed before the learned solver answered/), noisy: { evidence: { band: 'high-several' } } });
    expect(fellBack.code).toBe('Ok');
    // The classical answer on the band's estimate, exactly as solver "classical" gives it.
    expect(fellBack.distance).toBe((await solveRoute({ ...noisySmall, solver: 'classical' }, context)).distance);
    expect(learned.queue?.abandoned).toBe(2);
    const done = await long;
    expect(done.solver.used).toBe('learned');
    // The long one found a free worker: its queue wait is reported apart from the inference.
    expect(done.timingsMs.queue).toBeLessThan(done.timingsMs.infer);
  });

  test('when the caller cancels, its queued inference is dropped and the cancellation propagates (nobody is left to answer)', async () => {
    const long = solveRoute(longChain(), context);
    const cancel = new AbortController();
    const before = learned.queue!.abandoned;
    const waiting = solveRoute({ ...small, solver: 'learned' }, { ...context, signal: cancel.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    cancel.abort(new RequestCancelled());
    await expect(waiting).rejects.toBeInstanceOf(RequestCancelled);
    expect(learned.queue!.abandoned).toBe(before + 1);
    await long;
  });

  test('when an HTTP client disconnects while its inference is queued, the server drops it from the queue', async () => {
    const app = createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, learned });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const long = solveRoute(longChain(), context);
      const before = learned.queue!.abandoned;
      const body = JSON.stringify({ ...small, solver: 'learned' });
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(`POST /route HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      // Wait until the request is in the queue, then hang up.
      for (let i = 0; i < 200 && learned.queue!.waiting === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(learned.queue!.waiting).toBe(1);
      socket.destroy();
      for (let i = 0; i < 200 && learned.queue!.abandoned === before; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(learned.queue!.abandoned).toBe(before + 1);
      expect(learned.queue!.waiting).toBe(0);
      await long;
    } finally {
      server.close();
    }
  });

  test('timeoutMs above NARSOLVE_MAX_TIMEOUT_MS is refused at /timeoutMs; below 1 by the schema', async () => {
    const over = await refusal(() => solveRoute({ ...small, timeoutMs: 300_001 }, context));
    expect(over).toMatchObject({ code: 'InvalidInput', errors: [{ pointer: '/timeoutMs', message: expect.stringMatching(/at most 300000 \(set NARSOLVE_MAX_TIMEOUT_MS/) }] });
    const zero = await refusal(() => solveRoute({ ...small, timeoutMs: 0 }, context));
    expect(zero).toMatchObject({ code: 'InvalidInput', errors: [{ pointer: '/timeoutMs' }] });
  });
});

describe('when the learned queue is full', () => {
  let learned: LearnedSolvers;
  beforeAll(async () => {
    learned = await loadLearnedSolvers({ workers: 1, maxQueue: 0 });
  });
  afterAll(() => learned.close());

  test('learned gets 503 Overloaded with Retry-After, auto answers classically, and /metrics counts the refusals', async () => {
    const app = createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, learned });
    const long = solveRoute(longChain(), { config: resolveConfig(), learned });
    const busy = await request(app).post('/route').send({ ...small, solver: 'learned' });
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.body).toMatchObject({ code: 'Overloaded', retryAfterSeconds: 1, detail: expect.stringMatching(/queue is full/) });
    const auto = await request(app).post('/route').send(noisySmall);
    expect(auto.status).toBe(200);
    expect(auto.body.solver).toMatchObject({ used: 'classical', fallbackReason: expect.stringMatching(/^learned solver busy/) });
    const metrics = (await request(app).get('/metrics')).text;
    expect(metrics).toMatch(/narsolve_learned_queue_dropped_total\{reason="full"\} 2/);
    expect(metrics).toMatch(/narsolve_learned_queue_inferences\{state="running"\} 1/);
    expect(metrics).toMatch(/narsolve_learned_queue_capacity 0/);
    await long;
    expect((await request(app).get('/metrics')).text).toMatch(/narsolve_learned_queue_inferences\{state="running"\} 0/);
  });
});
