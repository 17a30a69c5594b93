/**
 * A script's first call: a request the exact solver answers alone (solver classical, or auto on plain
 * weights or capacities while the served specs say serving.auto false) is answered without loading
 * the models, and the answer is the one the loaded models give. A request that may need a model
 * still loads them.
 */
import * as learnedModule from '../src/solvers/learned';
import { solveMaxflow, solveRoute } from '../src/library';

const answerOf = ({ timingsMs: _t, ...rest }: { timingsMs: unknown }) => rest;

const ROAD = { graph: { edges: [{ from: 'a', to: 'b', weight: 1 }, { from: 'b', to: 'c', weight: 2 }, { from: 'a', to: 'c', weight: 5 }] }, source: 'a', target: 'c' };
const PIPES = { graph: { edges: [{ from: 's', to: 'a', capacity: 3 }, { from: 'a', to: 't', capacity: 2 }, { from: 's', to: 't', capacity: 1 }] }, source: 's', sink: 't' };

describe('the library on a first call', () => {
  let loaded: learnedModule.LearnedSolvers;
  beforeAll(async () => {
    loaded = await learnedModule.loadLearnedSolvers();
  });
  afterAll(() => loaded.close());
  afterEach(() => jest.restoreAllMocks());

  test.each([
    ['a route on plain weights (auto)', () => solveRoute(ROAD), () => solveRoute(ROAD, { learned: loaded })],
    ['a route with solver classical', () => solveRoute({ ...ROAD, solver: 'classical' }), () => solveRoute({ ...ROAD, solver: 'classical' }, { learned: loaded })],
    ['a max flow on plain capacities (auto)', () => solveMaxflow(PIPES), () => solveMaxflow(PIPES, { learned: loaded })],
  ])('%s is answered without loading the models, as the loaded models answer it', async (_name, lazy, eager) => {
    const load = jest.spyOn(learnedModule, 'loadLearnedSolvers');
    const answer = await lazy();
    expect(load).not.toHaveBeenCalled();
    expect(answerOf(answer)).toEqual(answerOf(await eager()));
    expect(answer.solver.used).toBe('classical');
  });

  // The library loads its models once per process: this is the file's first call that needs them.
  test('a route with observations loads them: the encoder may answer it', async () => {
    const load = jest.spyOn(learnedModule, 'loadLearnedSolvers');
    const noisy = { graph: { edges: [{ from: 'a', to: 'b', observations: [1, 1.2] }, { from: 'b', to: 'c', observations: [2, 2.1] }] }, source: 'a', target: 'c' };
    const answer = await solveRoute(noisy);
    expect(load).toHaveBeenCalledTimes(1);
    expect(answerOf(answer)).toEqual(answerOf(await solveRoute(noisy, { learned: loaded })));
  });

  test('solver learned loads them', async () => {
    const answer = await solveRoute({ ...ROAD, solver: 'learned' });
    expect(answer.solver.used).toBe('learned');
  });
});

test('require(\'narsolve\') and a route in a fresh process load neither the HTTP stack, ajv\'s compiler, the worker pool, LMDB, the flow solvers nor other schemas\' validators', () => {
  // The built package's main, in a process of its own: what it loads is what a script's first call pays for.
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  const { join } = require('node:path') as typeof import('node:path');
  const library = join(__dirname, '..', 'dist', 'src', 'index.js');
  const script = `
    require(${JSON.stringify(library)}).solveRoute(${JSON.stringify({ ...ROAD, solver: 'classical' })}).then((answer) => {
      const loaded = Object.keys(require.cache).map((path) => path.split(require('node:path').sep).join('/'));
      console.log(JSON.stringify({ distance: answer.distance, loaded }));
    });`;
  const { distance, loaded } = JSON.parse(execFileSync(process.execPath, ['-e', script]).toString()) as { distance: number; loaded: string[] };
  expect(distance).toBe(3);
  // (The prebuilt validators use one helper of ajv's runtime, for string lengths; the compiler is what must stay unloaded.)
  expect(loaded.filter((path) => /node_modules\/(ajv\/(?!dist\/runtime\/)|piscina\/|lmdb\/|onnxruntime-node\/|express\/|pino\/|prom-client\/)/.test(path))).toEqual([]);
  expect(loaded.filter((path) => /services\/maxflow\.js$|classical\/pushRelabel\.js$/.test(path))).toEqual([]);
  expect(loaded.filter((path) => path.includes('/services/validators/')).map((path) => path.split('/').pop())).toEqual(['route-request.json.js']);
});

describe('what the package ships is one bundled file each for its main and its bin', () => {
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const { mkdtempSync, readFileSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
  const { tmpdir } = require('node:os') as typeof import('node:os');
  const { join, sep } = require('node:path') as typeof import('node:path');
  const root = join(__dirname, '..');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; bin: { narsolve: string } };
  const dir = mkdtempSync(join(tmpdir(), 'narsolve-bundles-'));
  const file = join(dir, 'route.json');
  writeFileSync(file, JSON.stringify(ROAD));
  // Preloaded into the process: at exit, every module file it read, on stderr.
  const probe = join(dir, 'probe.js');
  writeFileSync(probe, "process.on('exit', () => process.stderr.write(JSON.stringify(Object.keys(require.cache))));");
  /** Files of this package (not of npm packages, not the probe) that a fresh process read. */
  const ours = (stderr: Buffer) => (JSON.parse(stderr.toString()) as string[]).map((path) => path.split(sep).join('/')).filter((path) => path.includes('/dist/') && !path.includes('/node_modules/')).map((path) => path.split('/dist/').pop());

  test('the CLI: a route reads the bundle and its request validator, nothing else of ours, and answers as the library does', async () => {
    const run = spawnSync(process.execPath, ['--require', probe, join(root, pkg.bin.narsolve), 'route', file]);
    expect(run.status).toBe(0);
    expect(ours(run.stderr)).toEqual(['narsolve-cli.js', 'src/services/validators/route-request.json.js']);
    expect(answerOf(JSON.parse(run.stdout.toString()))).toEqual(answerOf(await solveRoute(ROAD)));
  });

  test('the main: require and a route read the bundle and its request validator, nothing else of ours, and answer as the library does', async () => {
    const script = `require(${JSON.stringify(join(root, pkg.main))}).solveRoute(${JSON.stringify(ROAD)}).then((answer) => console.log(JSON.stringify(answer)));`;
    const run = spawnSync(process.execPath, ['--require', probe, '-e', script]);
    expect(run.status).toBe(0);
    expect(ours(run.stderr)).toEqual(['narsolve.js', 'src/services/validators/route-request.json.js']);
    expect(answerOf(JSON.parse(run.stdout.toString()))).toEqual(answerOf(await solveRoute(ROAD)));
  });
});
