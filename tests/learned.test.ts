import * as ort from 'onnxruntime-node';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/api/app';
import { solveRoute } from '../src/services/route';
import { loadLearnedSolvers, type LearnedSolvers } from '../src/solvers/learned';
import { DEFAULT_LIMITS, resolveConfig } from '../src/config';
import { compactGraph } from '../src/graph/compact';
import { encodeBellmanFord } from '../src/solvers/learned/bellmanFordEncoding';
import { learnedDisabled } from '../src/solvers/learned';
import { chainEdges, gridEdges, hopDepth, randomWeightedGraph, withPotential, rng } from '../generators/graphs';
import { expectMatchesSchema, refusal, withModel } from './helpers';
import { maxSteps } from '../src/solvers/learned/steps';
import { MODELS, stepOutputs } from '../src/solvers/learned/models';
import { shapeOf } from '../src/solvers/learned/tensors';
import { goldenFeeds } from './golden';

const MODELS_DIR = join(__dirname, '..', 'models');
const SPEC = JSON.parse(readFileSync(join(__dirname, '..', 'training', 'specs', 'bellman_ford.json'), 'utf8'));

// The training smoke run points this at a fresh export; by default it checks the committed model.
const CONTRACT_MODELS = process.env.NARSOLVE_CONTRACT_MODELS ?? MODELS_DIR;

describe('contract: onnxruntime-node reproduces the torch golden outputs', () => {
  const golden = JSON.parse(readFileSync(join(CONTRACT_MODELS, 'fixtures', 'bellman_ford_golden.json'), 'utf8'));

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const cases: [number, string, string, any][] = golden.cases.map((c: { family: string; weighting: string }, i: number) => [i, c.family, c.weighting, c]);

  test.each(cases)('golden case %i (%s, %s weights): encodeBellmanFord gives the tensors Python fed the model', (_i, _family, _weighting, c) => {
    const graph = compactGraph(
      { directed: true, nodes: Array.from({ length: c.n }, (_, v) => v), edges: c.tails.map((t: number, a: number) => ({ from: t, to: c.heads[a], weight: c.weights[a] })) },
      'weight',
      DEFAULT_LIMITS,
    );
    const inputs = encodeBellmanFord(graph, c.source);
    for (const [key, field] of Object.entries(MODELS.route.tensors)) {
      const [data, shape] = c.inputs[field.feed] as [number[], number[]];
      expect(Array.from(inputs[key as keyof typeof MODELS.route.tensors], Number)).toEqual(data.map((x) => Math.fround(x)));
      expect(shape).toEqual(shapeOf(field, inputs as unknown as Record<string, unknown>));
    }
  });
  test.each(cases)(
    'golden case %i (%s, %s weights)',
    async (_i, _family, _weighting, c) => {
      const session = await ort.InferenceSession.create(join(CONTRACT_MODELS, 'bellman_ford.onnx'));
      const feeds = goldenFeeds(MODELS.route, c.inputs, c.n, golden.hidden);
      for (const step of c.steps) {
        const out = await session.run(feeds);
        for (const name of stepOutputs(MODELS.route)) {
          const got = Array.from(out[name].data as Float32Array);
          const want = step[name] as number[];
          expect(got).toHaveLength(want.length);
          const worst = Math.max(...got.map((g, j) => (want[j] < -1e8 ? 0 : Math.abs(g - want[j]) / Math.max(1, Math.abs(want[j])))));
          expect(worst).toBeLessThanOrEqual(golden.tolerance);
        }
        feeds.h = out.h_next;
      }
      await session.release();
    },
  );
});

describe('degraded mode: a bad model never stops the service', () => {
  test('a missing model file leaves the learned route solver unavailable, with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'models-'));
    copyFileSync(join(MODELS_DIR, 'manifest.json'), join(dir, 'manifest.json'));
    const learned = await loadLearnedSolvers({ modelsDir: dir });
    expect(learned.route.readiness.ready).toBe(false);
    expect(learned.route.readiness.reason).toMatch(/no model file at models\/bellman_ford.onnx/);
    await learned.close();
  });

  test('a corrupt model file is refused by its checksum', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'models-'));
    copyFileSync(join(MODELS_DIR, 'manifest.json'), join(dir, 'manifest.json'));
    writeFileSync(join(dir, 'bellman_ford.onnx'), 'not a model');
    const learned = await loadLearnedSolvers({ modelsDir: dir });
    expect(learned.route.readiness).toMatchObject({ ready: false, reason: expect.stringContaining('sha256') });
  });

  test('a model that matches its manifest but cannot run is caught at start-up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'models-'));
    const manifest = JSON.parse(readFileSync(join(MODELS_DIR, 'manifest.json'), 'utf8'));
    const junk = Buffer.from('garbage that is not onnx');
    writeFileSync(join(dir, 'bellman_ford.onnx'), junk);
    manifest.models.bellman_ford.sha256 = require('node:crypto').createHash('sha256').update(junk).digest('hex');
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const learned = await loadLearnedSolvers({ modelsDir: dir });
    expect(learned.route.readiness).toMatchObject({ ready: false, reason: expect.stringContaining('failed to run') });
  });

  // A spec copy that lacks a serving fact must not be served with a guess in its place.
  test.each([
    ['the stopping patience', (spec: any) => delete spec.model.steps.patience, /spec\.model\.steps\.patience must be a positive integer/],
    ['what the stopping rule watches', (spec: any) => delete spec.model.steps.watch, /spec\.model\.steps\.watch undefined is not "pointers" or "state"/],
    ['the step cap', (spec: any) => (spec.model.steps.cap = 'nodes * 2'), /model\.steps\.cap "nodes \* 2" is not a cap this build implements/],
    ['the step rule', (spec: any) => (spec.model.steps.rule = 'fixed'), /model\.steps\.rule "fixed" is not a step rule this build implements/],
    ['a serving limit', (spec: any) => delete spec.serving.limits.max_slot_steps, /spec\.serving\.limits\.max_slot_steps must be a positive integer/],
    ['the hidden size', (spec: any) => delete spec.model.hidden, /spec\.model\.hidden must be a positive integer/],
    ['the released version', (spec: any) => (spec.serving.version = '9.9.9'), /version "\d+\.\d+\.\d+" is not the spec's serving\.version "9\.9\.9"/],
    ['whether auto runs it', (spec: any) => delete spec.serving.auto, /spec\.serving\.auto must be true or false/],
    ['a tensor name', (spec: any) => (spec.model.step_inputs = { h: {}, source: {}, nbr_index: {}, weights: {}, nbr_mask: {} }), /the spec names tensors .*weights/],
  ])('a manifest whose spec copy lacks or changes %s leaves the model not ready, with the reason in /readyz', async (_what, breakSpec, reason) => {
    const dir = mkdtempSync(join(tmpdir(), 'models-'));
    const manifest = JSON.parse(readFileSync(join(MODELS_DIR, 'manifest.json'), 'utf8'));
    breakSpec(manifest.models.bellman_ford.spec);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    copyFileSync(join(MODELS_DIR, 'bellman_ford.onnx'), join(dir, 'bellman_ford.onnx'));
    const learned = await loadLearnedSolvers({ modelsDir: dir });
    try {
      expect(learned.route.model).toBeUndefined();
      expect(learned.route.readiness.ready).toBe(false);
      expect(learned.route.readiness.reason).toMatch(reason);
      const app = createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, learned });
      const ready = await request(app).get('/readyz');
      expect(ready.body.solvers.learned.route.reason).toMatch(reason);
    } finally {
      await learned.close();
    }
  });

  test('with the learned solver unavailable, auto answers classically and says why', async () => {
    const ctx = { config: resolveConfig(), learned: learnedDisabled('model missing in this test') };
    const answer = await solveRoute({ graph: { edges: [{ from: 1, to: 2, weight: 1 }] }, source: 1, target: 2 }, ctx);
    expect(answer.solver).toMatchObject({ used: 'classical', fallbackReason: 'learned solver unavailable: model missing in this test' });
  });
});

describe('serving the learned Bellman-Ford', () => {
  let learned: LearnedSolvers;
  const ctx = () => ({ config: resolveConfig(), learned });
  beforeAll(async () => {
    learned = await loadLearnedSolvers();
  });
  afterAll(() => learned.close());

  test('the committed model loads and is ready', () => {
    expect(learned.route.readiness).toMatchObject({ ready: true, version: expect.any(String) });
  });

  test('a run stops where the Python reference stops: once what the spec watches has been unchanged for its patience', async () => {
    const golden = JSON.parse(readFileSync(join(MODELS_DIR, 'fixtures', 'bellman_ford_golden.json'), 'utf8'));
    const model = learned.route.model!;
    expect(model.steps.patience).toBe(SPEC.model.steps.patience);
    for (const c of golden.cases) {
      // The step cap is the spec's rule, computed here as Python computed it.
      expect(maxSteps(model.steps, c.n)).toBe(c.served.max_steps);
      const [index, shape] = c.inputs.nbr_index as [number[], number[]];
      const result = await model.infer(
        {
          n: c.n,
          k: shape[1],
          source: Float32Array.from(c.inputs.source[0]),
          nbrIndex: BigInt64Array.from(index.map(BigInt)),
          nbrWeight: Float32Array.from(c.inputs.nbr_weight[0]),
          nbrMask: Float32Array.from(c.inputs.nbr_mask[0]),
          maxSteps: c.served.max_steps,
        },
      );
      expect({ steps: result.steps, settled: result.settled, choice: Array.from(result.choice) }).toEqual({
        steps: c.served.steps,
        settled: c.served.settled,
        choice: c.served.choice,
      });
      result.distance.forEach((d: number, v: number) => expect(Math.abs(d - c.served.distance[v])).toBeLessThanOrEqual(golden.tolerance * Math.max(1, Math.abs(c.served.distance[v]))));
    }
  });

  test('with the committed spec (serving.auto false), auto answers weights-only requests with the exact solver, runs no inference, and says why', async () => {
    expect(learned.route.model!.auto).toBe(false);
    const answer = await solveRoute({ graph: { edges: randomWeightedGraph(50, 150, 3) }, source: 0, target: 9 }, ctx());
    expect(answer.solver).toMatchObject({ used: 'classical', fallbackReason: expect.stringMatching(/auto does not run it .*serving\.auto false/) });
    expect(answer.solver.learned).toBeUndefined();
    expect(answer.timingsMs.infer).toBeUndefined();
    const measured = await solveRoute({ graph: { edges: randomWeightedGraph(50, 150, 3) }, source: 0, target: 9, solver: 'learned' }, ctx());
    expect(measured.solver.learned?.steps).toBeGreaterThan(0);
  });

  test('auto with a processor whose spec lets it run is always exact and certified, on graphs far larger than training, with positive and negative weights', async () => {
    const ctx = () => withModel(learned, 'route', { auto: true });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 20, max: 400 }), fc.integer({ min: 1, max: 1e9 }), fc.boolean(), async (n, seed, negative) => {
        const base = randomWeightedGraph(n, n * 3, seed);
        const edges = negative ? withPotential(base, n, seed + 1) : base;
        const target = Math.floor(rng(seed)() * n);
        const learnedAnswer = await solveRoute({ graph: { edges }, source: 0, target }, ctx());
        const exact = await solveRoute({ graph: { edges }, source: 0, target, solver: 'classical' }, ctx());
        expect(learnedAnswer.certificate.verified).toBe(true);
        expect(learnedAnswer.code).toBe(exact.code);
        expect(learnedAnswer.distance).toBe(exact.distance);
        expect(learnedAnswer.solver.learned?.steps).toBeGreaterThan(0);
        if (learnedAnswer.solver.used === 'classical') expect(learnedAnswer.solver.repair).toBeDefined();
        expectMatchesSchema('route-response.json', learnedAnswer);
      }),
      { numRuns: 60 },
    );
  });

  test('auto on a graph with a reachable negative cycle still answers NegativeCycle', async () => {
    const error = await refusal(() =>
      solveRoute({ graph: { edges: [{ from: 's', to: 'a', weight: 1 }, { from: 'a', to: 'b', weight: -3 }, { from: 'b', to: 'a', weight: 1 }] }, source: 's' }, ctx()),
    );
    expect(error.code).toBe('NegativeCycle');
  });

  test('solver "learned" returns the raw learned answer with its verdict, without repair', async () => {
    const edges = randomWeightedGraph(300, 1200, 77);
    const answer = await solveRoute({ graph: { edges }, source: 0, solver: 'learned' }, ctx());
    expect(answer.solver.used).toBe('learned');
    expect(answer.solver.repair).toBeUndefined();
    expect(typeof answer.certificate.verified).toBe('boolean');
    if (!answer.certificate.verified) expect(answer.certificate.failures!.length).toBeGreaterThan(0);
    expectMatchesSchema('route-response.json', answer);
  });

  test('through zero-weight cycles (zero-length connectors) the pointers stay a tree: a tie never moves one', async () => {
    // p is reached from s first; then u, through p at no cost, offers p the same distance. Moving on that
    // tie would make p and u point at each other; the processor keeps p's pointer.
    const edges = [
      { from: 'u', to: 'p', weight: 0 },
      { from: 's', to: 'p', weight: 1 },
      { from: 'p', to: 'u', weight: 0 },
    ];
    const raw = await solveRoute({ graph: { edges }, source: 's', solver: 'learned' }, ctx());
    expect(raw.certificate.verified).toBe(true);
    expect((raw as { tree: { predecessor: unknown } }).tree.predecessor).toEqual({ s: null, p: 's', u: 'p' });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 10, max: 150 }), fc.integer({ min: 1, max: 1e9 }), async (n, seed) => {
        // Undirected, weights 0–3: most nodes sit on zero-weight cycles and distances tie everywhere.
        const r = rng(seed);
        const zeroHeavy = randomWeightedGraph(n, n * 2, seed, 0, 3).flatMap((e) => {
          const weight = r() < 0.5 ? 0 : e.weight;
          return [{ ...e, weight }, { from: e.to, to: e.from, weight }];
        });
        const answer = await solveRoute({ graph: { edges: zeroHeavy }, source: 0, solver: 'learned' }, ctx());
        const exact = await solveRoute({ graph: { edges: zeroHeavy }, source: 0, solver: 'classical' }, ctx());
        expect(answer.certificate.verified).toBe(true);
        expect((answer as { tree: { distance: unknown } }).tree.distance).toEqual((exact as { tree: { distance: unknown } }).tree.distance);
      }),
      { numRuns: 25 },
    );
  });

  // Size generalization at small cost: executions past the ~60 rounds where the v0.3 processor drifted.
  test.each([
    ['a 150-node chain, entered at one end', chainEdges(150, 5), 0],
    ['a 40×40 grid with random weights, from a corner', gridEdges(40, 6), 0],
  ])('on %s, the raw learned tree is exact and the run stops one step after the last change', async (_name, edges, source) => {
    const raw = await solveRoute({ graph: { edges }, source, solver: 'learned' }, ctx());
    const exact = await solveRoute({ graph: { edges }, source, solver: 'classical' }, ctx());
    expect(raw.solver.used).toBe('learned');
    expect(raw.certificate.verified).toBe(true);
    // Equal-length paths (integer weights tie often) may give another tree; the distances must agree.
    expect((raw as { tree: { distance: unknown } }).tree.distance).toEqual((exact as { tree: { distance: unknown } }).tree.distance);
    const hops = hopDepth((exact as { tree: { predecessor: Record<string, string | number | null> } }).tree.predecessor);
    expect(hops).toBeGreaterThanOrEqual(60);
    // Synchronous Bellman-Ford changes nothing after round hop depth; watch "state" sees that one step later.
    expect(raw.solver.learned!.steps).toBeLessThanOrEqual(hops + learned.route.model!.steps.patience);
  });

  test('over HTTP, /readyz says the learned route solver is ready and answers report the model run', async () => {
    const app = createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, learned: withModel(learned, 'route', { auto: true }).learned });
    const ready = await request(app).get('/readyz');
    expect(ready.body.solvers.learned.route).toMatchObject({ ready: true, version: expect.any(String) });
    expect(ready.body.solvers.learned.maxflow.ready).toBe(existsSync(join(MODELS_DIR, 'maxflow.onnx')));
    const res = await request(app).post('/route').send({ graph: { edges: randomWeightedGraph(40, 120, 9) }, source: 0, target: 5 });
    expect(res.status).toBe(200);
    expect(res.body.solver.learned).toMatchObject({ steps: expect.any(Number), converged: expect.any(Boolean) });
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(/narsolve_solver_used_total\{route="\/route",solver="(learned|classical)",algorithm="[^"]*gnn-bellman-ford[^"]*"\} 1/);
  });

  test('when inference fails (a dead worker, a full queue), auto still answers exactly and learned says why', async () => {
    const failing = withModel(learned, 'route', { auto: true, infer: () => Promise.reject(new Error('worker exited')) });
    const body = { graph: { edges: randomWeightedGraph(30, 90, 5) }, source: 0, target: 7 };
    const answer = await solveRoute(body, failing);
    expect(answer.solver).toMatchObject({ used: 'classical', fallbackReason: 'learned inference failed: worker exited' });
    expect(answer.certificate.verified).toBe(true);
    expect((await refusal(() => solveRoute({ ...body, solver: 'learned' }, failing))).code).toBe('ModelUnavailable');
  });

  test('a graph past the model\'s padded-slot limit goes straight to the classical solver with the reason', async () => {
    const tight = withModel(learned, 'route', { auto: true, limits: { maxPaddedSlots: 4, maxSlotSteps: 50_000_000 } });
    const answer = await solveRoute({ graph: { edges: randomWeightedGraph(10, 30, 1) }, source: 0 }, tight);
    expect(answer.solver.used).toBe('classical');
    expect(answer.solver.fallbackReason).toMatch(/padded neighbour slots/);
    const error = await refusal(() => solveRoute({ graph: { edges: randomWeightedGraph(10, 30, 1) }, source: 0, solver: 'learned' }, tight));
    expect(error.code).toBe('ModelUnavailable');
  });
});
