import { NarsolveError } from '../errors';
import { nodeIndexOf } from '../graph/compact';
import type { CompactGraph, GraphInput, NodeId } from '../graph/types';
import { labelCorrecting, shortestPaths, violatedTails, type LabelState, type NegativeCycle } from '../solvers/classical/shortestPaths';
import type { LearnedModel } from '../solvers/learned';
import { decodeBellmanFord, encodeBellmanFord, paddedSlots } from '../solvers/learned/bellmanFordEncoding';
import { maxSteps, stepBudget } from '../solvers/learned/steps';
import { verifyNegativeCycle, verifyShortestPaths, type ShortestPathVerdict } from '../verify/shortestPaths';
import { inferOptions, StageTimer, type SolveContext } from './context';
import { verifiedRoute } from './verified';
import { attemptLearned, type Unfit } from './learned';
import { noisyRoutes, type NoisyComparison } from './noisyRoutes';
import type { LearnedRun, SolverChoice, SolverReportBase } from './types';
import { readGraphRequest } from './validation';

/** The body of POST /route. */
export interface RouteRequest {
  graph: GraphInput;
  source: NodeId;
  target?: NodeId;
  solver?: SolverChoice;
  /** This request's deadline (schemas/common.json#/$defs/TimeoutMs). */
  timeoutMs?: number;
}

/** Where a route answer came from. */
export interface RouteSolverReport extends SolverReportBase {
  /** The learned model's run, and whether it settled (what the spec's step rule watches unchanged for its patience) before the step cap (the processor only). */
  learned?: LearnedRun & { converged?: boolean };
  /** A request with observations: the learned route next to Dijkstra's on the point estimate. */
  noisy?: NoisyComparison;
  /** The classical work spent repairing a learned answer that failed verification. */
  repair?: { nodesRelabeled: number; relaxations: number; seeds: number };
}

export interface RouteCertificate {
  kind: 'shortest-path-potentials';
  /** A request with observations: the costs the potentials prove the answer shortest for, and the claim in words. */
  costs?: 'decoded' | 'estimate';
  claim?: string;
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
  solver: RouteSolverReport;
  certificate: RouteCertificate;
  timingsMs: Record<string, number>;
}

/** One request on its way through the service: what every stage reads. */
interface RouteJob {
  readonly graph: CompactGraph;
  readonly request: Omit<RouteRequest, 'graph'>;
  readonly source: number;
  readonly target: number | undefined;
  readonly context: SolveContext;
  readonly timer: StageTimer;
}

/** A learned tree decoded from the model's pointers, with exact path-length labels, and the model's run. */
interface LearnedTree {
  readonly tree: LabelState;
  readonly run: LearnedRun & { converged: boolean };
}

/**
 * solveRoute: validate → normalize → (learned → verify → repair | classical → verify) → answer.
 * Throws NarsolveError for anything the caller must hear about (bad input, negative cycle, limits).
 */
export async function solveRoute(body: unknown, caller: SolveContext): Promise<RouteResponse> {
  const timer = new StageTimer();
  const { request, graph, context } = readGraphRequest<RouteRequest>('route-request.json', 'weight', body, caller, timer);
  return routeOn(graph, request, context, timer);
}

/**
 * routeOn: the answer on a graph already validated and compacted (a whole body's, or a stored
 * graph's at one epoch): normalize the ends → learned or classical → verify → answer.
 */
export async function routeOn(graph: CompactGraph, request: Omit<RouteRequest, 'graph'>, context: SolveContext, timer: StageTimer): Promise<RouteResponse> {
  const source = nodeIndexOf(graph, request.source, '/source');
  const target = request.target === undefined ? undefined : nodeIndexOf(graph, request.target, '/target');
  timer.mark('normalize');
  const job: RouteJob = { graph, request, source, target, context, timer };

  const choice = request.solver ?? 'auto';
  if (graph.observations) {
    const noisy = await noisyRoutes(graph, source, target, choice, context, timer);
    return answer(job, noisy.tree, noisy.report, noisy.verdict, noisy.costs);
  }
  const processor = context.learned.route.model;
  // The committed spec says serving.auto false, so auto ends here today. Below it, verify → repair is
  // what auto would run if a processor ever paid (tests/learned.repair.test.ts keeps it tested);
  // solver "learned" answers with the processor's tree and the verifier's verdict on it, never repaired.
  // A processor left unloaded on purpose (the library's learnedNotLoaded) still carries its spec's answer.
  const auto = processor ? processor.auto : context.learned.route.declaredAuto;
  if (choice === 'auto' && auto === false) return classical(job, NO_BENEFIT);
  const attempt = await attemptLearned(choice, 'route', context.learned.route, (model) => planLearned(graph, model), (model, k) => runLearned(job, model, k));
  if (attempt.kind === 'classical') return classical(job, attempt.fallbackReason);
  const learned = attempt.output;
  const verdict = verify(job, learned.tree);
  const report: RouteSolverReport = { used: 'learned', algorithm: `gnn-bellman-ford ${learned.run.version}`, learned: learned.run };
  if (choice === 'learned' || verdict.verified) return answer(job, learned.tree, report, verdict);
  return repair(job, learned, verdict);
}

/**
 * Why auto answers a request with weights only without the processor when its spec says so: the
 * processor finds the answer the exact solver finds, measurably slower.
 */
const NO_BENEFIT =
  'with weights only the exact solver is exact and faster: the model card measures the learned processor slower with the same answers, so auto does not run it (its spec says serving.auto false); solver "learned" does';

/** The exact classical solver: Dijkstra for non-negative weights, Bellman-Ford otherwise. */
function classical(job: RouteJob, fallbackReason: string | undefined): RouteResponse {
  const result = shortestPaths(job.graph, job.source, { target: job.target, maxWork: job.context.config.limits.maxWork });
  job.timer.mark('solve');
  if (result.kind === 'negative-cycle') throw negativeCycleError(job.graph, result.cycle);
  const verdict = verifiedRoute(job.graph, job.source, job.target, result.tree, job.context, `${result.tree.algorithm} answer`);
  job.timer.mark('verify');
  const report: RouteSolverReport = { used: 'classical', algorithm: result.tree.algorithm };
  if (fallbackReason) report.fallbackReason = fallbackReason;
  return answer(job, result.tree, report, verdict);
}

/** The padded width k for this graph, or why it does not fit the model's serving limits. */
function planLearned(graph: CompactGraph, model: LearnedModel<'route'>): number | Unfit {
  const { k, slots } = paddedSlots(graph);
  if (slots > model.limits.maxPaddedSlots) {
    return { unfit: `the graph needs ${slots} padded neighbour slots (nodes × largest in-degree); the model is served up to ${model.limits.maxPaddedSlots}` };
  }
  return k;
}

/** Encode → infer (in a worker thread) → decode into a tree with exact path-length labels. */
async function runLearned({ graph, source, timer, context }: RouteJob, model: LearnedModel<'route'>, k: number): Promise<LearnedTree> {
  const inputs = encodeBellmanFord(graph, source, k);
  timer.mark('encode');
  const budget = stepBudget(maxSteps(model.steps, graph.nodeCount), inputs.n * inputs.k, model.limits.maxSlotSteps);
  const result = await model.infer({ ...inputs, maxSteps: budget }, inferOptions(context, timer));
  timer.mark('infer');
  const tree = decodeBellmanFord(graph, inputs, source, result.choice);
  timer.mark('decode');
  return { tree, run: { version: model.version, steps: result.steps, converged: result.settled } };
}

/**
 * Repairs a learned tree that failed verification: a label-correcting pass started from its exact
 * path lengths, seeded only with the tails of violated arcs, so the work follows the model's error.
 */
function repair(job: RouteJob, learned: LearnedTree, failed: ShortestPathVerdict): RouteResponse {
  const { graph, context, timer } = job;
  const seeds = violatedTails(graph, learned.tree.potential);
  const { result, stats } = labelCorrecting(graph, learned.tree, seeds, { maxWork: context.config.limits.maxWork, algorithm: 'label-correcting repair' });
  timer.mark('repair');
  if (result.kind === 'negative-cycle') throw negativeCycleError(graph, result.cycle);
  const verdict = verifiedRoute(graph, job.source, job.target, result.tree, context, 'repaired answer');
  timer.mark('verify');
  const report: RouteSolverReport = {
    used: 'classical',
    algorithm: `label-correcting repair of gnn-bellman-ford ${learned.run.version}`,
    fallbackReason: `learned answer failed verification: ${failed.failures[0] ?? 'unknown'}`,
    learned: learned.run,
    repair: { nodesRelabeled: stats.nodesRelabeled, relaxations: stats.relaxations, seeds: seeds.length },
  };
  return answer(job, result.tree, report, verdict);
}

/** The independent verifier's verdict on a tree. */
function verify({ graph, source, target, context, timer }: RouteJob, tree: LabelState): ShortestPathVerdict {
  const verdict = verifyShortestPaths(graph, source, tree, { target, relativeTolerance: context.config.tolerances.routeRelative });
  timer.mark('verify');
  return verdict;
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

/** What a noisy answer's certificate proves, in words: never optimality for the unknown true costs. */
const NOISY_CLAIMS = {
  decoded: "the route (or tree) is shortest for the edge costs the observation encoder decoded (a weight where an edge has one); nothing is proven about the unknown true costs",
  estimate: "the route (or tree) is shortest for the classical estimate of each edge's cost from its observations that solver.noisy.estimate names (a weight where an edge has one); nothing is proven about the unknown true costs",
} as const;

function answer(
  { graph, request, source, target, timer }: RouteJob,
  tree: LabelState,
  solver: RouteSolverReport,
  verdict: ShortestPathVerdict,
  costs?: keyof typeof NOISY_CLAIMS,
): RouteResponse {
  const certificate: RouteCertificate = {
    kind: 'shortest-path-potentials',
    ...(costs && { costs, claim: NOISY_CLAIMS[costs] }),
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
