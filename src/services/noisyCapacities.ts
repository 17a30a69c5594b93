import type { CompactGraph } from '../graph/types';
import type { MaxflowResult } from '../solvers/classical/flow';
import { exactMaxflow } from '../solvers/classical/maxflow';
import { verifyMaxflow, type MaxflowVerdict } from '../verify/maxflow';
import type { SolveContext, StageTimer } from './context';
import { verifiedFlow } from './verified';
import { attemptLearned } from './learned';
import { ESTIMATE_WORDS, type EstimateName } from '../graph/estimates';
import type { Evidence } from './evidence';
import { chooseEstimate, decodeObservations, planEncoder } from './observations';
import type { LearnedRun, SolverChoice, SolverReportBase } from './types';

/** A cut's edges and its capacity under the point estimate and, where there are any, under the decoded capacities. */
export interface NoisyCut {
  edges: number[];
  estimateCapacity: number;
  decodedCapacity?: number;
}

/** A noisy max-flow answer's comparison: the learned cut next to the classical minimum cut on the classical estimate. */
export interface NoisyCutComparison {
  /** The classical point estimate of an edge without a capacity: the one that validated best for this kind of evidence. */
  estimate: EstimateName;
  evidence: Evidence;
  /** Why `auto` answered as it did, from the model's measured policy (absent without a model). */
  policy?: string;
  learnedCut?: NoisyCut;
  classicalCut: NoisyCut;
  /** Whether the two cuts are the same set of edges. */
  sameEdges?: boolean;
}

/** What a noisy max-flow answer is: the exact solve, the capacities it is exact for, the verdict, and how it came about. */
export interface NoisyFlowOutcome {
  readonly result: MaxflowResult;
  readonly capacities: 'decoded' | 'estimate';
  readonly verdict: MaxflowVerdict;
  readonly report: SolverReportBase & { learned?: LearnedRun; noisy: NoisyCutComparison };
}

/**
 * noisyCapacities: a max-flow request whose edges carry capacity samples. estimate (the classical
 * estimate that validated best for this kind of evidence, and whether the encoder did better) →
 * learned (encoder → decoded capacities, each within its edge's samples) → exact maximum flow and
 * minimum cut on them → verify against them; next to it, the exact minimum cut on the classical
 * estimate. Without the encoder (classical, a policy that measured no gain for this evidence, a
 * missing model, a graph past its limit, a failed inference) the answer is the classical one.
 */
export async function noisyCapacities(graph: CompactGraph, source: number, sink: number, choice: SolverChoice, context: SolveContext, timer: StageTimer): Promise<NoisyFlowOutcome> {
  const maxWork = context.config.limits.maxWork;
  const solver = context.learned.noisyCapacities;
  const chosen = chooseEstimate(graph, solver.model?.policy, 'noisy-capacities');
  const { onEstimate: estimated, estimate } = chosen;
  const onEstimate = exactMaxflow(estimated, source, sink, { maxWork });
  timer.mark('estimate');
  const comparison = { estimate, evidence: chosen.evidence, ...(chosen.reason !== undefined && { policy: chosen.reason }) };
  const attempt =
    choice === 'auto' && !chosen.autoLearned
      ? ({ kind: 'classical', fallbackReason: chosen.reason } as const)
      : await attemptLearned(choice, 'noisy max-flow', solver, (model) => planEncoder(graph, model, 'sample'), (model) => decodeObservations(graph, model, context, timer));
  if (attempt.kind === 'classical') {
    const verdict = verifiedFlow(estimated, source, sink, onEstimate, context, 'noisy max flow');
    timer.mark('verify');
    const report: NoisyFlowOutcome['report'] = {
      used: 'classical',
      algorithm: `${onEstimate.algorithm} on the ${ESTIMATE_WORDS[estimate]} of each edge's samples`,
      noisy: { ...comparison, classicalCut: cutOf(estimated, verdict) },
    };
    if (attempt.fallbackReason) report.fallbackReason = attempt.fallbackReason;
    return { result: onEstimate, capacities: 'estimate', verdict, report };
  }
  const { decoded, decodedGraph, version } = attempt.output;
  const result = exactMaxflow(decodedGraph, source, sink, { maxWork });
  timer.mark('solve');
  const verdict = verifiedFlow(decodedGraph, source, sink, result, context, 'noisy max flow');
  timer.mark('verify');
  const estimateVerdict = verifyMaxflow(estimated, source, sink, onEstimate.flow, onEstimate.sourceSide, { relativeTolerance: context.config.tolerances.flowRelative });
  const learnedCut = cutOf(estimated, verdict, decoded);
  const classicalCut = cutOf(estimated, estimateVerdict, decoded);
  const sameEdges = learnedCut.edges.length === classicalCut.edges.length && learnedCut.edges.every((e, i) => e === classicalCut.edges[i]);
  return {
    result,
    capacities: 'decoded',
    verdict,
    report: {
      used: 'learned',
      algorithm: `observation-encoder ${version}, ${result.algorithm} on its decoded capacities`,
      learned: { version, steps: 1 },
      noisy: { ...comparison, learnedCut, classicalCut, sameEdges },
    },
  };
}

/** A verified cut's edges, its capacity under the estimate (the graph's values) and, if given, under the decoded capacities. */
function cutOf(graph: CompactGraph, verdict: MaxflowVerdict, decoded?: Float64Array): NoisyCut {
  const edges = [...verdict.cutEdges].sort((a, b) => a - b);
  const sum = (values: Float64Array) => edges.reduce((total, e) => total + values[e], 0);
  return { edges, estimateCapacity: sum(graph.edgeValue), ...(decoded && { decodedCapacity: sum(decoded) }) };
}
