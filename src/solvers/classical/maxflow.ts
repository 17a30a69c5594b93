import type { CompactGraph } from '../../graph/types';
import { dinic } from './dinic';
import type { MaxflowResult } from './flow';
import { pushRelabel } from './pushRelabel';

/**
 * From this many nodes on, push-relabel; below it, Dinic: where `npm run bench:maxflow-solvers`
 * (README, Performance) finds push-relabel faster on most networks of a size. The warm start follows
 * the same rule. Re-measure there before moving it.
 */
export const PUSH_RELABEL_FROM_NODES = 3000;

/**
 * exactMaxflow: the exact solver narsolve answers with, cold or warm-started from a feasible flow:
 * push-relabel on networks of PUSH_RELABEL_FROM_NODES nodes or more, Dinic below. Both are certified
 * the same way; Dinic also solves the projection's auxiliary networks and is the reference the tests
 * hold push-relabel to.
 */
export function exactMaxflow(graph: CompactGraph, source: number, sink: number, options: { maxWork: number; initialFlow?: Float64Array }): MaxflowResult {
  return graph.nodeCount >= PUSH_RELABEL_FROM_NODES ? pushRelabel(graph, source, sink, options) : dinic(graph, source, sink, options);
}
