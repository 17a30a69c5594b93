/**
 * narsolve as a library: the same JSON in and out as the HTTP API.
 *
 *   const { solveRoute } = require('narsolve');
 *   const answer = await solveRoute({ graph: { edges: [...] }, source: 'a', target: 'b' });
 *
 * The graph may also be a graphology Graph (attributes weight, capacity, observations and
 * capacityObservations; node x/y or lat/lon); writeRoute and writeMaxflow put answers back on it.
 *
 * Errors are thrown as NarsolveError with the same `code` the HTTP API answers with.
 */
import type { MaxflowRequest, MaxflowResponse } from './services/maxflow';
import type { RouteRequest, RouteResponse } from './services/route';

export { openGraphs, solveMaxflow, solveRoute, type Graphs, type SolveOptions, type WithGraphology } from './library';
export { createApp, type AppOptions } from './api/app';
export { createOffload, type Offload } from './api/offload';
export { NarsolveError, type ErrorCode, type FieldError, type Problem } from './errors';
export { loadConfig, DEFAULT_LIMITS, DEFAULT_TOLERANCES, type Config, type Limits, type Tolerances } from './config';
export { learnedDisabled, loadLearnedSolvers, type LearnedSolvers } from './solvers/learned';
export type { RouteRequest, RouteResponse, MaxflowRequest, MaxflowResponse };
export type { NodeId, GraphInput, EdgeInput } from './graph/types';
export { createStoredGraphs, type StoredGraphs, type GraphView, type StoredAnswerExtras, type ModelCard } from './services/storedGraphs';
export type { FitJob } from './services/fitJobs';
export type { FitReport } from './services/fitting';
export { EmbeddedStore } from './store/embedded';
export type { GraphStore } from './store/types';
export { fromGraphology, writeMaxflow, writeRoute, type GraphologyAttributes, type GraphologyLike } from './graph/graphology';

