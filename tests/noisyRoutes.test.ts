/**
 * Routes from noisy observations: validation, the served encoder against the Python golden
 * outputs, the certificate's claim, the classical comparison, real paths on adversarial input,
 * and the degraded modes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { MultiDirectedGraph } from 'graphology';
import { dijkstra as graphologyDijkstra } from 'graphology-shortest-path';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/api/app';
import { DEFAULT_LIMITS, resolveConfig } from '../src/config';
import { compactGraph } from '../src/graph/compact';
import { median as medianOf } from '../src/graph/estimates';
import { solveRoute, type RouteResponse } from '../src/services/route';
import { learnedDisabled, loadLearnedSolvers, type LearnedModel, type LearnedSolvers } from '../src/solvers/learned';
import { decodeCosts, encodeObservations } from '../src/solvers/learned/observationEncoding';
import { expectMatchesSchema, refusal, testContext } from './helpers';

const MODELS_DIR = join(__dirname, '..', 'models');
// The training smoke run points this at a fresh export; by default it checks the committed model.
const CONTRACT_MODELS = process.env.NARSOLVE_CONTRACT_MODELS ?? MODELS_DIR;
type Edge = { from: number; to: number; weight?: number; observations?: (number | null)[] };

/** A street grid of side × side intersections, both directions, each street with 1..6 noisy observations. */
function noisyGrid(side: number, seed: number, adversarial = false): Edge[] {
  const random = fc.sample(fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })), { seed, numRuns: 1 })[0][Symbol.iterator]();
  const next = () => random.next().value as number;
  const edges: Edge[] = [];
  const street = (from: number, to: number) => {
    const cost = 1 + 9 * next();
    const count = 1 + Math.floor(6 * next());
    const observations: (number | null)[] = Array.from({ length: count }, (): number | null => {
      const r = next();
      if (adversarial && r < 0.1) return null;
      if (adversarial && r < 0.2) return 0;
      if (adversarial && r < 0.3) return 1e300;
      return cost * Math.exp(0.3 * (next() - 0.5));
    });
    if (!observations.some((x) => x !== null)) observations[0] = cost;
    // At least the first street has observations, so every graph is a noisy request.
    edges.push(edges.length > 0 && next() < 0.1 ? { from, to, weight: cost } : { from, to, observations });
  };
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const u = r * side + c;
      if (c + 1 < side) (street(u, u + 1), street(u + 1, u));
      if (r + 1 < side) (street(u, u + side), street(u + side, u));
    }
  }
  return edges;
}

/** A value clamped to the range of an edge's finite observations, as every decoded value is. */
const withinObservations = (x: number, observations: (number | null)[]) => {
  const finite = observations.filter((o): o is number => o !== null);
  return Math.min(Math.max(...finite), Math.max(Math.min(...finite), x));
};

const nodesOf = (side: number) => Array.from({ length: side * side }, (_, v) => v);
/** The median the service takes of an edge's observations (one helper in src/graph/compact.ts). */
const median = (xs: number[]) => medianOf(Float64Array.from(xs));

/** An independent shortest distance (graphology) under per-edge costs. */
function oracleDistance(edges: Edge[], costs: number[], source: number, target: number): number {
  const graph = new MultiDirectedGraph();
  edges.forEach((e, i) => {
    graph.mergeNode(String(e.from));
    graph.mergeNode(String(e.to));
    graph.addEdge(String(e.from), String(e.to), { cost: costs[i] });
  });
  const path = graphologyDijkstra.bidirectional(graph, String(source), String(target), 'cost');
  let total = 0;
  for (let k = 0; k + 1 < path.length; k++) total += Math.min(...graph.outEdges(path[k], path[k + 1]).map((e) => graph.getEdgeAttribute(e, 'cost') as number));
  return total;
}

/** The returned route is a real path of the request graph from the source to the target. */
function expectRealPath(answer: RouteResponse, edges: Edge[], source: number, target: number): void {
  expect(answer.pathEdges!.length).toBeGreaterThan(0);
  let at = source;
  for (const e of answer.pathEdges!) {
    expect(edges[e].from).toBe(at);
    at = edges[e].to;
  }
  expect(at).toBe(target);
  expect(answer.path).toEqual([source, ...answer.pathEdges!.map((e) => edges[e].to)]);
}

/** A context whose encoder decodes every arc (u → v) to a cost known in advance, so the claim can be checked independently. */
function standInEncoder(cost: (u: number, v: number) => number) {
  const model: LearnedModel<'noisyRoutes'> = {
    version: 'stand-in',
    limits: { maxPaddedSlots: 1e9, maxSlotSteps: 1e9 },
    steps: { rule: 'single_pass' },
    auto: false,
    infer: async (inputs) => ({
      logCost: Float32Array.from({ length: inputs.m }, (_, a) => Math.log(cost(Number(inputs.tails[a]), Number(inputs.heads[a])))),
      inferenceMs: 0,
    }),
  };
  const learned: LearnedSolvers = { ...learnedDisabled('not in this test'), noisyRoutes: { readiness: { ready: true, reason: 'stand-in' }, model } };
  return { config: resolveConfig(), learned };
}

describe('observations are checked, with pointers', () => {
  const route = (edges: unknown, extra: object = {}) => refusal(() => solveRoute({ graph: { edges }, source: 'a', ...extra }, testContext()));

  test('an edge with neither a weight nor a finite observation', async () => {
    expect((await route([{ from: 'a', to: 'b', observations: [null, null] }])).errors).toEqual([{ pointer: '/graph/edges/0', message: 'needs a weight or at least one finite observation' }]);
    expect((await route([{ from: 'a', to: 'b' }])).errors).toEqual([{ pointer: '/graph/edges/0/weight', message: 'is required' }]);
  });

  test('negative and non-finite observations, and negative weights beside observations, say why', async () => {
    expect((await route([{ from: 'a', to: 'b', observations: [1, -2] }])).errors).toEqual([
      { pointer: '/graph/edges/0/observations/1', message: 'must be >= 0: observations are travel costs, which are non-negative here' },
    ]);
    expect((await route([{ from: 'a', to: 'b', observations: [1, 'x'] }])).errors![0].pointer).toBe('/graph/edges/0/observations/1');
    expect((await route([{ from: 'a', to: 'b', observations: [1] }, { from: 'b', to: 'c', weight: -1 }])).errors).toEqual([
      { pointer: '/graph/edges/1/weight', message: 'must be >= 0 in a request with observations (travel costs are non-negative)' },
    ]);
  });

  test('more observations than the configured limit', async () => {
    const error = await refusal(() => solveRoute({ graph: { edges: [{ from: 'a', to: 'b', observations: [1, 2, 3] }] }, source: 'a' }, testContext({ maxObservations: 2 })));
    expect(error.errors).toEqual([{ pointer: '/graph/edges/0/observations', message: 'at most 2 observations per edge (set NARSOLVE_MAX_OBSERVATIONS to change it)' }]);
  });

  test('the columnar form takes an observations column, with pointers into it', async () => {
    const ok = await solveRoute({ graph: { edges: { from: ['a', 'b'], to: ['b', 'c'], observations: [[1, 3], null], weight: [null, 2] } }, source: 'a', target: 'c' }, testContext());
    expect(ok).toMatchObject({ distance: 4, pathEdges: [0, 1], certificate: { costs: 'estimate' } });
    expect((await route({ from: ['a'], to: ['b'], observations: [[-1]] })).errors).toEqual([
      { pointer: '/graph/edges/observations/0/0', message: 'must be >= 0: observations are travel costs, which are non-negative here' },
    ]);
  });
});

describe('answers on noisy graphs', () => {
  test('classical: Dijkstra on the median of each edge’s observations, exactly, and the certificate says so', async () => {
    const edges = noisyGrid(8, 3);
    const medians = edges.map((e) => e.weight ?? median(e.observations!.filter((x): x is number => x !== null)));
    const answer = await solveRoute({ graph: { nodes: nodesOf(8), edges }, source: 0, target: 63, solver: 'classical' }, testContext());
    expect(answer.distance).toBeCloseTo(oracleDistance(edges, medians, 0, 63), 9);
    expect(answer.solver).toMatchObject({ used: 'classical', noisy: { estimate: 'median', classicalRoute: { estimateCost: answer.distance } } });
    expect(answer.certificate).toMatchObject({ verified: true, costs: 'estimate', claim: expect.stringMatching(/nothing is proven about the unknown true costs/) });
    expectRealPath(answer, edges, 0, 63);
    expectMatchesSchema('route-response.json', answer);
  });

  test('learned: the route is shortest for the decoded costs (checked by an independent Dijkstra), and the comparison with the median route is exact', async () => {
    const cost = (u: number, v: number) => 1 + ((u * 7 + v * 13) % 10);
    const edges = noisyGrid(7, 5);
    const answer = await solveRoute({ graph: { nodes: nodesOf(7), edges }, source: 0, target: 48 }, standInEncoder(cost));
    // The stand-in's costs as served: each within its edge's observations (the decoding guard).
    const decoded = edges.map((e) => e.weight ?? withinObservations(cost(e.from, e.to), e.observations!));
    const medians = edges.map((e) => e.weight ?? median(e.observations!.filter((x): x is number => x !== null)));
    expect(answer.solver).toMatchObject({ used: 'learned', algorithm: 'observation-encoder stand-in, dijkstra on its decoded costs' });
    expect(answer.certificate).toMatchObject({ verified: true, costs: 'decoded' });
    expect(answer.distance).toBeCloseTo(oracleDistance(edges, decoded, 0, 48), 5);
    const { learnedRoute, classicalRoute, agree } = answer.solver.noisy!;
    expect(learnedRoute!.decodedCost).toBeCloseTo(answer.distance!, 5);
    expect(classicalRoute!.estimateCost).toBeCloseTo(oracleDistance(edges, medians, 0, 48), 9);
    expect(learnedRoute!.estimateCost).toBeGreaterThanOrEqual(classicalRoute!.estimateCost - 1e-9);
    expect(classicalRoute!.decodedCost).toBeGreaterThanOrEqual(learnedRoute!.decodedCost! - 1e-6);
    expect(agree).toBe(learnedRoute!.pathEdges.join() === classicalRoute!.pathEdges.join());
    expectRealPath(answer, edges, 0, 48);
    expectMatchesSchema('route-response.json', answer);
  });

  test('with the encoder missing, auto answers on the median and says why; learned refuses with ModelUnavailable', async () => {
    const body = { graph: { edges: [{ from: 'a', to: 'b', observations: [2, 4] }] }, source: 'a', target: 'b' };
    const context = { config: resolveConfig(), learned: learnedDisabled('no encoder in this test') };
    expect((await solveRoute(body, context)).solver).toMatchObject({ used: 'classical', fallbackReason: 'learned solver unavailable: no encoder in this test' });
    expect((await refusal(() => solveRoute({ ...body, solver: 'learned' }, context))).code).toBe('ModelUnavailable');
  });
});

describe('the served encoder', () => {
  let learned: LearnedSolvers;
  beforeAll(async () => {
    learned = await loadLearnedSolvers({ modelsDir: CONTRACT_MODELS });
  });
  afterAll(() => learned.close());

  test('contract: the TypeScript encoding and onnxruntime-node reproduce the Python golden outputs', async () => {
    expect(learned.noisyRoutes.readiness).toMatchObject({ ready: true, version: expect.any(String) });
    const golden = JSON.parse(readFileSync(join(CONTRACT_MODELS, 'fixtures', 'noisy_routes_golden.json'), 'utf8'));
    expect(golden.cases.length).toBeGreaterThanOrEqual(6);
    for (const c of golden.cases) {
      const graph = compactGraph(
        { directed: true, nodes: Array.from({ length: c.n }, (_, v) => v), edges: c.tails.map((t: number, a: number) => ({ from: t, to: c.heads[a], observations: c.observations[a] })) },
        'weight',
        DEFAULT_LIMITS,
      );
      const inputs = encodeObservations(graph);
      expect(inputs.centre[0]).toBeCloseTo(c.centre, 5);
      expect(inputs.spread[0]).toBeCloseTo(c.spread, 5);
      // The model's own output, arc by arc (a directed graph: one arc per edge), before the decoding guard.
      const { logCost } = await learned.noisyRoutes.model!.infer(inputs);
      logCost.forEach((x, a) => {
        const e = graph.arcEdge[a];
        expect(Math.abs(x - c.log_cost[e])).toBeLessThanOrEqual(golden.tolerance * Math.max(1, Math.abs(c.log_cost[e])));
      });
      // And as served: the same, within each edge's observations.
      decodeCosts(graph, logCost).forEach((cost, e) => {
        const finite = (c.observations[e] as (number | null)[]).filter((o): o is number => o !== null);
        expect(cost).toBe(Math.min(Math.max(...finite), Math.max(Math.min(...finite), cost)));
      });
    }
  });

  test('on random noisy grids with adversarial observations (zeros, 1e300, missing), every answer is a real, certified path', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 1, max: 1e6 }), async (side, seed) => {
        const edges = noisyGrid(side, seed, true);
        const target = side * side - 1;
        const answer = await solveRoute({ graph: { nodes: nodesOf(side), edges }, source: 0, target, solver: 'learned' }, { config: resolveConfig(), learned });
        expect(answer.solver.used).toBe('learned');
        expect(answer.certificate).toMatchObject({ verified: true, costs: 'decoded' });
        expectRealPath(answer, edges, 0, target);
      }),
      { numRuns: 40 },
    );
  });

  test('over HTTP, /readyz lists the encoder and a noisy request answers with the comparison', async () => {
    const app = createApp({ logger: pino({ level: 'silent' }), defaultMetrics: false, learned });
    expect((await request(app).get('/readyz')).body.solvers.learned.noisyRoutes).toMatchObject({ ready: true });
    const res = await request(app).post('/route').send({ graph: { nodes: nodesOf(5), edges: noisyGrid(5, 9) }, source: 0, target: 24 });
    expect(res.status).toBe(200);
    expectMatchesSchema('route-response.json', res.body);
    // auto follows the model's measured policy for this band; either way the answer says which estimate and why.
    const status = learned.noisyRoutes.model!.policy!;
    const band = 'policy' in status ? status.policy.bands[res.body.solver.noisy.evidence.band] : undefined;
    expect(res.body.solver.noisy).toMatchObject({ estimate: band?.estimate ?? ('policy' in status ? status.policy.fallback : 'median'), policy: expect.any(String) });
    if (band?.serve === 'learned') expect(res.body.solver).toMatchObject({ used: 'learned', noisy: { agree: expect.any(Boolean) } });
    else expect(res.body.solver).toMatchObject({ used: 'classical', fallbackReason: res.body.solver.noisy.policy });
  });
});
