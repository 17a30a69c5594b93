/**
 * What the explorer reads from the API, without a browser: the page and its bundle served from the
 * package with a policy that keeps it to this server; node positions carried by bodies and kept by
 * stored graphs; GET /graphs/{graphId}/edges with each edge's evidence and whether a model is fitted.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/api/app';
import { resolveConfig } from '../src/config';
import { createStoredGraphs } from '../src/services/storedGraphs';
import { EmbeddedStore } from '../src/store/embedded';
import { expectMatchesSchema } from './helpers';

const stores: EmbeddedStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
});

function app(now?: () => number) {
  const store = new EmbeddedStore(mkdtempSync(join(tmpdir(), 'narsolve-explorer-api-')));
  stores.push(store);
  return createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, graphs: createStoredGraphs(store, resolveConfig(), { now }) });
}

const GRAPH = {
  graph: {
    positions: [{ node: 'a', x: 0, y: 0 }, { node: 'b', lat: 56.15, lon: 10.2 }],
    edges: [
      { from: 'a', to: 'b', weight: 2 },
      { from: 'b', to: 'c' },
      { from: 'a', to: 'c' },
    ],
  },
};

describe('the explorer page', () => {
  test('is served with a policy that lets it talk to this server only', async () => {
    const res = await request(app()).get('/explorer');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('data-testid="status"');
    expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });

  test('its bundle, styles and demo data come from the package, and nothing else is served under /explorer', async () => {
    const server = app();
    const js = await request(server).get('/explorer/explorer.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    // The bundle fetches nothing from another origin: no absolute URLs to fetch or import.
    expect(js.text).not.toMatch(/fetch\(["'`]https?:/);
    const demo = await request(server).get('/explorer/aarhus-demo.json');
    expect(demo.body.credit).toContain('City of Aarhus / CityPulse');
    expect(demo.body.links.length).toBe(449);
    const missing = await request(server).get('/explorer/package.json');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NotFound');
    const escape = await request(server).get('/explorer/..%2Fpackage.json');
    expect(escape.status).toBe(404);
  });
});

describe('node positions', () => {
  test('a /route body may carry them; the answer is the one without them', async () => {
    const server = app();
    const body = { graph: { edges: [{ from: 'a', to: 'b', weight: 1 }, { from: 'b', to: 'c', weight: 1 }] }, source: 'a', target: 'c' };
    const plain = await request(server).post('/route').send(body);
    const placed = await request(server).post('/route').send({ ...body, graph: { ...body.graph, positions: [{ node: 'a', x: 1, y: 2 }] } });
    expect(placed.status).toBe(200);
    expect(placed.body.path).toEqual(plain.body.path);
    expect(placed.body.distance).toBe(plain.body.distance);
  });

  test('a position that is neither x/y nor lat/lon, or out of range, is a 400 at its pointer', async () => {
    const server = app();
    const res = await request(server).put('/graphs/bad').send({ graph: { positions: [{ node: 'a', x: 1 }, { node: 'b', lat: 91, lon: 0 }], edges: [{ from: 'a', to: 'b' }] } });
    expect(res.status).toBe(400);
    const pointers = res.body.errors.map((e: { pointer: string }) => e.pointer);
    expect(pointers.some((p: string) => p.startsWith('/graph/positions/0'))).toBe(true);
    expect(pointers.some((p: string) => p.startsWith('/graph/positions/1'))).toBe(true);
  });

  test('a stored graph refuses positions of nodes it does not have, and a node placed twice', async () => {
    const res = await request(app()).put('/graphs/bad').send({ graph: { positions: [{ node: 'z', x: 0, y: 0 }, { node: 'a', x: 0, y: 0 }, { node: 'a', x: 1, y: 1 }], edges: [{ from: 'a', to: 'b' }] } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { pointer: '/graph/positions/0/node', message: expect.stringContaining('not a node of the graph') },
      { pointer: '/graph/positions/2/node', message: expect.stringContaining('a second position') },
    ]);
  });
});

describe('GET /graphs/{graphId}/edges', () => {
  test('gives the registered edges, the positions and per-edge evidence as it arrives', async () => {
    let clock = Date.parse('2026-11-01T08:00:00Z');
    const server = app(() => clock);
    expect((await request(server).put('/graphs/city').send(GRAPH)).status).toBe(201);
    const before = await request(server).get('/graphs/city/edges');
    expect(before.status).toBe(200);
    expectMatchesSchema('graph-edges.json', before.body);
    expect(before.body).toMatchObject({
      graphId: 'city', version: 1, directed: true, nodes: ['a', 'b', 'c'], positions: GRAPH.graph.positions,
      edges: { from: ['a', 'b', 'a'], to: ['b', 'c', 'c'], weight: [2, null, null], capacity: [null, null, null] },
      freshness: { cost: { count: [0, 0, 0], latest: [null, null, null] } },
      fitted: { cost: false, capacity: false },
    });
    await request(server).post('/graphs/city/observations').send({ observations: { edge: [1, 1, 2], value: [3, 4, 9], time: [clock - 60_000, clock - 30_000, clock - 3_600_000] } });
    clock += 1000;
    const after = await request(server).get('/graphs/city/edges');
    expect(after.body.freshness.cost).toEqual({ count: [0, 2, 1], latest: [null, Date.parse('2026-11-01T08:00:00Z') - 30_000, Date.parse('2026-11-01T08:00:00Z') - 3_600_000] });
    // Observations change this answer but not the version: no ETag a cache could wrongly revalidate.
    expect(after.headers.etag).toBeUndefined();
  });

  test('is a 404 for a graph that is not there', async () => {
    const res = await request(app()).get('/graphs/nowhere/edges');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('GraphNotFound');
  });
});
