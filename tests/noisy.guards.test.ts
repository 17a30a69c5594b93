/**
 * The guards on learned estimates hold by construction, whatever the model outputs: a decoded value
 * never leaves its edge's observations, agreeing observations decode to exactly their value, the
 * encoder's normalization is finite on any graph, and a sum that would overflow is refused on the
 * field that overflowed it. 10,000 random cases per guard (against any model output), and the
 * served encoders on the trivial inputs that once went wrong.
 */
import fc from 'fast-check';
import { DEFAULT_LIMITS, resolveConfig } from '../src/config';
import { compactGraph } from '../src/graph/compact';
import { ESTIMATES, ESTIMATE_NAMES } from '../src/graph/estimates';
import { NarsolveError } from '../src/errors';
import { solveMaxflow } from '../src/services/maxflow';
import { solveRoute } from '../src/services/route';
import { learnedDisabled, loadLearnedSolvers, type LearnedModel, type LearnedSolvers } from '../src/solvers/learned';
import { decodeCosts, encodeObservations } from '../src/solvers/learned/observationEncoding';

const RUNS = 10_000;
const DOUBLE = fc.oneof(
  fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }),
  fc.constantFrom(0, Number.MIN_VALUE, 1e-300, 1, 1e300, Number.MAX_VALUE),
  fc.double({ min: 0.1, max: 100, noNaN: true }),
);
/** Any float32 a model might output, infinities included (not NaN: that is refused, see below). */
const LOG_COST = fc.oneof(fc.float({ noNaN: true }), fc.constantFrom(Infinity, -Infinity, 1e30, -1e30, 0));

/** A small random graph whose edges carry observations (null for a missing one) or, sometimes, a weight. */
const noisyGraph = (value: fc.Arbitrary<number>, maxNodes = 6) =>
  fc.integer({ min: 2, max: maxNodes }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      directed: fc.boolean(),
      edges: fc.array(
        fc.record({
          from: fc.nat(n - 1),
          to: fc.nat(n - 1),
          weight: fc.option(value, { freq: 6 }),
          observations: fc.array(fc.option(value, { freq: 8 }), { minLength: 1, maxLength: 6 }).map((xs) => (xs.some((x) => x !== null) ? xs : [...xs, 1])),
        }),
        { minLength: 1, maxLength: 12 },
      ),
    }),
  );
type NoisyGraph = { n: number; directed: boolean; edges: { from: number; to: number; weight: number | null; observations: (number | null)[] }[] };

const input = (g: NoisyGraph, field: 'weight' | 'capacity' = 'weight') => ({
  directed: g.directed,
  nodes: Array.from({ length: g.n }, (_, v) => v),
  edges: g.edges.map((e) => (field === 'weight' ? { from: e.from, to: e.to, ...(e.weight !== null && { weight: e.weight }), observations: e.observations } : { from: e.from, to: e.to, ...(e.weight !== null && { capacity: e.weight }), capacityObservations: e.observations })),
});
const finite = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);

/** Compacts the graph, or undefined when it is refused (its sums overflow): the overflow guard is checked on its own. */
function compactOrRefused(g: NoisyGraph) {
  try {
    return compactGraph(input(g), 'weight', DEFAULT_LIMITS);
  } catch (error) {
    if (error instanceof NarsolveError && error.code === 'InvalidInput') return undefined;
    throw error;
  }
}

describe('a decoded value never leaves what was measured, whatever the model outputs', () => {
  test(`every decoded value lies between its edge's smallest and largest finite observation; a weight stays the weight (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(noisyGraph(DOUBLE), fc.array(LOG_COST, { minLength: 24, maxLength: 24 }), (g, outputs) => {
        const graph = compactOrRefused(g);
        if (!graph) return;
        const logCost = Float32Array.from({ length: graph.arcHead.length }, (_, a) => outputs[a % outputs.length]);
        const decoded = decodeCosts(graph, logCost);
        const outside = g.edges.flatMap((e, i) => {
          if (e.weight !== null) return decoded[i] === e.weight ? [] : [i];
          const xs = finite(e.observations);
          return decoded[i] >= Math.min(...xs) && decoded[i] <= Math.max(...xs) ? [] : [i];
        });
        expect(outside).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  test(`an edge whose finite observations all agree decodes to exactly that value (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(noisyGraph(DOUBLE), fc.array(LOG_COST, { minLength: 24, maxLength: 24 }), (g, outputs) => {
        // Every edge's observations made to agree on their first finite value.
        const agreeing = { ...g, edges: g.edges.map((e) => ({ ...e, weight: null, observations: e.observations.map((x) => (x === null ? null : finite(e.observations)[0])) })) };
        const graph = compactOrRefused(agreeing);
        if (!graph) return;
        const decoded = decodeCosts(graph, Float32Array.from({ length: graph.arcHead.length }, (_, a) => outputs[a % outputs.length]));
        expect(Array.from(decoded)).toEqual(agreeing.edges.map((e) => finite(e.observations)[0]));
      }),
      { numRuns: RUNS },
    );
  });

  test('a model output that is not a number is refused, never clamped into a plausible value', () => {
    const graph = compactGraph({ edges: [{ from: 'a', to: 'b', observations: [1, 2] }] }, 'weight', DEFAULT_LIMITS);
    expect(() => decodeCosts(graph, Float32Array.of(NaN))).toThrow(/NaN/);
  });

  test(`every classical estimate lies within its observations and equals them when they agree (${RUNS} cases each)`, () => {
    for (const name of ESTIMATE_NAMES) {
      fc.assert(
        fc.property(fc.array(DOUBLE, { minLength: 1, maxLength: 12 }), (xs) => {
          const x = ESTIMATES[name](Float64Array.from(xs));
          expect(x).toBeGreaterThanOrEqual(Math.min(...xs));
          expect(x).toBeLessThanOrEqual(Math.max(...xs));
          expect(ESTIMATES[name](Float64Array.from(xs.map(() => xs[0])))).toBe(xs[0]);
        }),
        { numRuns: RUNS },
      );
    }
  });
});

describe("the encoder's normalization is well defined on any graph", () => {
  test(`one edge, zeros, denormals and values near the double limit: every tensor is finite and the spread positive (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(noisyGraph(DOUBLE, 4), (g) => {
        const graph = compactOrRefused({ ...g, edges: g.edges.map((e) => ({ ...e, weight: null })) });
        if (!graph) return;
        const inputs = encodeObservations(graph);
        // One expect per case (an expect per element is what would make this slow).
        expect([inputs.logObs, inputs.centre, inputs.spread].every((tensor) => tensor.every(Number.isFinite))).toBe(true);
        expect(inputs.spread[0]).toBeGreaterThanOrEqual(0.05 - 1e-9);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('a sum that would overflow is refused on the field that overflowed it', () => {
  test(`refused exactly when the weights and largest observations add past the largest double, pointing at the edge where they do (${RUNS} cases)`, () => {
    const big = fc.oneof(fc.constantFrom(1e308, 9e307, Number.MAX_VALUE), fc.double({ min: 0, max: 10, noNaN: true }));
    fc.assert(
      fc.property(noisyGraph(big, 4), (g) => {
        let total = 0;
        let expected: string | undefined;
        g.edges.forEach((e, i) => {
          total += e.weight !== null ? e.weight : Math.max(...finite(e.observations));
          if (expected === undefined && !Number.isFinite(total)) expected = `/graph/edges/${i}/${e.weight !== null ? 'weight' : 'observations'}`;
        });
        let pointer: string | undefined;
        try {
          compactGraph(input(g), 'weight', DEFAULT_LIMITS);
        } catch (error) {
          pointer = (error as NarsolveError).errors?.[0]?.pointer;
          expect(error).toMatchObject({ code: 'InvalidInput' });
        }
        expect(pointer).toBe(expected);
      }),
      { numRuns: RUNS },
    );
  });
});

/** An encoder that outputs whatever the test drew: the guards must hold for any model. */
function anyEncoder(outputs: number[]): Pick<LearnedSolvers, 'noisyRoutes' | 'noisyCapacities'> {
  const model = {
    version: 'any-output',
    limits: { maxPaddedSlots: 1e9, maxSlotSteps: 1e9 },
    steps: { rule: 'single_pass' },
    auto: false,
    infer: async (inputs: { m: number }) => ({ logCost: Float32Array.from({ length: inputs.m }, (_, a) => outputs[a % outputs.length]), inferenceMs: 0 }),
  };
  return {
    noisyRoutes: { readiness: { ready: true, reason: 'any output' }, model: model as LearnedModel<'noisyRoutes'> },
    noisyCapacities: { readiness: { ready: true, reason: 'any output' }, model: model as LearnedModel<'noisyCapacities'> },
  };
}

describe('where every edge’s observations agree, the learned answer is exactly the classical one on them', () => {
  const small = fc.oneof(fc.integer({ min: 0, max: 50 }), fc.double({ min: 0, max: 50, noNaN: true }));
  const agreeing = (g: NoisyGraph) => ({ ...g, edges: g.edges.map((e) => ({ ...e, observations: e.observations.map((x) => (x === null ? null : finite(e.observations)[0])) })) });

  test(`routes: the same distances and the same tree as Dijkstra on the agreed values (${RUNS} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(noisyGraph(small), fc.array(LOG_COST, { minLength: 8, maxLength: 8 }), async (drawn, outputs) => {
        const g = agreeing(drawn);
        const context = { config: resolveConfig(), learned: { ...learnedDisabled('not in this test'), ...anyEncoder(outputs) } };
        const body = { graph: input(g), source: 0 };
        const learned = await solveRoute({ ...body, solver: 'learned' }, context);
        const classical = await solveRoute({ ...body, solver: 'classical' }, context);
        expect(learned.solver.used).toBe('learned');
        expect(learned.tree).toEqual(classical.tree);
      }),
      { numRuns: RUNS },
    );
  });

  test(`max flow: the same value and the same cut as the exact solver on the agreed values (${RUNS} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(noisyGraph(small), fc.array(LOG_COST, { minLength: 8, maxLength: 8 }), async (drawn, outputs) => {
        const g = agreeing(drawn);
        const context = { config: resolveConfig(), learned: { ...learnedDisabled('not in this test'), ...anyEncoder(outputs) } };
        const body = { graph: input(g, 'capacity'), source: 0, sink: g.n - 1 };
        const learned = await solveMaxflow({ ...body, solver: 'learned' }, context);
        const classical = await solveMaxflow({ ...body, solver: 'classical' }, context);
        expect(learned.solver.used).toBe('learned');
        expect(learned.value).toBe(classical.value);
        expect(learned.minCut).toEqual(classical.minCut);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the served encoders on trivial inputs', () => {
  let learned: LearnedSolvers;
  beforeAll(async () => {
    learned = await loadLearnedSolvers();
  });
  afterAll(() => learned.close());
  const context = () => ({ config: resolveConfig(), learned });

  test.each([
    [[0, 1]],
    [[0, 100]],
    [[1, 1, 1, 0]],
    [[5]],
    [[1e308, 1e308]],
  ])('one edge with observations %j decodes within them', async (observations) => {
    const answer = await solveRoute({ graph: { edges: [{ from: 'a', to: 'b', observations }] }, source: 'a', target: 'b', solver: 'learned' }, context());
    expect(answer.solver.used).toBe('learned');
    expect(answer.distance).toBeGreaterThanOrEqual(Math.min(...observations));
    expect(answer.distance).toBeLessThanOrEqual(Math.max(...observations));
  });

  test('with no noise at all it picks the cheaper route: s→a [0.9, 1.1], a→t [1, 1], s→t [3, 3] goes through a', async () => {
    const edges = [{ from: 's', to: 'a', observations: [0.9, 1.1] }, { from: 'a', to: 't', observations: [1, 1] }, { from: 's', to: 't', observations: [3, 3] }];
    for (const solver of ['learned', 'auto', 'classical'] as const) {
      const answer = await solveRoute({ graph: { directed: true, edges }, source: 's', target: 't', solver }, context());
      expect(answer.path).toEqual(['s', 'a', 't']);
      expect(answer.distance).toBeLessThanOrEqual(2.1);
    }
  });

  test('capacity samples that agree give the exact max flow on them', async () => {
    const edges = [{ from: 's', to: 'a', capacityObservations: [4, 4] }, { from: 'a', to: 't', capacityObservations: [3] }, { from: 's', to: 't', capacityObservations: [2, 2, 2] }];
    const answer = await solveMaxflow({ graph: { directed: true, edges }, source: 's', sink: 't', solver: 'learned' }, context());
    expect(answer.solver.used).toBe('learned');
    expect(answer.value).toBe(5);
  });
});
