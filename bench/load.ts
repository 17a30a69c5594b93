/**
 * Load and faults against the built server, on loopback only, bounded in count and time
 * (`npm run bench:load -- --seconds 30 --rounds 3`; `-- --only crash` or `-- --only hostile` runs one scenario). Starts its own `dist/src/server.js` and reports:
 *  1. a mixed load (autocannon, 10 connections) with 10% bad requests: req/s, p50, p99, non-2xx, 5xx;
 *  2. /healthz latency while a 1M-edge route is solved, against /healthz idle in the same run;
 *  3. 100 concurrent noisy routes in a band the policy serves with the encoder: how many the queue took, p99;
 *  4. 100 concurrent mid-size routes (224 KB bodies): /healthz p99 and max meanwhile;
 *  5. the server's RSS at start and after each round of 1–4;
 *  6. stored graphs under a crash: writers and readers on one stored graph for `--crash-seconds`,
 *     the server killed with SIGKILL halfway and restarted on the same data folder: acknowledged
 *     batches lost (target 0), 5xx outside the restart (target 0), /healthz p99 (target ≤ 100 ms);
 *  7. hostile bodies: 8 compressed bombs at once (255 KB of gzip inflating to 250 MB) and 50 slow
 *     clients (headers and bodies that never finish), on a server with 2 s / 4 s receive timeouts:
 *     how each is answered, /healthz p99 meanwhile, and RSS before and after;
 *  8. a big stored graph (`--stored-side` 514: a 514×514 street grid, about 940,000 edges, three
 *     observations each) queried cold (its first query loads it from the store) and then warm, by
 *     two clients at once: /healthz p99 and max meanwhile, with NARSOLVE_OFFLOAD_EDGES as set
 *     (`-- --only stored` runs it alone; NARSOLVE_OFFLOAD_EDGES=100000000 to see it on the event loop).
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg } from './args';
import { percentile } from './stats';
import { gridEdges, randomWeightedGraph } from '../generators/graphs';
import { freePort } from '../generators/net';
import { startProbe } from './probe';
import { registerObservedGrid } from './storedGrid';

// The production build, as operators run it (npm run bench:load builds it first).
const SERVER = join(__dirname, '..', '..', 'dist', 'src', 'server.js');


async function rssMb(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const bytes = Number(/^narsolve_process_resident_memory_bytes (\S+)/m.exec(text)?.[1]);
  return Math.round(bytes / 1e6);
}

const small = { graph: { edges: [{ from: 'a', to: 'b', weight: 2 }, { from: 'b', to: 'c', weight: 3 }, { from: 'a', to: 'c', weight: 9 }] }, source: 'a', target: 'c' };
const flow = { graph: { edges: [{ from: 's', to: 'a', capacity: 3 }, { from: 'a', to: 't', capacity: 2 }, { from: 's', to: 't', capacity: 1 }] }, source: 's', sink: 't' };
const noisy = { graph: { edges: [{ from: 'a', to: 'b', observations: [2, 2.4, null] }, { from: 'b', to: 'c', observations: [3, 30] }, { from: 'a', to: 'c', observations: [9] }] }, source: 'a', target: 'c' };
// Several observations an edge, moderately spread: a band where the routes policy serves the encoder, so each of these queues an inference.
const noisyEncoded = { graph: { edges: [{ from: 'a', to: 'b', observations: [2, 2.4, 2.2, 1.9] }, { from: 'b', to: 'c', observations: [3, 30, 3.3, 2.8] }, { from: 'a', to: 'c', observations: [9, 8, 11, 10] }] }, source: 'a', target: 'c' };
const mid = { graph: { edges: gridEdges(32, 5) }, source: 0, target: 32 * 32 - 1, solver: 'classical' };
const medium = { graph: { edges: randomWeightedGraph(2000, 10_000, 7).map((e) => ({ from: e.from, to: e.to, weight: e.weight })) }, source: 0 };

async function main(): Promise<void> {
  // --only crash | hostile runs that scenario alone.
  const only = arg('only', '');
  if (only === 'crash') return crashScenario(Number(arg('crash-seconds', '20')));
  if (only === 'hostile') return hostileScenario();
  if (only === 'stored') return storedScenario(Number(arg('stored-side', '514')));
  const seconds = Number(arg('seconds', '30'));
  const bigEdges = Number(arg('big-edges', '1000000'));
  const rounds = Number(arg('rounds', '3'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = await started(port, {});
  const rssBefore = await rssMb(base);
  console.log(`narsolve load bench: server pid ${child.pid} on ${base}; RSS at start ${rssBefore} MB`);

  // The same three scenarios, round after round: RSS after each round shows whether memory levels off.
  const rssAfterRounds: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    // 1. Mixed load: nine valid requests and one bad one in every ten (the bad one cycles through four faults).
    const json = { 'content-type': 'application/json' };
    const post = (path: string, body: unknown) => ({ method: 'POST' as const, path, headers: json, body: JSON.stringify(body) });
    const faults = [
      { path: '/route', headers: json, body: '{"graph":' },
      { path: '/route', headers: json, body: JSON.stringify({ graph: { edges: [{ from: 'a', to: 'b', weight: 'x' }] }, source: 'a' }) },
      { path: '/route', headers: { ...json, 'content-encoding': 'gzip' }, body: JSON.stringify(small) },
      { path: '/maxflow', headers: json, body: JSON.stringify({ graph: { edges: [{ from: 's', to: 't', capacity: 1 }] }, source: 's', sink: 'nowhere' }) },
    ];
    let faultsSent = 0;
    const load = await autocannon({
      url: base,
      connections: 10,
      duration: seconds,
      requests: [
        post('/route', small), post('/maxflow', flow), post('/route', noisy), post('/route', medium), post('/route', { ...small, solver: 'classical' }),
        post('/route', small), post('/maxflow', { ...flow, solver: 'classical' }), post('/route', noisy), post('/route', small),
        { method: 'POST', setupRequest: (req) => ({ ...req, ...faults[faultsSent++ % faults.length] }) },
      ],
    });
    const statuses = Object.fromEntries(Object.entries(load.statusCodeStats ?? {}).map(([code, s]) => [code, (s as { count: number }).count]));
    const fivexx = Object.entries(statuses).filter(([code]) => code.startsWith('5')).reduce((sum, [, n]) => sum + n, 0);
    console.log(`\n[round ${round}] 1. mixed load, ${seconds} s, 10 connections, 1 request in 10 bad (malformed JSON, a bad weight, a false gzip header, an unknown sink)`);
    console.log(`   ${Math.round(load.requests.average)} req/s; latency p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms, max ${load.latency.max} ms`);
    console.log(`   answers by status: ${JSON.stringify(statuses)}; non-2xx ${load.non2xx}; 5xx ${fivexx}; errors ${load.errors}, timeouts ${load.timeouts}`);

    // 2. /healthz while a big route is solved, against /healthz idle (probed from a thread of its own, see probe.ts).
    /** /healthz latencies while `work` runs (started once the probe thread is probing), and its result. */
    const probeDuring = async <T>(work: () => Promise<T>): Promise<{ result: T; times: number[] }> => {
      const probing = startProbe(`${base}/healthz`);
      await probing.ready;
      const result = await work();
      return { result, times: (await probing.stop()).times };
    };
    const idle = (await probeDuring(() => new Promise((resolve) => setTimeout(resolve, 1000)))).times;
    const big = randomWeightedGraph(Math.round(bigEdges / 4), bigEdges, 11);
    // Edge objects (the form most clients send, and the slower one to parse) and no target: the whole tree.
    const bigBody = JSON.stringify({ graph: { edges: big.map((e) => ({ from: e.from, to: e.to, weight: e.weight })) }, source: 0 });
    let t0 = 0;
    const { result: answer, times: during } = await probeDuring(() => {
      t0 = performance.now();
      return fetch(`${base}/route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bigBody }).then((r) => r.json() as Promise<{ code: string; timingsMs: { total: number } }>);
    });
    const wall = performance.now() - t0;
    const idleMax = Math.max(...idle);
    const duringMax = Math.max(...during);
    console.log(`\n[round ${round}] 2. /healthz during a ${bigEdges.toLocaleString('en')}-edge route (edge objects, whole tree, ${(bigBody.length / 1e6).toFixed(0)} MB; answered ${answer.code} in ${Math.round(wall)} ms wall, ${Math.round(answer.timingsMs.total)} ms in the service)`);
    console.log(`   idle: ${idle.length} probes, max ${idleMax.toFixed(1)} ms; during: ${during.length} probes, max ${duringMax.toFixed(1)} ms (${(duringMax / idleMax).toFixed(0)}× idle; target ≤ 100 ms)`);

    // 3. 100 concurrent noisy routes: the encoder's queue takes what it can; auto answers the rest classically.
    const { result: burst, times: healthDuringBurst } = await probeDuring(() =>
      Promise.all(
        Array.from({ length: 100 }, async () => {
          const t = performance.now();
          const r = (await (await fetch(`${base}/route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(noisyEncoded) })).json()) as { solver: { used: string; fallbackReason?: string } };
          return { ms: performance.now() - t, used: r.solver.used, busy: /busy/.test(r.solver.fallbackReason ?? '') };
        }),
      ),
    );
    const learnedCount = burst.filter((b) => b.used === 'learned').length;
    const busyCount = burst.filter((b) => b.busy).length;
    const ms = burst.map((b) => b.ms);
    console.log(`\n[round ${round}] 3. 100 concurrent noisy routes (solver auto): ${learnedCount} answered by the encoder, ${busyCount} classically because the queue was full; p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms; /healthz meanwhile: ${healthDuringBurst.length} probes, max ${Math.max(...healthDuringBurst).toFixed(1)} ms`);

    // 4. 100 concurrent mid-size routes (a 32×32 grid, 3,968 arcs, about 224 KB each, classical): /healthz meanwhile.
    const midBody = JSON.stringify(mid);
    const { result: mids, times: healthDuringMid } = await probeDuring(() =>
      Promise.all(
        Array.from({ length: 100 }, async () => {
          const t = performance.now();
          const res = await fetch(`${base}/route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: midBody });
          await res.arrayBuffer();
          return { ms: performance.now() - t, status: res.status };
        }),
      ),
    );
    const midMs = mids.map((m) => m.ms);
    console.log(`\n[round ${round}] 4. 100 concurrent mid-size routes (${(midBody.length / 1e3).toFixed(0)} KB each, classical; NARSOLVE_OFFLOAD_BYTES ${process.env.NARSOLVE_OFFLOAD_BYTES ?? 'default'}): ${mids.filter((m) => m.status === 200).length} answered 200; p50 ${percentile(midMs, 50).toFixed(0)} ms, p99 ${percentile(midMs, 99).toFixed(0)} ms, all done in ${Math.max(...midMs).toFixed(0)} ms; /healthz meanwhile: ${healthDuringMid.length} probes, p99 ${percentile(healthDuringMid, 99).toFixed(1)} ms, max ${Math.max(...healthDuringMid).toFixed(1)} ms (target ≤ 100 ms)`);

    rssAfterRounds.push(await rssMb(base));
  }
  console.log(`\n5. RSS: ${rssBefore} MB at start; after each round ${rssAfterRounds.map((mb) => `${mb} MB`).join(', ')} (last/first round ${(rssAfterRounds[rssAfterRounds.length - 1] / rssAfterRounds[0]).toFixed(2)}×)`);
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  console.log(`   SIGTERM: the server exited with status ${code}`);
  await crashScenario(Number(arg('crash-seconds', '20')));
  await hostileScenario();
  await storedScenario(Number(arg('stored-side', '514')));
}

/** 8. /healthz while a big stored graph is loaded cold and queried. */
async function storedScenario(side: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'narsolve-load-stored-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const json = { 'content-type': 'application/json' };
  const send = async (path: string, body: unknown, method = 'POST') => {
    const res = await fetch(`${base}${path}`, { method, headers: json, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${(await res.text()).slice(0, 200)}`);
    return res.json() as Promise<Record<string, any>>;
  };
  // Registered and observed through one server, queried through a fresh one: its first query loads the graph cold.
  let child = await started(port, { NARSOLVE_DATA_DIR: dir });
  // Registering it (a 40 MB PUT) and streaming its observations (batches of 450,000 rows) are probed too.
  const writing = startProbe(`${base}/healthz`);
  await writing.ready;
  const { edges, registerMs, ingestMs } = await registerObservedGrid(send, 'big', side, 450_000);
  const written = (await writing.stop()).times;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  child = await started(port, { NARSOLVE_DATA_DIR: dir });
  const query = { source: 0, target: side * side - 1, solver: 'classical' };
  const probing = startProbe(`${base}/healthz`);
  await probing.ready;
  const started2 = performance.now();
  const cold = await Promise.all([send('/graphs/big/route', query), send('/graphs/big/route', query)]);
  const coldMs = performance.now() - started2;
  const warm: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await Promise.all([send('/graphs/big/route', query), send('/graphs/big/route', query)]);
    warm.push(performance.now() - t);
  }
  const { times } = await probing.stop();
  console.log(
    `\n8. a stored graph of ${edges} edges (${edges * 3} observations), NARSOLVE_OFFLOAD_EDGES ${process.env.NARSOLVE_OFFLOAD_EDGES ?? 'default'}: ` +
      `the first two queries (cold) ${(coldMs / 1000).toFixed(2)} s, distance ${cold[0].distance}; then pairs of warm queries p50 ${percentile(warm, 50).toFixed(0)} ms; ` +
      `/healthz meanwhile: ${times.length} probes, p99 ${percentile(times, 99).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms (target ≤ 100 ms)`,
  );
  console.log(
    `   registering it (PUT ${(registerMs / 1000).toFixed(2)} s) and streaming its observations (${(ingestMs / 1000).toFixed(2)} s): ` +
      `/healthz meanwhile: ${written.length} probes, p99 ${percentile(written, 99).toFixed(1)} ms, max ${Math.max(...written).toFixed(1)} ms (target ≤ 100 ms)`,
  );
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}

/** 7. Compressed bombs and slow clients against a server with short receive timeouts. */
async function hostileScenario(): Promise<void> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = await started(port, { NARSOLVE_HEADERS_TIMEOUT_MS: '2000', NARSOLVE_REQUEST_TIMEOUT_MS: '4000', NARSOLVE_DATA_DIR: mkdtempSync(join(tmpdir(), 'narsolve-load-hostile-')) });
  const rssStart = await rssMb(base);
  const bomb = gzipSync(`{"graph":{"edges":[{"from":"a","to":"b","weight":1}]},${' '.repeat(250 * 1024 * 1024)}"source":"a"}`);
  const health: number[] = [];
  let done = false;
  const prober = (async () => {
    while (!done) {
      const t = performance.now();
      await fetch(`${base}/healthz`).then((r) => r.arrayBuffer());
      health.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const bombs = await Promise.all(
    Array.from({ length: 8 }, async () => (await fetch(`${base}/route`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb })).status),
  );
  const rssAfterBombs = await rssMb(base);
  const slow = (start: string) =>
    new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(start));
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('close', () => resolve(text.slice(9, 12)));
      socket.on('error', () => resolve('reset'));
    });
  const slowStarted = performance.now();
  const slowAnswers = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      slow(i % 2 ? 'POST /route HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' : 'POST /route HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"graph":'),
    ),
  );
  const slowMs = performance.now() - slowStarted;
  done = true;
  await prober;
  const count = (xs: (string | number)[]) => JSON.stringify(xs.reduce<Record<string, number>>((by, x) => ((by[x] = (by[x] ?? 0) + 1), by), {}));
  console.log(`\n7. hostile bodies: 8 gzip bombs (${(bomb.length / 1e3).toFixed(0)} KB each, inflating to 250 MB) answered ${count(bombs)}; 50 slow clients (half slow headers, half slow bodies) answered ${count(slowAnswers)} within ${(slowMs / 1000).toFixed(1)} s (timeouts 2 s / 4 s); /healthz p99 ${percentile(health, 99).toFixed(1)} ms, max ${Math.max(...health).toFixed(1)} ms over ${health.length} probes; RSS ${rssStart} MB at start, ${rssAfterBombs} MB after the bombs, ${await rssMb(base)} MB at the end`);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** Starts the built server on `port` with `env` and resolves once /readyz answers. */
async function started(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [SERVER], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch {
      if (i > 600) throw new Error('the server did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** 6. Writers and readers on a stored graph while the server is killed with SIGKILL and restarted. */
async function crashScenario(seconds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'narsolve-load-crash-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { NARSOLVE_DATA_DIR: dir };
  let child = await started(port, env);
  const side = 30;
  const edges = gridEdges(side, 9).map((e) => ({ from: e.from, to: e.to }));
  const json = { 'content-type': 'application/json' };
  await fetch(`${base}/graphs/city`, { method: 'PUT', headers: json, body: JSON.stringify({ graph: { edges } }) });
  let acknowledged = 0;
  let acknowledgedRows = 0;
  let refused = 0;
  let fiveXx = 0;
  let down = false;
  let restartedAt = 0;
  const health: number[] = [];
  const end = performance.now() + seconds * 1000;
  const call = async (path: string, body: unknown): Promise<Response | undefined> => {
    try {
      return await fetch(base + path, { method: 'POST', headers: json, body: JSON.stringify(body) });
    } catch {
      refused++;
      return undefined;
    }
  };
  const writer = async () => {
    while (performance.now() < end) {
      const rows = 500;
      const res = await call('/graphs/city/observations', { observations: { edge: Array.from({ length: rows }, () => Math.floor(Math.random() * edges.length)), value: Array.from({ length: rows }, () => 1 + Math.random() * 9) } });
      if (res?.status === 200) (acknowledged++, (acknowledgedRows += rows));
      else if (res && res.status >= 500 && !down) fiveXx++;
      if (!res) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const reader = async () => {
    while (performance.now() < end) {
      const res = await call('/graphs/city/route', { source: 0, target: side * side - 1, solver: 'classical' });
      if (res && res.status >= 500 && !down) fiveXx++;
      if (res) await res.arrayBuffer();
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  // Probes that find the server down are not latencies (probe.ts counts them apart).
  const probing = startProbe(`${base}/healthz`, 20);
  const killer = async () => {
    await new Promise((resolve) => setTimeout(resolve, (seconds * 1000) / 2));
    down = true;
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const restart = performance.now();
    child = await started(port, env);
    restartedAt = Date.now();
    down = false;
    return performance.now() - restart;
  };
  await probing.ready;
  const [restartMs] = await Promise.all([killer(), writer(), writer(), reader()]);
  const probed = await probing.stop();
  health.push(...probed.times);
  // Where the slow probes fell: after the restart, the first queries reload the graph's history.
  const slowProbes = probed.times.map((ms, i) => ({ ms, at: probed.sentAt[i] - restartedAt })).filter((p) => p.ms > 100);
  const meta = (await (await fetch(`${base}/graphs/city`)).json()) as { epoch: number; observations: { count: number } };
  const lost = Math.max(0, acknowledgedRows - meta.observations.count);
  console.log(`\n6. stored graphs under a crash (${seconds} s, 2 writers of 500-row batches, 1 reader, SIGKILL halfway, restart took ${restartMs.toFixed(0)} ms): ${acknowledged} batches (${acknowledgedRows} rows) acknowledged, ${meta.observations.count} rows stored after the restart: ${lost} acknowledged rows lost (target 0); 5xx outside the restart: ${fiveXx} (target 0); ${refused} calls refused while it was down; /healthz p99 ${percentile(health, 99).toFixed(1)} ms over ${health.length} probes (target ≤ 100 ms)`);
  console.log(`   probes over 100 ms: ${slowProbes.length ? slowProbes.map((p) => `${p.ms.toFixed(0)} ms at ${(p.at / 1000).toFixed(2)} s after the restart`).join('; ') : 'none'}`);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
