/**
 * npm run bench [-- --sizes 1000,10000 --reps 3]
 *
 * Times POST /route and POST /maxflow in-process and over HTTP on generated graphs, next to
 * baselines measured in the same run: graphology-shortest-path for routes, a textbook
 * Edmonds–Karp for max flow. Prints a table of medians and ratios; writes bench/results/*.json.
 * Not a test: nothing here asserts a time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from '../src/api/app';
import { DEFAULT_LIMITS } from '../src/config';
import { compactGraph } from '../src/graph/compact';
import { dijkstra } from '../src/solvers/classical/shortestPaths';
import { dinic } from '../src/solvers/classical/maxflow';
import { solveMaxflow, solveRoute } from '../src/index';
import { gridFlowNetwork, randomWeightedGraph, rng, type CapacityEdge } from '../tests/generators/graphs';
import { edmondsKarpLists, graphologyRoute } from './baselines';
import { arg } from './args';
import { median } from './stats';
import { roundMs } from '../src/services/types';

interface Row { [key: string]: string | number | null }

const SIZES = arg('sizes', '1000,10000,100000,1000000').split(',').map(Number);
const REPS = Number(arg('reps', '3'));
const BASELINE_BUDGET_MS = Number(arg('baseline-budget-ms', '60000'));

/** The median of `reps` runs of a timing function. */
async function medianOf(reps: number, fn: () => Promise<number> | number): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < reps; r++) times.push(await fn());
  return median(times);
}

async function timed(fn: () => unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function post(base: string, path: string, body: string): Promise<{ status: number; json: { code?: string } }> {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, json: (await res.json()) as { code?: string } };
}

/** A flow network of about m edges: a grid (image segmentation shape) relabelled to integer ids. */
function flowNetwork(m: number, seed: number): { edges: CapacityEdge[]; n: number; source: number; sink: number } {
  const side = Math.max(4, Math.round(Math.sqrt(m / 2.6)));
  const raw = gridFlowNetwork(side, side, seed);
  const n = side * side + 2;
  const id = (x: string | number) => (x === 's' ? n - 2 : x === 't' ? n - 1 : (x as number));
  return { edges: raw.map((e) => ({ from: id(e.from), to: id(e.to), capacity: e.capacity })), n, source: n - 2, sink: n - 1 };
}

async function main(): Promise<void> {
  const app = createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  // In-process runs between HTTP calls can outlast the default 5 s keep-alive; a reused socket closed by the server would reset.
  server.keepAliveTimeout = 600_000;
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rows: Row[] = [];

  for (const m of SIZES) {
    const reps = m >= 1_000_000 ? 1 : REPS;
    // Routes: a sparse random graph with average out-degree 4 and integer weights 1..100.
    const n = Math.max(2, Math.floor(m / 4));
    const edges = randomWeightedGraph(n, m, 42 + m);
    const random = rng(m);
    const source = Math.floor(random() * n);
    const target = Math.floor(random() * n);
    const body = { graph: { edges }, source, target };
    let answer = await solveRoute(body);
    const inProcess = await medianOf(reps, () => timed(async () => (answer = await solveRoute(body))));
    const compact = compactGraph(body.graph, 'weight', DEFAULT_LIMITS);
    const [s, t] = [compact.indexOf(source)!, compact.indexOf(target)!];
    const core = await medianOf(reps, () => timed(() => dijkstra(compact, s, { target: t, maxWork: Infinity })));
    const text = JSON.stringify(body);
    const http = await medianOf(reps, () => timed(() => post(base, '/route', text)));
    const baseline = graphologyRoute(edges, source, target);
    if (baseline.distance !== (answer.distance ?? Infinity)) throw new Error(`route ${m}: narsolve ${answer.distance} != graphology ${baseline.distance}`);
    rows.push({
      endpoint: 'route', edges: m, nodes: n,
      narsolveDijkstraMs: roundMs(core), inProcessMs: roundMs(inProcess), httpMs: roundMs(http),
      baselineBuildMs: roundMs(baseline.buildMs), baselineQueryMs: roundMs(baseline.queryMs),
      'baselineQuery/narsolveDijkstra': ratio(baseline.queryMs, core),
      'baselineBuild+Query/inProcess': ratio(baseline.buildMs + baseline.queryMs, inProcess),
      'http/inProcess': ratio(http, inProcess),
    });
    report(rows[rows.length - 1]);

    // Max flow: grid networks with terminal edges.
    const flow = flowNetwork(m, 7 + m);
    const flowBody = { graph: { edges: flow.edges }, source: flow.source, sink: flow.sink };
    let flowAnswer = await solveMaxflow(flowBody);
    const flowInProcess = await medianOf(reps, () => timed(async () => (flowAnswer = await solveMaxflow(flowBody))));
    const flowCompact = compactGraph(flowBody.graph, 'capacity', DEFAULT_LIMITS);
    const [fs, ft] = [flowCompact.indexOf(flow.source)!, flowCompact.indexOf(flow.sink)!];
    const flowCore = await medianOf(reps, () => timed(() => dinic(flowCompact, fs, ft, { maxWork: Infinity })));
    const flowText = JSON.stringify(flowBody);
    const flowHttp = await medianOf(reps, () => timed(() => post(base, '/maxflow', flowText)));
    let ekValue: number | null = null;
    const ekMs = await timed(() => (ekValue = edmondsKarpLists(flow.n, flow.edges, flow.source, flow.sink, BASELINE_BUDGET_MS)));
    if (ekValue !== null && ekValue !== flowAnswer.value) throw new Error(`maxflow ${m}: narsolve ${flowAnswer.value} != Edmonds-Karp ${ekValue}`);
    rows.push({
      endpoint: 'maxflow', edges: flow.edges.length, nodes: flow.n,
      narsolveDinicMs: roundMs(flowCore), inProcessMs: roundMs(flowInProcess), httpMs: roundMs(flowHttp),
      baselineEdmondsKarpMs: ekValue === null ? null : roundMs(ekMs),
      'baselineEdmondsKarp/narsolveDinic': ekValue === null ? `>${ratio(BASELINE_BUDGET_MS, flowCore)} (baseline gave up after ${BASELINE_BUDGET_MS} ms)` : ratio(ekMs, flowCore),
      'http/inProcess': ratio(flowHttp, flowInProcess),
    });
    report(rows[rows.length - 1]);
  }
  server.close();

  const dir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ node: process.version, cpus: require('node:os').cpus().length, reps: REPS, rows }, null, 2));
  console.log('\n' + table(rows));
  console.log(`\nwrote ${file}`);
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(1)}x`;
}
function report(row: Row): void {
  console.error(`measured ${row.endpoint} on ${row.edges} edges`);
}
function table(rows: Row[]): string {
  const out: string[] = [];
  for (const endpoint of ['route', 'maxflow']) {
    const subset = rows.filter((r) => r.endpoint === endpoint);
    if (subset.length === 0) continue;
    const keys = Object.keys(subset[0]).filter((k) => k !== 'endpoint');
    out.push(`| ${endpoint} | ${keys.join(' | ')} |`, `|${'---|'.repeat(keys.length + 1)}`);
    for (const r of subset) out.push(`| | ${keys.map((k) => String(r[k])).join(' | ')} |`);
    out.push('');
  }
  return out.join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
