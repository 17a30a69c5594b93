import type { CompactGraph } from '../../graph/types';
import { netOutflow, residualEpsilon, residualNetwork, type MaxflowResult, type PushRelabelCounts } from './flow';
import { WORK_CHARGE_BATCH, WorkMeter } from './work';

/** Global relabeling runs once the relabel work since the last one passes this many times (6n + m), as HIPR's default. */
const GLOBAL_RELABEL_FREQUENCY = 0.5;
/** Work charged per relabel besides its arc scans (HIPR's BETA). */
const RELABEL_COST = 12;

/**
 * pushRelabel: exact maximum flow by highest-label push-relabel with global relabeling and the gap
 * heuristic (Cherkassky & Goldberg's HIPR), on the same CSR residual graph as Dinic.
 *
 * Phase 1 computes a maximum preflow: excess moves toward the sink along arcs that go down one
 * distance label at a time, highest label first; distance labels are kept exact by a BFS from the
 * sink every so often (global relabeling), and nodes above an empty label (a gap) are lifted out at
 * once. Phase 2 turns the preflow into a flow by sending the excess left on the source side back to
 * the source, with the same discharge loop aimed at the source. The minimum cut is then the
 * residual reachability from the source, as Dinic reports it.
 *
 * With `initialFlow` (a preflow: within capacities, and no node but the source sends out more than
 * it receives; a feasible flow, e.g. a projected learned prediction, is one) it starts from there:
 * the work that remains follows the excess still to be placed, not the number of phases.
 */
export function pushRelabel(
  graph: CompactGraph,
  source: number,
  sink: number,
  options: { maxWork: number; initialFlow?: Float64Array },
): MaxflowResult & { counts: PushRelabelCounts } {
  if (source === sink) throw new Error('pushRelabel: source and sink must differ');
  const n = graph.nodeCount;
  const meter = new WorkMeter(options.maxWork, 'push-relabel');
  const eps = residualEpsilon(graph);
  const flow = options.initialFlow ? Float64Array.from(options.initialFlow) : new Float64Array(graph.edgeCount);
  const { start, head, twin, residual, edgeOf } = residualNetwork(graph, flow);
  // A preflow may leave excess at nodes (never a deficit): it is routed like any other.
  const excess = new Float64Array(n);
  for (let i = 0; i < graph.edgeCount; i++) {
    if (graph.edgeFrom[i] === graph.edgeTo[i]) continue;
    excess[graph.edgeTo[i]] += flow[i];
    excess[graph.edgeFrom[i]] -= flow[i];
  }
  excess[source] = 0;
  excess[sink] = 0;
  for (let v = 0; v < n; v++) {
    if (excess[v] < -eps - 1e-9 * graph.stats.maxAbs) throw new Error(`pushRelabel: the initial flow leaves node ${v} short of ${-excess[v]} (a preflow never sends out more than comes in)`);
    if (excess[v] < 0) excess[v] = 0;
  }
  const label = new Int32Array(n);
  const current = new Int32Array(n);
  // Buckets by label: active nodes (a stack each) and all nodes below the cap (doubly linked, for gaps).
  const activeFirst = new Int32Array(2 * n + 1);
  const activeNext = new Int32Array(n);
  const inactiveFirst = new Int32Array(2 * n + 1);
  const inactiveNext = new Int32Array(n);
  const inactivePrev = new Int32Array(n);
  const queue = new Int32Array(n);
  let pushes = 0;
  let relabels = 0;
  let globalRelabels = 0;
  let gaps = 0;
  let steps = 0;
  let scanWork = 0;

  const push = (u: number, k: number, amount: number): void => {
    residual[k] -= amount;
    residual[twin[k]] += amount;
    excess[u] -= amount;
    excess[head[k]] += amount;
    const e = edgeOf[k];
    if (e >= 0) flow[e] += amount;
    else flow[~e] -= amount;
    pushes++;
  };

  /**
   * One phase: discharge every node with excess toward `target` until none below the cap `n` is
   * left. Labels are distances to `target` in the residual graph (n = cannot reach it).
   */
  const run = (target: number, pinned: number): void => {
    let highestActive = -1;
    let highest = -1;
    let workSinceUpdate = 0;
    const activate = (v: number): void => {
      activeNext[v] = activeFirst[label[v]];
      activeFirst[label[v]] = v;
      if (label[v] > highestActive) highestActive = label[v];
    };
    const link = (v: number): void => {
      const d = label[v];
      inactiveNext[v] = inactiveFirst[d];
      inactivePrev[v] = -1;
      if (inactiveFirst[d] >= 0) inactivePrev[inactiveFirst[d]] = v;
      inactiveFirst[d] = v;
      if (d > highest) highest = d;
    };
    const unlink = (v: number): void => {
      const d = label[v];
      if (inactivePrev[v] >= 0) inactiveNext[inactivePrev[v]] = inactiveNext[v];
      else inactiveFirst[d] = inactiveNext[v];
      if (inactiveNext[v] >= 0) inactivePrev[inactiveNext[v]] = inactivePrev[v];
    };
    // Exact distances to the target by BFS over arcs that still have room toward it.
    const globalRelabel = (): void => {
      globalRelabels++;
      label.fill(n);
      activeFirst.fill(-1);
      inactiveFirst.fill(-1);
      highestActive = -1;
      highest = -1;
      label[target] = 0;
      queue[0] = target;
      let qh = 0;
      let qt = 1;
      while (qh < qt) {
        const v = queue[qh++];
        const end = start[v + 1];
        steps += end - start[v] + 1;
        scanWork += end - start[v] + 1;
        for (let k = start[v]; k < end; k++) {
          const u = head[k];
          // Arc u → v is twin[k]; u can send toward v when it has room.
          if (label[u] === n && u !== pinned && residual[twin[k]] > eps) {
            label[u] = label[v] + 1;
            queue[qt++] = u;
          }
        }
      }
      for (let i = 1; i < qt; i++) {
        const u = queue[i];
        current[u] = start[u];
        if (excess[u] > eps) activate(u);
        else link(u);
      }
      workSinceUpdate = 0;
    };

    globalRelabel();
    if (target === sink) {
      // The source sends all it can, but only to nodes that can still reach the sink: flow sent
      // anywhere else would only come back in phase 2 (a warm start from a maximum flow pushes nothing).
      for (let k = start[source]; k < start[source + 1]; k++) {
        const v = head[k];
        if (residual[k] > eps && v !== source && label[v] < n) {
          const wasIdle = excess[v] <= eps;
          excess[source] += residual[k];
          push(source, k, residual[k]);
          if (wasIdle && v !== sink) {
            unlink(v);
            activate(v);
          }
        }
      }
      excess[source] = 0;
    }
    while (highestActive >= 0) {
      const u = activeFirst[highestActive];
      if (u < 0) {
        highestActive--;
        continue;
      }
      activeFirst[highestActive] = activeNext[u];
      // Discharge u: push along admissible arcs, relabel when none is left.
      const end = start[u + 1];
      while (excess[u] > eps) {
        let k = current[u];
        const want = label[u] - 1;
        while (k < end && !(residual[k] > eps && label[head[k]] === want)) k++;
        steps += k - current[u] + 1;
        if (k < end) {
          current[u] = k;
          const v = head[k];
          const wasIdle = excess[v] <= eps;
          push(u, k, Math.min(excess[u], residual[k]));
          if (wasIdle && v !== target && v !== pinned && label[v] < n) {
            unlink(v);
            activate(v);
          }
          continue;
        }
        // Relabel: one more than the lowest neighbour it can still send to.
        relabels++;
        const old = label[u];
        let lowest = n;
        let at = start[u];
        for (let j = start[u]; j < end; j++) {
          if (residual[j] > eps && label[head[j]] + 1 < lowest) {
            lowest = label[head[j]] + 1;
            at = j;
          }
        }
        steps += end - start[u] + RELABEL_COST;
        workSinceUpdate += end - start[u] + RELABEL_COST;
        if (inactiveFirst[old] < 0 && activeFirst[old] < 0) {
          // u was the last node at its label: everything above it can no longer reach the target.
          gaps++;
          for (let d = old + 1; d <= highest; d++) {
            for (let v = inactiveFirst[d]; v >= 0; v = inactiveNext[v]) label[v] = n;
            inactiveFirst[d] = -1;
          }
          highest = old - 1;
          label[u] = n;
          break;
        }
        label[u] = Math.min(lowest, n);
        current[u] = at;
        if (label[u] >= n) break;
      }
      if (label[u] < n) {
        if (excess[u] > eps) activate(u);
        else link(u);
      }
      if (steps > WORK_CHARGE_BATCH) {
        meter.charge(steps);
        steps = 0;
      }
      if (workSinceUpdate * GLOBAL_RELABEL_FREQUENCY > 6 * n + start[n]) globalRelabel();
    }
    meter.charge(steps);
    steps = 0;
  };

  // A warm start's flow has no excess away from the terminals; phase 1 starts by saturating the source.
  run(sink, source);
  // Phase 2: what could not reach the sink goes back to the source (it always can: it came from there).
  excess[sink] = 0;
  let stranded = false;
  for (let v = 0; v < n && !stranded; v++) stranded = v !== source && v !== sink && excess[v] > eps;
  if (stranded) run(source, sink);

  // The minimum cut: what the source still reaches in the residual graph.
  const sourceSide = new Uint8Array(n);
  sourceSide[source] = 1;
  queue[0] = source;
  let qh = 0;
  let qt = 1;
  while (qh < qt) {
    const u = queue[qh++];
    const end = start[u + 1];
    steps += end - start[u] + 1;
    scanWork += end - start[u] + 1;
    for (let k = start[u]; k < end; k++) {
      const v = head[k];
      if (!sourceSide[v] && residual[k] > eps) {
        sourceSide[v] = 1;
        queue[qt++] = v;
      }
    }
  }
  meter.charge(steps);
  return {
    value: netOutflow(graph, flow, source),
    flow,
    sourceSide,
    algorithm: 'push-relabel',
    work: meter.used,
    counts: { pushes, relabels, globalRelabels, gaps, scanWork },
  };
}
