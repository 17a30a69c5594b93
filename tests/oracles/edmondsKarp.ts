/**
 * A deliberately plain Edmonds–Karp on an adjacency matrix of residual capacities, sharing no
 * code with src/, used as the max-flow oracle. Parallel edges add up; undirected edges give
 * capacity both ways. Returns the maximum flow value.
 */
export function edmondsKarp(
  n: number,
  edges: { from: number; to: number; capacity: number }[],
  directed: boolean,
  source: number,
  sink: number,
): number {
  const residual: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const { from, to, capacity } of edges) {
    if (from === to) continue;
    residual[from][to] += capacity;
    if (!directed) residual[to][from] += capacity;
  }
  let value = 0;
  for (;;) {
    const parent = new Array<number>(n).fill(-1);
    parent[source] = source;
    const queue = [source];
    for (let q = 0; q < queue.length && parent[sink] < 0; q++) {
      const u = queue[q];
      for (let v = 0; v < n; v++) {
        if (parent[v] < 0 && residual[u][v] > 1e-12) {
          parent[v] = u;
          queue.push(v);
        }
      }
    }
    if (parent[sink] < 0) return value;
    let bottleneck = Infinity;
    for (let v = sink; v !== source; v = parent[v]) bottleneck = Math.min(bottleneck, residual[parent[v]][v]);
    for (let v = sink; v !== source; v = parent[v]) {
      residual[parent[v]][v] -= bottleneck;
      residual[v][parent[v]] += bottleneck;
    }
    value += bottleneck;
  }
}
