/**
 * The learned route path when the model is wrong: decoding broken pointers, and auto's repair.
 * A stand-in model returns chosen pointers, so these run without onnxruntime and always fail
 * loudly if decode or repair regress.
 */
import fc from 'fast-check';
import { DEFAULT_LIMITS, resolveConfig } from '../src/config';
import { compactGraph } from '../src/graph/compact';
import { solveRoute } from '../src/services/route';
import { learnedDisabled, type LearnedModel, type LearnedSolvers, type RequestOf } from '../src/solvers/learned';
import { decodeBellmanFord, encodeBellmanFord } from '../src/solvers/learned/bellmanFordEncoding';
import { randomWeightedGraph, rng, withPotential } from '../generators/graphs';
import { expectMatchesSchema } from './helpers';

/** A context whose learned route model answers every graph with `pointers(inputs)` (slot per node, k = self). */
function standIn(pointers: (inputs: RequestOf<'route'>) => Int32Array) {
  const model: LearnedModel<'route'> = {
    version: 'stand-in',
    limits: { maxPaddedSlots: 1_000_000, maxSlotSteps: 50_000_000 },
    steps: { rule: 'until_stable', watch: 'state', patience: 1, cap: 'nodes + patience' },
    // The path under test: auto runs the processor, verifies and repairs (a spec with serving.auto true).
    auto: true,
    infer: async (inputs) => ({ choice: pointers(inputs), distance: new Float32Array(inputs.n), steps: 4, settled: true, inferenceMs: 0 }),
  };
  const learned: LearnedSolvers = { ...learnedDisabled('not in this test'), route: { readiness: { ready: true, reason: 'stand-in loaded' }, model } };
  return { config: resolveConfig(), learned };
}

const allSelf = (inputs: RequestOf<'route'>) => new Int32Array(inputs.n).fill(inputs.k);
const randomSlots = (seed: number) => (inputs: RequestOf<'route'>) => {
  const random = rng(seed);
  return Int32Array.from({ length: inputs.n }, () => Math.floor(random() * (inputs.k + 1)));
};

describe('decodeBellmanFord on broken pointers', () => {
  // s→a 1, a→b 2, b→a 1, s→c 5, and d isolated: in-degree at most 2, so k = 2 and slot 2 is "self".
  const graph = compactGraph(
    { nodes: ['s', 'a', 'b', 'c', 'd'], edges: [{ from: 's', to: 'a', weight: 1 }, { from: 'a', to: 'b', weight: 2 }, { from: 'b', to: 'a', weight: 1 }, { from: 's', to: 'c', weight: 5 }] },
    'weight',
    DEFAULT_LIMITS,
  );
  const inputs = encodeBellmanFord(graph, 0);
  const [s, a, b, c, d] = [0, 1, 2, 3, 4];
  const slotOf = (head: number, edge: number) => Array.from({ length: inputs.k }, (_, j) => j).find((j) => inputs.slotEdge[head * inputs.k + j] === edge)!;
  const decode = (choice: number[]) => decodeBellmanFord(graph, inputs, s, Int32Array.from(choice));

  test('right pointers give exact path lengths summed along real edges', () => {
    const tree = decode([inputs.k, slotOf(a, 0), slotOf(b, 1), slotOf(c, 3), inputs.k]);
    expect(Array.from(tree.potential)).toEqual([0, 1, 3, 5, Infinity]);
    expect(Array.from(tree.predEdge)).toEqual([-1, 0, 1, 3, -1]);
  });

  test('a pointer cycle away from the source leaves its nodes unreached, with no predecessor', () => {
    const tree = decode([inputs.k, slotOf(a, 2), slotOf(b, 1), slotOf(c, 3), inputs.k]);
    expect(tree.potential[a]).toBe(Infinity);
    expect(tree.potential[b]).toBe(Infinity);
    expect([tree.predNode[a], tree.predNode[b], tree.predEdge[a], tree.predEdge[b]]).toEqual([-1, -1, -1, -1]);
    expect(tree.potential[c]).toBe(5);
  });

  test('out-of-range choices and padding slots mean "no predecessor", never a made-up edge', () => {
    // c has one incoming arc, so its slot 1 is padding; a's choice is past the row, b's negative.
    const tree = decode([inputs.k, inputs.k + 5, -3, 1, 0]);
    expect(Array.from(tree.potential)).toEqual([0, Infinity, Infinity, Infinity, Infinity]);
    expect(Array.from(tree.predNode)).toEqual([-1, -1, -1, -1, -1]);
  });

  test('the source keeps label 0 whatever it points at, and an isolated node stays unreached', () => {
    const tree = decode([0, slotOf(a, 0), inputs.k, inputs.k, 0]);
    expect(tree.potential[s]).toBe(0);
    expect(tree.predNode[s]).toBe(-1);
    expect(tree.potential[d]).toBe(Infinity);
  });
});

describe('auto repairs a wrong learned tree and answers exactly', () => {
  test('when every pointer says "self", the repair rebuilds the tree and the answer matches the exact solver', async () => {
    const edges = randomWeightedGraph(60, 240, 11);
    const exact = await solveRoute({ graph: { edges }, source: edges[0].from, solver: 'classical' }, standIn(allSelf));
    const answer = await solveRoute({ graph: { edges }, source: edges[0].from }, standIn(allSelf));
    expect(answer.solver).toMatchObject({ used: 'classical', learned: { version: 'stand-in' }, fallbackReason: expect.stringMatching(/^learned answer failed verification/) });
    expect(answer.solver.algorithm).toBe('label-correcting repair of gnn-bellman-ford stand-in');
    expect(answer.solver.repair!.relaxations).toBeGreaterThan(0);
    expect(answer.certificate.verified).toBe(true);
    expect(answer.tree!.distance).toEqual(exact.tree!.distance);
    expectMatchesSchema('route-response.json', answer);
  });

  test('random pointers (cycles, padding, wrong arcs) on positive and negative weights: always exact, and repaired whenever not already right', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 5, max: 120 }), fc.integer({ min: 1, max: 1e9 }), fc.boolean(), async (n, seed, negative) => {
        const base = randomWeightedGraph(n, n * 3, seed);
        const edges = negative ? withPotential(base, n, seed + 1) : base;
        const target = Math.floor(rng(seed + 2)() * n);
        const context = standIn(randomSlots(seed + 3));
        const answer = await solveRoute({ graph: { edges }, source: 0, target }, context);
        const exact = await solveRoute({ graph: { edges }, source: 0, target, solver: 'classical' }, context);
        expect(answer.certificate.verified).toBe(true);
        expect([answer.code, answer.distance]).toEqual([exact.code, exact.distance]);
        if (answer.solver.used === 'classical') expect(answer.solver.repair).toBeDefined();
        else expect(answer.solver.repair).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });

  test('solver "learned" returns the broken tree unrepaired, with the verifier\'s failures', async () => {
    const edges = randomWeightedGraph(30, 90, 4);
    const answer = await solveRoute({ graph: { edges }, source: edges[0].from, solver: 'learned' }, standIn(allSelf));
    expect(answer.solver).toMatchObject({ used: 'learned', algorithm: 'gnn-bellman-ford stand-in' });
    expect(answer.solver.repair).toBeUndefined();
    expect(answer.certificate.verified).toBe(false);
    expect(answer.certificate.failures!.length).toBeGreaterThan(0);
  });
});
