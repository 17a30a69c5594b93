/**
 * narsolve as a library: the same JSON in and out as the HTTP API.
 *
 *   const { solveRoute } = require('narsolve');
 *   const answer = await solveRoute({ graph: { edges: [...] }, source: 'a', target: 'b' });
 *
 * Errors are thrown as NarsolveError with the same `code` the HTTP API answers with.
 */
import { loadConfig, resolveConfig, type Limits, type Tolerances } from './config';
import { solveMaxflow as solveMaxflowWith, type MaxflowRequest, type MaxflowResponse } from './services/maxflow';
import { solveRoute as solveRouteWith, type RouteRequest, type RouteResponse } from './services/route';
import type { SolveContext } from './services/context';
import { loadLearnedSolvers, type LearnedSolvers } from './solvers/learned';

export { createApp, type AppOptions } from './api/app';
export { createOffload, type Offload } from './api/offload';
export { NarsolveError, type ErrorCode, type FieldError, type Problem } from './errors';
export { loadConfig, DEFAULT_LIMITS, DEFAULT_TOLERANCES, type Config, type Limits, type Tolerances } from './config';
export { learnedDisabled, loadLearnedSolvers, type LearnedSolvers } from './solvers/learned';
export type { RouteRequest, RouteResponse, MaxflowRequest, MaxflowResponse };
export type { NodeId, GraphInput, EdgeInput } from './graph/types';

/** Options for the library calls; limits and tolerances default to the environment's, as the server's do. */
export interface SolveOptions {
  limits?: Partial<Limits>;
  tolerances?: Partial<Tolerances>;
  /**
   * The learned solvers to use (from loadLearnedSolvers(), or learnedDisabled() for none). Default:
   * the package's own models, loaded on first use, in worker threads that do not keep the process
   * alive, so the library answers as the server does.
   */
  learned?: LearnedSolvers;
}

let shared: Promise<LearnedSolvers> | undefined;

/** The package's models, loaded once, on the first call that needs them. */
function sharedLearned(): Promise<LearnedSolvers> {
  shared ??= loadLearnedSolvers({ keepAlive: false });
  return shared;
}

async function contextFor(options: SolveOptions): Promise<SolveContext> {
  const fromEnv = loadConfig();
  const config = resolveConfig({ limits: { ...fromEnv.limits, ...options.limits }, tolerances: { ...fromEnv.tolerances, ...options.tolerances } });
  return { config, learned: options.learned ?? (await sharedLearned()) };
}

/** Shortest path (or tree) for a POST /route body; resolves to the same JSON the server answers. */
export async function solveRoute(request: RouteRequest, options: SolveOptions = {}): Promise<RouteResponse> {
  return solveRouteWith(request, await contextFor(options));
}

/** Maximum flow and minimum cut for a POST /maxflow body; resolves to the same JSON the server answers. */
export async function solveMaxflow(request: MaxflowRequest, options: SolveOptions = {}): Promise<MaxflowResponse> {
  return solveMaxflowWith(request, await contextFor(options));
}
