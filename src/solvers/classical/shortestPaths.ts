import type { CompactGraph } from '../../graph/types';
import { WORK_CHARGE_BATCH, WorkMeter } from './work';

/**
 * A shortest-path answer in the form the verifier checks: a potential per node
 * (Infinity where unreached) and the predecessor node and edge that reach it.
 */
export interface ShortestPathTree {
  readonly potential: Float64Array;
  readonly predNode: Int32Array;
  readonly predEdge: Int32Array;
  /** False when the search stopped at the target: potentials are then min(distance, distance to target). */
  readonly complete: boolean;
  readonly algorithm: string;
  readonly work: number;
}

/** A cycle of negative total weight reachable from the source: the proof that no shortest path exists. */
export interface NegativeCycle {
  /** Nodes in walking order; the first node is repeated at the end. */
  readonly nodes: Int32Array;
  /** The edge taken between nodes[i] and nodes[i+1]. */
  readonly edges: Int32Array;
  readonly weight: number;
  readonly algorithm: string;
  readonly work: number;
}

export type ShortestPathResult = { kind: 'tree'; tree: ShortestPathTree } | { kind: 'negative-cycle'; cycle: NegativeCycle };

const UNSETTLED = 0;
const QUEUED = 1;
const SETTLED = 2;

/**
 * dijkstra: exact single-source shortest paths for non-negative weights, on the compact graph,
 * with a binary heap indexed by node. With a target it stops once the target is settled and
 * caps every other potential at the target's distance, which keeps the potentials feasible.
 */
export function dijkstra(graph: CompactGraph, source: number, options: { target?: number; maxWork: number }): ShortestPathTree {
  if (graph.stats.hasNegative) throw new Error('dijkstra: the graph has negative weights; use bellmanFord');
  const n = graph.nodeCount;
  const { arcStart, arcHead, arcValue, arcEdge } = graph;
  const meter = new WorkMeter(options.maxWork, 'dijkstra');
  const potential = new Float64Array(n).fill(Infinity);
  const predNode = new Int32Array(n).fill(-1);
  const predEdge = new Int32Array(n).fill(-1);
  const state = new Uint8Array(n);
  const heap = new Int32Array(n);
  const where = new Int32Array(n);
  let size = 0;

  const siftUp = (i: number): void => {
    const node = heap[i];
    const key = potential[node];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (potential[p] <= key) break;
      heap[i] = p;
      where[p] = i;
      i = parent;
    }
    heap[i] = node;
    where[node] = i;
  };
  const siftDown = (i: number): void => {
    const node = heap[i];
    const key = potential[node];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && potential[heap[child + 1]] < potential[heap[child]]) child++;
      if (potential[heap[child]] >= key) break;
      heap[i] = heap[child];
      where[heap[i]] = i;
      i = child;
    }
    heap[i] = node;
    where[node] = i;
  };

  potential[source] = 0;
  heap[size++] = source;
  where[source] = 0;
  state[source] = QUEUED;
  let steps = 0;
  let stoppedAt = -1;
  while (size > 0) {
    const u = heap[0];
    size--;
    if (size > 0) {
      heap[0] = heap[size];
      siftDown(0);
    }
    state[u] = SETTLED;
    if (u === options.target) {
      stoppedAt = u;
      break;
    }
    const du = potential[u];
    const end = arcStart[u + 1];
    steps += end - arcStart[u] + 1;
    for (let a = arcStart[u]; a < end; a++) {
      const v = arcHead[a];
      if (state[v] === SETTLED) continue;
      const candidate = du + arcValue[a];
      if (candidate < potential[v]) {
        potential[v] = candidate;
        predNode[v] = u;
        predEdge[v] = arcEdge[a];
        if (state[v] === UNSETTLED) {
          state[v] = QUEUED;
          heap[size] = v;
          size++;
          siftUp(size - 1);
        } else siftUp(where[v]);
      }
    }
    if (steps > WORK_CHARGE_BATCH) {
      meter.charge(steps);
      steps = 0;
    }
  }
  meter.charge(steps);

  if (stoppedAt >= 0) {
    const cap = potential[stoppedAt];
    for (let v = 0; v < n; v++) {
      if (state[v] !== SETTLED && potential[v] > cap) potential[v] = cap;
    }
  }
  return { potential, predNode, predEdge, complete: stoppedAt < 0, algorithm: 'dijkstra', work: meter.used };
}

/**
 * bellmanFord: exact single-source shortest paths with any weights (queue-based, label-correcting).
 * Detects a negative cycle reachable from the source and returns it.
 */
export function bellmanFord(graph: CompactGraph, source: number, options: { maxWork: number }): ShortestPathResult {
  const n = graph.nodeCount;
  const potential = new Float64Array(n).fill(Infinity);
  potential[source] = 0;
  const start: LabelState = { potential, predNode: new Int32Array(n).fill(-1), predEdge: new Int32Array(n).fill(-1) };
  return labelCorrecting(graph, start, Int32Array.of(source), { maxWork: options.maxWork, algorithm: 'bellman-ford' }).result;
}

/** Labels to start a label-correcting search from: each finite label must be the length of a real walk from the source. */
export interface LabelState {
  potential: Float64Array;
  predNode: Int32Array;
  predEdge: Int32Array;
}

/** How much a label-correcting search had to do: the repair work reported for learned answers. */
export interface LabelCorrectingStats {
  relaxations: number;
  nodesRelabeled: number;
}

/** Tails of arcs that break d(v) <= d(u) + w: where a label-correcting repair of `potential` must start. */
export function violatedTails(graph: CompactGraph, potential: Float64Array): Int32Array {
  const seeds: number[] = [];
  const { arcStart, arcHead, arcValue } = graph;
  for (let u = 0; u < graph.nodeCount; u++) {
    const du = potential[u];
    if (du === Infinity) continue;
    for (let a = arcStart[u]; a < arcStart[u + 1]; a++) {
      if (du + arcValue[a] < potential[arcHead[a]]) {
        seeds.push(u);
        break;
      }
    }
  }
  return Int32Array.from(seeds);
}

/**
 * labelCorrecting: the queue-based Bellman-Ford loop, started from given labels and a queue of
 * seed nodes, changing the labels in place. From the source alone it is Bellman-Ford; from a
 * learned tree's exact path lengths, seeded with the tails of violated arcs, it repairs the tree
 * with work proportional to how wrong it was. The predecessor graph is searched for a cycle
 * after every n relaxations, so negative-cycle detection costs O(1) amortized per relaxation.
 */
export function labelCorrecting(
  graph: CompactGraph,
  labels: LabelState,
  seeds: Int32Array,
  options: { maxWork: number; algorithm: string },
): { result: ShortestPathResult; stats: LabelCorrectingStats } {
  const n = graph.nodeCount;
  const { arcStart, arcHead, arcValue, arcEdge } = graph;
  const { potential, predNode, predEdge } = labels;
  const meter = new WorkMeter(options.maxWork, options.algorithm);
  const queued = new Uint8Array(n);
  const relabeled = new Uint8Array(n);
  const queue = new Int32Array(n + 1);
  const mark = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (const s of seeds) {
    if (queued[s]) continue;
    queued[s] = 1;
    queue[tail++] = s;
  }
  let relaxationsSinceCheck = 0;
  let relaxations = 0;
  let nodesRelabeled = 0;
  let steps = 0;
  const done = (result: ShortestPathResult) => ({ result, stats: { relaxations, nodesRelabeled } });

  while (head !== tail) {
    const u = queue[head];
    head = head === n ? 0 : head + 1;
    queued[u] = 0;
    const du = potential[u];
    const end = arcStart[u + 1];
    steps += end - arcStart[u] + 1;
    for (let a = arcStart[u]; a < end; a++) {
      const v = arcHead[a];
      const candidate = du + arcValue[a];
      if (candidate < potential[v]) {
        potential[v] = candidate;
        predNode[v] = u;
        predEdge[v] = arcEdge[a];
        relaxations++;
        relaxationsSinceCheck++;
        if (!relabeled[v]) {
          relabeled[v] = 1;
          nodesRelabeled++;
        }
        if (!queued[v]) {
          queued[v] = 1;
          queue[tail] = v;
          tail = tail === n ? 0 : tail + 1;
        }
      }
    }
    if (relaxationsSinceCheck >= n) {
      relaxationsSinceCheck = 0;
      const cycle = findPredecessorCycle(graph, predNode, predEdge, mark);
      if (cycle) return done({ kind: 'negative-cycle', cycle: { ...cycle, algorithm: options.algorithm, work: meter.used + steps } });
      meter.charge(steps + n);
      steps = 0;
    }
  }
  meter.charge(steps);
  // Queue empty means every edge is satisfied, but a cycle formed since the last check could still be there.
  const cycle = findPredecessorCycle(graph, predNode, predEdge, mark);
  if (cycle) return done({ kind: 'negative-cycle', cycle: { ...cycle, algorithm: options.algorithm, work: meter.used } });
  return done({ kind: 'tree', tree: { potential, predNode, predEdge, complete: true, algorithm: options.algorithm, work: meter.used } });
}

/**
 * Finds a cycle in the predecessor graph, if any. In a label-correcting search every such cycle
 * has negative weight; the weight is summed here and checked by the caller's verifier.
 */
function findPredecessorCycle(
  graph: CompactGraph,
  predNode: Int32Array,
  predEdge: Int32Array,
  mark: Int32Array,
): { nodes: Int32Array; edges: Int32Array; weight: number } | null {
  const n = graph.nodeCount;
  mark.fill(0);
  for (let start = 0; start < n; start++) {
    if (mark[start] !== 0) continue;
    const stamp = start + 1;
    let x = start;
    while (x >= 0 && mark[x] === 0) {
      mark[x] = stamp;
      x = predNode[x];
    }
    if (x >= 0 && mark[x] === stamp) return extractCycle(graph, x, predNode, predEdge);
  }
  return null;
}

function extractCycle(graph: CompactGraph, onCycle: number, predNode: Int32Array, predEdge: Int32Array) {
  const backwardNodes: number[] = [onCycle];
  const backwardEdges: number[] = [];
  let x = onCycle;
  do {
    backwardEdges.push(predEdge[x]);
    x = predNode[x];
    backwardNodes.push(x);
  } while (x !== onCycle);
  const nodes = Int32Array.from(backwardNodes.reverse());
  const edges = Int32Array.from(backwardEdges.reverse());
  let weight = 0;
  for (const e of edges) weight += graph.edgeValue[e];
  return { nodes, edges, weight };
}

/**
 * shortestPaths: picks the exact algorithm the weights allow: Dijkstra when all weights are
 * non-negative, Bellman-Ford otherwise.
 */
export function shortestPaths(graph: CompactGraph, source: number, options: { target?: number; maxWork: number }): ShortestPathResult {
  if (graph.stats.hasNegative) return bellmanFord(graph, source, options);
  return { kind: 'tree', tree: dijkstra(graph, source, options) };
}
