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
import { loadConfig, resolveConfig, type Config, type Limits, type Tolerances } from './config';
import { solveMaxflow as solveMaxflowWith, type MaxflowRequest, type MaxflowResponse } from './services/maxflow';
import { solveRoute as solveRouteWith, type RouteRequest, type RouteResponse } from './services/route';
import type { SolveContext } from './services/context';
import { loadLearnedSolvers, type LearnedSolvers } from './solvers/learned';
import type { FitJob } from './services/fitJobs';
import { createStoredGraphs, type GraphView, type ModelCard, type StoredAnswerExtras } from './services/storedGraphs';
import { EmbeddedStore } from './store/embedded';
import { OPEN_TENANT } from './api/graphs';
import { fromGraphology, isGraphology, type GraphologyAttributes, type GraphologyLike } from './graph/graphology';

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

/** A request whose graph may be a graphology Graph instead of the JSON one. */
export type WithGraphology<R> = R extends { graph: unknown } ? Omit<R, 'graph'> & { graph: R['graph'] | GraphologyLike } : R;

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
  /** For a graphology graph: which attributes hold weights, capacities and observations (default: the JSON field names). */
  attributes?: GraphologyAttributes;
}

/** The request with a graphology graph read into its JSON graph; anything else as it is. */
function readGraph<R>(request: R, options: SolveOptions): R {
  const graph = (request as { graph?: unknown } | null)?.graph;
  return isGraphology(graph) ? ({ ...request, graph: fromGraphology(graph, options.attributes) } as R) : request;
}

let shared: Promise<LearnedSolvers> | undefined;

/** The package's models, loaded once, on the first call that needs them. */
function sharedLearned(): Promise<LearnedSolvers> {
  shared ??= loadLearnedSolvers({ keepAlive: false });
  return shared;
}

function configFor(options: SolveOptions): Config {
  const fromEnv = loadConfig();
  return resolveConfig({ limits: { ...fromEnv.limits, ...options.limits }, tolerances: { ...fromEnv.tolerances, ...options.tolerances } });
}

async function contextFor(options: SolveOptions): Promise<SolveContext> {
  return { config: configFor(options), learned: options.learned ?? (await sharedLearned()) };
}

/** Shortest path (or tree) for a POST /route body; resolves to the same JSON the server answers. */
export async function solveRoute(request: WithGraphology<RouteRequest>, options: SolveOptions = {}): Promise<RouteResponse> {
  return solveRouteWith(readGraph(request, options) as RouteRequest, await contextFor(options));
}

/** Maximum flow and minimum cut for a POST /maxflow body; resolves to the same JSON the server answers. */
export async function solveMaxflow(request: WithGraphology<MaxflowRequest>, options: SolveOptions = {}): Promise<MaxflowResponse> {
  return solveMaxflowWith(readGraph(request, options) as MaxflowRequest, await contextFor(options));
}

/** Stored graphs in a data folder, for one tenant: the operations of the /graphs endpoints. */
export interface Graphs {
  /** PUT /graphs/{id}: the body is {"graph": …} as for the server (or a graphology Graph as the graph); `expected` is If-Match ({version}) or If-None-Match ({absent: true}). */
  put(id: string, body: unknown, expected?: { version: number } | { absent: true }): Promise<{ view: GraphView; created: boolean }>;
  get(id: string): GraphView;
  list(): GraphView[];
  delete(id: string, expected?: { version: number }): Promise<void>;
  /** POST /graphs/{id}/observations. */
  observe(id: string, body: unknown): Promise<{ code: 'Ok'; accepted: number; epoch: number }>;
  route(id: string, body: unknown): Promise<RouteResponse & StoredAnswerExtras>;
  maxflow(id: string, body: unknown): Promise<MaxflowResponse & StoredAnswerExtras>;
  /** POST /graphs/{id}/fit, waited for: the finished job (state done with its report, or failed with the reason). */
  fit(id: string, body?: unknown): Promise<FitJob>;
  /** GET /graphs/{id}/model: the graph's own model card (kind cost or capacity). */
  model(id: string, kind?: 'cost' | 'capacity'): ModelCard;
  close(): Promise<void>;
}

/**
 * openGraphs: the embedded store in `dataDir` (default NARSOLVE_DATA_DIR, else ./narsolve-data), as
 * the server opens it; a server may have the same folder open at the same time.
 */
export async function openGraphs(options: SolveOptions & { dataDir?: string; tenant?: string } = {}): Promise<Graphs> {
  const store = new EmbeddedStore(options.dataDir ?? (process.env.NARSOLVE_DATA_DIR?.trim() || 'narsolve-data'));
  const graphs = createStoredGraphs(store, configFor(options));
  const tenant = options.tenant ?? OPEN_TENANT;
  return {
    put: (id, body, expected) => graphs.register(tenant, id, readGraph(body, options), expected),
    get: (id) => graphs.describe(tenant, id),
    list: () => graphs.list(tenant),
    delete: (id, expected) => graphs.remove(tenant, id, expected),
    observe: (id, body) => graphs.ingest(tenant, id, body),
    // Only the solves need the models: listing or registering never loads them.
    route: async (id, body) => graphs.route(tenant, id, body, await contextFor(options)),
    maxflow: async (id, body) => graphs.maxflow(tenant, id, body, await contextFor(options)),
    fit: async (id, body) => {
      const job = graphs.fit(tenant, id, body ?? {});
      await graphs.fitsIdle();
      return graphs.fitJob(tenant, id, job.id);
    },
    model: (id, kind) => graphs.model(tenant, id, kind),
    close: async () => {
      await graphs.fitsIdle();
      await store.close();
    },
  };
}
