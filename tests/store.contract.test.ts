/**
 * The store contract, told once and checked on both stores: the embedded one (LMDB) and Redis (a
 * real redis-server on a loopback port of its own, skipped loudly where none is installed unless
 * NARSOLVE_REQUIRE_REDIS=1). Bodies and batches bigger than Redis's 1 MiB chunks come back
 * byte for byte; preconditions hold; pruning counts what it drops; a delete leaves nothing behind;
 * a model of a deleted and recreated graph is refused; a fit job's lease lapses when nobody renews it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { redisAvailable, startRedis, type LocalRedis } from '../generators/redis';
import { EmbeddedStore } from '../src/store/embedded';
import { RedisStore } from '../src/store/redis';
import { PreconditionFailed, QuotaRefused, type GraphStore, type StoredGraphBody } from '../src/store/types';

const required = process.env.NARSOLVE_REQUIRE_REDIS === '1';
const withRedis = redisAvailable() || required;
if (!withRedis) console.warn('store contract on Redis skipped: no redis-server (apt-get install redis-server)');

let redis: LocalRedis | undefined;
const opened: GraphStore[] = [];
beforeAll(async () => {
  if (withRedis) redis = await startRedis();
});
afterAll(async () => {
  for (const store of opened) await store.close();
  await redis?.stop();
});

const STORES: [string, () => GraphStore][] = [
  ['embedded', () => new EmbeddedStore(mkdtempSync(join(tmpdir(), 'narsolve-contract-')))],
  ...(withRedis ? [['redis', () => new RedisStore(redis!.url, { prefix: `contract:${randomUUID()}:` })] as [string, () => GraphStore]] : []),
];

function open(make: () => GraphStore): GraphStore {
  const store = make();
  opened.push(store);
  return store;
}

/** A line graph of m edges: with m = 100,000 its JSON is about 2.5 MB, several Redis chunks. */
function line(m: number): StoredGraphBody {
  return {
    directed: true,
    from: Array.from({ length: m }, (_, i) => i),
    to: Array.from({ length: m }, (_, i) => i + 1),
    weight: Array.from({ length: m }, (_, i) => (i % 7 === 0 ? null : i / 3)),
    capacity: Array.from({ length: m }, () => null),
  } as unknown as StoredGraphBody;
}

const ROOMY = { maxGraphs: 1_000, maxBytes: Number.MAX_SAFE_INTEGER };
const put = (store: GraphStore, id: string, body: StoredGraphBody, expected?: Parameters<GraphStore['put']>[3]['expected'], now = 1_000, quota = ROOMY) =>
  store.put('t', id, body, { expected, retentionDays: 30, bytes: JSON.stringify(body).length, now, quota });

describe.each(STORES)('the %s store', (_name, make) => {
  test('a body of several MiB comes back equal; replacing keeps the history and moves the version', async () => {
    const store = open(make);
    const body = line(100_000);
    const { meta, created } = await put(store, 'g', body, { absent: true });
    expect([created, meta.version, meta.edges, meta.epoch]).toEqual([true, 1, 100_000, 0]);
    expect(await store.body('t', 'g')).toEqual(body);
    await store.append('t', 'g', { kind: 'cost', edge: Int32Array.from([1, 2]), value: Float64Array.from([5, 6]), time: Float64Array.from([10, 20]) }, { now: 2_000 });
    const smaller = line(10);
    const replaced = await put(store, 'g', smaller, { version: 1 }, 3_000);
    expect([replaced.created, replaced.meta.version, replaced.meta.epoch, replaced.meta.created, replaced.meta.updated]).toEqual([false, 2, 1, 1_000, 3_000]);
    expect(await store.body('t', 'g')).toEqual(smaller);
    expect((await store.batches('t', 'g')).map((b) => b.epoch)).toEqual([1]);
    expect((await store.list('t')).map((m) => m.id)).toEqual(['g']);
    expect((await store.list('t')).map((m) => m.bytes)).toEqual([JSON.stringify(smaller).length]);
    expect(await store.list('other')).toEqual([]);
  });

  test('the tenant\'s quota is checked in the write: racing puts of new graphs store as many as it allows, a replacement needs no new place, and bytes count the other graphs only', async () => {
    const store = open(make);
    const body = line(3);
    const bytes = JSON.stringify(body).length;
    const quota = { maxGraphs: 3, maxBytes: 100 * bytes };
    const racing = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => put(store, `g${i}`, body, undefined, 1_000, quota)));
    expect(racing.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    for (const refused of racing.filter((r) => r.status === 'rejected')) expect((refused as PromiseRejectedResult).reason).toEqual(new QuotaRefused('graphs', 3));
    expect(await store.list('t')).toHaveLength(3);
    const [first] = await store.list('t');
    // Replacing a stored graph takes no new place; its own old bytes do not count against it.
    expect((await put(store, first.id, body, undefined, 2_000, { maxGraphs: 3, maxBytes: 3 * bytes })).created).toBe(false);
    await expect(put(store, first.id, line(6), undefined, 3_000, { maxGraphs: 3, maxBytes: 3 * bytes })).rejects.toEqual(new QuotaRefused('bytes', 2 * bytes));
    expect(await store.body('t', first.id)).toEqual(body);
  });

  test('preconditions: If-None-Match * refuses an existing graph, If-Match a stale version or a missing one', async () => {
    const store = open(make);
    await put(store, 'g', line(3));
    await expect(put(store, 'g', line(3), { absent: true })).rejects.toEqual(new PreconditionFailed(1));
    await expect(put(store, 'g', line(3), { version: 7 })).rejects.toMatchObject({ current: 1 });
    await expect(put(store, 'missing', line(3), { present: true })).rejects.toMatchObject({ current: 0 });
    await expect(store.delete('t', 'g', { version: 2 })).rejects.toMatchObject({ current: 1 });
    expect((await store.get('t', 'g'))?.version).toBe(1);
    await expect(store.append('t', 'missing', { kind: 'cost', edge: new Int32Array(0), value: new Float64Array(0), time: new Float64Array(0) }, { now: 1 })).rejects.toBeInstanceOf(PreconditionFailed);
  });

  test('a batch bigger than a chunk comes back row for row; batches after an epoch; pruning drops whole old batches and counts them', async () => {
    const store = open(make);
    await put(store, 'g', line(1_000));
    const n = 120_000;
    const big = { kind: 'cost' as const, edge: Int32Array.from({ length: n }, (_, i) => i % 1_000), value: Float64Array.from({ length: n }, (_, i) => i * 0.5), time: Float64Array.from({ length: n }, (_, i) => 100 + (i % 50)) };
    const first = await store.append('t', 'g', big, { now: 5 });
    expect([first.epoch, first.observations.count, first.observations.latest]).toEqual([1, n, 149]);
    const late = { kind: 'capacity' as const, edge: Int32Array.from([3]), value: Float64Array.from([9]), time: Float64Array.from([1_000]) };
    expect((await store.append('t', 'g', late, { now: 6 })).epoch).toBe(2);
    const all = await store.batches('t', 'g');
    expect(all.map((b) => [b.epoch, b.kind, b.edge.length])).toEqual([[1, 'cost', n], [2, 'capacity', 1]]);
    expect(Array.from(all[0].edge)).toEqual(Array.from(big.edge));
    expect(Array.from(all[0].value)).toEqual(Array.from(big.value));
    expect(Array.from(all[0].time)).toEqual(Array.from(big.time));
    expect((await store.batches('t', 'g', 1)).map((b) => b.epoch)).toEqual([2]);
    // Only a batch whose every observation is older than the cut goes.
    expect(await store.prune('t', 'g', 149)).toBe(0);
    expect(await store.prune('t', 'g', 150)).toBe(n);
    expect((await store.batches('t', 'g')).map((b) => b.epoch)).toEqual([2]);
    expect((await store.get('t', 'g'))?.observations.count).toBe(1);
  });

  test('a model is stamped when stored, and refused for a graph deleted and registered again meanwhile; a delete leaves nothing', async () => {
    const store = open(make);
    const { meta } = await put(store, 'g', line(3));
    expect(meta.models).toEqual({});
    expect(await store.putModel('t', 'g', 'cost', { graphCreated: meta.created, epoch: 0, report: { chosen: 'mean' } })).toBe(true);
    expect((await store.get('t', 'g'))?.models).toEqual({ cost: 1 });
    expect(await store.model('t', 'g', 'cost')).toEqual({ graphCreated: meta.created, epoch: 0, report: { chosen: 'mean' } });
    expect(await store.model('t', 'g', 'capacity')).toBeUndefined();
    await store.append('t', 'g', { kind: 'cost', edge: Int32Array.from([0]), value: Float64Array.from([1]), time: Float64Array.from([1]) }, { now: 2 });
    expect(await store.delete('t', 'g', undefined)).toBe(true);
    expect(await store.delete('t', 'g', undefined)).toBe(false);
    const again = await put(store, 'g', line(3), undefined, 9_000);
    expect([again.meta.version, again.meta.epoch, again.meta.observations.count]).toEqual([1, 0, 0]);
    expect(await store.model('t', 'g', 'cost')).toBeUndefined();
    expect(await store.batches('t', 'g')).toEqual([]);
    expect(await store.putModel('t', 'g', 'cost', { graphCreated: meta.created, epoch: 0, report: {} })).toBe(false);
  });

  test("a fit job's claim holds while renewed, and lapses when its process stops renewing", async () => {
    const store = open(make);
    const job = { id: 'j1', kind: 'cost' as const, state: 'running' as const, progress: 0.5, created: 'now' };
    expect(await store.jobs.claim('g', job, 400)).toBeUndefined();
    expect(await store.jobs.claim('g', { ...job, id: 'j2' }, 400)).toBe('j1');
    // Another kind of the same graph is free.
    expect(await store.jobs.claim('g', { ...job, id: 'j3', kind: 'capacity' }, 400)).toBeUndefined();
    await store.jobs.save('g', { ...job, progress: 0.7 }, 400);
    expect(await store.jobs.get('g', 'j1')).toMatchObject({ state: 'running', progress: 0.7 });
    await store.jobs.save('g', { ...job, state: 'done', progress: 1 }, 400);
    expect(await store.jobs.claim('g', { ...job, id: 'j4' }, 400)).toBeUndefined();
    // Nobody renews j4: after its lease it is reported failed, and the graph's kind is free again.
    await new Promise((r) => setTimeout(r, 600));
    expect(await store.jobs.get('g', 'j4')).toMatchObject({ state: 'failed', error: expect.stringMatching(/lease lapsed/) });
    expect(await store.jobs.claim('g', { ...job, id: 'j5' }, 400)).toBeUndefined();
    expect(await store.jobs.get('g', 'nothing')).toBeUndefined();
  });
});

test('the embedded store keeps fit jobs across a restart: a finished job reads back as it was, one whose process stopped mid-fit as failed once its lease lapsed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'narsolve-jobs-'));
  const before = new EmbeddedStore(dir);
  const job = { id: 'done-one', kind: 'cost' as const, state: 'queued' as const, progress: 0, created: new Date().toISOString() };
  await before.jobs.claim('t\u0000g', job, 300);
  await before.jobs.save('t\u0000g', { ...job, state: 'done', progress: 1, finished: new Date().toISOString(), report: { chosen: 'mean' } }, 300);
  await before.jobs.claim('t\u0000g', { ...job, id: 'cut-short', kind: 'capacity' }, 300);
  await before.jobs.save('t\u0000g', { ...job, id: 'cut-short', kind: 'capacity', state: 'running', progress: 0.4 }, 300);
  await before.close();

  const after = open(() => new EmbeddedStore(dir));
  expect(await after.jobs.get('t\u0000g', 'done-one')).toMatchObject({ state: 'done', progress: 1, report: { chosen: 'mean' } });
  // Within its lease the job may still be running somewhere: its kind stays claimed.
  expect(await after.jobs.claim('t\u0000g', { ...job, id: 'too-soon', kind: 'capacity' }, 300)).toBe('cut-short');
  await new Promise((r) => setTimeout(r, 400));
  expect(await after.jobs.get('t\u0000g', 'cut-short')).toMatchObject({ state: 'failed', progress: 0.4, error: expect.stringMatching(/lease lapsed/) });
  expect(await after.jobs.claim('t\u0000g', { ...job, id: 'again', kind: 'capacity' }, 300)).toBeUndefined();
  expect(await after.jobs.get('t\u0000g', 'cut-short')).toMatchObject({ state: 'failed' });
  expect(await after.jobs.get('other\u0000g', 'done-one')).toBeUndefined();
  // A fit that finishes after its store closed: its save is a rejection (the fit runner catches those), never a throw.
  const closed = new EmbeddedStore(mkdtempSync(join(tmpdir(), 'narsolve-jobs-')));
  await closed.close();
  let saved: Promise<void> | undefined;
  expect(() => (saved = closed.jobs.save('t\u0000g', job, 300))).not.toThrow();
  await expect(saved).rejects.toThrow(/closed/);
});

(withRedis ? test : test.skip)('a burst of calls before the first connection waits on no more listeners than one call does, and every call is answered', async () => {
  /** The client's 'ready' listeners a turn after `calls` calls started on a store that has not connected yet. */
  const listenersAfter = async (calls: number) => {
    const store = open(() => new RedisStore(redis!.url, { prefix: `contract:${randomUUID()}:` }));
    const answers = Promise.all(Array.from({ length: calls }, (_, i) => store.get('t', `g${i}`)));
    await new Promise((r) => setImmediate(r));
    const count = (store as unknown as { redis: Redis }).redis.listenerCount('ready');
    expect(await answers).toEqual(Array.from({ length: calls }, () => undefined));
    return count;
  };
  expect(await listenersAfter(50)).toBe(await listenersAfter(1));
});

(withRedis ? test : test.skip)('a Redis delete leaves no key of the graph behind, and another prefix never sees it', async () => {
  const prefix = `contract:${randomUUID()}:`;
  const store = open(() => new RedisStore(redis!.url, { prefix }));
  const neighbour = open(() => new RedisStore(redis!.url, { prefix: `contract:${randomUUID()}:` }));
  await put(store, 'g', line(80_000));
  await store.append('t', 'g', { kind: 'cost', edge: Int32Array.from({ length: 60_000 }, (_, i) => i), value: new Float64Array(60_000).fill(1), time: new Float64Array(60_000).fill(1) }, { now: 2 });
  await store.putModel('t', 'g', 'cost', { graphCreated: 1_000, epoch: 1, report: {} });
  expect(await neighbour.get('t', 'g')).toBeUndefined();
  const client = new Redis(redis!.url);
  try {
    const keys = async () => (await client.keys(`${prefix}*`)).sort();
    expect((await keys()).length).toBeGreaterThanOrEqual(6);
    await store.delete('t', 'g', undefined);
    expect(await keys()).toEqual([]);
  } finally {
    client.disconnect();
  }
});
