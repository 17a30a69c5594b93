import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../src/config';
import { createStoredGraphs } from '../src/services/storedGraphs';
import { EmbeddedStore } from '../src/store/embedded';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/api/app';
import { loadLearnedSolvers, type LearnedSolvers } from '../src/solvers/learned';

/**
 * The README's curl examples are documentation users copy; this keeps them true. Each ```sh block
 * with a curl command is sent to the app and its answer compared with the ```json block after it.
 * In the documented answer, `{...}` stands for any value, and timings and request ids may differ.
 * The examples run in README order against one app with a fresh graph store, so the stored-graph
 * exchange (register, observe, route by id) runs as a reader would type it.
 */
const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const ANY = '__any__';

interface Example { method: string; path: string; body?: string; expected: unknown }

function examples(): Example[] {
  const blocks = [...README.matchAll(/```(sh|json)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
  const found: Example[] = [];
  blocks.forEach((block, i) => {
    if (block.lang !== 'sh' || !block.text.includes('curl ') || blocks[i + 1]?.lang !== 'json') return;
    const shell = block.text.replace(/\\\n/g, ' ');
    const url = shell.match(/localhost:8080(\/[\w./-]*)/);
    const body = shell.match(/-d '([\s\S]*?)'/);
    const expected = JSON.parse(blocks[i + 1].text.replace(/\{\.\.\.\}/g, JSON.stringify(ANY)));
    found.push({ method: /-X (POST|PUT|DELETE)/.exec(shell)?.[1] ?? 'GET', path: url![1], body: body?.[1], expected });
  });
  return found;
}

function matches(actual: unknown, expected: unknown, path = ''): void {
  if (expected === ANY) return;
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    const exp = expected as Record<string, unknown>;
    const act = actual as Record<string, unknown>;
    expect(Object.keys(act).sort()).toEqual(Object.keys(exp).sort());
    for (const key of Object.keys(exp)) {
      if (key === 'timingsMs' || key === 'requestId') continue;
      matches(act[key], exp[key], `${path}/${key}`);
    }
    return;
  }
  expect({ path, value: actual }).toEqual({ path, value: expected });
}

describe('README examples answer as documented', () => {
  const found = examples();
  let learned: LearnedSolvers;
  let store: EmbeddedStore;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    learned = await loadLearnedSolvers();
    store = new EmbeddedStore(mkdtempSync(join(tmpdir(), 'narsolve-readme-')));
    app = createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, learned, graphs: createStoredGraphs(store, resolveConfig()) });
  });
  afterAll(async () => {
    await learned.close();
    await store.close();
  });

  test('the README has curl examples for both endpoints and for errors', () => {
    const paths = found.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/route', '/maxflow', '/graphs/city', '/graphs/city/observations', '/graphs/city/route']));
    expect(found.length).toBeGreaterThanOrEqual(6);
  });

  test.each(found.map((e, i) => [i, e.path, e] as const))('example %i (%s)', async (_i, _path, example) => {
    const call = example.method === 'GET' ? request(app).get(example.path) : request(app)[example.method === 'PUT' ? 'put' : 'post'](example.path).set('Content-Type', 'application/json').send(example.body ?? '');
    const res = await call;
    matches(res.body, example.expected);
  });
});
