/**
 * Faults an operator meets: values whose sums overflow, bodies that do not decode, charsets JSON
 * does not use, malformed configuration, a port already taken, and SIGTERM with work in flight.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/api/app';
import { loadServerConfig } from '../src/config';
import { solveMaxflow } from '../src/services/maxflow';
import { solveRoute } from '../src/services/route';
import { STATUS } from '../src/errors';
import { learnedDisabled, loadLearnedSolvers } from '../src/solvers/learned';
import { refusal, testContext } from './helpers';
import { freePort } from '../generators/net';
import { startServer } from './server';
import { randomWeightedGraph } from '../generators/graphs';

import { SERVER } from './server';
const app = createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, learned: learnedDisabled() });
const body = JSON.stringify({ graph: { edges: [{ from: 'a', to: 'b', weight: 1 }] }, source: 'a' });

describe('inputs that pass the schema but would overflow or not decode get a clear 4xx, never a 500', () => {
  test('a route through weights whose sum overflows the largest double', async () => {
    const error = await refusal(() => solveRoute({ graph: { edges: [{ from: 'a', to: 'b', weight: 1e308 }, { from: 'b', to: 'c', weight: 1e308 }] }, source: 'a', target: 'c' }, testContext()));
    expect(error).toMatchObject({ code: 'InvalidInput', errors: [{ pointer: '/graph/edges/1/weight', message: expect.stringMatching(/path length could overflow/) }] });
  });

  test('two parallel 1e308 paths in a max flow', async () => {
    const edges = [{ from: 's', to: 'a', capacity: 1e308 }, { from: 'a', to: 't', capacity: 1e308 }, { from: 's', to: 'b', capacity: 1e308 }, { from: 'b', to: 't', capacity: 1e308 }];
    const error = await refusal(() => solveMaxflow({ graph: { edges }, source: 's', sink: 't' }, testContext()));
    expect(error).toMatchObject({ code: 'InvalidInput', errors: [{ pointer: '/graph/edges/1/capacity', message: expect.stringMatching(/flow value could overflow/) }] });
  });

  test('a Content-Encoding: gzip header on a body that is not gzip is a 400; a real gzip body is answered', async () => {
    const bad = await request(app).post('/route').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(body);
    expect(bad.status).toBe(400);
    expect(bad.type).toBe('application/problem+json');
    expect(bad.body).toMatchObject({ code: 'InvalidInput', detail: expect.stringMatching(/does not decode as its Content-Encoding/) });
    // (fetch, not supertest, which does not send a Buffer body as it is)
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const good = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/route`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(body),
      });
      expect(good.status).toBe(200);
    } finally {
      server.close();
    }
  });

  test('a body that is not valid UTF-8 is a 400, so ids differing only in invalid bytes are never merged into one node', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"graph":{"edges":[{"from":"a'), Buffer.from([0xff]), Buffer.from('","to":"a'), Buffer.from([0xfe]),
      Buffer.from('","weight":1}]},"source":"a'), Buffer.from([0xff]), Buffer.from('","target":"a'), Buffer.from([0xfe]), Buffer.from('"}'),
    ]);
    const res = await request(app).post('/route').set('Content-Type', 'application/json').serialize((x) => x).send(bytes);
    expect([res.status, res.body.code, res.body.detail]).toEqual([400, 'InvalidInput', expect.stringMatching(/not valid UTF-8/)]);
  });

  test('a UTF-8 byte order mark before the JSON is skipped', async () => {
    const res = await request(app).post('/route').set('Content-Type', 'application/json').serialize((x) => x).send(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]));
    expect(res.status).toBe(200);
  });

  test('a charset other than UTF-8 is refused with 415; utf-8 is fine', async () => {
    const utf7 = await request(app).post('/route').set('Content-Type', 'application/json; charset=utf-7').send(body);
    expect(utf7.status).toBe(415);
    expect(utf7.body.detail).toMatch(/UTF-8 \(got charset=utf-7\)/);
    expect((await request(app).post('/route').set('Content-Type', 'application/json; charset=UTF-8').send(body)).status).toBe(200);
  });
});

describe('configuration fails fast, naming the variable', () => {
  test.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['KEEP_ALIVE_TIMEOUT_MS', 'abc'],
    ['NARSOLVE_LEARNED_WORKERS', 'abc'],
    ['NARSOLVE_LEARNED_WORKERS', '0'],
    ['NARSOLVE_SHUTDOWN_GRACE_MS', '-1'],
    ['NARSOLVE_LEARNED_QUEUE', 'many'],
    ['NARSOLVE_SOLVE_WORKERS', '0'],
    ['NARSOLVE_OFFLOAD_BYTES', '1MB'],
    ['LOG_LEVEL', 'loud'],
    ['NARSOLVE_HEADERS_TIMEOUT_MS', '0'],
    ['NARSOLVE_REQUEST_TIMEOUT_MS', 'soon'],
    ['NARSOLVE_HEADERS_TIMEOUT_MS', '9000000'],
  ])('%s=%s', (name, value) => {
    expect(() => loadServerConfig({ [name]: value })).toThrow(new RegExp(`^config: ${name}=`));
  });

  test('the server exits with status 1 and one line naming the variable, before loading anything', () => {
    const run = spawnSync(process.execPath, [SERVER], { env: { ...process.env, PORT: 'abc' }, encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual(['narsolve: config: PORT="abc" is not a port (an integer from 0 to 65535)']);
  });
});


test('the problem schema lists exactly the codes errors.ts answers with', () => {
  const schema = JSON.parse(require('node:fs').readFileSync(join(__dirname, '..', 'schemas', 'problem.json'), 'utf8'));
  expect([...schema.properties.code.enum].sort()).toEqual(Object.keys(STATUS).sort());
});

test('a model that fails to run is reported without the server\'s own paths', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'narsolve-models-'));
  const manifest = JSON.parse(require('node:fs').readFileSync(join(__dirname, '..', 'models', 'manifest.json'), 'utf8'));
  const junk = Buffer.from('not an onnx model');
  writeFileSync(join(dir, 'maxflow.onnx'), junk);
  manifest.models = { maxflow: { ...manifest.models.maxflow, sha256: require('node:crypto').createHash('sha256').update(junk).digest('hex') } };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const learned = await loadLearnedSolvers({ modelsDir: dir });
  try {
    expect(learned.maxflow.readiness.ready).toBe(false);
    expect(learned.maxflow.readiness.reason).toMatch(/failed to run/);
    expect(learned.maxflow.readiness.reason).not.toContain(dir);
  } finally {
    await learned.close();
  }
});

describe('the server process', () => {
  test('malformed HTTP gets a problem+json 400 from the server itself, not an empty answer', async () => {
    const port = await freePort();
    const server = startServer({ PORT: String(port) });
    expect(await server.listening).toBe(true);
    try {
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n'));
        let text = '';
        socket.on('data', (chunk) => (text += chunk));
        socket.on('close', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request/);
      expect(answer).toMatch(/Content-Type: application\/problem\+json/);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400, code: 'InvalidInput' });
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  test('slow clients get the configured timeouts: headers that never finish and a body that never finishes are each a 408 problem, and the connection closes', async () => {
    const port = await freePort();
    const server = startServer({ PORT: String(port), NARSOLVE_HEADERS_TIMEOUT_MS: '1000', NARSOLVE_REQUEST_TIMEOUT_MS: '2000' });
    expect(await server.listening).toBe(true);
    const answerTo = (start: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(start));
        let text = '';
        socket.on('data', (chunk) => (text += chunk));
        socket.on('close', () => resolve(text));
      });
    try {
      // Node's own default would hold these for 300 s; the test's 60 s timeout fails if the configured ones are ignored.
      const slowHeaders = await answerTo('POST /route HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
      const slowBody = await answerTo('POST /route HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"graph":');
      for (const answer of [slowHeaders, slowBody]) {
        expect(answer).toMatch(/^HTTP\/1\.1 408/);
        expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 408, code: 'RequestTimeout' });
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 60_000);

  test('a port already in use: exit status 1, the reason, and never "listening"', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const server = startServer({ PORT: String(port) });
      expect(await server.exited).toBe(1);
      expect(server.log()).toMatch(/cannot listen on 127\.0\.0\.1:\d+: listen EADDRINUSE/);
      expect(server.log()).not.toMatch(/narsolve listening/);
    } finally {
      taken.close();
    }
  });

  test('SIGTERM with a learned inference and a large request in flight, both in solve workers: both are answered, the workers stop only after them, exit status 0', async () => {
    const port = await freePort();
    // Offload threshold 0: both requests run in solve workers, the learned one through the main thread's learned pool.
    // The deadline is long: this is about draining, and on a busy machine the chain's inference alone can pass the default 30 s.
    const server = startServer({ PORT: String(port), NARSOLVE_SHUTDOWN_GRACE_MS: '60000', NARSOLVE_OFFLOAD_BYTES: '0', NARSOLVE_DEFAULT_TIMEOUT_MS: '110000' });
    expect(await server.listening).toBe(true);
    // A long chain: the processor runs many steps, so the inference is still running when SIGTERM arrives.
    const n = 6000;
    const edges = Array.from({ length: n - 1 }, (_, i) => ({ from: i, to: i + 1, weight: 1 + (i % 9) }));
    const file = join(mkdtempSync(join(tmpdir(), 'narsolve-sig-')), 'body.json');
    writeFileSync(file, JSON.stringify({ graph: { edges }, source: 0, target: n - 1, solver: 'learned' }));
    const answer = fetch(`http://127.0.0.1:${port}/route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: require('node:fs').readFileSync(file) });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const big = randomWeightedGraph(100_000, 400_000, 3);
    const large = fetch(`http://127.0.0.1:${port}/route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ graph: { edges: big }, source: 0, solver: 'classical' }) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    server.child.kill('SIGTERM');
    const res = await answer;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { solver: { used: string } }).solver.used).toBe('learned');
    const largeRes = await large;
    expect(largeRes.status).toBe(200);
    expect(((await largeRes.json()) as { certificate: { verified: boolean } }).certificate.verified).toBe(true);
    expect(await server.exited).toBe(0);
    // Both requests were still running when the signal came.
    expect(server.log()).toMatch(/"inFlight":2,.*shutting down/);
    expect(server.log()).toMatch(/"msg":"stopped"/);
    expect(server.log()).not.toMatch(/terminate called|Napi::Error/);
  });
});

describe('values near the double limit', () => {
  test('observations [1e308, 1e308] are a valid edge whose median is 1e308, not an overflow', async () => {
    const answer = await solveRoute({ graph: { edges: [{ from: 'a', to: 'b', observations: [1e308, 1e308] }] }, source: 'a', target: 'b', solver: 'classical' }, testContext());
    expect(answer.distance).toBe(1e308);
  });

  test('a sum that overflows points at the field that overflowed it: a capacity, or an edge\'s observations (counted at their largest)', async () => {
    const capacities = await refusal(() => solveMaxflow({ graph: { edges: [{ from: 's', to: 't', capacity: 1e308 }, { from: 's', to: 't', capacity: 1e308 }] }, source: 's', sink: 't' }, testContext()));
    expect(capacities.errors).toEqual([{ pointer: '/graph/edges/1/capacity', message: expect.stringMatching(/capacities add up/) }]);
    const observed = await refusal(() => solveRoute({ graph: { edges: [{ from: 'a', to: 'b', observations: [1e308] }, { from: 'b', to: 'c', observations: [1, 1e308] }] }, source: 'a', target: 'c' }, testContext()));
    expect(observed.errors).toEqual([{ pointer: '/graph/edges/1/observations', message: expect.stringMatching(/largest observation, the costs add up/) }]);
    const columns = await refusal(() => solveRoute({ graph: { edges: { from: ['a', 'b'], to: ['b', 'c'], weight: [null, 1e308], observations: [[1e308], null] } }, source: 'a', target: 'c' }, testContext()));
    expect(columns.errors).toEqual([{ pointer: '/graph/edges/weight/1', message: expect.stringMatching(/weight, the costs add up/) }]);
  });
});

describe('what a body may cost', () => {
  const route = (padding: number) => `{"graph":{"edges":[{"from":"a","to":"b","weight":1}]},${' '.repeat(padding)}"source":"a"}`;

  test('a compressed body that inflates past NARSOLVE_MAX_INFLATION_RATIO is a 413 as soon as it passes it, not inflated to its end', async () => {
    const bomb = gzipSync(route(200 * 1024 * 1024));
    const res = await request(app).post('/route').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').serialize((x) => x).send(bomb);
    expect([res.status, res.body.code]).toEqual([413, 'TooBig']);
    expect(res.body.detail).toContain('NARSOLVE_MAX_INFLATION_RATIO');
    // An ordinary compressed body (JSON compresses 5-20 times) is answered.
    const fine = await request(app).post('/route').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').serialize((x) => x).send(gzipSync(route(50_000)));
    expect(fine.status).toBe(200);
  });

  test('bodies held at once are bounded by NARSOLVE_MAX_BODY_BYTES_IN_FLIGHT: past it a 503 with Retry-After, and each answer gives its bytes back', async () => {
    const small = createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, learned: learnedDisabled(), limits: { maxBodyBytesInFlight: 4000 } });
    const over = await request(small).post('/route').set('Content-Type', 'application/json').send(route(5000));
    expect([over.status, over.body.code, over.headers['retry-after']]).toEqual([503, 'Overloaded', '1']);
    expect(over.body.detail).toContain('NARSOLVE_MAX_BODY_BYTES_IN_FLIGHT');
    // Three bodies of 3,000 bytes one after another all fit: each gave its bytes back when answered.
    for (let i = 0; i < 3; i++) expect((await request(small).post('/route').set('Content-Type', 'application/json').send(route(3000))).status).toBe(200);
  });

  test('a Content-Length over NARSOLVE_MAX_BODY_BYTES is a 413 before any byte is read', async () => {
    const small = createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, learned: learnedDisabled(), limits: { maxBodyBytes: 100 } });
    const res = await request(small).post('/route').set('Content-Type', 'application/json').send(route(500));
    expect([res.status, res.body.code]).toEqual([413, 'TooBig']);
    expect(res.body.detail).toContain('NARSOLVE_MAX_BODY_BYTES');
  });
});
