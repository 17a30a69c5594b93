import { isExactIntegerArithmetic, type CompactGraph } from '../graph/types';
import { failureList } from './failures';

/** What the caller claims: potentials (Infinity where unreached) and predecessors. */
export interface ShortestPathClaim {
  readonly potential: Float64Array;
  readonly predNode: Int32Array;
  readonly predEdge: Int32Array;
}

export interface ShortestPathVerdict {
  readonly verified: boolean;
  readonly checkedEdges: number;
  /** Largest amount by which some edge breaks d(v) <= d(u) + w; 0 when none does. */
  readonly maxViolation: number;
  /** "exact" for integer weights whose sums stay below 2^53, else "relative <tol>". */
  readonly tolerance: string;
  /** Human-readable reasons the check failed; empty when verified. */
  readonly failures: string[];
}

/**
 * verifyShortestPaths: checks a claimed shortest-path answer without trusting whoever made it.
 *
 * Potentials must be feasible (d(s) = 0 and d(v) <= d(u) + w(u,v) on every arc out of a reached
 * node, so no reached node has an unreached neighbour). With a target, the predecessor walk from
 * the target must follow real edges back to the source without repeating a node and add up to
 * d(target); without one, every reached node's predecessor edge must be tight and the predecessors
 * must form a tree rooted at the source. Feasible potentials plus a tight path prove optimality.
 */
export function verifyShortestPaths(
  graph: CompactGraph,
  source: number,
  claim: ShortestPathClaim,
  options: { target?: number; relativeTolerance: number },
): ShortestPathVerdict {
  const exact = isExactIntegerArithmetic(graph.stats);
  const rel = exact ? 0 : options.relativeTolerance;
  const { potential: d, predNode, predEdge } = claim;
  const { failures, fail } = failureList();
  const n = graph.nodeCount;
  if (d.length !== n || predNode.length !== n || predEdge.length !== n) {
    return { verified: false, checkedEdges: 0, maxViolation: 0, tolerance: describe(rel), failures: ['claim arrays do not match the node count'] };
  }
  if (d[source] !== 0) fail(`source potential is ${d[source]}, not 0`);

  let maxViolation = 0;
  let checked = 0;
  const checkArc = (u: number, v: number, w: number, edge: number): void => {
    checked++;
    const du = d[u];
    if (du === Infinity) return;
    const dv = d[v];
    const violation = dv - (du + w);
    if (!(violation <= 0)) {
      const allowed = rel * (Math.abs(du) + Math.abs(w) + Math.abs(dv));
      if (violation > maxViolation || Number.isNaN(violation)) maxViolation = Number.isNaN(violation) ? Infinity : violation;
      if (!(violation <= allowed)) fail(`edge ${edge} (${u}→${v}) violates d(v) <= d(u) + w by ${violation}`);
    }
  };
  const { edgeFrom, edgeTo, edgeValue } = graph;
  for (let i = 0; i < graph.edgeCount; i++) {
    checkArc(edgeFrom[i], edgeTo[i], edgeValue[i], i);
    if (!graph.directed && edgeFrom[i] !== edgeTo[i]) checkArc(edgeTo[i], edgeFrom[i], edgeValue[i], i);
  }

  const edgeJoins = (edge: number, u: number, v: number): boolean =>
    edge >= 0 &&
    edge < graph.edgeCount &&
    ((edgeFrom[edge] === u && edgeTo[edge] === v) || (!graph.directed && edgeFrom[edge] === v && edgeTo[edge] === u));

  if (options.target !== undefined) {
    const target = options.target;
    if (d[target] !== Infinity) checkPath(target);
    else if (predNode[target] !== -1) fail('unreached target has a predecessor');
  } else {
    checkTree();
  }
  return { verified: failures.length === 0, checkedEdges: checked, maxViolation, tolerance: describe(rel), failures };

  function checkPath(target: number): void {
    const edges: number[] = [];
    let x = target;
    while (x !== source) {
      if (edges.length >= n) return fail('predecessor walk from the target repeats a node');
      const p = predNode[x];
      if (p < 0 || p >= n) return fail(`node ${x} on the path has no predecessor`);
      if (!edgeJoins(predEdge[x], p, x)) return fail(`predecessor edge ${predEdge[x]} does not join ${p}→${x}`);
      edges.push(predEdge[x]);
      x = p;
    }
    // Summed from the source outward, the order a label-setting search adds them in.
    let length = 0;
    let scale = 0;
    for (let k = edges.length - 1; k >= 0; k--) {
      length += edgeValue[edges[k]];
      scale += Math.abs(edgeValue[edges[k]]);
    }
    const gap = Math.abs(length - d[target]);
    if (!(gap <= rel * scale)) fail(`path length ${length} differs from the target potential ${d[target]}`);
  }

  function checkTree(): void {
    for (let v = 0; v < n; v++) {
      if (v === source || d[v] === Infinity) {
        if (v !== source && predNode[v] !== -1) fail(`unreached node ${v} has a predecessor`);
        continue;
      }
      const p = predNode[v];
      if (p < 0 || p >= n || !edgeJoins(predEdge[v], p, v)) {
        fail(`reached node ${v} has no valid predecessor edge`);
        continue;
      }
      const w = edgeValue[predEdge[v]];
      const gap = Math.abs(d[v] - (d[p] + w));
      if (!(gap <= rel * (Math.abs(d[p]) + Math.abs(w) + Math.abs(d[v])))) fail(`predecessor edge of node ${v} is not tight`);
    }
    if (predNode[source] !== -1) fail('the source has a predecessor');
    // Every reached node must walk back to the source: no predecessor cycles.
    const state = new Uint8Array(n); // 0 unknown, 1 on current walk, 2 reaches the source
    state[source] = 2;
    const walk: number[] = [];
    for (let v = 0; v < n; v++) {
      if (d[v] === Infinity || state[v] === 2) continue;
      let x = v;
      while (x >= 0 && state[x] === 0) {
        state[x] = 1;
        walk.push(x);
        x = predNode[x];
      }
      if (x < 0 || state[x] === 1) return fail(`predecessors of node ${v} do not lead back to the source`);
      for (const y of walk) state[y] = 2;
      walk.length = 0;
    }
  }
}

/** Checks a claimed negative cycle: consecutive real edges, closed, with negative total weight. */
export function verifyNegativeCycle(graph: CompactGraph, nodes: Int32Array, edges: Int32Array): { verified: boolean; weight: number } {
  if (nodes.length < 2 || edges.length !== nodes.length - 1 || nodes[0] !== nodes[nodes.length - 1]) return { verified: false, weight: NaN };
  let weight = 0;
  for (let k = 0; k < edges.length; k++) {
    const e = edges[k];
    const u = nodes[k];
    const v = nodes[k + 1];
    if (e < 0 || e >= graph.edgeCount) return { verified: false, weight: NaN };
    const forward = graph.edgeFrom[e] === u && graph.edgeTo[e] === v;
    const backward = !graph.directed && graph.edgeFrom[e] === v && graph.edgeTo[e] === u;
    if (!forward && !backward) return { verified: false, weight: NaN };
    weight += graph.edgeValue[e];
  }
  return { verified: weight < 0, weight };
}

function describe(rel: number): string {
  return rel === 0 ? 'exact' : `relative ${rel}`;
}
