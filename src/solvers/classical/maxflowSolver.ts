import type { CompactGraph } from '../../graph/types';
import { dinic, type MaxflowResult } from './maxflow';
import { pushRelabel } from './pushRelabel';

/**
 * From this many nodes on, push-relabel; below it, Dinic. Measured with `npm run bench:maxflow-solvers`
 * on 14 networks per size (README, Performance): at 1,000 nodes Dinic was faster on 10 (push-relabel
 * took 0.4–2.5× its time, both within a few milliseconds); at 3,000 push-relabel was faster on 8; at
 * 10^4 on 13 and at 10^5 on 11 (the others within 9%), by up to 11× (RMF, whose augmenting paths are
 * long). The warm start follows the same rule: eval:maxflow found neither warm start paying (model card).
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
