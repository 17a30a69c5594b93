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
import { learnedDisabled, type LearnedSolvers } from './solvers/learned';

export { createApp, type AppOptions } from './api/app';
export { NarsolveError, type ErrorCode, type FieldError, type Problem } from './errors';
export { loadConfig, DEFAULT_LIMITS, DEFAULT_TOLERANCES, type Config, type Limits, type Tolerances } from './config';
export { loadLearnedSolvers, type LearnedSolvers } from './solvers/learned';
export type { RouteRequest, RouteResponse, MaxflowRequest, MaxflowResponse };
export type { NodeId, GraphInput, EdgeInput } from './graph/types';

/** Options for the library calls; limits and tolerances default to the environment's, as the server's do. */
export interface SolveOptions {
  limits?: Partial<Limits>;
  tolerances?: Partial<Tolerances>;
  learned?: LearnedSolvers;
}

function contextFor(options: SolveOptions): SolveContext {
  const fromEnv = loadConfig();
  const config = resolveConfig({ limits: { ...fromEnv.limits, ...options.limits }, tolerances: { ...fromEnv.tolerances, ...options.tolerances } });
  return { config, learned: options.learned ?? learnedDisabled('no learned solvers passed to the library call') };
}

/** Shortest path (or tree) for a POST /route body; resolves to the same JSON the server answers. */
export function solveRoute(request: RouteRequest, options: SolveOptions = {}): Promise<RouteResponse> {
  return solveRouteWith(request, contextFor(options));
}

/** Maximum flow and minimum cut for a POST /maxflow body; resolves to the same JSON the server answers. */
export function solveMaxflow(request: MaxflowRequest, options: SolveOptions = {}): Promise<MaxflowResponse> {
  return solveMaxflowWith(request, contextFor(options));
}
