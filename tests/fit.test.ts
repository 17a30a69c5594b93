/**
 * A user fits estimators on a stored graph's own history: the job API and its states and errors,
 * a model card whose figures come from forward validation, answers at `at` that read only the
 * past (a planted future outlier changes nothing), deterministic fits, and a failed fit that leaves
 * the previous model serving.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/api/app';
import { OPEN_TENANT } from '../src/api/graphs';
import { resolveConfig } from '../src/config';
import { fit, DEFAULT_FIT_OPTIONS } from '../src/services/fitting';
import { LocalClock } from '../src/services/forecast';
import { createStoredGraphs, type StoredGraphs } from '../src/services/storedGraphs';
import { learnedDisabled } from '../src/solvers/learned';
import type { GraphStore } from '../src/store/types';
import { freshStore } from './stores';
import { rng } from '../generators/graphs';
import { expectMatchesSchema } from './helpers';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** Monday 2026-11-02 00:00 UTC: the history starts on a weekday. */
const T0 = Date.UTC(2026, 10, 2);

const stores: GraphStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
});

function service(now = () => T0 + 30 * DAY): { graphs: StoredGraphs; app: ReturnType<typeof createApp>; store: GraphStore } {
  const store = freshStore('fit');
  stores.push(store);
  const config = resolveConfig({ limits: { maxObservationBatch: 1_000_000 } });
  const graphs = createStoredGraphs(store, config, { now });
  return { graphs, store, app: createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, graphs, learned: learnedDisabled(), limits: { maxObservationBatch: 1_000_000 } }) };
}

/** A two-way grid where every street is slow at its own rush hours on weekdays: the history says so, the latest observations do not. */
function grid(side: number) {
  const from: string[] = [];
  const to: string[] = [];
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const u = `${r}-${c}`;
      if (c + 1 < side) (from.push(u, `${r}-${c + 1}`), to.push(`${r}-${c + 1}`, u));
      if (r + 1 < side) (from.push(u, `${r + 1}-${c}`), to.push(`${r + 1}-${c}`, u));
    }
  }
  return { from, to };
}

/** Observations every 15 minutes for `days` days: base × (3 at the street's rush hour on weekdays) × noise. */
function history(edges: number, days: number, seed: number) {
  const random = rng(seed);
  const base = Array.from({ length: edges }, () => 1 + 9 * random());
  const rush = Array.from({ length: edges }, () => Math.floor(random() * 24));
  const edge: number[] = [];
  const value: number[] = [];
  const time: number[] = [];
  for (let t = T0; t < T0 + days * DAY; t += 15 * 60_000) {
    const hour = new Date(t).getUTCHours();
    const weekday = new Date(t).getUTCDay() % 6 !== 0;
    for (let e = 0; e < edges; e++) {
      edge.push(e);
      value.push(base[e] * (weekday && hour === rush[e] ? 3 : 1) * Math.exp(0.1 * (random() - 0.5)));
      time.push(t);
    }
  }
  return { edge, value, time };
}

async function registered(graphs: StoredGraphs, id: string, days = 21) {
  const { from, to } = grid(4);
  await graphs.register(OPEN_TENANT, id, { graph: { directed: true, edges: { from, to } } }, undefined);
  await graphs.ingest(OPEN_TENANT, id, { observations: history(from.length, days, 7) });
  return from.length;
}

async function finished(app: ReturnType<typeof createApp>, location: string) {
  for (;;) {
    const res = await request(app).get(location);
    if (res.body.job.state === 'done' || res.body.job.state === 'failed') return res;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a fit, over HTTP', () => {
  test('POST /fit is 202 with the job and its Location; the job runs to done with a report; a second fit while one runs is 409', async () => {
    const { app, graphs } = service();
    await registered(graphs, 'city');
    const started = await request(app).post('/graphs/city/fit').send({});
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ code: 'Ok', job: { id: expect.any(String), state: expect.stringMatching(/queued|running/), progress: expect.any(Number) } });
    expect(started.headers.location).toBe(`/graphs/city/fit/${started.body.job.id}`);
    expectMatchesSchema('fit-job.json', started.body);
    const again = await request(app).post('/graphs/city/fit').send({});
    expect([again.status, again.body.code]).toEqual([409, 'Conflict']);
    const done = await finished(app, started.headers.location);
    expect(done.body.job).toMatchObject({ state: 'done', progress: 1 });
    expectMatchesSchema('fit-job.json', done.body);
    const card = await request(app).get('/graphs/city/model');
    expect(card.status).toBe(200);
    expectMatchesSchema('graph-model.json', card.body);
    expect(card.body.report).toEqual(done.body.job.report);
    await graphs.fitsIdle();
  });

  test('the model card compares the candidates on the held-out slice and the chosen one is the best of them (the regression only if it beat every classical one)', async () => {
    const { app, graphs } = service();
    await registered(graphs, 'city');
    const done = await finished(app, (await request(app).post('/graphs/city/fit').send({ validationDays: 7 })).headers.location);
    const report = done.body.job.report;
    expect(report.validation).toMatchObject({ hours: expect.any(Number), metric: 'route regret' });
    // The served encoder, on each edge's latest observations, is a candidate beside the history estimates.
    expect(report.candidates.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['recent', 'same-hour-28d', 'regression', 'encoder']));
    expect(Date.parse(report.validation.from)).toBe(Date.parse(report.data.to) - 7 * DAY + (HOUR - (Date.parse(report.data.to) % HOUR)));
    const classical = report.candidates.filter((c: { name: string }) => c.name !== 'regression');
    const best = Math.min(...classical.map((c: { meanRegret: number }) => c.meanRegret));
    const chosen = report.candidates.find((c: { name: string }) => c.name === report.chosen);
    expect(chosen.meanRegret).toBeLessThanOrEqual(best);
    // The history has weekday rush hours: an estimate that knows the hour beats the last hour's mean.
    const recent = report.candidates.find((c: { name: string }) => c.name === 'recent');
    expect(chosen.meanRegret).toBeLessThan(recent.meanRegret);
    await graphs.fitsIdle();
  });

  test('unknown graphs, jobs and kinds are problems with codes; no model yet is ModelNotFitted; a fit without enough history fails and says why', async () => {
    const { app, graphs } = service();
    expect((await request(app).post('/graphs/nope/fit').send({})).body.code).toBe('GraphNotFound');
    await registered(graphs, 'short', 5);
    expect((await request(app).get('/graphs/short/model')).body.code).toBe('ModelNotFitted');
    expect((await request(app).get('/graphs/short/fit/not-a-job')).body.code).toBe('FitNotFound');
    expect((await request(app).get('/graphs/short/model?kind=speed')).body).toMatchObject({ code: 'InvalidInput', errors: [{ pointer: '/kind' }] });
    const bad = await request(app).post('/graphs/short/fit').send({ validationDays: 0 });
    expect(bad.body).toMatchObject({ code: 'InvalidInput', errors: [{ pointer: '/validationDays' }] });
    const done = await finished(app, (await request(app).post('/graphs/short/fit').send({})).headers.location);
    expect(done.body.job).toMatchObject({ state: 'failed', error: expect.stringMatching(/at least 14 days of history/) });
    expect((await request(app).get('/graphs/short/model')).body.code).toBe('ModelNotFitted');
  });
});

describe('answers on a fitted model', () => {
  test('a route at `at` uses the chosen estimator for that local hour, names it with its validation figures, and reads only the past: a planted future outlier changes nothing', async () => {
    const { app, graphs } = service();
    const edges = await registered(graphs, 'city');
    await finished(app, (await request(app).post('/graphs/city/fit').send({})).headers.location);
    const at = new Date(T0 + 15 * DAY + 8 * HOUR + 20 * 60_000).toISOString();
    const before = await request(app).post('/graphs/city/route').send({ source: '0-0', target: '3-3', at });
    expect(before.status).toBe(200);
    expect(before.body.solver.estimator).toMatchObject({ name: expect.any(String), hour: new Date(T0 + 15 * DAY + 8 * HOUR).toISOString(), validation: { meanRegret: expect.any(Number) } });
    expect(before.body.solver.algorithm).toMatch(/fitted/);
    expectMatchesSchema('route-response.json', { ...before.body, graph: undefined, unusableEdges: undefined });
    // Huge values on every edge, an hour after `at`: the past did not change, so neither does the answer.
    await graphs.ingest(OPEN_TENANT, 'city', { observations: { edge: Array.from({ length: edges }, (_, e) => e), value: Array(edges).fill(1e6), time: Array(edges).fill(T0 + 15 * DAY + 9 * HOUR + 5 * 60_000) } });
    const after = await request(app).post('/graphs/city/route').send({ source: '0-0', target: '3-3', at });
    expect([after.body.distance, after.body.path]).toEqual([before.body.distance, before.body.path]);
    // estimate: latest answers as before any fit, on the latest observations up to `at`.
    const latest = await request(app).post('/graphs/city/route').send({ source: '0-0', target: '3-3', at, estimate: 'latest' });
    expect(latest.body.solver.estimator).toBeUndefined();
    await graphs.fitsIdle();
  });

  test('the same history and seed give the same fit, and a failed refit leaves the previous model serving', async () => {
    const { app, graphs, store } = service();
    await registered(graphs, 'city');
    const first = (await finished(app, (await request(app).post('/graphs/city/fit').send({ seed: 3 })).headers.location)).body.job.report;
    const second = (await finished(app, (await request(app).post('/graphs/city/fit').send({ seed: 3 })).headers.location)).body.job.report;
    expect({ ...second, fittedAt: undefined }).toEqual({ ...first, fittedAt: undefined });
    const kept = await store.model(OPEN_TENANT, 'city', 'cost');
    const failed = (await finished(app, (await request(app).post('/graphs/city/fit').send({ validationDays: 60 })).headers.location)).body.job;
    expect(failed.state).toBe('failed');
    expect(await store.model(OPEN_TENANT, 'city', 'cost')).toEqual(kept);
  });
});

describe('local time', () => {
  test('a graph may declare its IANA time zone; an unknown one is a 400 at /timeZone', async () => {
    const { app } = service();
    const bad = await request(app).put('/graphs/x').send({ graph: { edges: [{ from: 'a', to: 'b' }] }, timeZone: 'Mars/Olympus' });
    expect(bad.body).toMatchObject({ code: 'InvalidInput', errors: [{ pointer: '/timeZone' }] });
    expect((await request(app).put('/graphs/x').send({ graph: { edges: [{ from: 'a', to: 'b' }] }, timeZone: 'Europe/Copenhagen' })).status).toBe(201);
    const clock = new LocalClock('Europe/Copenhagen');
    // Copenhagen is UTC+2 in summer and UTC+1 in winter: 06:00 UTC is local hour 8 in August, 7 in December.
    expect(clock.hourOf(Date.UTC(2014, 7, 4, 6)) % 24).toBe(8);
    expect(clock.hourOf(Date.UTC(2026, 11, 2, 6)) % 24).toBe(7);
    expect(clock.startOf(clock.hourOf(Date.UTC(2014, 7, 4, 6, 30)))).toBe(Date.UTC(2014, 7, 4, 6));
  });

  test('the fit itself is a pure function: with a history too short it throws, never guesses', async () => {
    const input = { kind: 'cost' as const, nodes: 2, directed: true, from: Int32Array.of(0), to: Int32Array.of(1), known: Float64Array.of(NaN), series: { start: Int32Array.of(0, 1), times: Float64Array.of(T0), values: Float64Array.of(1) }, timeZone: 'UTC', options: DEFAULT_FIT_OPTIONS, fittedAt: T0 };
    await expect(fit(input)).rejects.toThrow(/at least 14 days/);
  });
});

describe('capacities and the CLI', () => {
  test('a capacity history fits too (cut regret), and a stored max flow at `at` uses it', async () => {
    const { app, graphs } = service();
    const { from, to } = grid(3);
    await graphs.register(OPEN_TENANT, 'pipes', { graph: { directed: true, edges: { from, to } } }, undefined);
    await graphs.ingest(OPEN_TENANT, 'pipes', { kind: 'capacity', observations: history(from.length, 21, 11) });
    const done = await finished(app, (await request(app).post('/graphs/pipes/fit').send({ kind: 'capacity' })).headers.location);
    expect(done.body.job).toMatchObject({ state: 'done', report: { kind: 'capacity', validation: { metric: 'cut regret' } } });
    expect((await request(app).get('/graphs/pipes/model?kind=capacity')).body.report.chosen).toBe(done.body.job.report.chosen);
    const flow = await request(app).post('/graphs/pipes/maxflow').send({ source: '0-0', sink: '2-2', at: T0 + 20 * DAY + 3 * HOUR });
    expect(flow.status).toBe(200);
    expect(flow.body.solver.estimator).toMatchObject({ name: done.body.job.report.chosen });
    await graphs.fitsIdle();
  });

  test('narsolve fit <graphId> runs the fit on the data folder and prints the finished job; graphs model prints the card', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'narsolve-fit-cli-'));
    const { openGraphs } = await import('../src/index');
    const { runCli } = await import('../src/cli');
    const library = await openGraphs({ dataDir: dir, limits: { maxObservationBatch: 1_000_000 } });
    const { from, to } = grid(3);
    await library.put('net', { graph: { directed: true, edges: { from, to } } });
    await library.observe('net', { observations: history(from.length, 16, 5) });
    await library.close();
    const previous = process.env.NARSOLVE_DATA_DIR;
    process.env.NARSOLVE_DATA_DIR = dir;
    try {
      let printed = '';
      expect(await runCli(['fit', 'net'], (text) => (printed += text))).toBe(0);
      expect(JSON.parse(printed)).toMatchObject({ code: 'Ok', job: { state: 'done', report: { chosen: expect.any(String) } } });
      printed = '';
      expect(await runCli(['graphs', 'model', 'net'], (text) => (printed += text))).toBe(0);
      expect(JSON.parse(printed)).toMatchObject({ code: 'Ok', graphId: 'net', kind: 'cost', stale: false });
    } finally {
      if (previous === undefined) delete process.env.NARSOLVE_DATA_DIR;
      else process.env.NARSOLVE_DATA_DIR = previous;
    }
  });
});
