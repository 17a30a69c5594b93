/**
 * Baselines for bench/: the textbook implementations narsolve is measured against in the same run.
 */
import { MultiDirectedGraph } from 'graphology';
import { dijkstra } from 'graphology-shortest-path';
import type { CapacityEdge, WeightedEdge } from '../generators/graphs';

/** graphology + graphology-shortest-path: build the graph, then one bidirectional Dijkstra query. */
export function graphologyRoute(edges: WeightedEdge[], source: number, target: number): { buildMs: number; queryMs: number; distance: number } {
  const t0 = performance.now();
  const graph = new MultiDirectedGraph();
  for (const e of edges) {
    graph.mergeNode(String(e.from));
    graph.mergeNode(String(e.to));
    graph.addEdge(String(e.from), String(e.to), { weight: e.weight });
  }
  const t1 = performance.now();
  const path = dijkstra.bidirectional(graph, String(source), String(target), 'weight');
  const t2 = performance.now();
  let distance = Infinity;
  if (path) {
    distance = 0;
    for (let k = 0; k + 1 < path.length; k++) {
      distance += Math.min(...graph.outEdges(path[k], path[k + 1]).map((e) => graph.getEdgeAttribute(e, 'weight') as number));
    }
  }
  return { buildMs: t1 - t0, queryMs: t2 - t1, distance };
}

/**
 * Edmonds–Karp on adjacency lists (BFS augmenting paths), the textbook max-flow baseline.
 * Gives up after `budgetMs` and returns null, so large sizes cannot stall the benchmark.
 */
export function edmondsKarpLists(n: number, edges: CapacityEdge[], source: number, sink: number, budgetMs: number): number | null {
  const started = performance.now();
  const head: number[] = [];
  const cap: number[] = [];
  const adj: number[][] = Array.from({ length: n }, () => []);
  for (const e of edges) {
    const u = e.from as number;
    const v = e.to as number;
    if (u === v) continue;
    adj[u].push(head.length);
    head.push(v);
    cap.push(e.capacity);
    adj[v].push(head.length);
    head.push(u);
    cap.push(0);
  }
  let value = 0;
  const parentArc = new Int32Array(n);
  for (;;) {
    if (performance.now() - started > budgetMs) return null;
    parentArc.fill(-1);
    const queue = [source];
    parentArc[source] = -2;
    for (let q = 0; q < queue.length && parentArc[sink] === -1; q++) {
      const u = queue[q];
      for (const a of adj[u]) {
        const v = head[a];
        if (parentArc[v] === -1 && cap[a] > 0) {
          parentArc[v] = a;
          queue.push(v);
        }
      }
    }
    if (parentArc[sink] === -1) return value;
    let bottleneck = Infinity;
    for (let v = sink; v !== source; v = head[parentArc[v] ^ 1]) bottleneck = Math.min(bottleneck, cap[parentArc[v]]);
    for (let v = sink; v !== source; v = head[parentArc[v] ^ 1]) {
      cap[parentArc[v]] -= bottleneck;
      cap[parentArc[v] ^ 1] += bottleneck;
    }
    value += bottleneck;
  }
}
