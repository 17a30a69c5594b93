import type { CompactGraph } from '../../graph/types';
import { float32, indexTensor, int64, type Encoded } from './tensors';

/** The max-flow processor's inputs after its state h (training/specs/maxflow.json, model.step_inputs); ki and ko are the largest in- and out-degree (at least 1). */
export const MAXFLOW_TENSORS = {
  source: float32('source', 'n'), sink: float32('sink', 'n'),
  inIndex: int64('in_index', 'n', 'ki'), inCapacity: float32('in_capacity', 'n', 'ki'), inMask: float32('in_mask', 'n', 'ki'),
  outIndex: int64('out_index', 'n', 'ko'), outCapacity: float32('out_capacity', 'n', 'ko'), outMask: float32('out_mask', 'n', 'ko'),
};

/**
 * A flow network in the max-flow model's input form: every arc (one per directed edge, two per
 * undirected edge, none for self-loops) in its head's padded incoming list and its tail's padded
 * outgoing list.
 */
export interface MaxflowInputs extends Encoded<typeof MAXFLOW_TENSORS> {
  /** Request edge of each incoming slot, -1 for padding. */
  readonly inSlotEdge: Int32Array;
  /** +1 where the slot's arc runs along its edge (from → to), -1 against it (undirected edges). */
  readonly inSlotSign: Int8Array;
  /** The step rule's hop_depth: the larger of the deepest BFS level from the source and to the sink. */
  readonly hopDepth: number;
}

/** The padded list widths of an encoding and the slots (N × (KI + KO)) they take. */
export interface PaddedWidths {
  readonly ki: number;
  readonly ko: number;
  readonly slots: number;
}

/** The padded widths the encoding of `graph` would need (counted once per request: pass them on to encodeMaxflow). */
export function maxflowSlots(graph: CompactGraph): PaddedWidths {
  const indegree = new Int32Array(graph.nodeCount);
  const outdegree = new Int32Array(graph.nodeCount);
  forEachArc(graph, (tail, head) => {
    indegree[head]++;
    outdegree[tail]++;
  });
  let ki = 1;
  let ko = 1;
  for (let v = 0; v < graph.nodeCount; v++) {
    if (indegree[v] > ki) ki = indegree[v];
    if (outdegree[v] > ko) ko = outdegree[v];
  }
  return { ki, ko, slots: graph.nodeCount * (ki + ko) };
}

/** encodeMaxflow: the compact graph as the model's padded incoming and outgoing arc tensors. */
export function encodeMaxflow(graph: CompactGraph, source: number, sink: number, widths: PaddedWidths = maxflowSlots(graph)): MaxflowInputs {
  const n = graph.nodeCount;
  const { ki, ko } = widths;
  const inFill = new Int32Array(n);
  const outFill = new Int32Array(n);
  const inSlots = indexTensor(n * ki);
  const inCapacity = new Float32Array(n * ki);
  const inMask = new Float32Array(n * ki);
  const outSlots = indexTensor(n * ko);
  const outCapacity = new Float32Array(n * ko);
  const outMask = new Float32Array(n * ko);
  const inSlotEdge = new Int32Array(n * ki).fill(-1);
  const inSlotSign = new Int8Array(n * ki);
  forEachArc(graph, (tail, head, edge, sign) => {
    const capacity = graph.edgeValue[edge];
    const i = head * ki + inFill[head]++;
    inSlots.set(i, tail);
    inCapacity[i] = capacity;
    inMask[i] = 1;
    inSlotEdge[i] = edge;
    inSlotSign[i] = sign;
    const o = tail * ko + outFill[tail]++;
    outSlots.set(o, head);
    outCapacity[o] = capacity;
    outMask[o] = 1;
  });
  const inIndex = inSlots.tensor;
  const outIndex = outSlots.tensor;
  const sourceMask = new Float32Array(n);
  const sinkMask = new Float32Array(n);
  sourceMask[source] = 1;
  sinkMask[sink] = 1;
  const hopDepth = Math.max(deepestLevel(n, outIndex, outMask, ko, source), deepestLevel(n, inIndex, inMask, ki, sink));
  return { n, ki, ko, source: sourceMask, sink: sinkMask, inIndex, inCapacity, inMask, outIndex, outCapacity, outMask, inSlotEdge, inSlotSign, hopDepth };
}

/**
 * decodeMaxflow: the model's last step as a flow per request edge (fraction × capacity, signed on
 * undirected edges, both directions netted) and a cut side per node (source side where the logit
 * is positive; the source and sink are pinned to their sides).
 */
export function decodeMaxflow(
  graph: CompactGraph,
  inputs: MaxflowInputs,
  flowFraction: Float32Array,
  cutLogit: Float32Array,
  source: number,
  sink: number,
): { flow: Float64Array; sourceSide: Uint8Array } {
  const flow = new Float64Array(graph.edgeCount);
  for (let i = 0; i < inputs.inSlotEdge.length; i++) {
    const edge = inputs.inSlotEdge[i];
    if (edge < 0) continue;
    flow[edge] += inputs.inSlotSign[i] * flowFraction[i] * graph.edgeValue[edge];
  }
  const sourceSide = new Uint8Array(graph.nodeCount);
  for (let v = 0; v < graph.nodeCount; v++) sourceSide[v] = cutLogit[v] > 0 ? 1 : 0;
  sourceSide[source] = 1;
  sourceSide[sink] = 0;
  return { flow, sourceSide };
}

function forEachArc(graph: CompactGraph, visit: (tail: number, head: number, edge: number, sign: 1 | -1) => void): void {
  const { edgeFrom, edgeTo } = graph;
  for (let i = 0; i < graph.edgeCount; i++) {
    const u = edgeFrom[i];
    const v = edgeTo[i];
    if (u === v) continue;
    visit(u, v, i, 1);
    if (!graph.directed) visit(v, u, i, -1);
  }
}

/** The deepest finite BFS level from `start` over padded neighbour lists. */
function deepestLevel(n: number, index: BigInt64Array, mask: Float32Array, k: number, start: number): number {
  const level = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  level[start] = 0;
  queue[0] = start;
  let head = 0;
  let tail = 1;
  let deepest = 0;
  while (head < tail) {
    const u = queue[head++];
    for (let j = u * k; j < (u + 1) * k && mask[j] === 1; j++) {
      const v = Number(index[j]);
      if (level[v] < 0) {
        level[v] = level[u] + 1;
        deepest = level[v];
        queue[tail++] = v;
      }
    }
  }
  return deepest;
}
