/**
 * Bottlenecks from throughput samples: validation, the served encoder against the Python golden
 * outputs, real s–t cuts listing exactly their crossing edges, a flow feasible for its stated
 * capacities, and the degraded modes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { DEFAULT_LIMITS, resolveConfig } from '../src/config';
import { compactGraph } from '../src/graph/compact';
import { median as medianOf } from '../src/graph/estimates';
import { solveMaxflow, type MaxflowResponse } from '../src/services/maxflow';
import { learnedDisabled, loadLearnedSolvers, type LearnedModel, type LearnedSolvers } from '../src/solvers/learned';
import { decodeCosts, encodeObservations } from '../src/solvers/learned/observationEncoding';
import { edmondsKarp } from './oracles/edmondsKarp';
import { expectMatchesSchema, refusal, testContext } from './helpers';

const MODELS_DIR = join(__dirname, '..', 'models');
// The training smoke run points this at a fresh export; by default it checks the committed model.
const CONTRACT_MODELS = process.env.NARSOLVE_CONTRACT_MODELS ?? MODELS_DIR;
type Edge = { from: number; to: number; capacity?: number; capacityObservations?: (number | null)[] };
/** The median the service takes of an edge's observations (one helper in src/graph/compact.ts). */
const median = (xs: number[]) => medianOf(Float64Array.from(xs));

/** A value clamped to the range of an edge's finite samples, as every decoded value is. */
const withinSamples = (x: number, samples: (number | null)[]) => {
  const finite = samples.filter((o): o is number => o !== null);
  return Math.min(Math.max(...finite), Math.max(Math.min(...finite), x));
};

/** Random networks whose links carry samples (some zero, huge or missing when adversarial), a few with a known capacity. */
const noisyNetwork = (adversarial: boolean) =>
  fc.integer({ min: 3, max: 14 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      edges: fc.array(
        fc.record({
          from: fc.nat(n - 1),
          to: fc.nat(n - 1),
          known: fc.option(fc.integer({ min: 0, max: 20 }), { freq: 5 }),
          samples: fc.array(
            adversarial ? fc.oneof(fc.constant(null), fc.constant(0), fc.constant(1e300), fc.double({ min: 0.1, max: 50, noNaN: true })) : fc.double({ min: 0.1, max: 50, noNaN: true }),
            { minLength: 1, maxLength: 8 },
          ),
        }),
        { minLength: 1, maxLength: 40 },
      ),
    }),
  ).map(({ n, edges }) => ({
    n,
    edges: edges.map((e, i): Edge => {
      const samples = e.samples.some((x) => x !== null) ? e.samples : [1];
      return i > 0 && e.known !== null ? { from: e.from, to: e.to, capacity: e.known } : { from: e.from, to: e.to, capacityObservations: samples };
    }),
  }));

/** The answer's cut separates s from t and lists exactly the edges that cross it; its flow is feasible and conserving for the given capacities. */
function expectRealCut(answer: MaxflowResponse, n: number, edges: Edge[], capacities: number[], s: number, t: number): void {
  const side = new Set(answer.minCut.sourceSide as number[]);
  expect(side.has(s)).toBe(true);
  expect(side.has(t)).toBe(false);
  const crossing = edges.flatMap((e, i) => (e.from !== e.to && side.has(e.from) && !side.has(e.to) ? [i] : []));
  expect([...answer.minCut.edges].sort((a, b) => a - b)).toEqual(crossing);
  const tol = 1e-9 * Math.max(1, ...capacities);
  const balance = new Array(n).fill(0);
  answer.flows.forEach((f, i) => {
    expect(f).toBeGreaterThanOrEqual(-tol);
    expect(f).toBeLessThanOrEqual(capacities[i] + tol);
    if (edges[i].from !== edges[i].to) {
      balance[edges[i].from] -= f;
      balance[edges[i].to] += f;
    }
  });
  balance.forEach((b, v) => (v === s || v === t ? undefined : expect(Math.abs(b)).toBeLessThanOrEqual(tol * edges.length)));
}

describe('samples are checked, with pointers', () => {
  const flow = (edges: unknown) => refusal(() => solveMaxflow({ graph: { edges }, source: 's', sink: 't' }, testContext()));

  test('negative, non-finite and missing-only samples, and the per-edge limit', async () => {
    expect((await flow([{ from: 's', to: 't', capacityObservations: [1, -3] }])).errors).toEqual([
      { pointer: '/graph/edges/0/capacityObservations/1', message: 'must be >= 0: throughput samples are non-negative' },
    ]);
    expect((await flow([{ from: 's', to: 't', capacityObservations: [null] }])).errors).toEqual([{ pointer: '/graph/edges/0', message: 'needs a capacity or at least one finite sample' }]);
    const tight = await refusal(() => solveMaxflow({ graph: { edges: [{ from: 's', to: 't', capacityObservations: [1, 2, 3] }] }, source: 's', sink: 't' }, testContext({ maxObservations: 2 })));
    expect(tight.errors).toEqual([{ pointer: '/graph/edges/0/capacityObservations', message: 'at most 2 samples per edge (set NARSOLVE_MAX_OBSERVATIONS to change it)' }]);
    expect((await flow({ from: ['s'], to: ['t'], capacityObservations: [[-1]] })).errors).toEqual([
      { pointer: '/graph/edges/capacityObservations/0/0', message: 'must be >= 0: throughput samples are non-negative' },
    ]);
  });
});

describe('answers on networks with samples', () => {
  test('classical: the exact maximum flow and minimum cut on the medians, and the certificate says so', async () => {
    await fc.assert(
      fc.asyncProperty(noisyNetwork(false), async ({ n, edges }) => {
        const medians = edges.map((e) => e.capacity ?? median(e.capacityObservations!.filter((x): x is number => x !== null)));
        const answer = await solveMaxflow({ graph: { nodes: Array.from({ length: n }, (_, v) => v), edges }, source: 0, sink: n - 1, solver: 'classical' }, testContext());
        expect(answer.value).toBeCloseTo(edmondsKarp(n, edges.map((e, i) => ({ from: e.from, to: e.to, capacity: medians[i] })), true, 0, n - 1), 6);
        expect(answer.certificate).toMatchObject({ verified: true, capacities: 'estimate', claim: expect.stringMatching(/nothing is proven about the unknown true capacities/) });
        expect(answer.solver.noisy!.classicalCut.estimateCapacity).toBeCloseTo(answer.minCut.capacity, 6);
        expectRealCut(answer, n, edges, medians, 0, n - 1);
        expectMatchesSchema('maxflow-response.json', answer);
      }),
      { numRuns: 150 },
    );
  });

  test('learned: the flow is feasible and maximum, and the cut minimum, for the decoded capacities (a stand-in encoder with known capacities, checked by Edmonds–Karp)', async () => {
    const capacityOf = (u: number, v: number) => 1 + ((u * 5 + v * 3) % 7);
    const model: LearnedModel<'noisyCapacities'> = {
      version: 'stand-in',
      limits: { maxPaddedSlots: 1e9, maxSlotSteps: 1e9 },
      steps: { rule: 'single_pass' },
      auto: false,
      infer: async (inputs) => ({
        logCost: Float32Array.from({ length: inputs.m }, (_, a) => Math.log(capacityOf(Number(inputs.tails[a]), Number(inputs.heads[a])))),
        inferenceMs: 0,
      }),
    };
    const context = { config: resolveConfig(), learned: { ...learnedDisabled('not in this test'), noisyCapacities: { readiness: { ready: true, reason: 'stand-in' }, model } } };
    await fc.assert(
      fc.asyncProperty(noisyNetwork(true), async ({ n, edges }) => {
        // What the service decodes: the encoder's float32 log capacity, exponentiated (one arc per directed edge), within the edge's samples.
        const decoded = edges.map((e) => e.capacity ?? withinSamples(Math.exp(Math.fround(Math.log(capacityOf(e.from, e.to)))), e.capacityObservations!));
        const answer = await solveMaxflow({ graph: { nodes: Array.from({ length: n }, (_, v) => v), edges }, source: 0, sink: n - 1 }, context);
        expect(answer.solver.used).toBe('learned');
        // Within the certificate's tolerance, which is relative to the largest capacity (a sample of 1e300 makes it wide).
        const slack = Math.max(1e-4, answer.certificate.tolerance * edges.length);
        expect(Math.abs(answer.value - edmondsKarp(n, edges.map((e, i) => ({ from: e.from, to: e.to, capacity: decoded[i] })), true, 0, n - 1))).toBeLessThanOrEqual(slack);
        expectRealCut(answer, n, edges, decoded, 0, n - 1);
        // Equal within the certificate's tolerance (relative to the largest capacity: samples of 1e300 beside 0.1 make it wide).
        expect(Math.abs(answer.minCut.capacity - answer.value)).toBeLessThanOrEqual(slack);
      }),
      { numRuns: 150 },
    );
  });

  test('with the encoder missing, auto answers on the medians and says why; learned refuses with ModelUnavailable', async () => {
    const body = { graph: { edges: [{ from: 's', to: 't', capacityObservations: [2, 4] }] }, source: 's', sink: 't' };
    const context = { config: resolveConfig(), learned: learnedDisabled('no encoder in this test') };
    expect((await solveMaxflow(body, context)).solver).toMatchObject({ used: 'classical', fallbackReason: 'learned solver unavailable: no encoder in this test' });
    expect((await refusal(() => solveMaxflow({ ...body, solver: 'learned' }, context))).code).toBe('ModelUnavailable');
  });
});

describe('the served capacity encoder', () => {
  let learned: LearnedSolvers;
  beforeAll(async () => {
    learned = await loadLearnedSolvers({ modelsDir: CONTRACT_MODELS });
  });
  afterAll(() => learned.close());

  test('contract: the TypeScript encoding and onnxruntime-node reproduce the Python golden outputs', async () => {
    expect(learned.noisyCapacities.readiness).toMatchObject({ ready: true, version: expect.any(String) });
    const golden = JSON.parse(readFileSync(join(CONTRACT_MODELS, 'fixtures', 'noisy_capacities_golden.json'), 'utf8'));
    expect(golden.cases.length).toBeGreaterThanOrEqual(6);
    for (const c of golden.cases) {
      const graph = compactGraph(
        { directed: true, nodes: Array.from({ length: c.n }, (_, v) => v), edges: c.tails.map((t: number, a: number) => ({ from: t, to: c.heads[a], capacityObservations: c.observations[a] })) },
        'capacity',
        DEFAULT_LIMITS,
      );
      const inputs = encodeObservations(graph);
      expect(inputs.centre[0]).toBeCloseTo(c.centre, 5);
      expect(inputs.spread[0]).toBeCloseTo(c.spread, 5);
      // The model's own output, arc by arc (one arc per directed edge), before the decoding guard; then as served, within each edge's samples.
      const { logCost } = await learned.noisyCapacities.model!.infer(inputs);
      logCost.forEach((x, a) => expect(Math.abs(x - c.log_cost[graph.arcEdge[a]])).toBeLessThanOrEqual(golden.tolerance * Math.max(1, Math.abs(c.log_cost[graph.arcEdge[a]]))));
      decodeCosts(graph, logCost).forEach((capacity, e) => expect(capacity).toBe(withinSamples(capacity, c.observations[e])));
    }
  });

  test('on random networks with adversarial samples, every answer is a real cut listing exactly its crossing edges, with a flow feasible for the decoded capacities it states', async () => {
    await fc.assert(
      fc.asyncProperty(noisyNetwork(true), async ({ n, edges }) => {
        const answer = await solveMaxflow({ graph: { nodes: Array.from({ length: n }, (_, v) => v), edges }, source: 0, sink: n - 1, explain: true, solver: 'learned' }, { config: resolveConfig(), learned });
        expect(answer.solver.used).toBe('learned');
        expect(answer.certificate).toMatchObject({ verified: true, capacities: 'decoded' });
        // The stated capacities: the flow is feasible under them, so each flow is at most what the certificate allows.
        const decoded = answer.flows.map((f, i) => (edges[i].capacity ?? Math.max(f, 0)));
        expectRealCut(answer, n, edges, decoded.map((c, i) => (edges[i].capacity !== undefined ? c : Infinity)), 0, n - 1);
        const { learnedCut, classicalCut } = answer.solver.noisy!;
        expect(learnedCut!.decodedCapacity).toBeCloseTo(answer.minCut.capacity, 4);
        expect(classicalCut.decodedCapacity).toBeGreaterThanOrEqual(learnedCut!.decodedCapacity! - Math.max(1e-6 * Math.max(1, learnedCut!.decodedCapacity!), answer.certificate.tolerance * edges.length));
      }),
      { numRuns: 60 },
    );
  });
});
