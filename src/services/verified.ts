import type { CompactGraph } from '../graph/types';
import { NarsolveError } from '../errors';
import type { MaxflowResult } from '../solvers/classical/flow';
import type { LabelState } from '../solvers/classical/shortestPaths';
import { verifyMaxflow, type MaxflowVerdict } from '../verify/maxflow';
import { verifyShortestPaths, type ShortestPathVerdict } from '../verify/shortestPaths';
import type { SolveContext } from './context';

/**
 * Our own answers must verify; anything else is a bug, reported as one: an Internal problem that
 * names `what` failed. The learned answers are verified by the services themselves, since failing
 * is an outcome there, not a bug.
 */
export function verifiedRoute(graph: CompactGraph, source: number, target: number | undefined, tree: LabelState, context: SolveContext, what: string): ShortestPathVerdict {
  const verdict = verifyShortestPaths(graph, source, tree, { target, relativeTolerance: context.config.tolerances.routeRelative });
  if (!verdict.verified) throw new NarsolveError('Internal', `our own ${what} failed verification: ${verdict.failures.join('; ')}`);
  return verdict;
}

/** The same for a maximum flow and its cut. */
export function verifiedFlow(graph: CompactGraph, source: number, sink: number, result: MaxflowResult, context: SolveContext, what: string): MaxflowVerdict {
  const verdict = verifyMaxflow(graph, source, sink, result.flow, result.sourceSide, { relativeTolerance: context.config.tolerances.flowRelative });
  if (!verdict.verified) throw new NarsolveError('Internal', `our own ${what} failed verification: ${verdict.failures.join('; ')}`);
  return verdict;
}
