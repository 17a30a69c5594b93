import * as ort from 'onnxruntime-node';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/api/app';
import { resolveConfig } from '../src/config';
import { compactGraph } from '../src/graph/compact';
import { DEFAULT_LIMITS } from '../src/config';
import { solveMaxflow } from '../src/services/maxflow';
import { loadLearnedSolvers, type LearnedSolvers } from '../src/solvers/learned';
import { encodeMaxflow } from '../src/solvers/learned/maxflowEncoding';
import { plannedSteps, readStepRule } from '../src/solvers/learned/steps';
import { MODELS, stepOutputs } from '../src/solvers/learned/models';
import { goldenFeeds } from './golden';
import { verifyMaxflow } from '../src/verify/maxflow';
import { CAPACITY_KINDS, FLOW_FAMILIES, flowFamilyNetwork, flowRequestBody, randomFlowNetwork } from '../generators/graphs';
import { expectMatchesSchema, refusal, withModel } from './helpers';

const MODELS_DIR = join(__dirname, '..', 'models');
const SPEC = JSON.parse(readFileSync(join(__dirname, '..', 'training', 'specs', 'maxflow.json'), 'utf8'));
// The training smoke run points this at a fresh export; by default it checks the committed model.
const CONTRACT_MODELS = process.env.NARSOLVE_CONTRACT_MODELS ?? MODELS_DIR;
const golden = JSON.parse(readFileSync(join(CONTRACT_MODELS, 'fixtures', 'maxflow_golden.json'), 'utf8'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const cases: [number, string, string, any][] = golden.cases.map((c: { family: string; capacities: string }, i: number) => [i, c.family, c.capacities, c]);

describe('contract: the TypeScript encoder and onnxruntime-node reproduce the Python side', () => {
  test.each(cases)('golden case %i (%s, %s capacities): encodeMaxflow gives the tensors and hop depth training gave', (_i, _f, _k, c) => {
    const graph = compactGraph(
      { nodes: Array.from({ length: c.n }, (_, v) => v), edges: c.tails.map((t: number, a: number) => ({ from: t, to: c.heads[a], capacity: c.capacity[a] })) },
      'capacity',
      DEFAULT_LIMITS,
    );
    const inputs = encodeMaxflow(graph, c.source, c.sink);
    expect(inputs.hopDepth).toBe(c.hop_depth);
    // The step rule is the spec's, computed here as Python computed it for training.
    const rule = readStepRule(SPEC.model.steps);
    if ('unknown' in rule || rule.rule !== 'hop_depth + extra') throw new Error(`the max-flow spec's step rule is not hop_depth + extra`);
    expect(plannedSteps(rule, inputs.hopDepth)).toBe(c.planned_steps);
    for (const [key, field] of Object.entries(MODELS.maxflow.tensors)) {
      const [data] = c.inputs[field.feed] as [number[], number[]];
      expect(Array.from(inputs[key as keyof typeof MODELS.maxflow.tensors], Number)).toEqual(data.map((x) => Math.fround(x)));
    }
  });

  test.each(cases)('golden case %i (%s, %s capacities): three steps match torch', async (_i, _f, _k, c) => {
    const session = await ort.InferenceSession.create(join(CONTRACT_MODELS, 'maxflow.onnx'));
    const feeds = goldenFeeds(MODELS.maxflow, c.inputs, c.n, golden.hidden);
    for (const step of c.steps) {
      const out = await session.run(feeds);
      for (const name of stepOutputs(MODELS.maxflow)) {
        const got = Array.from(out[name].data as Float32Array);
        const want = step[name] as number[];
        expect(got).toHaveLength(want.length);
        const worst = Math.max(...got.map((g, j) => Math.abs(g - want[j]) / Math.max(1, Math.abs(want[j]))));
        expect(worst).toBeLessThanOrEqual(golden.tolerance);
      }
      feeds.h = out.h_next;
    }
    await session.release();
  });
});

describe('degraded mode: a bad max-flow model never stops the service', () => {
  const copyModels = (skip: string[] = []) => {
    const dir = mkdtempSync(join(tmpdir(), 'narsolve-mf-'));
    for (const f of ['manifest.json', 'bellman_ford.onnx', 'maxflow.onnx']) if (!skip.includes(f) && existsSync(join(MODELS_DIR, f))) copyFileSync(join(MODELS_DIR, f), join(dir, f));
    return dir;
  };

  test('without maxflow.onnx, max flow is unavailable with the reason and the route model still serves', async () => {
    const learned = await loadLearnedSolvers({ modelsDir: copyModels(['maxflow.onnx']) });
    try {
      expect(learned.maxflow.readiness).toMatchObject({ ready: false, reason: expect.stringMatching(/no model file at models\/maxflow.onnx|no models\/manifest.json/) });
      if (existsSync(join(MODELS_DIR, 'bellman_ford.onnx'))) expect(learned.route.readiness.ready).toBe(true);
      const answer = await solveMaxflow({ graph: { edges: randomFlowNetwork(20, 60, 3) }, source: 0, sink: 1 }, { config: resolveConfig(), learned });
      expect(answer.solver).toMatchObject({ used: 'classical', fallbackReason: expect.stringContaining('learned solver unavailable') });
      expect(answer.certificate.verified).toBe(true);
    } finally {
      await learned.close();
    }
  });

  test('a corrupted maxflow.onnx fails its sha256 check and is not served', async () => {
    const dir = copyModels();
    if (existsSync(join(dir, 'maxflow.onnx'))) writeFileSync(join(dir, 'maxflow.onnx'), Buffer.from('not a model'));
    const learned = await loadLearnedSolvers({ modelsDir: dir });
    try {
      expect(learned.maxflow.readiness.ready).toBe(false);
      expect(learned.maxflow.model).toBeUndefined();
      expect(learned.maxflow.readiness.reason).toContain('sha256');
    } finally {
      await learned.close();
    }
  });
});

describe('serving the learned max flow', () => {
  let learned: LearnedSolvers;
  // The warm-start path under test: a processor whose spec lets auto run it (serving.auto true).
  const ctx = () => withModel(learned, 'maxflow', { auto: true });
  beforeAll(async () => {
    learned = await loadLearnedSolvers();
  });
  afterAll(() => learned.close());

  test('the model loads and passes its warm-up', () => {
    expect(learned.maxflow.readiness).toMatchObject({ ready: true, version: expect.any(String) });
  });

  test('with the committed spec (serving.auto false), auto answers capacities-only requests with the exact solver, runs no inference, and says why', async () => {
    expect(learned.maxflow.model!.auto).toBe(false);
    const answer = await solveMaxflow(flowRequestBody(flowFamilyNetwork('layered', 60, 2, 'int')), { config: resolveConfig(), learned });
    expect(answer.solver).toMatchObject({ used: 'classical', fallbackReason: expect.stringMatching(/auto does not run it .*serving\.auto false/) });
    expect(answer.timingsMs.infer).toBeUndefined();
  });

  test('auto is exact and certified on random networks far larger than training, integer and fractional, directed and undirected', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FLOW_FAMILIES),
        fc.constantFrom(...CAPACITY_KINDS),
        fc.integer({ min: 20, max: 600 }),
        fc.boolean(),
        fc.nat(1 << 30),
        async (family, kind, n, directed, seed) => {
          const net = flowFamilyNetwork(family, n, seed, kind);
          const plain = flowRequestBody(net);
          const body = { ...plain, graph: { ...plain.graph, directed } };
          const exact = await solveMaxflow({ ...body, solver: 'classical' }, ctx());
          const answer = await solveMaxflow({ ...body, explain: true }, ctx());
          expect(answer.certificate.verified).toBe(true);
          if (kind === 'fractional') expect(Math.abs(answer.value - exact.value)).toBeLessThanOrEqual(1e-9 * 10 * Math.max(1, net.edges.length));
          else expect(answer.value).toBe(exact.value);
          const warm = answer.solver.warmStart!;
          expect(warm.projectedValue).toBeLessThanOrEqual(answer.value * (1 + 1e-9) + 1e-9);
          expect(warm.cold).toBeDefined();
          expect(answer.solver.used).toBe(warm.augmentingPaths === 0 ? 'learned' : 'classical');
          expectMatchesSchema('maxflow-response.json', answer);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('solver "learned" returns a feasible projected flow, the predicted cut and an honest verdict, without finishing', async () => {
    const net = flowFamilyNetwork('two_community', 200, 11, 'int');
    const answer = await solveMaxflow({ ...flowRequestBody(net), solver: 'learned', explain: true }, ctx());
    expect(answer.solver.used).toBe('learned');
    expect(answer.solver.warmStart).toBeUndefined();
    const prediction = answer.solver.prediction!;
    expect(prediction.decodedFlows).toHaveLength(net.edges.length);
    expect(answer.certificate.capacityMaxViolation).toBe(0);
    expect(answer.certificate.conservationMaxError).toBe(0);
    expect(answer.value).toBe(prediction.projectedValue);
    expect(answer.minCut.capacity).toBe(prediction.cutCapacity);
    const exact = await solveMaxflow({ ...flowRequestBody(net), solver: 'classical' }, ctx());
    // Weak duality: a feasible flow is at most the maximum, every cut at least it; equality is what "verified" means.
    expect(answer.value).toBeLessThanOrEqual(exact.value);
    expect(answer.minCut.capacity).toBeGreaterThanOrEqual(exact.value);
    expect(answer.certificate.verified).toBe(answer.value === answer.minCut.capacity);
    if (!answer.certificate.verified) expect(answer.certificate.failures!.length).toBeGreaterThan(0);
    expectMatchesSchema('maxflow-response.json', answer);
  });

  test('when inference fails, auto answers exactly with the reason and learned refuses with ModelUnavailable', async () => {
    const failing = withModel(learned, 'maxflow', { auto: true, infer: () => Promise.reject(new Error('worker exited')) });
    const body = { graph: { edges: randomFlowNetwork(30, 90, 5) }, source: 0, sink: 7 };
    const answer = await solveMaxflow(body, failing);
    expect(answer.solver).toMatchObject({ used: 'classical', fallbackReason: 'learned inference failed: worker exited' });
    expect((await refusal(() => solveMaxflow({ ...body, solver: 'learned' }, failing))).code).toBe('ModelUnavailable');
  });

  test("a network past the model's padded-slot limit goes straight to Dinic with the reason", async () => {
    const tight = withModel(learned, 'maxflow', { auto: true, limits: { maxPaddedSlots: 4, maxSlotSteps: 50_000_000 } });
    const answer = await solveMaxflow({ graph: { edges: randomFlowNetwork(10, 30, 1) }, source: 0, sink: 1 }, tight);
    expect(answer.solver.used).toBe('classical');
    expect(answer.solver.fallbackReason).toMatch(/padded arc slots/);
  });

  test('over HTTP, /readyz says the max-flow model is ready and the metrics count the warm start', async () => {
    const app = createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, learned: ctx().learned });
    const ready = await request(app).get('/readyz');
    expect(ready.body.solvers.learned.maxflow).toMatchObject({ ready: true, version: expect.any(String) });
    const net = flowFamilyNetwork('layered', 80, 4, 'small_int');
    const res = await request(app).post('/maxflow').send(flowRequestBody(net));
    expect(res.status).toBe(200);
    expect(res.body.solver.algorithm).toMatch(/dinic warm-started from gnn-maxflow/);
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(/narsolve_solver_used_total\{route="\/maxflow",solver="(learned|classical)",algorithm="dinic warm-started[^"]*"\} 1/);
  });
});

test('verifyMaxflow rejects a projected flow paired with a cut that is not minimum (the learned verdict can fail)', () => {
  const graph = compactGraph({ nodes: [0, 1, 2], edges: [{ from: 0, to: 1, capacity: 3 }, { from: 1, to: 2, capacity: 2 }] }, 'capacity', DEFAULT_LIMITS);
  const verdict = verifyMaxflow(graph, 0, 2, Float64Array.of(1, 1), Uint8Array.of(1, 0, 0), { relativeTolerance: 1e-9 });
  expect(verdict.verified).toBe(false);
  expect(verdict.failures.join()).toMatch(/cut capacity 3 differs from the flow value 1/);
});
