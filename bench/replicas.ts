/**
 * npm run bench:replicas [-- --seconds 10 --side 30 --city-side 100 --queries 300 --big-side 514]
 *
 * Stored graphs on Redis against the embedded store, measured in one run on loopback with built
 * servers (`node dist/src/server.js`) and a redis-server of the bench's own (append-only file,
 * fsync on every write):
 *  1. query p50/p99 by graph id, one request at a time, through a Redis replica and through an
 *     embedded server, on the same graph and evidence (a side×side street grid whose costs come only
 *     from observations), and the Redis round trip the query path adds (one HGETALL);
 *  2. query throughput (autocannon) on one Redis replica, on two at once, and on the embedded server,
 *     on the small grid and on a city-sized one, with the CPU each request cost the servers, the
 *     client and Redis (so the scaling two replicas can reach on these cores is printed beside it);
 *  3. a graph the size of the New York road graph (264k nodes; a big-side×big-side grid stands in,
 *     the DIMACS file is not on this machine): registration, the first query on a replica that has
 *     never seen it (cold cache), and Redis memory per million stored edges and observations.
 * Not a test: nothing here asserts a time. The client shares the machine's cores with the servers
 * and Redis, so the throughput of two replicas is bounded by what is left to them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { freePort } from '../generators/net';
import { redisAvailable, startRedis } from '../generators/redis';
import { arg } from './args';
import { median, percentile } from './stats';
import { registerObservedGrid } from './storedGrid';

const SERVER = join(__dirname, '..', '..', 'dist', 'src', 'server.js');
const JSON_HEADERS = { 'content-type': 'application/json' };

interface Server {
  readonly base: string;
  readonly child: ChildProcess;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { base, child };
    } catch {
      if (i > 600) throw new Error('a server did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
}

async function send(base: string, path: string, body: unknown, method = 'POST'): Promise<Record<string, any>> {
  const res = await fetch(`${base}${path}`, { method, headers: JSON_HEADERS, body: JSON.stringify(body) });
  const answer = (await res.json()) as Record<string, any>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
  return answer;
}

/** The stored grid of storedGrid.ts, registered through the server at `base`. */
function register(base: string, id: string, side: number) {
  return registerObservedGrid((path, body, method) => send(base, path, body, method), id, side);
}

async function timed(base: string, path: string, body: unknown): Promise<number> {
  const started = performance.now();
  await send(base, path, body);
  return performance.now() - started;
}

/** A server's own CPU seconds and resident memory, from its /metrics. */
async function processStats(base: string): Promise<{ cpu: number; rss: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { cpu: read('narsolve_process_cpu_seconds_total'), rss: read('narsolve_process_resident_memory_bytes') };
}

async function redisCpu(client: Redis): Promise<number> {
  const info = await client.info('cpu');
  return Number(/used_cpu_user:([0-9.]+)/.exec(info)![1]) + Number(/used_cpu_sys:([0-9.]+)/.exec(info)![1]);
}

interface Throughput {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** CPU milliseconds per answered request: the servers', this client's (autocannon) and Redis's. */
  cpuMs: { servers: number; client: number; redis: number };
}

async function throughput(targets: { base: string; connections: number }[], seconds: number, path: string, body: unknown, client: Redis): Promise<Throughput> {
  const before = await Promise.all(targets.map(({ base }) => processStats(base)));
  const redisBefore = await redisCpu(client);
  const clientBefore = process.cpuUsage();
  const runs = await Promise.all(targets.map(({ base, connections }) => autocannon({ url: `${base}${path}`, method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body), connections, duration: seconds })));
  const clientUsed = process.cpuUsage(clientBefore);
  const redisUsed = (await redisCpu(client)) - redisBefore;
  const after = await Promise.all(targets.map(({ base }) => processStats(base)));
  const answered = runs.reduce((total, run) => total + run.requests.total, 0);
  const perRequest = (seconds: number) => (seconds * 1000) / answered;
  return {
    rps: runs.reduce((total, run) => total + run.requests.average, 0),
    p50: Math.max(...runs.map((run) => run.latency.p50)),
    p99: Math.max(...runs.map((run) => run.latency.p99)),
    non2xx: runs.reduce((total, run) => total + run.non2xx, 0),
    cpuMs: {
      servers: perRequest(after.reduce((total, stats, i) => total + stats.cpu - before[i].cpu, 0)),
      client: perRequest((clientUsed.user + clientUsed.system) / 1e6),
      redis: perRequest(redisUsed),
    },
  };
}

async function redisMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

async function main(): Promise<void> {
  if (!redisAvailable()) {
    console.error('bench:replicas needs redis-server (apt-get install redis-server, or scripts/redis-deps.sh); nothing measured');
    process.exit(1);
  }
  const seconds = Number(arg('seconds', '10'));
  const side = Number(arg('side', '30'));
  const queries = Number(arg('queries', '300'));
  const bigSide = Number(arg('big-side', '514'));
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const dir = mkdtempSync(join(tmpdir(), 'narsolve-bench-replicas-'));
  const big = { NARSOLVE_MAX_OBSERVATION_BATCH: '1000000', NARSOLVE_GRAPH_CACHE: '4' };
  const embedded = await startServer({ NARSOLVE_DATA_DIR: dir, ...big });
  const one = await startServer({ NARSOLVE_STORE: redis.url, ...big });
  const two = await startServer({ NARSOLVE_STORE: redis.url, ...big });
  try {
    // 1. Latency, one request at a time.
    const grid = await register(embedded.base, 'grid', side);
    await register(one.base, 'grid', side);
    const corner = side * side - 1;
    const query = { source: 0, target: corner, solver: 'classical' };
    console.log(`grid ${side}×${side}: ${grid.nodes} nodes, ${grid.edges} edges, costs only from observations (3 an edge)\n`);
    for (let i = 0; i < 30; i++) {
      await timed(embedded.base, '/graphs/grid/route', query);
      await timed(one.base, '/graphs/grid/route', query);
      await timed(two.base, '/graphs/grid/route', query);
    }
    const onEmbedded: number[] = [];
    const onRedis: number[] = [];
    for (let i = 0; i < queries; i++) {
      onEmbedded.push(await timed(embedded.base, '/graphs/grid/route', query));
      onRedis.push(await timed(one.base, '/graphs/grid/route', query));
    }
    const checks: number[] = [];
    for (let i = 0; i < queries; i++) {
      const started = performance.now();
      await client.hgetall('narsolve:g:open:grid');
      checks.push(performance.now() - started);
    }
    const ratio = median(onRedis) / median(onEmbedded);
    console.log('| 1. query by id, one at a time | p50 | p99 |');
    console.log('|---|---|---|');
    console.log(`| embedded store | ${median(onEmbedded).toFixed(2)} ms | ${percentile(onEmbedded, 99).toFixed(2)} ms |`);
    console.log(`| Redis replica | ${median(onRedis).toFixed(2)} ms | ${percentile(onRedis, 99).toFixed(2)} ms |`);
    console.log(`| Redis / embedded | ${ratio.toFixed(2)}× | |`);
    console.log(`| the version check alone (one HGETALL from this process) | ${median(checks).toFixed(3)} ms | ${percentile(checks, 99).toFixed(3)} ms |\n`);

    // 2. Throughput, on the small grid and on a city-sized one (more work per query, the same client cost).
    const city = Number(arg('city-side', '100'));
    const cityGrid = await register(one.base, 'city', city);
    await register(embedded.base, 'city', city);
    const cores = (await import('node:os')).availableParallelism();
    console.log(`| 2. throughput, ${seconds} s, 16 connections (${cores} cores shared by client, servers and Redis) | req/s | p50 | p99 | non-2xx | CPU ms a request: servers / client / Redis |`);
    console.log('|---|---|---|---|---|---|');
    const scaling: string[] = [];
    for (const [name, id, size] of [[`${side}×${side} grid (${grid.edges} edges)`, 'grid', side], [`${city}×${city} grid (${cityGrid.edges} edges)`, 'city', city]] as const) {
      const path = `/graphs/${id}/route`;
      const body = { source: 0, target: size * size - 1, solver: 'classical' };
      await throughput([{ base: one.base, connections: 4 }, { base: two.base, connections: 4 }], 2, path, body, client);
      const single = await throughput([{ base: one.base, connections: 16 }], seconds, path, body, client);
      const pair = await throughput([{ base: one.base, connections: 8 }, { base: two.base, connections: 8 }], seconds, path, body, client);
      const local = await throughput([{ base: embedded.base, connections: 16 }], seconds, path, body, client);
      for (const [label, run] of [['one Redis replica', single], ['two Redis replicas', pair], ['embedded server', local]] as const) {
        console.log(`| ${name}: ${label} | ${Math.round(run.rps)} | ${run.p50} ms | ${run.p99} ms | ${run.non2xx} | ${run.cpuMs.servers.toFixed(2)} / ${run.cpuMs.client.toFixed(2)} / ${run.cpuMs.redis.toFixed(3)} |`);
      }
      // One replica is bound by its one thread; two by the cores left once the client and Redis take theirs.
      const bound = Math.min(2, (cores * single.cpuMs.servers) / (pair.cpuMs.servers + pair.cpuMs.client + pair.cpuMs.redis));
      scaling.push(`${name}: two replicas / one = ${(pair.rps / single.rps).toFixed(2)}× (the most these cores allow with this client: ${bound.toFixed(2)}×); ${Math.round(1000 / single.cpuMs.servers)} req/s per server core`);
    }
    console.log('');
    for (const line of scaling) console.log(`- ${line}`);
    console.log('');

    // 3. A graph the size of New York's.
    const before = await redisMemory(client);
    const bigGraph = await register(one.base, 'big', bigSide);
    const after = await redisMemory(client);
    const bodyBytes = Number(await client.hget('narsolve:g:open:big', 'bytes'));
    const bigEmbedded = await register(embedded.base, 'big', bigSide);
    const far = bigSide * bigSide - 1;
    const bigQuery = { source: 0, target: far, solver: 'classical' };
    const cold = await startServer({ NARSOLVE_STORE: redis.url, ...big });
    const idleRss = (await processStats(cold.base)).rss;
    const coldMs = await timed(cold.base, '/graphs/big/route', bigQuery);
    const warm: number[] = [];
    for (let i = 0; i < 3; i++) warm.push(await timed(cold.base, '/graphs/big/route', bigQuery));
    const warmMs = median(warm);
    const loadedRss = (await processStats(cold.base)).rss;
    await stop(cold);
    const coldLocal = await startServer({ NARSOLVE_DATA_DIR: dir, ...big });
    const coldLocalMs = await timed(coldLocal.base, '/graphs/big/route', bigQuery);
    await stop(coldLocal);
    const observations = bigGraph.edges * 3;
    console.log(`| 3. ${bigSide}×${bigSide} grid: ${bigGraph.nodes} nodes, ${bigGraph.edges} edges, ${observations} observations | Redis | embedded |`);
    console.log('|---|---|---|');
    console.log(`| PUT (register) | ${(bigGraph.registerMs / 1000).toFixed(2)} s | ${(bigEmbedded.registerMs / 1000).toFixed(2)} s |`);
    console.log(`| observations, in batches of 500,000 rows | ${(bigGraph.ingestMs / 1000).toFixed(2)} s | ${(bigEmbedded.ingestMs / 1000).toFixed(2)} s |`);
    console.log(`| first query on a server that never loaded it (cold cache) | ${(coldMs / 1000).toFixed(2)} s | ${(coldLocalMs / 1000).toFixed(2)} s |`);
    console.log(`| then warm (median of 3) | ${warmMs.toFixed(0)} ms | |`);
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    console.log(`| Redis memory for it (the body is ${mib(bodyBytes)} MiB of JSON; observations 20 bytes a row) | ${mib(after - before)} MiB | |`);
    console.log(`| a replica's memory once it has answered on it (its cache: body, history, compact graph) | ${mib(loadedRss - idleRss)} MiB more than idle (${mib(idleRss)} MiB) | |`);
    console.log(`\nPer million stored edges with three observations each: Redis ${((after - before) / 2 ** 20 / (bigGraph.edges / 1e6)).toFixed(0)} MiB, a replica's cache ${((loadedRss - idleRss) / 2 ** 20 / (bigGraph.edges / 1e6)).toFixed(0)} MiB.`);
  } finally {
    await Promise.all([embedded, one, two].map(stop));
    client.disconnect();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
