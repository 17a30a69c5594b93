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
