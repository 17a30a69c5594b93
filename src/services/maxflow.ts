import { NarsolveError } from '../errors';
import { nodeIndexOf } from '../graph/compact';
import type { CompactGraph, GraphInput, NodeId } from '../graph/types';
import { dinic, netOutflow, type MaxflowResult } from '../solvers/classical/maxflow';
import { projectFlow, type ProjectedFlow } from '../solvers/classical/projection';
import type { LearnedMaxflow } from '../solvers/learned';
import { decodeMaxflow, encodeMaxflow, maxflowSlots, type PaddedWidths } from '../solvers/learned/maxflowEncoding';
import { verifyMaxflow, type MaxflowVerdict } from '../verify/maxflow';
import { StageTimer, type SolveContext } from './context';
import type { SolverChoice, SolverReport } from './route';
import { readGraphRequest } from './validation';

/** The body of POST /maxflow. */
export interface MaxflowRequest {
  graph: GraphInput;
  source: NodeId;
  sink: NodeId;
  solver?: SolverChoice;
  /** Also run a cold exact solve and report its work next to the warm start's (costs a second solve). */
  explain?: boolean;
}

export interface MaxflowCertificate {
  kind: 'maxflow-mincut';
  verified: boolean;
  capacityMaxViolation: number;
  conservationMaxError: number;
  value: number;
  cutCapacity: number;
  tolerance: number;
  /** Why verification failed (only for solver "learned", whose raw answers are not finished). */
  failures?: string[];
}

/** The body of a 200 answer to POST /maxflow. */
export interface MaxflowResponse {
  code: 'Ok';
  source: NodeId;
  sink: NodeId;
  value: number;
  flows: number[];
  minCut: { sourceSide: NodeId[]; edges: number[]; capacity: number };
  solver: SolverReport;
  certificate: MaxflowCertificate;
  timingsMs: Record<string, number>;
}

/** One request on its way through the service: what every stage reads. */
interface FlowJob {
  readonly graph: CompactGraph;
  readonly request: MaxflowRequest;
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
  readonly info: { version: string; steps: number; converged: boolean };
}

/**
 * solveMaxflow: validate → compact → (learned → project → warm-started Dinic | Dinic) → verify →
 * answer. Throws NarsolveError for caller-visible problems.
 */
export async function solveMaxflow(body: unknown, context: SolveContext): Promise<MaxflowResponse> {
  const timer = new StageTimer();
  const { request, graph } = readGraphRequest<MaxflowRequest>('maxflow-request.json', 'capacity', body, context, timer);
  const source = nodeIndexOf(graph, request.source, '/source');
  const sink = nodeIndexOf(graph, request.sink, '/sink');
  if (source === sink) {
    throw new NarsolveError('InvalidInput', '/sink: the sink must differ from the source', {
      errors: [{ pointer: '/sink', message: 'must differ from /source' }],
    });
  }
  timer.mark('normalize');
  const job: FlowJob = { graph, request, source, sink, context, timer };

  const choice = request.solver ?? 'auto';
  const plan = choice === 'classical' ? { reason: '' } : planLearned(graph, context);
  if ('reason' in plan) {
    if (choice === 'learned') throw new NarsolveError('ModelUnavailable', `the learned max-flow solver is not available: ${plan.reason}`);
    return classical(job, choice === 'auto' ? `learned solver unavailable: ${plan.reason}` : undefined);
  }
  const prediction = await predict(job, plan.model, plan.widths).catch((error: Error) => ({ error }));
  if ('error' in prediction) {
    if (prediction.error instanceof NarsolveError) throw prediction.error;
    // A worker that died or a full queue must not fail the request: the exact solver still can answer.
    const reason = `learned inference failed: ${prediction.error.message}`;
    if (choice === 'learned') throw new NarsolveError('ModelUnavailable', reason);
    return classical(job, reason);
  }
  if (choice === 'learned') return rawPrediction(job, prediction, plan.model.version);
  return warmStart(job, prediction, plan.model.version);
}

/** The exact solver from zero flow. */
function classical(job: FlowJob, fallbackReason: string | undefined): MaxflowResponse {
  const result = dinic(job.graph, job.source, job.sink, { maxWork: job.context.config.limits.maxWork });
  job.timer.mark('solve');
  const verdict = verifyOwn(job, result);
  job.timer.mark('verify');
  const report: SolverReport = { used: 'classical', algorithm: result.algorithm };
  if (fallbackReason) report.fallbackReason = fallbackReason;
  return answer(job, result.flow, result.sourceSide, report, verdict);
}

/** The loaded model, or why this graph cannot go to it. */
function planLearned(graph: CompactGraph, context: SolveContext): { model: LearnedMaxflow; widths: PaddedWidths } | { reason: string } {
  const model = context.learned.flow;
  if (!model) return { reason: context.learned.maxflow.reason };
  const widths = maxflowSlots(graph);
  if (widths.slots > model.maxPaddedSlots) {
    return { reason: `the graph needs ${widths.slots} padded arc slots (nodes × (largest in-degree + largest out-degree)); the model is served up to ${model.maxPaddedSlots}` };
  }
  return { model, widths };
}

/** Encode → infer (in a worker thread) → decode → project onto a feasible flow. */
async function predict({ graph, source, sink, context, timer }: FlowJob, model: LearnedMaxflow, widths: PaddedWidths): Promise<Prediction> {
  const inputs = encodeMaxflow(graph, source, sink, widths);
  timer.mark('encode');
  const wanted = inputs.hopDepth + model.extraSteps;
  const affordable = Math.max(1, Math.floor(model.maxSlotSteps / widths.slots));
  const steps = Math.min(wanted, affordable);
  const result = await model.infer(inputs, steps);
  timer.mark('infer');
  const { flow, sourceSide } = decodeMaxflow(graph, inputs, result.flowFraction, result.cutLogit, source, sink);
  timer.mark('decode');
  const projected = projectFlow(graph, source, sink, flow, { maxWork: context.config.limits.maxWork });
  timer.mark('project');
  return { flow, sourceSide, projected, info: { version: model.version, steps, converged: steps === wanted } };
}

/**
 * The exact solver continued from the projected prediction. `used` is "learned" when the
 * projection was already maximum (no augmenting path was left), else "classical".
 */
function warmStart(job: FlowJob, prediction: Prediction, version: string): MaxflowResponse {
  const { graph, request, source, sink, context, timer } = job;
  const { projected } = prediction;
  const result = dinic(graph, source, sink, { maxWork: context.config.limits.maxWork, initialFlow: projected.flow });
  timer.mark('solve');
  const verdict = verifyOwn(job, result);
  timer.mark('verify');
  const carried = verdict.value > 0 ? projected.value / verdict.value : 1;
  const report: SolverReport = {
    used: result.augmentingPaths === 0 ? 'learned' : 'classical',
    algorithm: `dinic warm-started from gnn-maxflow ${version}`,
    learned: prediction.info,
    warmStart: {
      projectedValue: projected.value,
      carriedShare: carried,
      clippedEdges: projected.clippedEdges,
      cancelledFlow: projected.cancelled,
      projectionWork: projected.work,
      phases: result.phases,
      augmentingPaths: result.augmentingPaths,
      work: result.work,
    },
  };
  if (result.augmentingPaths > 0) {
    report.fallbackReason = `the projected learned flow carried ${(100 * carried).toFixed(1)}% of the maximum; Dinic finished it`;
  }
  if (request.explain) {
    const started = performance.now();
    const cold = dinic(graph, source, sink, { maxWork: context.config.limits.maxWork });
    report.warmStart!.cold = { phases: cold.phases, augmentingPaths: cold.augmentingPaths, work: cold.work, ms: Math.round((performance.now() - started) * 1000) / 1000 };
    timer.mark('explain');
  }
  return answer(job, result.flow, result.sourceSide, report, verdict);
}

/**
 * solver "learned": the projected prediction (a feasible flow) with the predicted cut, and the
 * certificate's verdict on that pair, true only when the prediction is provably optimal. With
 * `explain`, the decoded flows before projection too.
 */
function rawPrediction(job: FlowJob, prediction: Prediction, version: string): MaxflowResponse {
  const { graph, request, source, sink, context, timer } = job;
  const verdict = verifyMaxflow(graph, source, sink, prediction.projected.flow, prediction.sourceSide, { relativeTolerance: context.config.tolerances.flowRelative });
  timer.mark('verify');
  const report: SolverReport = {
    used: 'learned',
    algorithm: `gnn-maxflow ${version}, projected`,
    learned: prediction.info,
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

/** Our own answers must verify; anything else is a bug, reported as one. */
function verifyOwn({ graph, source, sink, context }: FlowJob, result: MaxflowResult): MaxflowVerdict {
  const verdict = verifyMaxflow(graph, source, sink, result.flow, result.sourceSide, { relativeTolerance: context.config.tolerances.flowRelative });
  if (!verdict.verified) throw new NarsolveError('Internal', `our own ${result.algorithm} answer failed verification: ${verdict.failures.join('; ')}`);
  return verdict;
}

function answer({ graph, request, timer }: FlowJob, flow: Float64Array, side: Uint8Array, solver: SolverReport, verdict: MaxflowVerdict): MaxflowResponse {
  const sourceSide: NodeId[] = [];
  for (let v = 0; v < graph.nodeCount; v++) if (side[v] === 1) sourceSide.push(graph.ids[v]);
  const certificate: MaxflowCertificate = {
    kind: 'maxflow-mincut',
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
