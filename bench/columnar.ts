/**
 * npm run bench:columnar [-- --edges 1000000 --reps 7 --server dist/src/server.js]
 *
 * A million-edge POST /route over HTTP to the built server (its own process, default settings: a
 * body this big is parsed and solved in a solve worker), with the edges as columns and as objects,
 * next to JSON.parse of the columnar body in this process, measured in the same run, interleaved
 * rep by rep. The graph is bench/run.ts's: a sparse random graph, out-degree 4, integer weights
 * 1..100. Prints medians, the ratios the performance targets name, and the server's own stage
 * timings; and, as the floor any Node server pays, the same body POSTed to a Node process of its own
 * that only reads it. Not a test: nothing here asserts a time.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { freePort } from '../generators/net';
import { randomWeightedGraph, rng } from '../generators/graphs';
import { arg } from './args';
import { median } from './stats';

const SERVER = resolve(arg('server', join(__dirname, '..', '..', 'dist', 'src', 'server.js')));

async function post(base: string, text: string): Promise<{ ms: number; answer: { distance?: number; timingsMs: Record<string, number> } }> {
  const started = performance.now();
  const res = await fetch(`${base}/route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  const answer = (await res.json()) as { distance?: number; timingsMs: Record<string, number> };
  if (!res.ok) throw new Error(`POST /route: ${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
  return { ms: performance.now() - started, answer };
}

async function main(): Promise<void> {
  const m = Number(arg('edges', '1000000'));
  const reps = Number(arg('reps', '7'));
  const n = Math.max(2, Math.floor(m / 4));
  const edges = randomWeightedGraph(n, m, 42 + m);
  const random = rng(m);
  const source = Math.floor(random() * n);
  const target = Math.floor(random() * n);
  const columns = JSON.stringify({ graph: { edges: { from: edges.map((e) => e.from), to: edges.map((e) => e.to), weight: edges.map((e) => e.weight) } }, source, target });
  const objects = JSON.stringify({ graph: { edges }, source, target });

  // The floor: a Node HTTP server that reads the body and answers 204, in a process of its own as narsolve's is.
  const sinkPort = await freePort();
  const sinkCode = `require('node:http').createServer((req, res) => { req.on('data', () => {}); req.on('end', () => { res.statusCode = 204; res.end(); }); }).listen(${sinkPort}, '127.0.0.1', () => console.log('up'));`;
  const sink = spawn(process.execPath, ['-e', sinkCode], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((up) => sink.stdout!.once('data', up));
  const toSink = async (): Promise<number> => {
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${sinkPort}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: columns });
    await res.arrayBuffer();
    return performance.now() - started;
  };
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {
      if (i > 600) throw new Error(`the server (${SERVER}) did not start`);
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  try {
    // One untimed round warms both paths (the worker's JIT, the schema validators).
    const warm = await post(base, columns);
    if ((await post(base, objects)).answer.distance !== warm.answer.distance) throw new Error('the columnar and object forms gave different distances');
    await toSink();
    const parse: number[] = [];
    const transfer: number[] = [];
    const http: number[] = [];
    const httpObjects: number[] = [];
    const stages: Record<string, number>[] = [];
    for (let r = 0; r < reps; r++) {
      const started = performance.now();
      JSON.parse(columns);
      parse.push(performance.now() - started);
      transfer.push(await toSink());
      const answer = await post(base, columns);
      http.push(answer.ms);
      stages.push(answer.answer.timingsMs);
      httpObjects.push((await post(base, objects)).ms);
    }
    const ms = (values: number[]) => median(values).toFixed(1);
    const stageMedians = Object.keys(stages[0]).map((key) => `${key} ${ms(stages.map((s) => s[key]))}`).join(', ');
    console.log(`| measure | ms (median of ${reps}) |`);
    console.log('|---|---|');
    console.log(`| JSON.parse of the columnar body (${(Buffer.byteLength(columns) / 1e6).toFixed(1)} MB) | ${ms(parse)} |`);
    console.log(`| POST of the columnar body to a Node process that only reads it | ${ms(transfer)} |`);
    console.log(`| POST /route, columns | ${ms(http)} |`);
    console.log(`| POST /route, edge objects (${(Buffer.byteLength(objects) / 1e6).toFixed(1)} MB) | ${ms(httpObjects)} |`);
    console.log(`\ncolumns / JSON.parse: ${(median(http) / median(parse)).toFixed(2)}x (target <= 2x)`);
    console.log(`objects / columns: ${(median(httpObjects) / median(http)).toFixed(2)}x (target >= 3x)`);
    console.log(`the floor, reading the body plus JSON.parse: ${((median(transfer) + median(parse)) / median(parse)).toFixed(2)}x JSON.parse`);
    console.log(`server stages for the columnar body (medians): ${stageMedians}`);
    // What the stages do not count: sending and reading the body, JSON.parse in the worker, the answer's way back.
    console.log(`outside the service's stages (body transfer, parse, answer): ${(median(http) - median(stages.map((s) => s.total))).toFixed(1)} ms`);
    console.log(`${m} edges, ${n} nodes; server ${SERVER}`);
  } finally {
    child.kill('SIGTERM');
    sink.kill('SIGTERM');
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
