/**
 * The Python evaluation decodes and repairs learned trees with its own copy of the service's
 * logic (training/narsolve_train/bellman_ford_evaluate.py), and the model card's repair figures come from it.
 * tests/fixtures/bellman_ford_repair.json records what that copy makes of optimal, corrupted,
 * cyclic and random pointer choices (python -m narsolve_train.golden writes it, and the Python
 * tests fail when it is stale); the service's decode and repair must make exactly the same.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../src/config';
import { compactGraph } from '../src/graph/compact';
import { labelCorrecting, violatedTails } from '../src/solvers/classical/shortestPaths';
import { decodeBellmanFord, encodeBellmanFord } from '../src/solvers/learned/bellmanFordEncoding';

interface RepairCase {
  family: string;
  weighting: string;
  choice_kind: string;
  n: number;
  source: number;
  k: number;
  tails: number[];
  heads: number[];
  weights: number[];
  choice: number[];
  tree_distance: (number | null)[];
  seeds: number[];
  relaxations: number;
  repaired_distance: (number | null)[];
}

const golden: { cases: RepairCase[] } = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'bellman_ford_repair.json'), 'utf8'));
const labels = (d: Float64Array) => Array.from(d, (x) => (x === Infinity ? null : x));

describe('decode and repair agree with the Python evaluation', () => {
  test('the golden file covers every kind of pointer choice, and most need a repair', () => {
    const kinds = new Set(golden.cases.map((c) => c.choice_kind));
    expect([...kinds].sort()).toEqual(['corrupted', 'cycle', 'optimal', 'random']);
    expect(golden.cases.filter((c) => c.relaxations > 0).length).toBeGreaterThan(golden.cases.length / 2);
  });

  test.each(golden.cases.map((c, i) => [i, c.family, c.weighting, c.choice_kind, c] as const))(
    'case %i (%s, %s weights, %s pointers): same tree, same repair seeds, same relaxations, same distances',
    (_i, _family, _weighting, _kind, c) => {
      const graph = compactGraph(
        { directed: true, nodes: Array.from({ length: c.n }, (_, v) => v), edges: c.tails.map((t, a) => ({ from: t, to: c.heads[a], weight: c.weights[a] })) },
        'weight',
        DEFAULT_LIMITS,
      );
      const inputs = encodeBellmanFord(graph, c.source);
      expect(inputs.k).toBe(c.k);
      const tree = decodeBellmanFord(graph, inputs, c.source, Int32Array.from(c.choice));
      expect(labels(tree.potential)).toEqual(c.tree_distance);
      const seeds = violatedTails(graph, tree.potential);
      expect(Array.from(seeds)).toEqual(c.seeds);
      const { result, stats } = labelCorrecting(graph, tree, seeds, { maxWork: Infinity, algorithm: 'label-correcting repair' });
      expect(result.kind).toBe('tree');
      expect(stats.relaxations).toBe(c.relaxations);
      if (result.kind === 'tree') expect(labels(result.tree.potential)).toEqual(c.repaired_distance);
    },
  );
});
