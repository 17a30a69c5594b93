import { isExactIntegerArithmetic, type CompactGraph } from '../graph/types';
import { failureList } from './failures';

export interface MaxflowVerdict {
  readonly verified: boolean;
  /** Largest amount by which a flow leaves [0, c] (or [-c, c] on undirected edges). */
  readonly capacityMaxViolation: number;
  /** Largest net flow at a node other than source and sink. */
  readonly conservationMaxError: number;
  /** Net flow out of the source. */
  readonly value: number;
  /** Capacity of the claimed cut, recomputed from its source side. */
  readonly cutCapacity: number;
  /** Edges crossing the claimed cut from the source side, in request order. */
  readonly cutEdges: number[];
  /** Absolute tolerance per summand: 0 for integer capacities, else relative tolerance × largest capacity. */
  readonly tolerance: number;
  readonly failures: string[];
}

/**
 * verifyMaxflow: checks a claimed maximum flow and minimum cut without trusting the solver.
 *
 * The flow must respect capacities and conserve flow at every node but source and sink; the
 * cut must put the source on its side and the sink off it; and the cut's capacity must equal the
 * flow's value. By weak duality every flow is at most every cut, so equality proves both optimal.
 * Comparisons of sums allow the per-summand tolerance times the number of summands.
 */
export function verifyMaxflow(
  graph: CompactGraph,
  source: number,
  sink: number,
  flow: Float64Array,
  sourceSide: Uint8Array,
  options: { relativeTolerance: number },
): MaxflowVerdict {
  const tol = isExactIntegerArithmetic(graph.stats) ? 0 : options.relativeTolerance * graph.stats.maxAbs;
  const { failures, fail } = failureList();
  const n = graph.nodeCount;
  const m = graph.edgeCount;
  const { edgeFrom, edgeTo, edgeValue, directed } = graph;
  if (flow.length !== m || sourceSide.length !== n) {
    return { verified: false, capacityMaxViolation: 0, conservationMaxError: 0, value: 0, cutCapacity: 0, cutEdges: [], tolerance: tol, failures: ['claim arrays do not match the graph'] };
  }

  let capacityMaxViolation = 0;
  const net = new Float64Array(n);
  const degree = new Int32Array(n);
  for (let i = 0; i < m; i++) {
    const f = flow[i];
    const c = edgeValue[i];
    const lower = directed ? 0 : -c;
    const violation = Number.isNaN(f) ? Infinity : Math.max(lower - f, f - c, 0);
    if (violation > capacityMaxViolation) capacityMaxViolation = violation;
    if (violation > tol) fail(`edge ${i} carries ${f}, outside [${lower}, ${c}]`);
    if (edgeFrom[i] === edgeTo[i]) continue;
    net[edgeFrom[i]] += f;
    net[edgeTo[i]] -= f;
    degree[edgeFrom[i]]++;
    degree[edgeTo[i]]++;
  }

  let conservationMaxError = 0;
  for (let v = 0; v < n; v++) {
    if (v === source || v === sink) continue;
    const error = Math.abs(net[v]);
    if (error > conservationMaxError) conservationMaxError = error;
    if (!(error <= tol * Math.max(1, degree[v]))) fail(`node ${v} has net outflow ${net[v]}`);
  }
  const value = net[source];
  if (!(Math.abs(value + net[sink]) <= tol * Math.max(1, degree[source] + degree[sink]))) {
    fail(`flow out of the source (${value}) does not reach the sink (${-net[sink]})`);
  }

  if (sourceSide[source] !== 1) fail('the source is not on the source side of the cut');
  if (sourceSide[sink] !== 0) fail('the sink is on the source side of the cut');
  let cutCapacity = 0;
  const cutEdges: number[] = [];
  for (let i = 0; i < m; i++) {
    const a = sourceSide[edgeFrom[i]] === 1;
    const b = sourceSide[edgeTo[i]] === 1;
    if ((a && !b) || (!directed && b && !a)) {
      cutCapacity += edgeValue[i];
      cutEdges.push(i);
    }
  }
  if (!(Math.abs(cutCapacity - value) <= tol * Math.max(1, cutEdges.length + degree[source]))) {
    fail(`cut capacity ${cutCapacity} differs from the flow value ${value}`);
  }
  return { verified: failures.length === 0, capacityMaxViolation, conservationMaxError, value, cutCapacity, cutEdges, tolerance: tol, failures };
}
