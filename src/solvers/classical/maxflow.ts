import type { CompactGraph } from '../../graph/types';
import { WorkMeter } from './work';

/** A maximum flow with the minimum cut that proves it. */
export interface MaxflowResult {
  readonly value: number;
  /** Per request edge; undirected edges are signed, positive from→to. */
  readonly flow: Float64Array;
  /** 1 for nodes on the source side of the minimum cut (reachable in the residual graph). */
  readonly sourceSide: Uint8Array;
  readonly algorithm: string;
  readonly work: number;
  readonly phases: number;
  readonly augmentingPaths: number;
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
 * dinic: exact maximum flow (Dinic's blocking flows on typed arrays, iterative DFS with
 * current-arc pointers), followed by min-cut extraction from residual reachability.
 * Residual arc 2i runs along edge i (from→to), arc 2i+1 against it; an undirected edge has
 * capacity in both directions.
 */
export function dinic(graph: CompactGraph, source: number, sink: number, options: { maxWork: number }): MaxflowResult {
  if (source === sink) throw new Error('dinic: source and sink must differ');
  const n = graph.nodeCount;
  const m = graph.edgeCount;
  const { edgeFrom, edgeTo, edgeValue, directed } = graph;
  const meter = new WorkMeter(options.maxWork, 'dinic');
  const eps = residualEpsilon(graph);
  const flow = new Float64Array(m);

  // Residual adjacency in CSR form; self-loops can never carry useful flow and are left out.
  const start = new Int32Array(n + 1);
  for (let i = 0; i < m; i++) {
    if (edgeFrom[i] === edgeTo[i]) continue;
    start[edgeFrom[i] + 1]++;
    start[edgeTo[i] + 1]++;
  }
  for (let u = 0; u < n; u++) start[u + 1] += start[u];
  const adj = new Int32Array(start[n]);
  const fill = start.slice(0, n);
  for (let i = 0; i < m; i++) {
    if (edgeFrom[i] === edgeTo[i]) continue;
    adj[fill[edgeFrom[i]]++] = 2 * i;
    adj[fill[edgeTo[i]]++] = 2 * i + 1;
  }

  const head = (a: number): number => ((a & 1) === 0 ? edgeTo[a >> 1] : edgeFrom[a >> 1]);
  const residual = (a: number): number => {
    const i = a >> 1;
    return (a & 1) === 0 ? edgeValue[i] - flow[i] : (directed ? 0 : edgeValue[i]) + flow[i];
  };

  const level = new Int32Array(n);
  const queue = new Int32Array(n);
  const current = new Int32Array(n);
  const pathArcs = new Int32Array(n);
  const pathNodes = new Int32Array(n + 1);

  /** Levels by BFS in the residual graph; returns whether the sink is reachable. */
  const buildLevels = (): boolean => {
    level.fill(-1);
    level[source] = 0;
    queue[0] = source;
    let qh = 0;
    let qt = 1;
    let scanned = 0;
    while (qh < qt) {
      const u = queue[qh++];
      const end = start[u + 1];
      scanned += end - start[u] + 1;
      for (let k = start[u]; k < end; k++) {
        const a = adj[k];
        const v = head(a);
        if (level[v] < 0 && residual(a) > eps) {
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
        for (let d = 0; d < depth; d++) delta = Math.min(delta, residual(pathArcs[d]));
        let firstSaturated = -1;
        for (let d = 0; d < depth; d++) {
          const a = pathArcs[d];
          if ((a & 1) === 0) flow[a >> 1] += delta;
          else flow[a >> 1] -= delta;
          if (firstSaturated < 0 && residual(a) <= eps) firstSaturated = d;
        }
        augmentingPaths++;
        steps += depth;
        // Resume from the tail of the first saturated arc; the arcs before it still have room.
        depth = firstSaturated < 0 ? 0 : firstSaturated;
        continue;
      }
      const end = start[u + 1];
      let k = current[u];
      const want = level[u] + 1;
      for (; k < end; k++) {
        const a = adj[k];
        const v = head(a);
        if (level[v] === want && residual(a) > eps) break;
      }
      steps += k - current[u] + 1;
      current[u] = k;
      if (k < end) {
        const a = adj[k];
        pathArcs[depth] = a;
        depth++;
        pathNodes[depth] = head(a);
        continue;
      }
      // Dead end: no augmenting path passes through u in this phase.
      level[u] = -1;
      if (depth === 0) break;
      depth--;
      current[pathNodes[depth]]++;
      if (steps > 65536) {
        meter.charge(steps);
        steps = 0;
      }
    }
    meter.charge(steps);
  }

  // After the last phase, level >= 0 marks exactly the nodes reachable in the residual graph.
  const sourceSide = new Uint8Array(n);
  for (let v = 0; v < n; v++) if (level[v] >= 0) sourceSide[v] = 1;
  return { value: netOutflow(graph, flow, source), flow, sourceSide, algorithm: 'dinic', work: meter.used, phases, augmentingPaths };
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
