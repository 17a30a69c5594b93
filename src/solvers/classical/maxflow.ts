import type { CompactGraph } from '../../graph/types';
import { dinic } from './dinic';
import type { MaxflowResult } from './flow';
import { pushRelabel } from './pushRelabel';

/**
 * From this many nodes on, push-relabel; below it, Dinic. The rule minimizes the worst case, not the
 * count of wins: at 1,000 nodes Dinic wins more of the bench's families, but by under a millisecond,
 * while on networks with long augmenting paths (networkx's gl1, RMF) it takes 2–5× push-relabel's
 * time (`npm run bench:small-maxflow` and `npm run bench:maxflow-solvers`, README, Performance).
 * Below 1,000 nodes both take well under a millisecond and Dinic's lighter setup wins. The warm start
 * follows the same rule. Re-measure there before moving it.
 */
export const PUSH_RELABEL_FROM_NODES = 1000;

/**
 * exactMaxflow: the exact solver narsolve answers with, cold or warm-started from a feasible flow:
 * push-relabel on networks of PUSH_RELABEL_FROM_NODES nodes or more, Dinic below. Both are certified
 * the same way; Dinic also solves the projection's auxiliary networks and is the reference the tests
 * hold push-relabel to.
 */
export function exactMaxflow(graph: CompactGraph, source: number, sink: number, options: { maxWork: number; initialFlow?: Float64Array }): MaxflowResult {
  return graph.nodeCount >= PUSH_RELABEL_FROM_NODES ? pushRelabel(graph, source, sink, options) : dinic(graph, source, sink, options);
}
