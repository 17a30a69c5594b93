/**
 * The stored graph the stored-graph benches register: a side×side road-like grid (generators'
 * gridEdges) whose costs come only from observations, three an edge (0.9, 1 and 1.1 times its
 * weight), streamed in batches of at most `rowsPerBatch` rows.
 */
import { gridEdges } from '../generators/graphs';

/** Sends one JSON request and gives the parsed answer (throws on a non-2xx status). */
export type Send = (path: string, body: unknown, method?: string) => Promise<Record<string, any>>;

export async function registerObservedGrid(send: Send, id: string, side: number, rowsPerBatch = 500_000): Promise<{ edges: number; nodes: number; registerMs: number; ingestMs: number }> {
  const edges = gridEdges(side, 7, true);
  const started = performance.now();
  await send(`/graphs/${id}`, { graph: { edges: { from: edges.map((e) => e.from), to: edges.map((e) => e.to) } } }, 'PUT');
  const registerMs = performance.now() - started;
  const ingestStart = performance.now();
  const perBatch = Math.floor(rowsPerBatch / 3);
  for (let at = 0; at < edges.length; at += perBatch) {
    const edge: number[] = [];
    const value: number[] = [];
    for (let e = at; e < Math.min(edges.length, at + perBatch); e++) for (const k of [0.9, 1, 1.1]) {
      edge.push(e);
      value.push(edges[e].weight * k);
    }
    await send(`/graphs/${id}/observations`, { observations: { edge, value } });
  }
  const nodes = new Set(edges.flatMap((e) => [e.from, e.to])).size;
  return { edges: edges.length, nodes, registerMs, ingestMs: performance.now() - ingestStart };
}
