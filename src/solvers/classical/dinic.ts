import type { CompactGraph } from '../../graph/types';
import { netOutflow, residualEpsilon, residualNetwork, type MaxflowResult } from './flow';
import { WORK_CHARGE_BATCH, WorkMeter } from './work';

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
