import { NarsolveError } from '../errors';
import { nodeIndexOf } from '../graph/compact';
import type { CompactGraph, GraphInput, NodeId } from '../graph/types';
import { shortestPaths, type NegativeCycle, type ShortestPathTree } from '../solvers/classical/shortestPaths';
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
}

export interface RouteCertificate {
  kind: 'shortest-path-potentials';
  verified: boolean;
  checkedEdges: number;
  maxViolation: number;
  tolerance: string;
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
 * solveRoute: validate → compact → solve → verify → answer.
 * Throws NarsolveError for anything the caller must hear about (bad input, negative cycle, limits).
 */
export async function solveRoute(body: unknown, context: SolveContext): Promise<RouteResponse> {
  const timer = new StageTimer();
  const { request, graph } = readGraphRequest<RouteRequest>('route-request.json', 'weight', body, context, timer);
  const source = nodeIndexOf(graph, request.source, '/source');
  const target = request.target === undefined ? undefined : nodeIndexOf(graph, request.target, '/target');
  timer.mark('normalize');

  const solver = chooseSolver(request.solver ?? 'auto', context);
  const result = shortestPaths(graph, source, { target, maxWork: context.config.limits.maxWork });
  timer.mark('solve');
  if (result.kind === 'negative-cycle') throw negativeCycleError(graph, result.cycle);

  const tree = result.tree;
  const verdict = verifyShortestPaths(graph, source, tree, { target, relativeTolerance: context.config.tolerances.routeRelative });
  timer.mark('verify');
  if (!verdict.verified) {
    throw new NarsolveError('Internal', `our own ${tree.algorithm} answer failed verification: ${verdict.failures.join('; ')}`);
  }
  const report: SolverReport = { used: 'classical', algorithm: tree.algorithm, ...solver };
  return answer(graph, request, tree, source, target, report, verdict, timer);
}

function chooseSolver(choice: SolverChoice, context: SolveContext): Pick<SolverReport, 'fallbackReason'> {
  const learned = context.learned.route;
  if (choice === 'learned') {
    throw new NarsolveError('ModelUnavailable', `the learned route solver is not available: ${learned.reason}`);
  }
  if (choice === 'auto') return { fallbackReason: `learned solver unavailable: ${learned.reason}` };
  return {};
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
  tree: ShortestPathTree,
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
    maxViolation: verdict.maxViolation,
    tolerance: verdict.tolerance,
  };
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
  // The verifier has already walked this path, so it ends at the source.
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
