/**
 * npm run bench:graphs [-- --side 300 --queries 30 --batch 100000]
 *
 * Stored graphs against whole-body requests, measured in one run over HTTP on loopback: a side×side
 * street grid (both directions, every edge's cost only from observations, 3 each), registered once,
 * its observations streamed in batches, then routes by id. Prints registration against one
 * whole-body /route on the same graph and observations, ingest in observations a second, query p50
 * by id (auto: the encoder, cached per epoch; and classical) against whole-body p50 and against
 * Boost's per-query Dijkstra on the same graph, and the first query after a batch of 1,000 new
 * observations. Not a test: nothing here asserts a time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from '../src/api/app';
import { resolveConfig } from '../src/config';
import { createStoredGraphs } from '../src/services/storedGraphs';
import { roundMs } from '../src/services/context';
import { loadLearnedSolvers } from '../src/solvers/learned';
import { EmbeddedStore } from '../src/store/embedded';
import { rng } from '../generators/graphs';
import { arg } from './args';
import { boostRun } from './native';
import { median, percentile } from './stats';

async function main(): Promise<void> {
  const side = Number(arg('side', '300'));
  const queries = Number(arg('queries', '30'));
  const batchRows = Number(arg('batch', '100000'));
  const random = rng(20261202);
  const from: number[] = [];
  const to: number[] = [];
  const truth: number[] = [];
  const id = (i: number, j: number) => i * side + j;
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      for (const [a, b] of [[i, j + 1], [i + 1, j]]) {
        if (a >= side || b >= side) continue;
        const cost = 1 + Math.floor(random() * 9);
        from.push(id(i, j), id(a, b));
        to.push(id(a, b), id(i, j));
        truth.push(cost, cost);
      }
    }
  }
  const m = from.length;
  const observations = truth.map((cost) => [0, 1, 2].map(() => Math.round(cost * (0.7 + 0.6 * random()) * 100) / 100));
  console.log(`grid ${side}×${side}: ${side * side} nodes, ${m} directed edges, 3 observations each\n`);

  const dir = mkdtempSync(join(tmpdir(), 'narsolve-bench-graphs-'));
  const store = new EmbeddedStore(dir);
  const config = resolveConfig({ limits: { maxObservationBatch: Math.max(batchRows, 1_000_000) } });
  const learned = await loadLearnedSolvers({ keepAlive: false });
  const app = createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, learned, graphs: createStoredGraphs(store, config), limits: config.limits });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string, path: string, body: unknown): Promise<{ ms: number; json: Record<string, any> }> => {
    const text = JSON.stringify(body);
    const started = performance.now();
    const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: text });
    const json = (await res.json()) as Record<string, any>;
    const ms = performance.now() - started;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
    return { ms, json };
  };
  const pairs = Array.from({ length: queries }, () => [Math.floor(random() * side * side), Math.floor(random() * side * side)]);
  try {
    const whole = { graph: { nodes: Array.from({ length: side * side }, (_, v) => v), edges: { from, to, observations } } };
    const wholeRoute = await call('POST', '/route', { ...whole, source: pairs[0][0], target: pairs[0][1] });
    const register = await call('PUT', '/graphs/grid', { graph: { nodes: whole.graph.nodes, edges: { from, to } } });

    let ingestMs = 0;
    let rows = 0;
    const edgeColumn: number[] = [];
    const valueColumn: number[] = [];
    for (let k = 0; k < 3; k++) for (let e = 0; e < m; e++) (edgeColumn.push(e), valueColumn.push(observations[e][k]));
    for (let start = 0; start < edgeColumn.length; start += batchRows) {
      const answer = await call('POST', '/graphs/grid/observations', { observations: { edge: edgeColumn.slice(start, start + batchRows), value: valueColumn.slice(start, start + batchRows) } });
      ingestMs += answer.ms;
      rows += answer.json.accepted;
    }

    const byId = async (solver: string) => {
      const times: number[] = [];
      let first = 0;
      for (const [s, t] of pairs) {
        const { ms } = await call('POST', '/graphs/grid/route', { source: s, target: t, solver });
        if (times.length === 0) first = ms;
        times.push(ms);
      }
      return { first, p50: median(times.slice(1)), p95: percentile(times.slice(1), 95) };
    };
    const autoById = await byId('auto');
    const classicalById = await byId('classical');
    const wholeTimes: number[] = [wholeRoute.ms];
    for (const [s, t] of pairs.slice(1, 3)) wholeTimes.push((await call('POST', '/route', { ...whole, source: s, target: t })).ms);

    const fresh = Array.from({ length: 1000 }, () => Math.floor(random() * m));
    await call('POST', '/graphs/grid/observations', { observations: { edge: fresh, value: fresh.map(() => 50) } });
    const afterBatch = await call('POST', '/graphs/grid/route', { source: pairs[0][0], target: pairs[0][1] });

    const medians = observations.map((list) => [...list].sort((a, b) => a - b)[1]);
    const boost = boostRun('route', { n: side * side, from, to, value: medians, s: pairs[0][0], t: pairs[0][1] });
    const boostMs = 'skipped' in boost ? null : boost.solveMs;
    const versus = (ms: number) => (boostMs === null ? `skipped: ${(boost as { skipped: string }).skipped}` : `${(ms / boostMs).toFixed(2)}x`);

    console.log('| measure | ms | against |');
    console.log('|---|---|---|');
    console.log(`| registration (PUT, ${m} edges, columns) | ${roundMs(register.ms)} | ${(register.ms / wholeRoute.ms).toFixed(2)}x one whole-body /route on it (${roundMs(wholeRoute.ms)} ms) |`);
    console.log(`| ingest: ${rows} observations in batches of ${batchRows} | ${roundMs(ingestMs)} | ${Math.round(rows / (ingestMs / 1000))} observations/s |`);
    console.log(`| route by id, auto (encoder), first after ingest | ${roundMs(autoById.first)} | runs the encoder once for this epoch |`);
    console.log(`| route by id, auto (encoder), p50 / p95 of ${queries - 1} | ${roundMs(autoById.p50)} / ${roundMs(autoById.p95)} | ${(autoById.p50 / median(wholeTimes)).toFixed(3)}x whole-body p50 (${roundMs(median(wholeTimes))} ms); ${versus(autoById.p50)} Boost Dijkstra |`);
    console.log(`| route by id, classical, p50 / p95 of ${queries - 1} | ${roundMs(classicalById.p50)} / ${roundMs(classicalById.p95)} | ${versus(classicalById.p50)} Boost Dijkstra (${boostMs === null ? '-' : roundMs(boostMs)} ms per query, built graph) |`);
    console.log(`| first route by id after a 1,000-observation batch | ${roundMs(afterBatch.ms)} | epoch ${afterBatch.json.graph.epoch}; reflects the batch |`);
    console.log(`\nthat first query's stages (timingsMs): ${JSON.stringify(afterBatch.json.timingsMs)}`);
  } finally {
    server.close();
    await learned.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
