import type { CompactGraph } from '../../graph/types';
import { float32, indexTensor, int64, type Encoded } from './tensors';

/** The Bellman-Ford processor's inputs after its state h (training/specs/bellman_ford.json, model.step_inputs). */
export const BELLMAN_FORD_TENSORS = {
  source: float32('source', 'n'),
  nbrIndex: int64('nbr_index', 'n', 'k'), nbrWeight: float32('nbr_weight', 'n', 'k'), nbrMask: float32('nbr_mask', 'n', 'k'),
};

/**
 * A graph in the Bellman-Ford model's input form: each node's incoming arcs padded to K slots.
 * Self-loops are left out: they can never be a predecessor, and the verifier still checks them.
 */
export interface BellmanFordInputs extends Encoded<typeof BELLMAN_FORD_TENSORS> {
  /** Request edge of each slot, -1 for padding: decodes a chosen slot into a predecessor edge. */
  readonly slotEdge: Int32Array;
  /** Tail node of each slot, -1 for padding. */
  readonly slotTail: Int32Array;
}

/** The number of padded slots the encoding of `graph` would need (N × largest in-degree). */
export function paddedSlots(graph: CompactGraph): { k: number; slots: number } {
  const indegree = new Int32Array(graph.nodeCount);
  forEachIncomingArc(graph, (_tail, head) => indegree[head]++);
  let k = 1;
  for (const d of indegree) if (d > k) k = d;
  return { k, slots: k * graph.nodeCount };
}

/** encodeBellmanFord: the compact graph as the model's padded incoming-arc tensors (k from paddedSlots, if the caller has it). */
export function encodeBellmanFord(graph: CompactGraph, source: number, k = paddedSlots(graph).k): BellmanFordInputs {
  const n = graph.nodeCount;
  const fill = new Int32Array(n);
  const nbrIndex = indexTensor(n * k);
  const nbrWeight = new Float32Array(n * k);
  const nbrMask = new Float32Array(n * k);
  const slotEdge = new Int32Array(n * k).fill(-1);
  const slotTail = new Int32Array(n * k).fill(-1);
  forEachIncomingArc(graph, (tail, head, edge) => {
    const slot = head * k + fill[head]++;
    nbrIndex.set(slot, tail);
    nbrWeight[slot] = graph.edgeValue[edge];
    nbrMask[slot] = 1;
    slotEdge[slot] = edge;
    slotTail[slot] = tail;
  });
  const sourceMask = new Float32Array(n);
  sourceMask[source] = 1;
  return { n, k, source: sourceMask, nbrIndex: nbrIndex.tensor, nbrWeight, nbrMask, slotEdge, slotTail };
}

function forEachIncomingArc(graph: CompactGraph, visit: (tail: number, head: number, edge: number) => void): void {
  const { edgeFrom, edgeTo } = graph;
  for (let i = 0; i < graph.edgeCount; i++) {
    const u = edgeFrom[i];
    const v = edgeTo[i];
    if (u === v) continue;
    visit(u, v, i);
    if (!graph.directed) visit(v, u, i);
  }
}

/**
 * decodeBellmanFord: the model's pointer choices (a slot per node, K meaning "self") as a tree,
 * with exact distances: each node's label is the length of the tree path from the source, summed
 * in float64 along real edges, or Infinity where the pointers do not lead back to the source.
 * Such labels are always lengths of real walks, which is what the verifier and the repair need.
 */
export function decodeBellmanFord(
  graph: CompactGraph,
  inputs: BellmanFordInputs,
  source: number,
  choice: Int32Array,
): { potential: Float64Array; predNode: Int32Array; predEdge: Int32Array } {
  const { n, k } = inputs;
  const predNode = new Int32Array(n).fill(-1);
  const predEdge = new Int32Array(n).fill(-1);
  for (let v = 0; v < n; v++) {
    const c = choice[v];
    if (v === source || c < 0 || c >= k) continue;
    const slot = v * k + c;
    if (inputs.slotEdge[slot] < 0) continue;
    predNode[v] = inputs.slotTail[slot];
    predEdge[v] = inputs.slotEdge[slot];
  }
  // Children lists of the pointer graph, then a walk down from the source.
  const childStart = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) if (predNode[v] >= 0) childStart[predNode[v] + 1]++;
  for (let v = 0; v < n; v++) childStart[v + 1] += childStart[v];
  const children = new Int32Array(childStart[n]);
  const fill = childStart.slice(0, n);
  for (let v = 0; v < n; v++) if (predNode[v] >= 0) children[fill[predNode[v]]++] = v;
  const potential = new Float64Array(n).fill(Infinity);
  potential[source] = 0;
  const stack = [source];
  while (stack.length > 0) {
    const u = stack.pop()!;
    for (let c = childStart[u]; c < childStart[u + 1]; c++) {
      const v = children[c];
      if (v === source) continue;
      potential[v] = potential[u] + graph.edgeValue[predEdge[v]];
      stack.push(v);
    }
  }
  // Pointers that do not lead back to the source carry no information a client can use.
  for (let v = 0; v < n; v++) {
    if (potential[v] === Infinity) {
      predNode[v] = -1;
      predEdge[v] = -1;
    }
  }
  return { potential, predNode, predEdge };
}
