import { median } from '../../graph/estimates';
import type { CompactGraph } from '../../graph/types';
import { float32, indexTensor, int64, type Encoded } from './tensors';

/**
 * An observation encoder's inputs (training/specs/noisy_routes.json, model.step_inputs; the noisy
 * capacities spec extends it): one row per arc of the compact graph (its edge's observations,
 * log-scaled and padded), the graph's centre and spread, and each node's leaving and entering arcs,
 * padded. m arcs, o the widest observation list, kt and kh the widest leaving and entering lists
 * (each at least 1).
 */
export const OBSERVATION_TENSORS = {
  logObs: float32('log_obs', 'm', 'o'), obsMask: float32('obs_mask', 'm', 'o'),
  centre: float32('centre', 'm'), spread: float32('spread', 'm'),
  tailArcs: int64('tail_arcs', 'n', 'kt'), tailMask: float32('tail_mask', 'n', 'kt'),
  headArcs: int64('head_arcs', 'n', 'kh'), headMask: float32('head_mask', 'n', 'kh'),
  tails: int64('tails', 'm'), heads: int64('heads', 'm'),
};

export type ObservationInputs = Encoded<typeof OBSERVATION_TENSORS>;

/** The slots an encoding would take (arcs × widest observation list + nodes × widest incident lists): what the serving limit bounds. */
export function observationSlots(graph: CompactGraph): number {
  const obs = graph.observations!;
  let o = 1;
  for (let e = 0; e < graph.edgeCount; e++) o = Math.max(o, obs.start[e + 1] - obs.start[e]);
  const { kt, kh } = incidentWidths(graph);
  return graph.arcHead.length * o + graph.nodeCount * (kt + kh);
}

/**
 * encodeObservations: the compact graph's arcs with their edges' observations. Zero observations are
 * read as a millionth of the graph's largest one (a log needs them positive). The centre and spread
 * follow the spec's model.normalization, computed over every arc's observations as training does.
 */
export function encodeObservations(graph: CompactGraph): ObservationInputs {
  const obs = graph.observations;
  if (!obs) throw new Error('encodeObservations: the graph has no observations');
  const n = graph.nodeCount;
  const m = graph.arcHead.length;
  let o = 1;
  let largest = 0;
  for (let e = 0; e < graph.edgeCount; e++) o = Math.max(o, obs.start[e + 1] - obs.start[e]);
  for (const x of obs.values) largest = Math.max(largest, x);
  // At least the smallest double, so that a log is finite however small the largest observation is.
  const floor = largest > 0 ? Math.max(largest * 1e-6, Number.MIN_VALUE) : 1;
  const logObs = new Float32Array(m * o);
  const obsMask = new Float32Array(m * o);
  let total = 0;
  for (let a = 0; a < m; a++) total += obs.start[graph.arcEdge[a] + 1] - obs.start[graph.arcEdge[a]];
  const all = new Float64Array(total);
  let filled = 0;
  const tails = indexTensor(m);
  const heads = indexTensor(m);
  for (let u = 0; u < n; u++) {
    for (let a = graph.arcStart[u]; a < graph.arcStart[u + 1]; a++) {
      tails.set(a, u);
      heads.set(a, graph.arcHead[a]);
      const e = graph.arcEdge[a];
      for (let j = obs.start[e], slot = 0; j < obs.start[e + 1]; j++, slot++) {
        const x = Math.log(Math.max(obs.values[j], floor));
        logObs[a * o + slot] = x;
        obsMask[a * o + slot] = 1;
        all[filled++] = x;
      }
    }
  }
  const centreValue = median(all);
  const deviations = new Float64Array(total);
  for (let i = 0; i < total; i++) deviations[i] = Math.abs(all[i] - centreValue);
  const spreadValue = Math.max(0.05, 1.4826 * median(deviations));
  const { kt, kh } = incidentWidths(graph);
  const tailArcs = indexTensor(n * kt);
  const tailMask = new Float32Array(n * kt);
  const headArcs = indexTensor(n * kh);
  const headMask = new Float32Array(n * kh);
  const headFill = new Int32Array(n);
  for (let u = 0; u < n; u++) {
    for (let a = graph.arcStart[u], slot = 0; a < graph.arcStart[u + 1]; a++, slot++) {
      tailArcs.set(u * kt + slot, a);
      tailMask[u * kt + slot] = 1;
    }
  }
  // Entering arcs in arc order, as training's padded lists are.
  for (let a = 0; a < m; a++) {
    const v = graph.arcHead[a];
    const slot = headFill[v]++;
    headArcs.set(v * kh + slot, a);
    headMask[v * kh + slot] = 1;
  }
  return {
    m, n, o, kt, kh, logObs, obsMask,
    centre: new Float32Array(m).fill(centreValue), spread: new Float32Array(m).fill(spreadValue),
    tailArcs: tailArcs.tensor, tailMask, headArcs: headArcs.tensor, headMask, tails: tails.tensor, heads: heads.tensor,
  };
}

/**
 * decodeCosts: the encoder's log costs per arc as a cost per request edge: an undirected edge's two
 * arcs are averaged, and an edge sent with a weight keeps its weight (it is what that edge costs).
 *
 * The guard that holds whatever the model outputs: a decoded value lies between the smallest and the
 * largest of its edge's finite observations (no widening), so an edge whose observations agree
 * decodes to exactly that value, and no decoded value is ever outside what was measured. A log cost
 * that is not a number is refused (a broken model), never clamped into a plausible value.
 */
export function decodeCosts(graph: CompactGraph, logCost: Float32Array): Float64Array {
  const obs = graph.observations!;
  const cost = new Float64Array(graph.edgeCount);
  const arcs = new Int32Array(graph.edgeCount);
  for (let a = 0; a < graph.arcEdge.length; a++) {
    const e = graph.arcEdge[a];
    if (Number.isNaN(logCost[a])) throw new Error(`the encoder decoded NaN for arc ${a}`);
    // A running mean of the edge's arcs: two values near the double limit do not overflow.
    arcs[e]++;
    cost[e] += (Math.min(Math.exp(logCost[a]), Number.MAX_VALUE) - cost[e]) / arcs[e];
  }
  for (let e = 0; e < graph.edgeCount; e++) {
    const at = obs.start[e];
    const end = obs.start[e + 1];
    if (!obs.estimated[e] || arcs[e] === 0 || end === at) {
      cost[e] = graph.edgeValue[e];
      continue;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = at; j < end; j++) {
      lo = Math.min(lo, obs.values[j]);
      hi = Math.max(hi, obs.values[j]);
    }
    cost[e] = Math.min(hi, Math.max(lo, cost[e]));
  }
  return cost;
}

function incidentWidths(graph: CompactGraph): { kt: number; kh: number } {
  const n = graph.nodeCount;
  const headCount = new Int32Array(n);
  let kt = 1;
  for (let u = 0; u < n; u++) kt = Math.max(kt, graph.arcStart[u + 1] - graph.arcStart[u]);
  for (const v of graph.arcHead) headCount[v]++;
  let kh = 1;
  for (const c of headCount) kh = Math.max(kh, c);
  return { kt, kh };
}
