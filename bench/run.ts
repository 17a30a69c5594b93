/**
 * npm run bench [-- --sizes 1000,10000 --reps 3]
 *
 * Times POST /route and POST /maxflow in-process and over HTTP on generated graphs, next to
 * baselines measured in the same run: graphology-shortest-path for routes, a textbook
 * Edmonds–Karp for max flow; routes also over HTTP with columnar edges, next to JSON.parse of the
 * same body. Then (unless --native off) narsolve end to end in-process (validation, compaction, solve,
 * certificate) next to Boost's construction plus push-relabel or Dijkstra, and NetworkX's
 * preflow_push, on RMF, random, segmentation and layered networks and a road-like grid (bench/native.ts;
 * each skipped loudly when missing; networkx's own test networks are in bench/small-maxflow.ts). Prints tables of medians and ratios; writes bench/results/*.json.
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
import { exactMaxflow } from '../src/solvers/classical/maxflow';
import { solveMaxflow, solveRoute } from '../src/index';
import { flowFamilyNetwork, gridFlowNetwork, randomWeightedGraph, rmfNetwork, rng, type CapacityEdge } from '../generators/graphs';
import { boostRun, networkxMaxflow, type EdgeList, type NativeRun } from './native';
import { edmondsKarpLists, graphologyRoute } from './baselines';
import { arg } from './args';
import { median } from './stats';
import { roundMs } from '../src/services/context';

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
    // The same request with columnar edges, and what parsing that body alone costs.
    const columnsText = JSON.stringify({ graph: { edges: { from: edges.map((e) => e.from), to: edges.map((e) => e.to), weight: edges.map((e) => e.weight) } }, source, target });
    const parseColumns = await medianOf(reps, () => timed(() => JSON.parse(columnsText)));
    const httpColumns = await medianOf(reps, () => timed(() => post(base, '/route', columnsText)));
    const baseline = graphologyRoute(edges, source, target);
    if (baseline.distance !== (answer.distance ?? Infinity)) throw new Error(`route ${m}: narsolve ${answer.distance} != graphology ${baseline.distance}`);
    rows.push({
      endpoint: 'route', edges: m, nodes: n,
      narsolveDijkstraMs: roundMs(core), inProcessMs: roundMs(inProcess), httpMs: roundMs(http),
      baselineBuildMs: roundMs(baseline.buildMs), baselineQueryMs: roundMs(baseline.queryMs),
      'baselineQuery/narsolveDijkstra': ratio(baseline.queryMs, core),
      'baselineBuild+Query/inProcess': ratio(baseline.buildMs + baseline.queryMs, inProcess),
      'http/inProcess': ratio(http, inProcess),
      httpColumnsMs: roundMs(httpColumns), parseColumnsMs: roundMs(parseColumns),
      'httpColumns/parseColumns': ratio(httpColumns, parseColumns), 'http/httpColumns': ratio(http, httpColumns),
    });
    report(rows[rows.length - 1]);

    // Max flow: grid networks with terminal edges.
    const flow = flowNetwork(m, 7 + m);
    // The exact path: the library would otherwise warm-start from the learned model, which does not pay (model card).
    const flowBody = { graph: { edges: flow.edges }, source: flow.source, sink: flow.sink, solver: 'classical' as const };
    let flowAnswer = await solveMaxflow(flowBody);
    const flowInProcess = await medianOf(reps, () => timed(async () => (flowAnswer = await solveMaxflow(flowBody))));
    const flowCompact = compactGraph(flowBody.graph, 'capacity', DEFAULT_LIMITS);
    const [fs, ft] = [flowCompact.indexOf(flow.source)!, flowCompact.indexOf(flow.sink)!];
    const flowCore = await medianOf(reps, () => timed(() => exactMaxflow(flowCompact, fs, ft, { maxWork: Infinity })));
    const flowText = JSON.stringify(flowBody);
    const flowHttp = await medianOf(reps, () => timed(() => post(base, '/maxflow', flowText)));
    let ekValue: number | null = null;
    const ekMs = await timed(() => (ekValue = edmondsKarpLists(flow.n, flow.edges, flow.source, flow.sink, BASELINE_BUDGET_MS)));
    if (ekValue !== null && ekValue !== flowAnswer.value) throw new Error(`maxflow ${m}: narsolve ${flowAnswer.value} != Edmonds-Karp ${ekValue}`);
    rows.push({
      endpoint: 'maxflow', edges: flow.edges.length, nodes: flow.n,
      narsolveSolveMs: roundMs(flowCore), inProcessMs: roundMs(flowInProcess), httpMs: roundMs(flowHttp),
      baselineEdmondsKarpMs: ekValue === null ? null : roundMs(ekMs),
      'baselineEdmondsKarp/narsolveSolve': ekValue === null ? `>${ratio(BASELINE_BUDGET_MS, flowCore)} (baseline gave up after ${BASELINE_BUDGET_MS} ms)` : ratio(ekMs, flowCore),
      'http/inProcess': ratio(flowHttp, flowInProcess),
    });
    report(rows[rows.length - 1]);
  }
  server.close();
  if (arg('native', 'on') !== 'off') rows.push(...(await nativeBaselines(REPS)));

  const dir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ node: process.version, cpus: require('node:os').cpus().length, reps: REPS, rows }, null, 2));
  console.log('\n' + table(rows));
  console.log(`\nwrote ${file}`);
}

/**
 * narsolve end to end in-process against Boost (construction + solve) and NetworkX (construction +
 * preflow_push), from already-parsed input, on large RMF, random, segmentation and layered networks.
 */
async function nativeBaselines(reps: number): Promise<Row[]> {
  const rows: Row[] = [];
  const asEdgeList = (n: number, edges: CapacityEdge[] | { from: number; to: number; weight: number }[], s: number, t: number): EdgeList => ({
    n, s, t, from: edges.map((e) => e.from as number), to: edges.map((e) => e.to as number), value: edges.map((e) => ('capacity' in e ? e.capacity : e.weight)),
  });
  const flows: { name: string; n: number; edges: CapacityEdge[]; source: number; sink: number }[] = [];
  const rmf = rmfNetwork(12, 24, 1, 1_000_000, 11);
  flows.push({ name: 'RMF 12x12x24, capacities to 10^6', n: 12 * 12 * 24, edges: rmf.edges, source: rmf.source, sink: rmf.sink });
  const random = rng(12);
  const big = Array.from({ length: 25_000 }, () => ({ from: Math.floor(random() * 5000), to: Math.floor(random() * 5000), capacity: 1 + Math.floor(random() * 1e6) }));
  flows.push({ name: 'random 5k nodes, capacities to 10^6', n: 5000, edges: big, source: 0, sink: 4999 });
  const grid = flowNetwork(100_000, 107);
  flows.push({ name: 'segmentation grid', n: grid.n, edges: grid.edges, source: grid.source, sink: grid.sink });
  const layered = flowFamilyNetwork('layered', 10_000, 13, 'int');
  flows.push({ name: 'layered 10k nodes', n: layered.n, edges: layered.edges, source: layered.source, sink: layered.sink });
  for (const net of flows) {
    const body = { graph: { nodes: Array.from({ length: net.n }, (_, i) => i), edges: net.edges }, source: net.source, sink: net.sink, solver: 'classical' as const };
    let answer = await solveMaxflow(body);
    const narsolve = await medianOf(reps, () => timed(async () => (answer = await solveMaxflow(body))));
    const list = asEdgeList(net.n, net.edges, net.source, net.sink);
    rows.push(nativeRow('maxflow', net.name, net.n, net.edges.length, narsolve, answer.value, boostRun('maxflow', list), networkxMaxflow(list)));
    report(rows[rows.length - 1]);
  }
  // Road-like: a 512 x 512 grid of two-way streets (262,144 nodes), travel times 1..100, corner to corner.
  const side = 512;
  const random2 = rng(14);
  const streets: { from: number; to: number; weight: number }[] = [];
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const u = r * side + c;
      if (c + 1 < side) streets.push({ from: u, to: u + 1, weight: 1 + Math.floor(random2() * 100) });
      if (r + 1 < side) streets.push({ from: u, to: u + side, weight: 1 + Math.floor(random2() * 100) });
    }
  }
  const [s, t] = [0, side * side - 1];
  const body = { graph: { directed: false, edges: streets }, source: s, target: t, solver: 'classical' as const };
  let answer = await solveRoute(body);
  const narsolve = await medianOf(reps, () => timed(async () => (answer = await solveRoute(body))));
  const columnsBody = { ...body, graph: { directed: false, edges: { from: streets.map((e) => e.from), to: streets.map((e) => e.to), weight: streets.map((e) => e.weight) } } };
  const narsolveColumns = await medianOf(reps, () => timed(() => solveRoute(columnsBody)));
  const both = [...streets, ...streets.map((e) => ({ from: e.to, to: e.from, weight: e.weight }))];
  const boost = boostRun('route', asEdgeList(side * side, both, s, t));
  rows.push(nativeRow('route', `road-like grid ${side}x${side}`, side * side, streets.length, narsolve, answer.distance ?? Infinity, boost, { skipped: 'no NetworkX baseline for routes' }));
  const boostMs = 'skipped' in boost ? null : boost.buildMs + boost.solveMs;
  rows.push({
    endpoint: 'native route', network: `the same, columnar edges`, nodes: side * side, edges: streets.length, narsolveInProcessMs: roundMs(narsolveColumns),
    boostBuildPlusSolveMs: boostMs === null ? null : roundMs(boostMs), 'narsolve/boost': boostMs === null ? 'skipped' : ratio(narsolveColumns, boostMs),
    networkxBuildPlusSolveMs: null, 'networkx/narsolve': 'no NetworkX baseline for routes',
  });
  report(rows[rows.length - 1]);
  return rows;
}

function nativeRow(kind: string, network: string, nodes: number, edges: number, narsolveMs: number, value: number, boost: NativeRun, networkx: NativeRun): Row {
  const total = (run: NativeRun) => ('skipped' in run ? null : run.buildMs + run.solveMs);
  for (const [name, run] of [['Boost', boost], ['NetworkX', networkx]] as const) {
    if ('skipped' in run) console.error(`SKIPPED ${name} on ${network}: ${run.skipped}`);
    else if (Math.abs(run.value - value) > 1e-9 * Math.max(1, Math.abs(value))) throw new Error(`${network}: narsolve ${value} != ${name} ${run.value}`);
  }
  const boostMs = total(boost);
  const networkxMs = total(networkx);
  return {
    endpoint: `native ${kind}`, network, nodes, edges, narsolveInProcessMs: roundMs(narsolveMs),
    boostBuildPlusSolveMs: boostMs === null ? null : roundMs(boostMs), 'narsolve/boost': boostMs === null ? `skipped: ${(boost as { skipped: string }).skipped}` : ratio(narsolveMs, boostMs),
    networkxBuildPlusSolveMs: networkxMs === null ? null : roundMs(networkxMs), 'networkx/narsolve': networkxMs === null ? `skipped: ${(networkx as { skipped: string }).skipped}` : ratio(networkxMs, narsolveMs),
  };
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(1)}x`;
}
function report(row: Row): void {
  console.error(`measured ${row.endpoint} ${row.network ?? ''} on ${row.edges} edges`);
}
function table(rows: Row[]): string {
  const out: string[] = [];
  for (const endpoint of ['route', 'maxflow', 'native maxflow', 'native route']) {
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
