/**
 * The library calls: solveRoute, solveMaxflow and openGraphs, the same JSON in and out as the HTTP
 * API. Apart from src/index.ts (which adds the server's pieces) so that the CLI loads no HTTP stack,
 * and no store until a `graphs` command opens one.
 */
import { loadConfig, resolveConfig, type Config, type Limits, type Tolerances } from './config';
import type { MaxflowRequest, MaxflowResponse } from './services/maxflow';
import { solveRoute as solveRouteWith, type RouteRequest, type RouteResponse } from './services/route';
import type { SolveContext } from './services/context';
import { learnedNotLoaded, loadLearnedSolvers, type LearnedSolvers } from './solvers/learned';
import type { FitJob } from './services/fitJobs';
import type { GraphView, ModelCard, StoredAnswerExtras } from './services/storedGraphs';
import { OPEN_TENANT } from './store/types';
import { fromGraphology, isGraphology, type GraphologyAttributes, type GraphologyLike } from './graph/graphology';
import { OBSERVATIONS_OF } from './graph/types';

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

/**
 * The context a call solves in. Without `learned`, the package's models load on the first call that
 * needs them; a request the exact solver answers alone, as the served specs decide (solver
 * "classical", or "auto" on plain weights or capacities while serving.auto is false), is answered
 * at once with the same answer, without loading them.
 */
async function contextFor(options: SolveOptions, request?: { kind: 'route' | 'maxflow'; body: unknown }): Promise<SolveContext> {
  if (options.learned) return { config: configFor(options), learned: options.learned };
  if (request && !needsModels(request.kind, request.body)) return { config: configFor(options), learned: learnedNotLoaded() };
  return { config: configFor(options), learned: await sharedLearned() };
}

/** The edge field whose lists send a request down the observation encoders' path. */
const OBSERVED = { route: OBSERVATIONS_OF.weight, maxflow: OBSERVATIONS_OF.capacity } as const;

/**
 * Whether a request could be answered by a model: solver learned; auto with any edge naming the
 * kind's observations (whatever their value: the validator and the services judge them); or auto
 * where the served spec would run the processor. Anything it cannot read needs the models, so the
 * answer (or the problem) is the server's.
 */
function needsModels(kind: 'route' | 'maxflow', body: unknown): boolean {
  const request = body as { solver?: unknown; graph?: { edges?: unknown } } | null;
  if (request?.solver === 'classical') return false;
  if (request?.solver !== undefined && request.solver !== 'auto') return true;
  const edges = request?.graph?.edges;
  const field = OBSERVED[kind];
  if (Array.isArray(edges)) {
    if (edges.some((edge) => edge === null || typeof edge !== 'object' || field in edge)) return true;
  } else if (edges === null || typeof edges !== 'object' || field in edges) return true;
  return learnedNotLoaded()[kind].declaredAuto !== false;
}

/** Shortest path (or tree) for a POST /route body; resolves to the same JSON the server answers. */
export async function solveRoute(request: WithGraphology<RouteRequest>, options: SolveOptions = {}): Promise<RouteResponse> {
  const body = readGraph(request, options) as RouteRequest;
  return solveRouteWith(body, await contextFor(options, { kind: 'route', body }));
}

/** Maximum flow and minimum cut for a POST /maxflow body; resolves to the same JSON the server answers. */
export async function solveMaxflow(request: WithGraphology<MaxflowRequest>, options: SolveOptions = {}): Promise<MaxflowResponse> {
  const body = readGraph(request, options) as MaxflowRequest;
  // Required on first use: a process that only routes (most CLI calls) never loads the flow solvers.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { solveMaxflow: solveMaxflowWith } = require('./services/maxflow') as typeof import('./services/maxflow');
  return solveMaxflowWith(body, await contextFor(options, { kind: 'maxflow', body }));
}

/** Stored graphs in a data folder, for one tenant: the operations of the /graphs endpoints. */
export interface Graphs {
  /** PUT /graphs/{id}: the body is {"graph": …} as for the server (or a graphology Graph as the graph); `expected` is If-Match ({version}) or If-None-Match ({absent: true}). */
  put(id: string, body: unknown, expected?: { version: number } | { absent: true }): Promise<{ view: GraphView; created: boolean }>;
  get(id: string): Promise<GraphView>;
  list(): Promise<GraphView[]>;
  delete(id: string, expected?: { version: number }): Promise<void>;
  /** POST /graphs/{id}/observations. */
  observe(id: string, body: unknown): Promise<{ code: 'Ok'; accepted: number; epoch: number }>;
  route(id: string, body: unknown): Promise<RouteResponse & StoredAnswerExtras>;
  maxflow(id: string, body: unknown): Promise<MaxflowResponse & StoredAnswerExtras>;
  /** POST /graphs/{id}/fit, waited for: the finished job (state done with its report, or failed with the reason). */
  fit(id: string, body?: unknown): Promise<FitJob>;
  /** GET /graphs/{id}/model: the graph's own model card (kind cost or capacity). */
  model(id: string, kind?: 'cost' | 'capacity'): Promise<ModelCard>;
  close(): Promise<void>;
}

/**
 * openGraphs: the embedded store in `dataDir` (default NARSOLVE_DATA_DIR, else ./narsolve-data), as
 * the server opens it (a server may have the same folder open at the same time); or, with `store`
 * (default NARSOLVE_STORE) a redis:// URL, the shared store the server's replicas use.
 */
export async function openGraphs(options: SolveOptions & { dataDir?: string; store?: string; tenant?: string } = {}): Promise<Graphs> {
  // Loaded here, not at require: a process that only solves bodies never opens LMDB or Redis.
  const [{ openStore }, { createStoredGraphs }] = await Promise.all([import('./store/open'), import('./services/storedGraphs')]);
  const shared = options.store ?? (process.env.NARSOLVE_STORE?.trim() || undefined);
  const store = await openStore({ store: shared === 'embedded' ? undefined : shared, dataDir: options.dataDir ?? (process.env.NARSOLVE_DATA_DIR?.trim() || 'narsolve-data') });
  // Not yet reachable: each call answers StoreUnavailable until it is.
  await store.ready(5_000).catch(() => undefined);
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
      const job = await graphs.fit(tenant, id, body ?? {});
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
