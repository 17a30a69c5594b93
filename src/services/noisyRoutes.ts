import { NarsolveError } from '../errors';
import type { CompactGraph } from '../graph/types';
import { shortestPaths, type LabelState } from '../solvers/classical/shortestPaths';
import type { ShortestPathVerdict } from '../verify/shortestPaths';
import type { SolveContext, StageTimer } from './context';
import { verifiedRoute } from './verified';
import { attemptLearned } from './learned';
import { ESTIMATE_WORDS, type EstimateName } from '../graph/estimates';
import type { Evidence } from './evidence';
import { chooseEstimate, decodeObservations, planEncoder } from './observations';
import type { LearnedRun, SolverChoice, SolverReportBase } from './types';

/** A route's cost under the classical point estimate and, where there are any, under the decoded costs. */
export interface NoisyRouteCosts {
  pathEdges: number[];
  estimateCost: number;
  decodedCost?: number;
}

/** A noisy route answer's comparison: the learned route next to the one Dijkstra picks on the classical estimate. */
export interface NoisyComparison {
  /** The classical point estimate of an edge without a weight: the one that validated best for this kind of evidence. */
  estimate: EstimateName;
  /** The request's evidence, as the policy reads it. */
  evidence: Evidence;
  /** Why `auto` answered as it did, from the model's measured policy (absent without a model). */
  policy?: string;
  learnedRoute?: NoisyRouteCosts;
  classicalRoute?: NoisyRouteCosts;
  /** Whether the two routes are the same edges. */
  agree?: boolean;
}

/** What a noisy route answer is: the tree, the costs it is exact for, the verdict on it, and how it came about. */
export interface NoisyOutcome {
  readonly tree: LabelState;
  /** 'decoded': the encoder's costs; 'estimate': the classical estimate report.noisy.estimate names. */
  readonly costs: 'decoded' | 'estimate';
  readonly verdict: ShortestPathVerdict;
  readonly report: SolverReportBase & { learned?: LearnedRun; noisy: NoisyComparison };
}

/**
 * noisyRoutes: a route request whose edges carry observations. estimate (the classical estimate that
 * validated best for this kind of evidence, and whether the encoder did better) → learned (encoder →
 * decoded costs, each within its edge's observations) → exact Dijkstra on them → verify against
 * them; next to it, Dijkstra on the classical estimate. Without the encoder (classical, a policy that
 * measured no gain for this evidence, a missing model, a graph past its limit, a failed inference)
 * the answer is the classical one, and says why.
 */
export async function noisyRoutes(
  graph: CompactGraph,
  source: number,
  target: number | undefined,
  choice: SolverChoice,
  context: SolveContext,
  timer: StageTimer,
): Promise<NoisyOutcome> {
  const maxWork = context.config.limits.maxWork;
  const solver = context.learned.noisyRoutes;
  const chosen = chooseEstimate(graph, solver.model?.policy, 'noisy-routes');
  const { onEstimate: estimated, estimate } = chosen;
  const onEstimate = exactTree(estimated, source, target, maxWork);
  timer.mark('estimate');
  const noisy: NoisyComparison = { estimate, evidence: chosen.evidence, ...(chosen.reason !== undefined && { policy: chosen.reason }) };
  const attempt =
    choice === 'auto' && !chosen.autoLearned
      ? ({ kind: 'classical', fallbackReason: chosen.reason } as const)
      : await attemptLearned(choice, 'noisy route', solver, (model) => planEncoder(graph, model, 'observation'), (model) => decodeObservations(graph, model, context, timer));
  if (attempt.kind === 'classical') {
    const verdict = verifiedRoute(estimated, source, target, onEstimate, context, 'noisy route');
    timer.mark('verify');
    if (target !== undefined) noisy.classicalRoute = routeCosts(estimated, onEstimate, source, target);
    const report: NoisyOutcome['report'] = { used: 'classical', algorithm: `${onEstimate.algorithm} on the ${ESTIMATE_WORDS[estimate]} of each edge's observations`, noisy };
    if (attempt.fallbackReason) report.fallbackReason = attempt.fallbackReason;
    return { tree: onEstimate, costs: 'estimate', verdict, report };
  }
  const { decoded, decodedGraph, version } = attempt.output;
  const tree = exactTree(decodedGraph, source, target, maxWork);
  timer.mark('solve');
  const verdict = verifiedRoute(decodedGraph, source, target, tree, context, 'noisy route');
  timer.mark('verify');
  if (target !== undefined) {
    const learnedRoute = routeCosts(estimated, tree, source, target, decoded);
    const classicalRoute = routeCosts(estimated, onEstimate, source, target, decoded);
    Object.assign(noisy, { learnedRoute, classicalRoute, agree: samePath(learnedRoute, classicalRoute) });
  }
  return {
    tree,
    costs: 'decoded',
    verdict,
    report: { used: 'learned', algorithm: `observation-encoder ${version}, dijkstra on its decoded costs`, learned: { version, steps: 1 }, noisy },
  };
}

function exactTree(graph: CompactGraph, source: number, target: number | undefined, maxWork: number) {
  const result = shortestPaths(graph, source, { target, maxWork });
  // Observations and the weights beside them are non-negative, so no cycle can be negative.
  if (result.kind === 'negative-cycle') throw new NarsolveError('Internal', 'a negative cycle among non-negative costs');
  return result.tree;
}

/** The route to `target` in `tree` and its cost under the estimate (the graph's values) and, if given, the decoded costs. */
function routeCosts(graph: CompactGraph, tree: LabelState, source: number, target: number, decoded?: Float64Array): NoisyRouteCosts {
  const pathEdges: number[] = [];
  if (tree.potential[target] !== Infinity) for (let x = target; x !== source; x = tree.predNode[x]) pathEdges.push(tree.predEdge[x]);
  pathEdges.reverse();
  const sum = (values: Float64Array) => pathEdges.reduce((total, e) => total + values[e], 0);
  return { pathEdges, estimateCost: sum(graph.edgeValue), ...(decoded && { decodedCost: sum(decoded) }) };
}

function samePath(a: NoisyRouteCosts, b: NoisyRouteCosts): boolean {
  return a.pathEdges.length === b.pathEdges.length && a.pathEdges.every((e, i) => e === b.pathEdges[i]);
}
