import type { NodeId } from './types';

/**
 * The ends of the edges in order of first appearance (tail before head, edge by edge): the node
 * order of a graph sent without a node list, for the service and for the explorer page alike (this
 * module imports nothing that a browser lacks). Numbers and strings sit in sets of their own, which
 * keeps "1" and 1 apart without building a key per end.
 */
export function firstAppearance(from: ArrayLike<NodeId>, to: ArrayLike<NodeId>): NodeId[] {
  const numbers = new Set<number>();
  const strings = new Set<string>();
  const found: NodeId[] = [];
  const see = (id: NodeId) => {
    if (typeof id === 'number') {
      if (!numbers.has(id)) {
        numbers.add(id);
        found.push(id);
      }
    } else if (!strings.has(id)) {
      strings.add(id);
      found.push(id);
    }
  };
  for (let i = 0; i < from.length; i++) {
    see(from[i]);
    see(to[i]);
  }
  return found;
}

/** Each node's index in `nodes`, by id, keeping "1" and 1 apart (two maps, no key string per lookup). */
export function nodeIndexer(nodes: readonly NodeId[]): (id: NodeId) => number | undefined {
  const numbers = new Map<number, number>();
  const strings = new Map<string, number>();
  nodes.forEach((id, i) => (typeof id === 'number' ? numbers.set(id, i) : strings.set(id, i)));
  return (id) => (typeof id === 'number' ? numbers.get(id) : strings.get(id));
}
