import { NarsolveError } from '../errors';
import { nodeIndexOf } from '../graph/compact';
import type { CompactGraph, GraphInput, NodeId } from '../graph/types';
import { addedFlow, netOutflow, type DinicCounts, type MaxflowResult, type PushRelabelCounts } from '../solvers/classical/flow';
import { exactMaxflow } from '../solvers/classical/maxflow';
import { projectFlow, type ProjectedFlow } from '../solvers/classical/projection';
import type { LearnedModel } from '../solvers/learned';
import { decodeMaxflow, encodeMaxflow, maxflowSlots, type PaddedWidths } from '../solvers/learned/maxflowEncoding';
import { plannedSteps, stepBudget } from '../solvers/learned/steps';
import { verifyMaxflow, type MaxflowVerdict } from '../verify/maxflow';
import { inferOptions, StageTimer, type SolveContext, roundMs } from './context';
import { verifiedFlow } from './verified';
import { attemptLearned, type Unfit } from './learned';
import { noisyCapacities, type NoisyCutComparison } from './noisyCapacities';
import type { LearnedRun, SolverChoice, SolverReportBase } from './types';
import { readGraphRequest } from './validation';

/** The body of POST /maxflow. */
export interface MaxflowRequest {
  graph: GraphInput;
  source: NodeId;
  sink: NodeId;
  solver?: SolverChoice;
  /** This request's deadline (schemas/common.json#/$defs/TimeoutMs). */
  timeoutMs?: number;
  /** Also run a cold exact solve and report its work next to the warm start's (costs a second solve). */
  explain?: boolean;
}

/** Where a max-flow answer came from. */
export interface MaxflowSolverReport extends SolverReportBase {
  /** The learned model's run: the steps that ran and, for the processor, the steps its rule planned (fewer ran when the serving limits cut the run short). */
  learned?: LearnedRun & { plannedSteps?: number };
  /** Solver auto: the projected prediction the exact solver continued from, and the work that took. */
  warmStart?: {
    projectedValue: number;
    /** Projected value / final value: how much of the answer the prediction already carried. */
    carriedShare: number;
    clippedEdges: number;
    cancelledFlow: number;
    projectionWork: number;
  } & ExactRun & {
    /** With explain: the same exact solver from zero flow. */
    cold?: ExactRun & { ms: number };
  };
  /** Requests with throughput samples: the learned cut next to the exact minimum cut on the point estimate. */
  noisy?: NoisyCutComparison;
  /** Solver learned: the raw prediction. */
  prediction?: { decodedValue: number; projectedValue: number; clippedEdges: number; cancelledFlow: number; cutCapacity: number; decodedFlows?: number[] };
}

export interface MaxflowCertificate {
  kind: 'maxflow-mincut';
  /** Requests with samples: the capacities the flow is feasible for and the cut minimum for, and the claim in words. */
  capacities?: 'decoded' | 'estimate';
  claim?: string;
  verified: boolean;
  capacityMaxViolation: number;
  conservationMaxError: number;
  value: number;
  cutCapacity: number;
  tolerance: number;
  /** Why verification failed (only for solver "learned", whose raw answers are not finished). */
  failures?: string[];
}

/** What the exact solver did: its name, its arc scans and its own counts (Dinic's phases and paths, or push-relabel's pushes and relabels). */
export type ExactRun = { algorithm: MaxflowResult['algorithm']; work: number } & Partial<DinicCounts & PushRelabelCounts>;

function exactRun(result: MaxflowResult): ExactRun {
  return { algorithm: result.algorithm, work: result.work, ...result.counts };
}

/** The body of a 200 answer to POST /maxflow. */
export interface MaxflowResponse {
  code: 'Ok';
  source: NodeId;
  sink: NodeId;
  value: number;
  flows: number[];
  minCut: { sourceSide: NodeId[]; edges: number[]; capacity: number };
  solver: MaxflowSolverReport;
  certificate: MaxflowCertificate;
  timingsMs: Record<string, number>;
}

/** One request on its way through the service: what every stage reads. */
interface MaxflowJob {
  readonly graph: CompactGraph;
  readonly request: Omit<MaxflowRequest, 'graph'>;
  readonly source: number;
  readonly sink: number;
  readonly context: SolveContext;
  readonly timer: StageTimer;
}

/** A learned prediction made usable: the decoded flow and cut, and the feasible flow projected from it. */
interface Prediction {
  readonly flow: Float64Array;
  readonly sourceSide: Uint8Array;
  readonly projected: ProjectedFlow;
  readonly run: LearnedRun & { plannedSteps: number };
}

/**
 * solveMaxflow: validate → normalize → (learned → project → warm-started exact solver | exact
 * solver) → verify → answer. Throws NarsolveError for caller-visible problems.
 */
export async function solveMaxflow(body: unknown, caller: SolveContext): Promise<MaxflowResponse> {
  const timer = new StageTimer();
  const { request, graph, context } = readGraphRequest<MaxflowRequest>('maxflow-request.json', 'capacity', body, caller, timer);
  return maxflowOn(graph, request, context, timer);
}

/** maxflowOn: the answer on a graph already validated and compacted (a whole body's, or a stored graph's at one epoch). */
export async function maxflowOn(graph: CompactGraph, request: Omit<MaxflowRequest, 'graph'>, context: SolveContext, timer: StageTimer): Promise<MaxflowResponse> {
  const source = nodeIndexOf(graph, request.source, '/source');
  const sink = nodeIndexOf(graph, request.sink, '/sink');
  if (source === sink) {
    throw new NarsolveError('InvalidInput', '/sink: the sink must differ from the source', {
      errors: [{ pointer: '/sink', message: 'must differ from /source' }],
    });
  }
  timer.mark('normalize');
  const job: MaxflowJob = { graph, request, source, sink, context, timer };

  const choice = request.solver ?? 'auto';
  if (graph.observations) {
    const noisy = await noisyCapacities(graph, source, sink, choice, context, timer);
    return answer(job, noisy.result.flow, noisy.result.sourceSide, noisy.report, noisy.verdict, noisy.capacities);
  }
  const processor = context.learned.maxflow.model;
  // The committed spec says serving.auto false, so auto ends here today. The warm start below (and
  // its explain cold run) is what auto would run if the prediction ever paid; tests/learned.maxflow.test.ts
  // keeps it tested with serving.auto set by hand. Solver "learned" answers with the raw prediction.
  // A processor left unloaded on purpose (the library's learnedNotLoaded) still carries its spec's answer.
  const auto = processor ? processor.auto : context.learned.maxflow.declaredAuto;
  if (choice === 'auto' && auto === false) return classical(job, NO_BENEFIT);
  const attempt = await attemptLearned(choice, 'max-flow', context.learned.maxflow, (model) => planLearned(graph, model), (model, widths) => predict(job, model, widths));
  if (attempt.kind === 'classical') return classical(job, attempt.fallbackReason);
  if (choice === 'learned') return rawPrediction(job, attempt.output);
  return warmStart(job, attempt.output);
}

/** Why auto answers a request with capacities only without the processor when its spec says so. */
const NO_BENEFIT =
  'with capacities only the exact solver is exact and faster: the model card measures the learned warm start costing more work than a cold solve, so auto does not run it (its spec says serving.auto false); solver "learned" does';

/** What a noisy answer's certificate proves, in words: never anything about the unknown true capacities. */
const NOISY_CLAIMS = {
  decoded: 'the flow is feasible and maximum, and the cut minimum, for the capacities the observation encoder decoded (a capacity where an edge has one); nothing is proven about the unknown true capacities',
  estimate: "the flow is feasible and maximum, and the cut minimum, for the classical estimate of each edge's capacity from its samples that solver.noisy.estimate names (a capacity where an edge has one); nothing is proven about the unknown true capacities",
} as const;

/** The exact solver from zero flow. */
function classical(job: MaxflowJob, fallbackReason: string | undefined): MaxflowResponse {
  const result = exactMaxflow(job.graph, job.source, job.sink, { maxWork: job.context.config.limits.maxWork });
  job.timer.mark('solve');
  const verdict = verifiedFlow(job.graph, job.source, job.sink, result, job.context, `${result.algorithm} answer`);
  job.timer.mark('verify');
  const report: MaxflowSolverReport = { used: 'classical', algorithm: result.algorithm };
  if (fallbackReason) report.fallbackReason = fallbackReason;
  return answer(job, result.flow, result.sourceSide, report, verdict);
}

/** The padded widths for this network, or why it does not fit the model's serving limits. */
function planLearned(graph: CompactGraph, model: LearnedModel<'maxflow'>): PaddedWidths | Unfit {
  const widths = maxflowSlots(graph);
  if (widths.slots > model.limits.maxPaddedSlots) {
    return { unfit: `the graph needs ${widths.slots} padded arc slots (nodes × (largest in-degree + largest out-degree)); the model is served up to ${model.limits.maxPaddedSlots}` };
  }
  return widths;
}

/** Encode → infer (in a worker thread) → decode → project onto a feasible flow. */
async function predict({ graph, source, sink, context, timer }: MaxflowJob, model: LearnedModel<'maxflow'>, widths: PaddedWidths): Promise<Prediction> {
  const inputs = encodeMaxflow(graph, source, sink, widths);
  timer.mark('encode');
  const planned = plannedSteps(model.steps, inputs.hopDepth);
  const steps = stepBudget(planned, widths.slots, model.limits.maxSlotSteps);
  const result = await model.infer({ ...inputs, steps }, inferOptions(context, timer));
  timer.mark('infer');
  const { flow, sourceSide } = decodeMaxflow(graph, inputs, result.flowFraction, result.cutLogit, source, sink);
  timer.mark('decode');
  const projected = projectFlow(graph, source, sink, flow, { maxWork: context.config.limits.maxWork });
  timer.mark('project');
  return { flow, sourceSide, projected, run: { version: model.version, steps, plannedSteps: planned } };
}

/**
 * The exact solver continued from the projected prediction. `used` is "learned" when the
 * projection was already maximum (the solver moved no flow), else "classical".
 */
function warmStart(job: MaxflowJob, prediction: Prediction): MaxflowResponse {
  const { graph, request, source, sink, context, timer } = job;
  const { projected } = prediction;
  const result = exactMaxflow(graph, source, sink, { maxWork: context.config.limits.maxWork, initialFlow: projected.flow });
  timer.mark('solve');
  const verdict = verifiedFlow(job.graph, job.source, job.sink, result, job.context, `${result.algorithm} answer`);
  timer.mark('verify');
  const carried = verdict.value > 0 ? projected.value / verdict.value : 1;
  const finished = addedFlow(result);
  const report: MaxflowSolverReport = {
    used: finished ? 'classical' : 'learned',
    algorithm: `${result.algorithm} warm-started from gnn-maxflow ${prediction.run.version}`,
    learned: prediction.run,
    warmStart: {
      projectedValue: projected.value,
      carriedShare: carried,
      clippedEdges: projected.clippedEdges,
      cancelledFlow: projected.cancelled,
      projectionWork: projected.work,
      ...exactRun(result),
    },
  };
  if (finished) {
    report.fallbackReason = `the projected learned flow carried ${(100 * carried).toFixed(1)}% of the maximum; ${result.algorithm} finished it`;
  }
  if (request.explain) {
    const started = performance.now();
    const cold = exactMaxflow(graph, source, sink, { maxWork: context.config.limits.maxWork });
    report.warmStart!.cold = { ...exactRun(cold), ms: roundMs(performance.now() - started) };
    timer.mark('explain');
  }
  return answer(job, result.flow, result.sourceSide, report, verdict);
}

/**
 * solver "learned": the projected prediction (a feasible flow) with the predicted cut, and the
 * certificate's verdict on that pair, true only when the prediction is provably optimal. With
 * `explain`, the decoded flows before projection too.
 */
function rawPrediction(job: MaxflowJob, prediction: Prediction): MaxflowResponse {
  const { graph, request, source, sink, context, timer } = job;
  const verdict = verifyMaxflow(graph, source, sink, prediction.projected.flow, prediction.sourceSide, { relativeTolerance: context.config.tolerances.flowRelative });
  timer.mark('verify');
  const report: MaxflowSolverReport = {
    used: 'learned',
    algorithm: `gnn-maxflow ${prediction.run.version}, projected`,
    learned: prediction.run,
    prediction: {
      decodedValue: netOutflow(graph, prediction.flow, source),
      projectedValue: prediction.projected.value,
      clippedEdges: prediction.projected.clippedEdges,
      cancelledFlow: prediction.projected.cancelled,
      cutCapacity: verdict.cutCapacity,
    },
  };
  if (request.explain) report.prediction!.decodedFlows = Array.from(prediction.flow);
  return answer(job, prediction.projected.flow, prediction.sourceSide, report, verdict);
}

function answer(
  { graph, request, timer }: MaxflowJob,
  flow: Float64Array,
  side: Uint8Array,
  solver: MaxflowSolverReport,
  verdict: MaxflowVerdict,
  capacities?: keyof typeof NOISY_CLAIMS,
): MaxflowResponse {
  const sourceSide: NodeId[] = [];
  for (let v = 0; v < graph.nodeCount; v++) if (side[v] === 1) sourceSide.push(graph.ids[v]);
  const certificate: MaxflowCertificate = {
    kind: 'maxflow-mincut',
    ...(capacities && { capacities, claim: NOISY_CLAIMS[capacities] }),
    verified: verdict.verified,
    capacityMaxViolation: verdict.capacityMaxViolation,
    conservationMaxError: verdict.conservationMaxError,
    value: verdict.value,
    cutCapacity: verdict.cutCapacity,
    tolerance: verdict.tolerance,
  };
  if (!verdict.verified) certificate.failures = verdict.failures;
  timer.mark('format');
  return {
    code: 'Ok',
    source: request.source,
    sink: request.sink,
    value: verdict.value,
    flows: Array.from(flow),
    minCut: { sourceSide, edges: verdict.cutEdges, capacity: verdict.cutCapacity },
    solver,
    certificate,
    timingsMs: timer.done(),
  };
}
