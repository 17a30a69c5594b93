import type { CompactGraph } from '../../graph/types';
import { WORK_CHARGE_BATCH, WorkMeter } from './work';

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

/**
 * dinic: exact maximum flow (Dinic's blocking flows on typed arrays, iterative DFS with
 * current-arc pointers), followed by min-cut extraction from residual reachability.
 * Residual arcs are stored in CSR order (each node's arcs contiguous, each arc knowing its twin),
 * so the scans that dominate the running time read memory in order. An undirected edge has
 * capacity in both directions.
 *
 * With `initialFlow` (a feasible flow per edge, e.g. a projected learned prediction) it continues
 * from that flow instead of from zero: a warm start, whose work follows how far the flow is from
 * maximum. The caller must pass a feasible flow; capacities are still never exceeded.
 */
export function dinic(graph: CompactGraph, source: number, sink: number, options: { maxWork: number; initialFlow?: Float64Array }): MaxflowResult {
  if (source === sink) throw new Error('dinic: source and sink must differ');
  const n = graph.nodeCount;
  const meter = new WorkMeter(options.maxWork, 'dinic');
  const eps = residualEpsilon(graph);
  const flow = options.initialFlow ? Float64Array.from(options.initialFlow) : new Float64Array(graph.edgeCount);
  const { start, head, twin, residual, edgeOf } = residualNetwork(graph, flow);

  const level = new Int32Array(n);
  const queue = new Int32Array(n);
  const current = new Int32Array(n);
  const pathArcs = new Int32Array(n);
  const pathNodes = new Int32Array(n + 1);

  /**
   * Levels by BFS in the residual graph; returns whether the sink is reachable. Stops expanding
   * past the sink's level, except on the last call, whose full reachability is the minimum cut.
   */
  const buildLevels = (): boolean => {
    level.fill(-1);
    level[source] = 0;
    queue[0] = source;
    let qh = 0;
    let qt = 1;
    let scanned = 0;
    while (qh < qt) {
      const u = queue[qh++];
      if (level[sink] >= 0 && level[u] >= level[sink]) break;
      const end = start[u + 1];
      scanned += end - start[u] + 1;
      for (let k = start[u]; k < end; k++) {
        const v = head[k];
        if (level[v] < 0 && residual[k] > eps) {
          level[v] = level[u] + 1;
          queue[qt++] = v;
        }
      }
    }
    meter.charge(scanned);
    return level[sink] >= 0;
  };

  let phases = 0;
  let augmentingPaths = 0;
  while (buildLevels()) {
    phases++;
    current.set(start.subarray(0, n));
    let depth = 0;
    pathNodes[0] = source;
    let steps = 0;
    for (;;) {
      const u = pathNodes[depth];
      if (u === sink) {
        let delta = Infinity;
        for (let d = 0; d < depth; d++) if (residual[pathArcs[d]] < delta) delta = residual[pathArcs[d]];
        let firstSaturated = -1;
        for (let d = 0; d < depth; d++) {
          const k = pathArcs[d];
          residual[k] -= delta;
          residual[twin[k]] += delta;
          const e = edgeOf[k];
          if (e >= 0) flow[e] += delta;
          else flow[~e] -= delta;
          if (firstSaturated < 0 && residual[k] <= eps) firstSaturated = d;
        }
        augmentingPaths++;
        steps += depth;
        // Resume from the tail of the first saturated arc; the arcs before it still have room.
        depth = firstSaturated < 0 ? 0 : firstSaturated;
        continue;
      }
      const end = start[u + 1];
      const want = level[u] + 1;
      let k = current[u];
      while (k < end && !(level[head[k]] === want && residual[k] > eps)) k++;
      steps += k - current[u] + 1;
      current[u] = k;
      if (k < end) {
        pathArcs[depth] = k;
        depth++;
        pathNodes[depth] = head[k];
        continue;
      }
      // Dead end: no augmenting path passes through u in this phase.
      level[u] = -1;
      if (depth === 0) break;
      depth--;
      current[pathNodes[depth]]++;
      if (steps > WORK_CHARGE_BATCH) {
        meter.charge(steps);
        steps = 0;
      }
    }
    meter.charge(steps);
  }

  // The last BFS found no path to the sink, so it ran to completion: level >= 0 marks exactly
  // the nodes reachable in the residual graph.
  const sourceSide = new Uint8Array(n);
  for (let v = 0; v < n; v++) if (level[v] >= 0) sourceSide[v] = 1;
  return { value: netOutflow(graph, flow, source), flow, sourceSide, algorithm: 'dinic', work: meter.used, counts: { phases, augmentingPaths } };
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
