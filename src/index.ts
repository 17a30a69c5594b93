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
import type * as AppModule from './api/app';
import type * as OffloadModule from './api/offload';
import type * as StoredGraphsModule from './services/storedGraphs';
import type * as EmbeddedModule from './store/embedded';
import type { MaxflowRequest, MaxflowResponse } from './services/maxflow';
import type { RouteRequest, RouteResponse } from './services/route';

export { openGraphs, solveMaxflow, solveRoute, type Graphs, type SolveOptions, type WithGraphology } from './library';

// The HTTP stack (express, pino, prom-client), the worker pool and LMDB are required when first used:
// a script that only solves does not pay the 200 ms they take to load (bench:first-call).
/* eslint-disable @typescript-eslint/no-require-imports */
export const createApp: typeof AppModule.createApp = (options) => (require('./api/app') as typeof AppModule).createApp(options);
export const createOffload: typeof OffloadModule.createOffload = (options) => (require('./api/offload') as typeof OffloadModule).createOffload(options);
export const createStoredGraphs: typeof StoredGraphsModule.createStoredGraphs = (...args) => (require('./services/storedGraphs') as typeof StoredGraphsModule).createStoredGraphs(...args);
export declare const EmbeddedStore: typeof EmbeddedModule.EmbeddedStore;
export type EmbeddedStore = EmbeddedModule.EmbeddedStore;
Object.defineProperty(exports, 'EmbeddedStore', { enumerable: true, get: () => (require('./store/embedded') as typeof EmbeddedModule).EmbeddedStore });
/* eslint-enable @typescript-eslint/no-require-imports */
export type { AppOptions } from './api/app';
export type { Offload } from './api/offload';
export { NarsolveError, type ErrorCode, type FieldError, type Problem } from './errors';
export { loadConfig, DEFAULT_LIMITS, DEFAULT_TOLERANCES, type Config, type Limits, type Tolerances } from './config';
export { learnedDisabled, loadLearnedSolvers, type LearnedSolvers } from './solvers/learned';
export type { RouteRequest, RouteResponse, MaxflowRequest, MaxflowResponse };
export type { NodeId, GraphInput, EdgeInput } from './graph/types';
export type { StoredGraphs, GraphView, StoredAnswerExtras, ModelCard } from './services/storedGraphs';
export type { FitJob } from './services/fitJobs';
export type { FitReport } from './services/fitting';
export type { GraphStore } from './store/types';
export { fromGraphology, writeMaxflow, writeRoute, type GraphologyAttributes, type GraphologyLike } from './graph/graphology';

