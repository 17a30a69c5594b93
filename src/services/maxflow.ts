import { NarsolveError } from '../errors';
import { nodeIndexOf } from '../graph/compact';
import type { GraphInput, NodeId } from '../graph/types';
import { dinic } from '../solvers/classical/maxflow';
import { verifyMaxflow } from '../verify/maxflow';
import { StageTimer, type SolveContext } from './context';
import type { SolverChoice, SolverReport } from './route';
import { readGraphRequest } from './validation';

/** The body of POST /maxflow. */
export interface MaxflowRequest {
  graph: GraphInput;
  source: NodeId;
  sink: NodeId;
  solver?: SolverChoice;
}

export interface MaxflowCertificate {
  kind: 'maxflow-mincut';
  verified: boolean;
  capacityMaxViolation: number;
  conservationMaxError: number;
  value: number;
  cutCapacity: number;
  tolerance: number;
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

/** solveMaxflow: validate → compact → solve → verify → answer. Throws NarsolveError for caller-visible problems. */
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

  const learned = context.learned.maxflow;
  if (request.solver === 'learned') {
    throw new NarsolveError('ModelUnavailable', `the learned max-flow solver is not available: ${learned.reason}`);
  }
  const result = dinic(graph, source, sink, { maxWork: context.config.limits.maxWork });
  timer.mark('solve');

  const verdict = verifyMaxflow(graph, source, sink, result.flow, result.sourceSide, { relativeTolerance: context.config.tolerances.flowRelative });
  timer.mark('verify');
  if (!verdict.verified) {
    throw new NarsolveError('Internal', `our own ${result.algorithm} answer failed verification: ${verdict.failures.join('; ')}`);
  }

  const solver: SolverReport = { used: 'classical', algorithm: result.algorithm };
  if ((request.solver ?? 'auto') === 'auto') solver.fallbackReason = `learned solver unavailable: ${learned.reason}`;
  const sourceSide: NodeId[] = [];
  for (let v = 0; v < graph.nodeCount; v++) if (result.sourceSide[v] === 1) sourceSide.push(graph.ids[v]);
  timer.mark('format');
  return {
    code: 'Ok',
    source: request.source,
    sink: request.sink,
    value: verdict.value,
    flows: Array.from(result.flow),
    minCut: { sourceSide, edges: verdict.cutEdges, capacity: verdict.cutCapacity },
    solver,
    certificate: {
      kind: 'maxflow-mincut',
      verified: true,
      capacityMaxViolation: verdict.capacityMaxViolation,
      conservationMaxError: verdict.conservationMaxError,
      value: verdict.value,
      cutCapacity: verdict.cutCapacity,
      tolerance: verdict.tolerance,
    },
    timingsMs: timer.done(),
  };
}
