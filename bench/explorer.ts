/**
 * npm run bench:explorer [-- --sizes 1000,100000]
 *
 * How the explorer copes with size, in headless Chromium (Debian's, SwiftShader software WebGL, so
 * a real GPU draws faster): for a grid of about n nodes with coordinates, and one without (placed by
 * ForceAtlas2, in a worker above 2,000 nodes), the time from navigation to the drawn route
 * (`status` ready), the longest main-thread task (what a user feels as a freeze: the tab answers
 * no input while it runs), and the frame rate while the camera zooms. The baseline is the same
 * page with a 100-node graph in the same run. Not a test: nothing asserts a time.
 */
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import puppeteer from 'puppeteer-core';
import { createApp } from '../src/api/app';
import { resolveConfig } from '../src/config';
import { createStoredGraphs } from '../src/services/storedGraphs';
import { learnedDisabled } from '../src/solvers/learned';
import { EmbeddedStore } from '../src/store/embedded';
import { gridEdges } from '../generators/graphs';
import { arg } from './args';

/** A side × side grid of two-way streets (generators' gridEdges), as columns, with or without positions. */
function grid(nodes: number, positioned: boolean): { body: unknown; source: number; target: number } {
  const side = Math.max(2, Math.round(Math.sqrt(nodes)));
  const edges = gridEdges(side, 7);
  const positions = positioned ? Array.from({ length: side * side }, (_, i) => ({ node: i, x: i % side, y: Math.floor(i / side) })) : undefined;
  const columns = { from: edges.map((e) => e.from), to: edges.map((e) => e.to), weight: edges.map((e) => e.weight) };
  return { body: { graph: { directed: true, ...(positions && { positions }), edges: columns } }, source: 0, target: side * side - 1 };
}

async function main(): Promise<void> {
  const sizes = arg('sizes', '1000,100000').split(',').map(Number);
  const store = new EmbeddedStore(mkdtempSync(join(tmpdir(), 'narsolve-bench-explorer-')));
  const graphs = createStoredGraphs(store, resolveConfig());
  const app = createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, graphs, learned: learnedDisabled() });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await puppeteer.launch({ executablePath: process.env.NARSOLVE_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--window-size=1200,800'] });
  const rows: Record<string, string | number>[] = [];
  try {
    for (const n of [100, ...sizes]) {
      for (const positioned of [true, false]) {
        const id = `bench-${n}-${positioned ? 'xy' : 'layout'}`;
        const { body, source, target } = grid(n, positioned);
        const put = await fetch(`${origin}/graphs/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        if (!put.ok) throw new Error(`PUT ${id}: ${put.status} ${await put.text()}`);
        const page = await browser.newPage();
        await page.setViewport({ width: 1200, height: 800 });
        // Long tasks from the first moment, before the page's own script runs.
        await page.evaluateOnNewDocument(`
          window.__longest = 0;
          new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration); }).observe({ type: 'longtask', buffered: true });`);
        const started = performance.now();
        await page.goto(`${origin}/explorer?graph=${id}&source=${source}&target=${target}`);
        await page.waitForFunction(`['ready', 'error'].includes(document.querySelector('[data-testid=status]')?.textContent)`, { timeout: 300_000, polling: 100 });
        const ready = performance.now() - started;
        const state = await page.$eval('[data-testid=status]', (e) => e.textContent);
        const longestToReady = (await page.evaluate('window.__longest')) as number;
        await page.evaluate('window.__longest = 0');
        // Frames drawn while the camera zooms in and out for two seconds.
        const fps = (await page.evaluate(`new Promise((resolve) => {
          const buttons = [document.getElementById('zoom-in'), document.getElementById('zoom-out')];
          let frames = 0; let i = 0; const t0 = performance.now();
          const timer = setInterval(() => buttons[i++ % 2].click(), 300);
          const tick = () => { frames++; if (performance.now() - t0 < 2000) requestAnimationFrame(tick); else { clearInterval(timer); resolve(frames / ((performance.now() - t0) / 1000)); } };
          requestAnimationFrame(tick);
        })`)) as number;
        const longest = (await page.evaluate('window.__longest')) as number;
        // The page's own marks (explorer/src/main.ts): where the time to ready went.
        const marks = (await page.evaluate(`performance.getEntriesByType('mark').filter((m) => m.name.startsWith('explorer:')).map((m) => [m.name.slice(9), Math.round(m.startTime)])`)) as [string, number][];
        console.log(`  ${id}: ${marks.map(([name, t]) => `${name} ${t}`).join(', ')}`);
        rows.push({ graph: id, nodes: n, edges: (body as { graph: { edges: { from: number[] } } }).graph.edges.from.length, state: state ?? '', readyMs: Math.round(ready), longestToReadyMs: Math.round(longestToReady), longestZoomingMs: Math.round(longest), fps: Math.round(fps * 10) / 10 });
        console.log(JSON.stringify(rows[rows.length - 1]));
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  }
  const base = rows.find((r) => r.nodes === 100 && r.graph.toString().endsWith('xy'))!;
  console.log('\n| graph | nodes | edges | to ready, ms (× 100 nodes) | longest task to ready, ms | longest task zooming, ms | frames/s zooming |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.graph}${r.state === 'ready' ? '' : ` (${r.state})`} | ${r.nodes} | ${r.edges} | ${r.readyMs} (${(Number(r.readyMs) / Number(base.readyMs)).toFixed(1)}×) | ${r.longestToReadyMs} | ${r.longestZoomingMs} | ${r.fps} |`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
