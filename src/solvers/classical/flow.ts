import type { CompactGraph } from '../../graph/types';

/** What Dinic did besides its arc scans. */
export interface DinicCounts {
  /** BFS level graphs. */
  readonly phases: number;
  readonly augmentingPaths: number;
}

/** What push-relabel did besides its arc scans. */
export interface PushRelabelCounts {
  readonly pushes: number;
  readonly relabels: number;
  /** BFS relabelings of every node (exact distance labels). */
  readonly globalRelabels: number;
  /** Empty labels that lifted every node above them out at once. */
  readonly gaps: number;
  /** The part of the work in whole-graph scans (global relabelings and the final cut BFS), which no start flow can save. */
  readonly scanWork: number;
}

/** A maximum flow with the minimum cut that proves it. */
export interface MaxflowResult {
  readonly value: number;
  /** Per request edge; undirected edges are signed, positive from→to. */
  readonly flow: Float64Array;
  /** 1 for nodes on the source side of the minimum cut (reachable in the residual graph). */
  readonly sourceSide: Uint8Array;
  readonly algorithm: 'dinic' | 'push-relabel';
  /** Arc scans: the deterministic work measure the work limit counts. */
  readonly work: number;
  /** What the algorithm did, in its own terms. */
  readonly counts: DinicCounts | PushRelabelCounts;
}

/** Whether the solver moved any flow at all: false means the flow it started from was already maximum. */
export function addedFlow(result: MaxflowResult): boolean {
  return 'augmentingPaths' in result.counts ? result.counts.augmentingPaths > 0 : result.counts.pushes > 0;
}

/**
 * The residual threshold below which an arc counts as saturated. Zero for integer capacities
 * (exact arithmetic); for fractional capacities a tiny multiple of the largest capacity, so
 * rounding dust never becomes an endless trickle of augmenting paths.
 */
export function residualEpsilon(graph: CompactGraph): number {
  return graph.stats.integral ? 0 : graph.stats.maxAbs * 1e-12;
}

/**
 * The residual graph of a flow in CSR order: each node's arcs contiguous, each arc knowing its twin
 * and its request edge (i along edge i, ~i against it). An undirected edge has capacity both ways;
 * self-loops can never carry useful flow and are left out.
 */
export interface ResidualNetwork {
  readonly start: Int32Array;
  readonly head: Int32Array;
  readonly twin: Int32Array;
  readonly residual: Float64Array;
  readonly edgeOf: Int32Array;
}

/** residualNetwork: the residual graph of `flow` (per request edge, signed on undirected edges). */
export function residualNetwork(graph: CompactGraph, flow: Float64Array): ResidualNetwork {
  const n = graph.nodeCount;
  const m = graph.edgeCount;
  const { edgeFrom, edgeTo, edgeValue, directed } = graph;
  const start = new Int32Array(n + 1);
  for (let i = 0; i < m; i++) {
    if (edgeFrom[i] === edgeTo[i]) continue;
    start[edgeFrom[i] + 1]++;
    start[edgeTo[i] + 1]++;
  }
  for (let u = 0; u < n; u++) start[u + 1] += start[u];
  const arcs = start[n];
  const head = new Int32Array(arcs);
  const twin = new Int32Array(arcs);
  const residual = new Float64Array(arcs);
  const edgeOf = new Int32Array(arcs);
  const fill = start.slice(0, n);
  for (let i = 0; i < m; i++) {
    const u = edgeFrom[i];
    const v = edgeTo[i];
    if (u === v) continue;
    const forward = fill[u]++;
    const backward = fill[v]++;
    head[forward] = v;
    head[backward] = u;
    twin[forward] = backward;
    twin[backward] = forward;
    const c = edgeValue[i];
    const f = flow[i];
    residual[forward] = Math.max(0, c - f);
    residual[backward] = Math.max(0, (directed ? 0 : c) + f);
    edgeOf[forward] = i;
    edgeOf[backward] = ~i;
  }
  return { start, head, twin, residual, edgeOf };
}

/** Net flow leaving `node`, summed in edge order (the value the certificate reports). */
export function netOutflow(graph: CompactGraph, flow: Float64Array, node: number): number {
  let net = 0;
  for (let i = 0; i < graph.edgeCount; i++) {
    if (graph.edgeFrom[i] === graph.edgeTo[i]) continue;
    if (graph.edgeFrom[i] === node) net += flow[i];
    else if (graph.edgeTo[i] === node) net -= flow[i];
  }
  return net;
}
