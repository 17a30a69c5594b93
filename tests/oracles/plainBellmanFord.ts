/**
 * A deliberately plain O(n·m) Bellman-Ford, sharing no code with src/, used as an oracle for
 * graphs with negative weights. Returns distances, or null when a negative cycle is reachable.
 */
export function plainBellmanFord(
  n: number,
  arcs: { from: number; to: number; weight: number }[],
  source: number,
): number[] | null {
  const dist = new Array<number>(n).fill(Infinity);
  dist[source] = 0;
  for (let round = 0; round < n - 1; round++) {
    let changed = false;
    for (const { from, to, weight } of arcs) {
      if (dist[from] + weight < dist[to]) {
        dist[to] = dist[from] + weight;
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (const { from, to, weight } of arcs) {
    if (dist[from] + weight < dist[to]) return null;
  }
  return dist;
}
