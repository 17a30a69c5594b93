import { NarsolveError } from '../errors';
import { nodeIndexOf } from '../graph/compact';
import type { CompactGraph, GraphInput, NodeId } from '../graph/types';
import { labelCorrecting, shortestPaths, type LabelState, type NegativeCycle } from '../solvers/classical/shortestPaths';
import type { LearnedBellmanFord } from '../solvers/learned';
import { decodeBellmanFord, encodeBellmanFord, paddedSlots } from '../solvers/learned/encode';
import { verifyNegativeCycle, verifyShortestPaths, type ShortestPathVerdict } from '../verify/shortestPaths';
import { StageTimer, type SolveContext } from './context';
import { readGraphRequest } from './validation';

export type SolverChoice = 'auto' | 'classical' | 'learned';

/** The body of POST /route. */
export interface RouteRequest {
  graph: GraphInput;
  source: NodeId;
  target?: NodeId;
  solver?: SolverChoice;
}

export interface SolverReport {
  used: 'classical' | 'learned';
  algorithm: string;
  fallbackReason?: string;
  /** The learned model's run: version, processor steps, whether its pointers reached a fixed point. */
  learned?: { version: string; steps: number; converged: boolean };
  /** The classical work spent repairing a learned answer that failed verification. */
  repair?: { nodesRelabeled: number; relaxations: number; seeds: number };
  /** Max flow, auto: the projected prediction the exact solver continued from, and the work that took. */
  warmStart?: {
    projectedValue: number;
    /** Projected value / final value: how much of the answer the prediction already carried. */
    carriedShare: number;
    clippedEdges: number;
    cancelledFlow: number;
    projectionWork: number;
    phases: number;
    augmentingPaths: number;
    work: number;
    /** With explain: the same exact solver from zero flow. */
    cold?: { phases: number; augmentingPaths: number; work: number; ms: number };
  };
  /** Max flow, solver "learned": the raw prediction. */
  prediction?: { decodedValue: number; projectedValue: number; clippedEdges: number; cancelledFlow: number; cutCapacity: number; decodedFlows?: number[] };
}

export interface RouteCertificate {
  kind: 'shortest-path-potentials';
  verified: boolean;
  checkedEdges: number;
  /** null when some reached node's neighbour was left unreached (an infinite violation). */
  maxViolation: number | null;
  tolerance: string;
  /** Why verification failed (only for solver "learned", whose raw answers are not repaired). */
  failures?: string[];
}

/** The body of a 200 answer to POST /route. */
export interface RouteResponse {
  code: 'Ok' | 'NoRoute';
  source: NodeId;
  target?: NodeId;
  distance?: number | null;
  path?: NodeId[] | null;
  pathEdges?: number[] | null;
  tree?: {
    distance: Record<string, number | null>;
    predecessor: Record<string, NodeId | null>;
    predecessorEdge: Record<string, number | null>;
  };
  solver: SolverReport;
  certificate: RouteCertificate;
  timingsMs: Record<string, number>;
}

/**
 * solveRoute: validate → compact → (learned → verify → repair | classical → verify) → answer.
 * Throws NarsolveError for anything the caller must hear about (bad input, negative cycle, limits).
 */
export async function solveRoute(body: unknown, context: SolveContext): Promise<RouteResponse> {
  const timer = new StageTimer();
  const { request, graph } = readGraphRequest<RouteRequest>('route-request.json', 'weight', body, context, timer);
  const source = nodeIndexOf(graph, request.source, '/source');
  const target = request.target === undefined ? undefined : nodeIndexOf(graph, request.target, '/target');
  timer.mark('normalize');

  const choice = request.solver ?? 'auto';
  const plan = choice === 'classical' ? { reason: '' } : planLearned(graph, context);
  if ('reason' in plan) {
    if (choice === 'learned') throw new NarsolveError('ModelUnavailable', `the learned route solver is not available: ${plan.reason}`);
    return classical(graph, request, source, target, context, timer, choice === 'auto' ? `learned solver unavailable: ${plan.reason}` : undefined);
  }
  const learned = await runLearned(graph, source, plan.model, plan.k, timer).catch((error: Error) => ({ error }));
  if ('error' in learned) {
    // A worker that died or a full queue must not fail the request: the exact solver still can answer.
    const reason = `learned inference failed: ${learned.error.message}`;
    if (choice === 'learned') throw new NarsolveError('ModelUnavailable', reason);
    return classical(graph, request, source, target, context, timer, reason);
  }
  const verdict = verifyShortestPaths(graph, source, learned.tree, { target, relativeTolerance: context.config.tolerances.routeRelative });
  timer.mark('verify');
  const report: SolverReport = { used: 'learned', algorithm: `gnn-bellman-ford ${plan.model.version}`, learned: learned.info };
  if (choice === 'learned' || verdict.verified) return answer(graph, request, learned.tree, source, target, report, verdict, timer);
  return repair(graph, request, learned.tree, source, target, context, timer, { ...report, used: 'classical' }, verdict);
}

/** The exact classical solver: Dijkstra for non-negative weights, Bellman-Ford otherwise. */
function classical(
  graph: CompactGraph,
  request: RouteRequest,
  source: number,
  target: number | undefined,
  context: SolveContext,
  timer: StageTimer,
  fallbackReason: string | undefined,
): RouteResponse {
  const result = shortestPaths(graph, source, { target, maxWork: context.config.limits.maxWork });
  timer.mark('solve');
  if (result.kind === 'negative-cycle') throw negativeCycleError(graph, result.cycle);
  const tree = result.tree;
  const verdict = verifyShortestPaths(graph, source, tree, { target, relativeTolerance: context.config.tolerances.routeRelative });
  timer.mark('verify');
  if (!verdict.verified) {
    throw new NarsolveError('Internal', `our own ${tree.algorithm} answer failed verification: ${verdict.failures.join('; ')}`);
  }
  const report: SolverReport = { used: 'classical', algorithm: tree.algorithm };
  if (fallbackReason) report.fallbackReason = fallbackReason;
  return answer(graph, request, tree, source, target, report, verdict, timer);
}

/** The loaded model, or why this graph cannot go to it. */
function planLearned(graph: CompactGraph, context: SolveContext): { model: LearnedBellmanFord; k: number } | { reason: string } {
  const model = context.learned.bellmanFord;
  if (!model) return { reason: context.learned.route.reason };
  const { k, slots } = paddedSlots(graph);
  if (slots > model.maxPaddedSlots) {
    return { reason: `the graph needs ${slots} padded neighbour slots (nodes × largest in-degree); the model is served up to ${model.maxPaddedSlots}` };
  }
  return { model, k };
}

/** Encode → infer (in a worker thread) → decode into a tree with exact path-length labels. */
async function runLearned(graph: CompactGraph, source: number, model: LearnedBellmanFord, k: number, timer: StageTimer) {
  const inputs = encodeBellmanFord(graph, source, k);
  timer.mark('encode');
  // Bellman-Ford settles within n - 1 rounds; the run then needs `patience` unchanged steps to notice.
  const maxSteps = Math.max(1, Math.min(graph.nodeCount + model.patience, Math.floor(model.maxSlotSteps / (inputs.n * inputs.k))));
  const result = await model.infer(inputs, maxSteps);
  timer.mark('infer');
  const tree = decodeBellmanFord(graph, inputs, source, result.choice);
  timer.mark('decode');
  return { tree, info: { version: model.version, steps: result.steps, converged: result.converged } };
}

/**
 * Repairs a learned tree that failed verification: a label-correcting pass started from its exact
 * path lengths, seeded only with the tails of violated arcs, so the work follows the model's error.
 */
function repair(
  graph: CompactGraph,
  request: RouteRequest,
  tree: LabelState,
  source: number,
  target: number | undefined,
  context: SolveContext,
  timer: StageTimer,
  report: SolverReport,
  failed: ShortestPathVerdict,
): RouteResponse {
  const seeds = violatedTails(graph, tree.potential);
  const { result, stats } = labelCorrecting(graph, tree, seeds, { maxWork: context.config.limits.maxWork, algorithm: 'label-correcting repair' });
  timer.mark('repair');
  if (result.kind === 'negative-cycle') throw negativeCycleError(graph, result.cycle);
  const verdict = verifyShortestPaths(graph, source, result.tree, { target, relativeTolerance: context.config.tolerances.routeRelative });
  timer.mark('verify');
  if (!verdict.verified) throw new NarsolveError('Internal', `the repaired answer failed verification: ${verdict.failures.join('; ')}`);
  const repaired: SolverReport = {
    ...report,
    algorithm: `label-correcting repair of gnn-bellman-ford ${report.learned?.version ?? ''}`.trim(),
    fallbackReason: `learned answer failed verification: ${failed.failures[0] ?? 'unknown'}`,
    repair: { nodesRelabeled: stats.nodesRelabeled, relaxations: stats.relaxations, seeds: seeds.length },
  };
  return answer(graph, request, result.tree, source, target, repaired, verdict, timer);
}

/** Tails of arcs that break d(v) <= d(u) + w: where a label-correcting repair must start. */
function violatedTails(graph: CompactGraph, potential: Float64Array): Int32Array {
  const seeds: number[] = [];
  const { arcStart, arcHead, arcValue } = graph;
  for (let u = 0; u < graph.nodeCount; u++) {
    const du = potential[u];
    if (du === Infinity) continue;
    for (let a = arcStart[u]; a < arcStart[u + 1]; a++) {
      if (du + arcValue[a] < potential[arcHead[a]]) {
        seeds.push(u);
        break;
      }
    }
  }
  return Int32Array.from(seeds);
}

function negativeCycleError(graph: CompactGraph, cycle: NegativeCycle): NarsolveError {
  const check = verifyNegativeCycle(graph, cycle.nodes, cycle.edges);
  if (!check.verified) {
    return new NarsolveError('Internal', 'our own negative-cycle proof failed verification');
  }
  const ids = Array.from(cycle.nodes, (v) => graph.ids[v]);
  return new NarsolveError(
    'NegativeCycle',
    `a cycle of total weight ${check.weight} through ${ids.length - 1} node(s) is reachable from the source, so shortest paths are undefined`,
    { extensions: { cycle: ids, cycleEdges: Array.from(cycle.edges), cycleWeight: check.weight } },
  );
}

function answer(
  graph: CompactGraph,
  request: RouteRequest,
  tree: LabelState,
  source: number,
  target: number | undefined,
  solver: SolverReport,
  verdict: ShortestPathVerdict,
  timer: StageTimer,
): RouteResponse {
  const certificate: RouteCertificate = {
    kind: 'shortest-path-potentials',
    verified: verdict.verified,
    checkedEdges: verdict.checkedEdges,
    maxViolation: Number.isFinite(verdict.maxViolation) ? verdict.maxViolation : null,
    tolerance: verdict.tolerance,
  };
  if (!verdict.verified) certificate.failures = verdict.failures;
  if (target === undefined) {
    assertKeysDistinct(graph);
    // Null-prototype records: a node named "__proto__" stays an ordinary key, and large trees build faster.
    const distance: Record<string, number | null> = Object.create(null);
    const predecessor: Record<string, NodeId | null> = Object.create(null);
    const predecessorEdge: Record<string, number | null> = Object.create(null);
    for (let v = 0; v < graph.nodeCount; v++) {
      const key = String(graph.ids[v]);
      const reached = tree.potential[v] !== Infinity;
      distance[key] = reached ? tree.potential[v] : null;
      predecessor[key] = tree.predNode[v] >= 0 ? graph.ids[tree.predNode[v]] : null;
      predecessorEdge[key] = tree.predEdge[v] >= 0 ? tree.predEdge[v] : null;
    }
    timer.mark('format');
    return { code: 'Ok', source: request.source, tree: { distance, predecessor, predecessorEdge }, solver, certificate, timingsMs: timer.done() };
  }
  if (tree.potential[target] === Infinity) {
    timer.mark('format');
    return { code: 'NoRoute', source: request.source, target: request.target, distance: null, path: null, pathEdges: null, solver, certificate, timingsMs: timer.done() };
  }
  const path: NodeId[] = [];
  const pathEdges: number[] = [];
  // A finite label means the predecessors lead back to the source (the solvers and decodeBellmanFord guarantee it).
  for (let x = target; x !== source; x = tree.predNode[x]) {
    path.push(graph.ids[x]);
    pathEdges.push(tree.predEdge[x]);
  }
  path.push(graph.ids[source]);
  path.reverse();
  pathEdges.reverse();
  timer.mark('format');
  return {
    code: 'Ok',
    source: request.source,
    target: request.target,
    distance: tree.potential[target],
    path,
    pathEdges,
    solver,
    certificate,
    timingsMs: timer.done(),
  };
}


/** A tree answer is keyed by node id as a JSON object key, so the string "1" and the integer 1 would collide. */
function assertKeysDistinct(graph: CompactGraph): void {
  const keys = new Set<string>();
  for (const id of graph.ids) keys.add(String(id));
  if (keys.size !== graph.nodeCount) {
    throw new NarsolveError(
      'InvalidInput',
      'a whole-tree answer (no target) is keyed by node id, but some string id equals an integer id written as text; give a target or make the ids distinct as text',
      { errors: [{ pointer: '/graph', message: 'node ids must be distinct as text when target is omitted' }] },
    );
  }
}
