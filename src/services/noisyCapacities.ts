import type { CompactGraph } from '../graph/types';
import type { MaxflowResult } from '../solvers/classical/flow';
import { exactMaxflow } from '../solvers/classical/maxflow';
import { verifyMaxflow, type MaxflowVerdict } from '../verify/maxflow';
import type { SolveContext, StageTimer } from './context';
import { verifiedFlow } from './verified';
import { attemptLearned } from './learned';
import { decodeObservations, planEncoder } from './observations';
import type { LearnedRun, SolverChoice, SolverReportBase } from './types';

/** A cut's edges and its capacity under the point estimate and, where there are any, under the decoded capacities. */
export interface NoisyCut {
  edges: number[];
  estimateCapacity: number;
  decodedCapacity?: number;
}

/** A noisy max-flow answer's comparison: the learned cut next to the classical minimum cut on the point estimate. */
export interface NoisyCutComparison {
  estimate: 'median';
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
 * noisyCapacities: a max-flow request whose edges carry capacity observations. The graph's edge values are
 * already the medians; learned (encoder → decoded capacities) → exact maximum flow and minimum cut on
 * the decoded capacities → verify against them; next to it, the exact minimum cut on the medians.
 * Without the encoder (classical, a missing model, a graph past its limit, a failed inference) the
 * answer is the classical one.
 */
export async function noisyCapacities(graph: CompactGraph, source: number, sink: number, choice: SolverChoice, context: SolveContext, timer: StageTimer): Promise<NoisyFlowOutcome> {
  const maxWork = context.config.limits.maxWork;
  const onEstimate = exactMaxflow(graph, source, sink, { maxWork });
  timer.mark('estimate');
  const attempt = await attemptLearned(choice, 'noisy max-flow', context.learned.noisyCapacities, (model) => planEncoder(graph, model, 'sample'), (model) => decodeObservations(graph, model, context, timer));
  if (attempt.kind === 'classical') {
    const verdict = verifiedFlow(graph, source, sink, onEstimate, context, 'noisy max flow');
    timer.mark('verify');
    const report: NoisyFlowOutcome['report'] = {
      used: 'classical',
      algorithm: `${onEstimate.algorithm} on the median of each edge's samples`,
      noisy: { estimate: 'median', classicalCut: cutOf(graph, verdict) },
    };
    if (attempt.fallbackReason) report.fallbackReason = attempt.fallbackReason;
    return { result: onEstimate, capacities: 'estimate', verdict, report };
  }
  const { decoded, decodedGraph, version } = attempt.output;
  const result = exactMaxflow(decodedGraph, source, sink, { maxWork });
  timer.mark('solve');
  const verdict = verifiedFlow(decodedGraph, source, sink, result, context, 'noisy max flow');
  timer.mark('verify');
  const estimateVerdict = verifyMaxflow(graph, source, sink, onEstimate.flow, onEstimate.sourceSide, { relativeTolerance: context.config.tolerances.flowRelative });
  const learnedCut = cutOf(graph, verdict, decoded);
  const classicalCut = cutOf(graph, estimateVerdict, decoded);
  const sameEdges = learnedCut.edges.length === classicalCut.edges.length && learnedCut.edges.every((e, i) => e === classicalCut.edges[i]);
  return {
    result,
    capacities: 'decoded',
    verdict,
    report: {
      used: 'learned',
      algorithm: `observation-encoder ${version}, ${result.algorithm} on its decoded capacities`,
      learned: { version, steps: 1 },
      noisy: { estimate: 'median', learnedCut, classicalCut, sameEdges },
    },
  };
}

/** A verified cut's edges, its capacity under the estimate (the graph's values) and, if given, under the decoded capacities. */
function cutOf(graph: CompactGraph, verdict: MaxflowVerdict, decoded?: Float64Array): NoisyCut {
  const edges = [...verdict.cutEdges].sort((a, b) => a - b);
  const sum = (values: Float64Array) => edges.reduce((total, e) => total + values[e], 0);
  return { edges, estimateCapacity: sum(graph.edgeValue), ...(decoded && { decodedCapacity: sum(decoded) }) };
}
