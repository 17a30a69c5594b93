/**
 * npm run bench:graphs [-- --side 300 --queries 30 --batch 100000 --aarhus ../shared/data/aarhus-traffic]
 *
 * Stored graphs against whole-body requests, measured in one run over HTTP on loopback: a side×side
 * street grid (both directions, every edge's cost only from observations, 3 each), registered once,
 * its observations streamed in batches, then routes by id. Prints registration against one
 * whole-body /route on the same graph and observations, ingest in observations a second, query p50
 * by id (auto: the encoder, cached per epoch; and classical) against whole-body p50 and against
 * Boost's per-query Dijkstra on the same graph, and the first query after a batch of 1,000 new
 * observations. Then, where the Aarhus data is at hand, the real network: its 449 links registered,
 * 61 days of 5-minute travel times streamed with their real times, and routes by id at rush hour on
 * days training never saw (Aarhus figures: City of Aarhus / CityPulse, CC BY 4.0).
 * Not a test: nothing here asserts a time.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from '../src/api/app';
import { resolveConfig } from '../src/config';
import { createStoredGraphs } from '../src/services/storedGraphs';
import { roundMs } from '../src/services/context';
import { dayBatch, readAarhus } from './aarhus';
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
    await aarhus(call, arg('aarhus', join(__dirname, '..', '..', '..', 'shared', 'data', 'aarhus-traffic')), queries);
    const stored = readdirSync(dir).reduce((total, file) => total + statSync(join(dir, file)).size, 0);
    console.log(`\nthe store's files after both: ${(stored / 1e6).toFixed(1)} MB for ${rows} grid + the Aarhus observations (LMDB; about 20 bytes an observation plus its pages)`);
  } finally {
    server.close();
    await learned.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The real Aarhus network: register, stream 61 days of travel times with their times, route by id at 08:00 on the last days. */
async function aarhus(call: (method: string, path: string, body: unknown) => Promise<{ ms: number; json: Record<string, any> }>, dir: string, queries: number): Promise<void> {
  const net = readAarhus(dir);
  if (!net) return;
  const start = net.t0;
  const register = await call('PUT', '/graphs/aarhus', { graph: { edges: { from: net.links.map((l) => l.from), to: net.links.map((l) => l.to) } } });
  let rows = 0;
  let ingestMs = 0;
  // One batch per day, every link's measured 5-minute averages with their times, as a detector feed would send them.
  for (let day = 0; day < net.days; day++) {
    const answer = await call('POST', '/graphs/aarhus/observations', { observations: dayBatch(net, day) });
    ingestMs += answer.ms;
    rows += answer.json.accepted;
  }
  const nodes = [...new Set(net.links.flatMap((l) => [l.from, l.to]))];
  const random = rng(449);
  const lastDays = Array.from({ length: 5 }, (_, i) => start + (net.days - 5 + i) * 86_400_000 + 8 * 3_600_000);
  // The first query builds the graph's history in memory: the heap it adds, per observation.
  const heapBefore = process.memoryUsage().heapUsed;
  await call('POST', '/graphs/aarhus/route', { source: nodes[0], target: nodes[1], solver: 'classical' });
  const historyBytes = (process.memoryUsage().heapUsed - heapBefore) / rows;
  const queryTimes: Record<string, number[]> = { classical: [], auto: [] };
  for (const solver of ['classical', 'auto'] as const) {
    for (let q = 0; q < queries; q++) {
      const at = new Date(lastDays[q % lastDays.length]).toISOString();
      const { ms } = await call('POST', '/graphs/aarhus/route', { source: nodes[Math.floor(random() * nodes.length)], target: nodes[Math.floor(random() * nodes.length)], solver, at });
      queryTimes[solver].push(ms);
    }
  }
  console.log(`\nAarhus (City of Aarhus / CityPulse, CC BY 4.0): ${nodes.length} detector sites, ${net.links.length} links, ${net.days} days of 5-minute travel times\n`);
  console.log('| measure | ms | against |');
  console.log('|---|---|---|');
  console.log(`| registration (PUT, ${net.links.length} links) | ${roundMs(register.ms)} | |`);
  console.log(`| ingest: ${rows} measured travel times, one batch a day (${net.days}) | ${roundMs(ingestMs)} | ${Math.round(rows / (ingestMs / 1000))} observations/s |`);
  for (const solver of ['classical', 'auto']) {
    const t = queryTimes[solver];
    console.log(`| route by id at 08:00 on the last 5 days, ${solver}, p50 / p95 of ${t.length} | ${roundMs(median(t))} / ${roundMs(percentile(t, 95))} | each \`at\` builds its own graph (a past time), the first time |`);
  }
  console.log(`\nthe history in memory: about ${historyBytes.toFixed(0)} bytes of heap an observation (heap after the first query, less before, over ${rows})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
