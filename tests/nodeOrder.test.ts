/**
 * The node order of a graph sent without a node list: its edges' ends in order of first appearance,
 * the same for the service and the explorer page; "1" and 1 are two nodes.
 */
import fc from 'fast-check';
import { firstAppearance, nodeIndexer } from '../src/graph/nodeOrder';
import type { NodeId } from '../src/graph/types';

const ids = fc.array(fc.oneof(fc.integer({ min: -3, max: 5 }), fc.constantFrom('1', '2', 'a', '-3')), { minLength: 2, maxLength: 40 });

test('ends in order of first appearance, tail before head, "1" and 1 apart', () => {
  expect(firstAppearance([1, '1', 2], ['1', 3, 1])).toEqual([1, '1', 3, 2]);
  fc.assert(
    fc.property(ids, (list) => {
      const from = list.filter((_, i) => i % 2 === 0);
      const to = list.filter((_, i) => i % 2 === 1).slice(0, from.length);
      const ends = from.slice(0, to.length).flatMap((tail, i) => [tail, to[i]]);
      // The plain rule, with a key per id that keeps types apart.
      const seen = new Map<string, NodeId>();
      for (const id of ends) if (!seen.has(JSON.stringify(id))) seen.set(JSON.stringify(id), id);
      expect(firstAppearance(from.slice(0, to.length), to)).toEqual([...seen.values()]);
    }),
  );
});

test('each node is found at its index, and an unknown id (or the other type) is not', () => {
  const nodes: NodeId[] = [1, '1', 'depot', 7];
  const index = nodeIndexer(nodes);
  expect(nodes.map(index)).toEqual([0, 1, 2, 3]);
  expect([index('7'), index(2), index('Depot')]).toEqual([undefined, undefined, undefined]);
});
