import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/api/app';
import { loadLearnedSolvers } from '../src/solvers/learned';

const dir = mkdtempSync(join(tmpdir(), 'narsolve-cli-'));
const write = (name: string, body: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
};

async function run(args: string[]): Promise<{ code: number; output: unknown }> {
  let text = '';
  const code = await runCli(args, (t) => {
    text += t;
  });
  return { code, output: text ? JSON.parse(text) : undefined };
}

describe('narsolve CLI', () => {
  test('narsolve graphs: register, observe and route by id on the data folder, with problems for what is wrong', async () => {
    const previous = process.env.NARSOLVE_DATA_DIR;
    process.env.NARSOLVE_DATA_DIR = mkdtempSync(join(tmpdir(), 'narsolve-cli-data-'));
    try {
      const graph = write('graph.json', { graph: { edges: [{ from: 'a', to: 'b' }, { from: 'a', to: 'c', weight: 5 }, { from: 'c', to: 'b', weight: 1 }] } });
      expect(await run(['graphs', 'put', 'net', graph])).toMatchObject({ code: 0, output: { graphId: 'net', version: 1, edges: 3 } });
      expect(await run(['graphs', 'observe', 'net', write('obs.json', { observations: { edge: [0], value: [2] } })])).toMatchObject({ code: 0, output: { accepted: 1, epoch: 1 } });
      const route = await run(['graphs', 'route', 'net', write('q.json', { source: 'a', target: 'b', solver: 'classical' })]);
      expect(route).toMatchObject({ code: 0, output: { distance: 2, pathEdges: [0], graph: { id: 'net', epoch: 1 } } });
      expect(await run(['graphs', 'list'])).toMatchObject({ code: 0, output: { graphs: [{ graphId: 'net' }] } });
      expect(await run(['graphs', 'get', 'none'])).toMatchObject({ code: 1, output: { code: 'GraphNotFound' } });
      expect(await run(['graphs', 'delete', 'net'])).toMatchObject({ code: 0, output: { deleted: 'net' } });
      expect((await run(['graphs', 'route', 'net'])).code).toBe(2);
    } finally {
      if (previous === undefined) delete process.env.NARSOLVE_DATA_DIR;
      else process.env.NARSOLVE_DATA_DIR = previous;
    }
  });

  test('narsolve route request.json prints the same answer as the API', async () => {
    const file = write('route.json', { graph: { edges: [{ from: 'a', to: 'b', weight: 2 }] }, source: 'a', target: 'b' });
    const { code, output } = await run(['route', file]);
    expect(code).toBe(0);
    expect(output).toMatchObject({ code: 'Ok', distance: 2, path: ['a', 'b'] });
  });

  test('narsolve maxflow request.json prints the flow and cut', async () => {
    const file = write('flow.json', { graph: { edges: [{ from: 's', to: 't', capacity: 4 }] }, source: 's', sink: 't' });
    const { code, output } = await run(['maxflow', file]);
    expect(code).toBe(0);
    expect(output).toMatchObject({ value: 4 });
  });

  test('a refused request prints the problem JSON and exits 1', async () => {
    const file = write('bad.json', '{"graph": ');
    const { code, output } = await run(['route', file]);
    expect(code).toBe(1);
    expect(output).toMatchObject({ code: 'InvalidInput', status: 400 });
  });

  test('wrong usage exits 2', async () => {
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect((await run(['fly', 'x.json'])).code).toBe(2);
      expect((await run(['route', join(dir, 'missing.json')])).code).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });

  test('the built CLI reads a request from stdin with "-"', () => {
    const built = join(__dirname, '..', JSON.parse(require('node:fs').readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).bin.narsolve);
    const probe = spawnSync(process.execPath, [built, '--help']);
    if (probe.error || probe.status === null) throw new Error('run `npm run build` before the CLI test');
    const out = execFileSync(process.execPath, [built, 'route', '-'], {
      input: JSON.stringify({ graph: { edges: [{ from: 1, to: 2, weight: 7 }] }, source: 1, target: 2 }),
    });
    expect(JSON.parse(out.toString())).toMatchObject({ distance: 7 });
  });

  test('the package main export (compiled dist/) offers solveRoute, solveMaxflow, createApp and NarsolveError', async () => {
    const pkg = JSON.parse(require('node:fs').readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
    const main = require(join(__dirname, '..', pkg.main));
    expect(Object.keys(main)).toEqual(expect.arrayContaining(['solveRoute', 'solveMaxflow', 'createApp', 'NarsolveError', 'loadLearnedSolvers']));
    const answer = await main.solveMaxflow({ graph: { edges: [{ from: 'a', to: 'b', capacity: 2 }] }, source: 'a', sink: 'b' });
    expect(answer.value).toBe(2);
    await expect(main.solveRoute({ graph: { edges: [] }, source: 'a' })).rejects.toMatchObject({ code: 'InvalidInput', status: 400 });
  });
});

describe('library, CLI and server give the same answer to the same body', () => {
  const body = {
    graph: { edges: [{ from: 'a', to: 'b', observations: [2, 3, null, 9] }, { from: 'b', to: 'c', weight: 1 }, { from: 'a', to: 'c', observations: [4.5, 4.1] }] },
    source: 'a',
    target: 'c',
    solver: 'learned' as const,
  };
  const withoutTimes = (answer: { timingsMs?: unknown }) => ({ ...answer, timingsMs: undefined });

  test('a noisy request: the library loads the models on first use, the CLI and the server answer the same', async () => {
    const pkg = JSON.parse(require('node:fs').readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
    const library = await require(join(__dirname, '..', pkg.main)).solveRoute(body);
    expect(library.solver.used).toBe('learned');
    const file = join(dir, 'noisy.json');
    writeFileSync(file, JSON.stringify(body));
    const cli = JSON.parse(execFileSync(process.execPath, [join(__dirname, '..', pkg.bin.narsolve), 'route', file]).toString());
    const learned = await loadLearnedSolvers();
    try {
      const server = await request(createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, learned })).post('/route').send(body);
      expect(withoutTimes(cli)).toEqual(withoutTimes(library));
      expect(withoutTimes(server.body)).toEqual(withoutTimes(library));
    } finally {
      await learned.close();
    }
  });
});
