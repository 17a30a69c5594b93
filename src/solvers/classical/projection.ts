import { compactFromArcs } from '../../graph/compact';
import type { CompactGraph } from '../../graph/types';
import { dinic } from './dinic';
import { netOutflow } from './flow';

/** A feasible flow made from a predicted one, and what making it cost. */
export interface ProjectedFlow {
  /** Per request edge; undirected edges are signed, positive from→to. */
  readonly flow: Float64Array;
  /** Net flow out of the source. */
  readonly value: number;
  /** Edges whose prediction was outside its capacity range (or not a number) and was clipped. */
  readonly clippedEdges: number;
  /** Flow taken off arcs to restore conservation (in capacity units). */
  readonly cancelled: number;
  /** Arc scans of the two cancellation passes. */
  readonly work: number;
}

/**
 * projectFlow: the nearest-to-hand feasible flow below a predicted one. Clip each edge to its
 * capacity (rounded to integers when every capacity is an integer, so the exact solver stays in
 * integer arithmetic), drop flow into the source or out of the sink, then restore conservation
 * by only ever lowering flow: excess at a node is walked back along the flow that brought it (to
 * the source or to a node short of inflow), then any remaining shortfall is walked forward to the
 * sink. Each walk is a maximum flow on the arcs that carry flow (Dinic on an auxiliary network);
 * flow decomposition guarantees every excess and shortfall can be walked off, and the work
 * follows the size of the prediction's error (Polak & Zub's O(m·η) repair).
 *
 * With `keepExcess` only the shortfall is walked off: the result is a preflow (excess may remain at
 * nodes, never a deficit), which push-relabel can start from directly and route the excess itself.
 */
export function projectFlow(
  graph: CompactGraph,
  source: number,
  sink: number,
  predicted: Float64Array,
  options: { maxWork: number; keepExcess?: boolean },
): ProjectedFlow {
  const n = graph.nodeCount;
  const m = graph.edgeCount;
  const { edgeFrom, edgeTo, edgeValue, directed } = graph;
  const integral = graph.stats.integral;
  // Each edge's flow as one arc tail → head carrying amount >= 0.
  const tail = new Int32Array(m);
  const head = new Int32Array(m);
  const amount = new Float64Array(m);
  let clippedEdges = 0;
  for (let i = 0; i < m; i++) {
    const c = edgeValue[i];
    let x = predicted[i];
    const lower = directed ? 0 : -c;
    if (!(x >= lower && x <= c)) {
      clippedEdges++;
      x = Number.isNaN(x) ? 0 : Math.min(c, Math.max(lower, x));
    }
    if (integral) x = Math.round(x);
    const forward = x >= 0;
    tail[i] = forward ? edgeFrom[i] : edgeTo[i];
    head[i] = forward ? edgeTo[i] : edgeFrom[i];
    amount[i] = tail[i] === head[i] || head[i] === source || tail[i] === sink ? 0 : Math.abs(x);
  }

  let work = 0;
  let cancelled = 0;
  // Pass 1 sends excess backwards (arcs reversed) to the source or to short nodes; pass 2 sends
  // shortfall forwards to the sink.
  for (const pass of options.keepExcess ? (['shortfall'] as const) : (['excess', 'shortfall'] as const)) {
    const balance = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      balance[head[i]] += amount[i];
      balance[tail[i]] -= amount[i];
    }
    const carrying: number[] = [];
    for (let i = 0; i < m; i++) if (amount[i] > 0) carrying.push(i);
    const terminals: number[] = [];
    let total = 0;
    for (let v = 0; v < n; v++) {
      if (v === source || v === sink) continue;
      const b = pass === 'excess' ? balance[v] : -balance[v];
      if (b > 0) total += b;
      if (b !== 0) terminals.push(v);
    }
    if (total === 0) continue;
    const superSource = n;
    const superSink = n + 1;
    const k = carrying.length + terminals.length + 1;
    const from = new Int32Array(k);
    const to = new Int32Array(k);
    const cap = new Float64Array(k);
    carrying.forEach((i, j) => {
      from[j] = pass === 'excess' ? head[i] : tail[i];
      to[j] = pass === 'excess' ? tail[i] : head[i];
      cap[j] = amount[i];
    });
    terminals.forEach((v, j) => {
      const b = pass === 'excess' ? balance[v] : -balance[v];
      const at = carrying.length + j;
      // Nodes with too much feed the walk; nodes with too little absorb it.
      from[at] = b > 0 ? superSource : v;
      to[at] = b > 0 ? v : superSink;
      cap[at] = Math.abs(b);
    });
    from[k - 1] = pass === 'excess' ? source : sink;
    to[k - 1] = superSink;
    cap[k - 1] = total;
    const walk = dinic(compactFromArcs(n + 2, from, to, cap), superSource, superSink, { maxWork: options.maxWork - work });
    work += walk.work;
    carrying.forEach((i, j) => {
      const f = walk.flow[j];
      if (f > 0) {
        amount[i] = Math.max(0, amount[i] - f);
        cancelled += f;
      }
    });
  }

  const flow = new Float64Array(m);
  for (let i = 0; i < m; i++) flow[i] = tail[i] === edgeFrom[i] ? amount[i] : -amount[i];
  return { flow, value: netOutflow(graph, flow, source), clippedEdges, cancelled, work };
}
