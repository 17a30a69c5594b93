/**
 * Stored graphs: register a network once, stream its observations, answer routes and flows on it.
 * A query reads like the whole-body services it ends in: load (the stored edges and the in-memory
 * history) → estimate (each edge's evidence up to `at`) → the same /route or /maxflow service on
 * that graph, so answers, certificates and errors are exactly those of a whole-body request.
 */
import { join } from 'node:path';
import { envName, type Config } from '../config';
import { invalidInput, invalidInputs, NarsolveError, type FieldError, MAX_FIELD_ERRORS } from '../errors';
import { readStoredGraph, storedNodes, type Position, type StoredGraphInput } from '../graph/stored';
import { nodeIndexer } from '../graph/nodeOrder';
import type { NodeId } from '../graph/types';
import { JOB_KEEP_DAYS, PreconditionFailed, QuotaRefused, StoreUnavailable, type Expected, type GraphMeta, type GraphStore, type ObservationKind, type StoreHealth, type StoredGraphBody, type StoredModel } from '../store/types';
import { checkSizeLimits, compactGraph } from '../graph/compact';
import { packageRoot } from '../paths';
import { readModelEntry } from '../solvers/learned/manifest';
import type { CompactGraph, GraphInput } from '../graph/types';
import { StageTimer, withDeadline, type SolveContext } from './context';
import { createFitJobs, type FitJob } from './fitJobs';
import { DEFAULT_FIT_OPTIONS, type FitInput, type FitOptions, type FitReport } from './fitting';
import { estimateAt, LocalClock, TableHours } from './forecast';
import { ObservationHistory } from './history';
import { EdgeSeriesTable } from './series';
import { maxflowOn, type MaxflowRequest, type MaxflowResponse } from './maxflow';
import { routeOn, type RouteRequest, type RouteResponse } from './route';
import { validateBody } from './validation';

/** Graph ids: what a path segment can carry unescaped, and what a log line can show safely. */
export const GRAPH_ID = /^[A-Za-z0-9._-]{1,128}$/;

const DAY_MS = 24 * 60 * 60 * 1000;

/** A stored graph as clients see it. */
export interface GraphView {
  code: 'Ok';
  graphId: string;
  version: number;
  epoch: number;
  nodes: number;
  edges: number;
  retentionDays: number;
  observations: { count: number; latest: string | null };
  created: string;
  updated: string;
}

/** A stored graph's edges as drawn (GET /graphs/{graphId}/edges). */
export interface GraphEdges {
  code: 'Ok';
  graphId: string;
  version: number;
  epoch: number;
  directed: boolean;
  nodes: readonly NodeId[];
  positions: readonly Position[];
  edges: { from: readonly NodeId[]; to: readonly NodeId[]; weight: readonly (number | null)[]; capacity: readonly (number | null)[] };
  /** Per kind and edge: retained observations and the latest one's time (epoch ms). */
  freshness: Record<ObservationKind, { count: number[]; latest: (number | null)[] }>;
  /** Whether a fitted model of each kind is stored (GET /graphs/{graphId}/model has its card). */
  fitted: Record<ObservationKind, boolean>;
}

/** What a stored-graph answer adds to the whole-body one: exactly which graph and evidence it used. */
export interface StoredAnswerExtras {
  graph: { id: string; version: number; epoch: number; at: string };
  /** Edges with no value and no observation up to `at`: left out of routes, capacity 0 in flows. */
  unusableEdges: number;
}

interface Loaded {
  readonly meta: GraphMeta;
  readonly body: StoredGraphBody;
  readonly history: ObservationHistory;
  /** Compact graphs built at this epoch, by kind and time ("latest" for any time after every observation). */
  readonly solved: Map<string, Solvable>;
  /** The history as columns per kind, built on the first fitted query of this epoch. */
  readonly tables: Map<ObservationKind, EdgeSeriesTable>;
  /** Fitted models read from the store, by kind, with the meta's model stamp they were read at. */
  readonly models: Map<ObservationKind, { readonly stamp: number; readonly model: StoredModel | undefined }>;
}

/** A stored graph's own model card (GET /graphs/{graphId}/model). */
export interface ModelCard {
  code: 'Ok';
  graphId: string;
  kind: ObservationKind;
  epoch: number;
  stale: boolean;
  refit: string;
  report: FitReport;
}

/** The refit policy: a model is due for a refit once the history holds this many days past what it was fitted on. */
export const REFIT_AFTER_DAYS = 7;

/** A compact graph ready to solve, and how its edges map back to the registered ones. */
interface Solvable {
  readonly graph: CompactGraph;
  /** The registered index of each edge of the compact graph. */
  readonly kept: number[];
  readonly unusable: number;
  /** When the values are a fitted model's: which, and for which hour. */
  readonly fitted?: { readonly report: FitReport; readonly hour: number };
}

/** Compact graphs kept per loaded graph: the latest evidence for routes and flows, and a few past times. */
const SOLVED_PER_GRAPH = 8;

/** What a query on a stored graph implies: a cold load reads every retained observation, and each query after a batch estimates from them. */
export interface GraphSize {
  readonly edges: number;
  readonly observations: number;
}

/** A fit's input, and the epoch of the history it holds. */
export interface FitRead {
  readonly input: FitInput;
  readonly epoch: number;
}

const sizeOf = (meta: GraphMeta): GraphSize => ({ edges: meta.edges, observations: meta.observations.count });

export type FitReader = (tenant: string, id: string, kind: ObservationKind, options: FitOptions) => Promise<FitRead>;

export interface StoredGraphs {
  register(tenant: string, id: string, request: unknown, expected: Expected): Promise<{ view: GraphView; created: boolean }>;
  describe(tenant: string, id: string): Promise<GraphView>;
  /** The graph's edges, positions and per-edge evidence, for drawing. */
  edges(tenant: string, id: string): Promise<GraphEdges>;
  list(tenant: string): Promise<GraphView[]>;
  remove(tenant: string, id: string, expected: Expected): Promise<void>;
  ingest(tenant: string, id: string, request: unknown): Promise<{ code: 'Ok'; accepted: number; epoch: number }>;
  /** The graph's edges and retained observations as last seen here (read from the store the first time): what a query on it implies. */
  size(tenant: string, id: string): Promise<GraphSize>;
  /** The graph was written elsewhere (the stored-graph worker): its size is read from the store again on the next query. */
  writtenElsewhere(tenant: string, id: string): void;
  route(tenant: string, id: string, request: unknown, context: SolveContext): Promise<RouteResponse & StoredAnswerExtras>;
  maxflow(tenant: string, id: string, request: unknown, context: SolveContext): Promise<MaxflowResponse & StoredAnswerExtras>;
  /**
   * Starts a fit of the graph's history in a worker (202 with the job). What the fit reads is read
   * by `read` (by default here: the stored-graph worker reads a big graph's history instead).
   */
  fit(tenant: string, id: string, request: unknown, read?: FitReader): Promise<FitJob>;
  /** What a fit of `kind` reads when it starts: the graph and its history as columns of their own, and the epoch they are at. */
  fitInput(tenant: string, id: string, kind: ObservationKind, options: FitOptions): Promise<FitRead>;
  fitJob(tenant: string, id: string, jobId: string): Promise<FitJob>;
  model(tenant: string, id: string, kind: string | undefined): Promise<ModelCard>;
  /** Waits for running fits (shutdown, tests). */
  fitsIdle(): Promise<void>;
  /** Whether the store can serve now (/readyz). */
  health(): StoreHealth;
}

/**
 * createStoredGraphs: the stored-graph service over a store. Keeps the histories of the most
 * recently queried graphs in memory (`cacheGraphs` of them), each rebuilt from the store when its
 * epoch moved on elsewhere.
 */
export function createStoredGraphs(store: GraphStore, config: Config, options: { cacheGraphs?: number; now?: () => number; fitWorkers?: number; fitLeaseMs?: number } = {}): StoredGraphs {
  const limits = config.limits;
  const fits = createFitJobs(store.jobs, options.fitWorkers ?? 1, options.fitLeaseMs);
  const now = options.now ?? Date.now;
  const cacheSize = options.cacheGraphs ?? 16;
  const cache = new Map<string, Loaded>();
  // When each graph was last swept for observations past its retention (sweeps read every batch, so at most hourly).
  const swept = new Map<string, number>();
  const PRUNE_EVERY_MS = 60 * 60 * 1000;

  // Each graph's size as last read, so deciding where a query runs costs no read of its own.
  const sizes = new Map<string, GraphSize>();
  const remember = (key: string, meta: GraphMeta): void => {
    if (sizes.size >= 10_000 && !sizes.has(key)) sizes.clear();
    sizes.set(key, sizeOf(meta));
  };
  const existing = async (tenant: string, id: string): Promise<GraphMeta> => {
    checkId(id);
    const meta = await store.get(tenant, id);
    const key = `${tenant}\u0000${id}`;
    if (!meta) {
      sizes.delete(key);
      throw new NarsolveError('GraphNotFound', `no stored graph ${JSON.stringify(id)}; register it with PUT /graphs/${id}`);
    }
    remember(key, meta);
    return meta;
  };

  const load = async (tenant: string, id: string, attempt = 0): Promise<Loaded> => {
    const meta = await existing(tenant, id);
    const key = `${tenant}\u0000${id}`;
    // Another process (the CLI, a replica) may have replaced, recreated or pruned the graph: created and count say so.
    const same = (a: GraphMeta) => a.version === meta.version && a.created === meta.created;
    const current = (a: Loaded): boolean => same(a.meta) && a.history.epoch === meta.epoch && a.meta.observations.count === meta.observations.count;
    let loaded = cache.get(key);
    if (loaded && current(loaded)) {
      if (loaded.meta !== meta) loaded = { ...loaded, meta };
    } else {
      // One rebuild per graph at a time: the history is extended in place, and concurrent queries share the result.
      const rebuilt = await serially(key, async (): Promise<Loaded | undefined> => {
        const cached = cache.get(key);
        if (cached && current(cached)) return cached;
        const old = cached && same(cached.meta) && cached.history.epoch < meta.epoch ? cached : undefined;
        // Only what the meta read counts, so the answer's stamp says exactly which batches it used.
        const upToMeta = (batches: Awaited<ReturnType<GraphStore['batches']>>) => batches.filter((batch) => batch.epoch <= meta.epoch);
        // Same graph, later epoch, only appends since: only the new batches are read; anything else is read whole.
        const body = cached && same(cached.meta) ? cached.body : await store.body(tenant, id);
        // Deleted between reading the meta and the body (another process): as if it had never been there.
        if (!body) throw new NarsolveError('GraphNotFound', `no stored graph ${JSON.stringify(id)}; register it with PUT /graphs/${id}`);
        // Replaced between the two reads: this body is not the version the meta names, so read both again.
        if (body !== cached?.body) {
          const after = await store.get(tenant, id);
          if (!after || !same(after)) return undefined;
        }
        const since = old ? upToMeta(await store.batches(tenant, id, old.history.epoch)) : undefined;
        const appended = since !== undefined && old!.meta.observations.count + since.reduce((total, batch) => total + batch.edge.length, 0) === meta.observations.count;
        const history = appended ? extend(old!.history, since) : ObservationHistory.from(upToMeta(await store.batches(tenant, id)), body.from.length);
        history.epoch = meta.epoch;
        return { meta, body, history, solved: new Map(), tables: new Map(), models: cached && same(cached.meta) ? cached.models : new Map() };
      });
      if (!rebuilt) {
        if (attempt < 3) return load(tenant, id, attempt + 1);
        throw new NarsolveError('StoreUnavailable', `graph ${JSON.stringify(id)} was replaced four times while it was being read; retry`, { extensions: { retryAfterSeconds: 1 } });
      }
      loaded = rebuilt;
    }
    // Most recently used last, so the first is the one to drop.
    cache.delete(key);
    cache.set(key, loaded);
    while (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
    return loaded;
  };

  /** The graph's fitted model of `kind`, read again only when the meta's stamp for it moved. */
  const modelOf = async (tenant: string, id: string, loaded: Loaded, kind: ObservationKind): Promise<StoredModel | undefined> => {
    // No stamps at all: a graph stored before stores stamped models (read each time then).
    if (loaded.meta.models === undefined) return store.model(tenant, id, kind);
    const stamp = loaded.meta.models[kind];
    if (stamp === undefined) return undefined;
    const cached = loaded.models.get(kind);
    if (cached?.stamp === stamp) return cached.model;
    const model = await store.model(tenant, id, kind);
    loaded.models.set(kind, { stamp, model });
    return model;
  };

  const rebuilding = new Map<string, Promise<unknown>>();
  const serially = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const before = rebuilding.get(key) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(work);
    rebuilding.set(key, run);
    void run.catch(() => undefined).finally(() => {
      if (rebuilding.get(key) === run) rebuilding.delete(key);
    });
    return run;
  };

  /** A registration the tenant's quota cannot take, as its problem: 429 for the count of graphs, 413 for the bytes. */
  const quotaProblem = (refused: QuotaRefused, bytes: number): NarsolveError =>
    refused.limit === 'graphs'
      ? new NarsolveError('QuotaExceeded', `this tenant already stores ${limits.maxGraphsPerTenant} graphs (set ${envName('maxGraphsPerTenant')} to change it)`)
      : new NarsolveError('TooBig', `this graph takes ${bytes} bytes; with the tenant's other graphs (${refused.stored} bytes) that passes ${limits.maxStoredBytes} (set ${envName('maxStoredBytes')} to change it)`, { errors: [{ pointer: '/graph', message: 'too large to store' }] });

  const precondition = (error: unknown, id: string): never => {
    if (error instanceof PreconditionFailed) {
      throw new NarsolveError('PreconditionFailed', `graph ${JSON.stringify(id)}: ${error.message}; the request's If-Match or If-None-Match does not hold`, { extensions: { currentVersion: error.current } });
    }
    throw error;
  };

  /** Refuses a batch the graph's retention cannot take; first drops what aged out. */
  const makeRoom = async (tenant: string, id: string, meta: GraphMeta, adding: number): Promise<void> => {
    if (meta.observations.count + adding <= limits.maxRetainedObservations) return;
    if ((await store.prune(tenant, id, now() - meta.retentionDays * DAY_MS)) > 0) cache.delete(`${tenant}\u0000${id}`);
    const after = await existing(tenant, id);
    if (after.observations.count + adding > limits.maxRetainedObservations) {
      throw new NarsolveError('QuotaExceeded', `graph ${JSON.stringify(id)} retains ${after.observations.count} observations; ${adding} more would pass ${limits.maxRetainedObservations} (set ${envName('maxRetainedObservations')}, or a shorter retentionDays, to change it)`);
    }
  };

  const readFit: FitReader = async (tenant, id, kind, options) => {
    const loaded = await load(tenant, id);
    return { input: fitInput(loaded, kind, options, now(), limits.maxObservations), epoch: loaded.meta.epoch };
  };

  /** validate → load → the evidence up to `at` → `solve` on it → the answer, stamped with what it used. */
  const answerById = async <A>(
    tenant: string, id: string, schema: string, kind: ObservationKind, request: unknown, caller: SolveContext,
    solve: (solvable: Solvable, query: { timeoutMs?: number }, context: SolveContext, timer: StageTimer) => Promise<A>,
  ): Promise<A & StoredAnswerExtras> => {
    const timer = new StageTimer();
    const { at: when, estimate, ...query } = validateBody<{ at?: unknown; timeoutMs?: number; estimate?: 'fitted' | 'latest' }>(schema, request);
    const context = withDeadline(caller, query.timeoutMs);
    timer.mark('validate');
    const loaded = await load(tenant, id);
    const at = readAt(when, now());
    const model = estimate === 'latest' ? undefined : await modelOf(tenant, id, loaded, kind);
    const found = model ? fittedSolvable(loaded, kind, at, model.epoch, model.report as FitReport, config) : solvable(loaded, kind, at, config);
    // Building the compact graph and estimating its edges are each tens of milliseconds on a big graph
    // after a batch: between the two, the event loop answers what queued meanwhile (probes first).
    await new Promise((resolve) => setImmediate(resolve));
    // A fitted encoder answers through the learned solver when it is loaded (else auto falls back and says why).
    const encoderServes = found.fitted?.report.estimator.kind === 'encoder' && (query as { solver?: string }).solver === undefined && context.learned[kind === 'cost' ? 'noisyRoutes' : 'noisyCapacities'].model !== undefined;
    const answer = await solve(found, encoderServes ? { ...query, solver: 'learned' } as typeof query : query, context, timer);
    if (found.fitted) describeEstimator(answer as { solver: Record<string, unknown> }, found.fitted.report, found.fitted.hour, loaded.body.timeZone);
    return { ...answer, graph: stamp(loaded.meta, at), unusableEdges: found.unusable };
  };

  return unavailableAs503({
    async register(tenant, id, request, expected) {
      checkId(id);
      const body = validateBody<{ graph: StoredGraphInput; retentionDays?: number; timeZone?: string }>('graph-put-request.json', request);
      // The same limits as a whole-body request, before any work.
      checkSizeLimits(body.graph, limits);
      const { body: read, observations } = readStoredGraph(body.graph, limits);
      if (body.timeZone !== undefined && !LocalClock.valid(body.timeZone)) throw invalidInput('/timeZone', `${JSON.stringify(body.timeZone)} is not an IANA time zone this server knows (Europe/Copenhagen, America/New_York, UTC)`);
      const graph: StoredGraphBody = body.timeZone === undefined ? read : { ...read, timeZone: body.timeZone };
      const nodes = storedNodes(graph).length;
      if (nodes > limits.maxNodes) throw new NarsolveError('TooBig', `node count ${nodes} exceeds the limit of ${limits.maxNodes} (set ${envName('maxNodes')} to change it)`, { errors: [{ pointer: '/graph', message: `at most ${limits.maxNodes} nodes` }] });
      const bytes = Buffer.byteLength(JSON.stringify(graph));
      const at = now();
      // The store checks the quota in the write itself, where racing registrations cannot both pass it.
      const quota = { maxGraphs: limits.maxGraphsPerTenant, maxBytes: limits.maxStoredBytes };
      const result = await store
        .put(tenant, id, graph, { expected, retentionDays: body.retentionDays ?? limits.defaultRetentionDays, bytes, now: at, quota })
        .catch((error) => {
          if (error instanceof QuotaRefused) throw quotaProblem(error, bytes);
          return precondition(error, id);
        });
      for (const { kind, edge, value } of observations) {
        await store.append(tenant, id, { kind, edge: Int32Array.from(edge), value: Float64Array.from(value), time: new Float64Array(edge.length).fill(at) }, { now: at });
      }
      return { view: view((await store.get(tenant, id)) ?? result.meta), created: result.created };
    },

    describe: async (tenant, id) => view(await existing(tenant, id)),

    async edges(tenant, id) {
      const loaded = await load(tenant, id);
      const { meta, body, history } = loaded;
      const freshness = (kind: ObservationKind) => {
        const count = new Array<number>(body.from.length).fill(0);
        const latest = new Array<number | null>(body.from.length).fill(null);
        for (let i = 0; i < body.from.length; i++) {
          const series = history.series(kind, i);
          if (!series || series.times.length === 0) continue;
          count[i] = series.times.length;
          latest[i] = series.times[series.times.length - 1];
        }
        return { count, latest };
      };
      return {
        code: 'Ok', graphId: meta.id, version: meta.version, epoch: meta.epoch, directed: body.directed,
        nodes: storedNodes(body), positions: body.positions ?? [],
        edges: { from: body.from, to: body.to, weight: body.weight, capacity: body.capacity },
        freshness: { cost: freshness('cost'), capacity: freshness('capacity') },
        fitted: { cost: (await modelOf(tenant, id, loaded, 'cost')) !== undefined, capacity: (await modelOf(tenant, id, loaded, 'capacity')) !== undefined },
      };
    },

    list: async (tenant) => (await store.list(tenant)).map(view),

    async remove(tenant, id, expected) {
      await existing(tenant, id);
      await store.delete(tenant, id, expected).catch((error) => precondition(error, id));
      cache.delete(`${tenant}\u0000${id}`);
    },

    async ingest(tenant, id, request) {
      const meta = await existing(tenant, id);
      const body = validateBody<{ observations: { edge: unknown[]; value: unknown[]; time?: unknown[] }; kind?: ObservationKind }>('observations-request.json', request);
      const batch = readBatch(body.observations, meta.edges, now(), limits.maxObservationBatch);
      await makeRoom(tenant, id, meta, batch.edge.length);
      const after = await store.append(tenant, id, { kind: body.kind ?? 'cost', ...batch }, { now: now() }).catch((error) => precondition(error, id));
      const key = `${tenant}\u0000${id}`;
      // The next query here runs where the history it now has implies.
      remember(key, after);
      if (now() - (swept.get(key) ?? 0) >= PRUNE_EVERY_MS) {
        swept.set(key, now());
        // Pruned batches are gone from the store; the history in memory must forget them too.
        if ((await store.prune(tenant, id, now() - after.retentionDays * DAY_MS)) > 0) cache.delete(key);
      }
      return { code: 'Ok', accepted: batch.edge.length, epoch: after.epoch };
    },

    size: async (tenant, id) => sizes.get(`${tenant}\u0000${id}`) ?? sizeOf(await existing(tenant, id)),

    writtenElsewhere: (tenant, id) => {
      sizes.delete(`${tenant}\u0000${id}`);
    },

    route: (tenant, id, request, caller) =>
      answerById(tenant, id, 'stored-route-request.json', 'cost', request, caller, async (solvable, query, context, timer) => {
        const answer = await routeOn(solvable.graph, query as Omit<RouteRequest, 'graph'>, context, timer);
        remapRoute(answer, solvable.kept);
        return answer;
      }),

    maxflow: (tenant, id, request, caller) =>
      answerById(tenant, id, 'stored-maxflow-request.json', 'capacity', request, caller, (solvable, query, context, timer) => maxflowOn(solvable.graph, query as Omit<MaxflowRequest, 'graph'>, context, timer)),

    async fit(tenant, id, request, read = readFit) {
      const meta = await existing(tenant, id);
      const body = validateBody<{ kind?: ObservationKind; validationDays?: number; seed?: number }>('fit-request.json', request ?? {});
      const kind = body.kind ?? 'cost';
      const options = { ...DEFAULT_FIT_OPTIONS, ...(body.validationDays !== undefined && { validationDays: body.validationDays }), ...(body.seed !== undefined && { seed: body.seed }) };
      // What the fit reads is taken when it starts (a queued fit sees the batches that arrived while it waited).
      let epoch = meta.epoch;
      return fits.start(`${tenant}\u0000${id}`, kind, async () => {
        const started = await read(tenant, id, kind, options);
        epoch = started.epoch;
        return started.input;
      }, (report) => store.putModel(tenant, id, kind, { graphCreated: meta.created, epoch, report }));
    },

    fitInput: (tenant, id, kind, options) => readFit(tenant, id, kind, options),

    async fitJob(tenant, id, jobId) {
      await existing(tenant, id);
      const job = await fits.get(`${tenant}\u0000${id}`, jobId);
      if (!job) throw new NarsolveError('FitNotFound', `graph ${JSON.stringify(id)} has no fit job ${JSON.stringify(jobId)} (jobs are kept in the store for ${JOB_KEEP_DAYS} days)`);
      return job;
    },

    async model(tenant, id, kindParam) {
      const meta = await existing(tenant, id);
      if (kindParam !== undefined && kindParam !== 'cost' && kindParam !== 'capacity') throw invalidInput('/kind', 'must be cost or capacity');
      const kind = (kindParam ?? 'cost') as ObservationKind;
      const model = await store.model(tenant, id, kind);
      if (!model) throw new NarsolveError('ModelNotFitted', `graph ${JSON.stringify(id)} has no fitted ${kind} model yet; start one with POST /graphs/${id}/fit`);
      const report = model.report as FitReport;
      const past = meta.observations.latest === null ? 0 : (meta.observations.latest - Date.parse(report.data.to)) / DAY_MS;
      const stale = past >= REFIT_AFTER_DAYS;
      return {
        code: 'Ok', graphId: id, kind, epoch: model.epoch, stale,
        refit: `refit once the history holds ${REFIT_AFTER_DAYS} days past the fitted data (queries already read the latest history; a refit re-chooses and refits the regression); it holds ${Math.max(0, past).toFixed(1)}`,
        report,
      };
    },

    fitsIdle: () => fits.idle(),
    health: () => store.health(),
  });
}

/** A store that cannot be reached answers 503 StoreUnavailable with Retry-After, whatever the operation. */
function unavailableAs503(service: StoredGraphs): StoredGraphs {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(service) as [string, (...args: unknown[]) => unknown][]) {
    // The synchronous ones (health, writtenElsewhere) never reach the store.
    wrapped[name] = (...args: unknown[]) => {
      const result = method(...args);
      if (!(result instanceof Promise)) return result;
      return result.catch((error: unknown) => {
        if (!(error instanceof StoreUnavailable)) throw error;
        throw new NarsolveError('StoreUnavailable', `the graph store cannot be reached (${error.reason}); nothing was stored by this request`, { extensions: { retryAfterSeconds: 1 } });
      });
    };
  }
  return wrapped as unknown as StoredGraphs;
}

/** What a fit worker reads: the graph's structure and its history of `kind` as columns. */
function fitInput(loaded: Loaded, kind: ObservationKind, options: FitOptions, fittedAt: number, maxObservations: number): FitInput {
  const { body } = loaded;
  const nodes = storedNodes(body);
  const index = nodeIndexer(nodes);
  const known = (kind === 'cost' ? body.weight : body.capacity).map((x) => (x === null ? NaN : x));
  return {
    kind,
    nodes: nodes.length,
    directed: body.directed,
    from: Int32Array.from(body.from, (v) => index(v)!),
    to: Int32Array.from(body.to, (v) => index(v)!),
    known: Float64Array.from(known),
    series: EdgeSeriesTable.fromHistory(loaded.history, kind).columns,
    timeZone: body.timeZone ?? 'UTC',
    options,
    fittedAt,
    ...encoderFor(kind, maxObservations),
  };
}

/** The package's served encoder for a kind, as a fit candidate, when its file checks out (a fit without it compares the rest). */
function encoderFor(kind: ObservationKind, maxObservations: number): Pick<FitInput, 'encoder'> {
  const found = readModelEntry(join(packageRoot(), 'models'), kind === 'cost' ? 'noisyRoutes' : 'noisyCapacities');
  return 'model' in found ? { encoder: { path: found.model.path, hidden: found.model.hidden, maxObservations } } : {};
}

/**
 * The compact graph a query at `at` solves on a fitted model: each edge's registered value, else the
 * model's estimate for the local hour of `at` from observations before that hour (cached per hour).
 */
function fittedSolvable(loaded: Loaded, kind: ObservationKind, at: number, modelEpoch: number, report: FitReport, config: Config): Solvable {
  const clock = new LocalClock(loaded.body.timeZone ?? 'UTC');
  const hour = clock.hourOf(at);
  // The encoder reads each edge's latest observations, as an unfitted query does; it answers as the learned solver.
  if (report.estimator.kind === 'encoder') return { ...solvable(loaded, kind, at, config), fitted: { report, hour: clock.startOf(hour) } };
  const key = `fitted:${kind}:${modelEpoch}:${report.fittedAt}:${hour}`;
  let found = loaded.solved.get(key);
  if (found) return found;
  let table = loaded.tables.get(kind);
  if (!table) loaded.tables.set(kind, (table = EdgeSeriesTable.fromHistory(loaded.history, kind)));
  const estimates = estimateAt(report.estimator, new TableHours(table, clock), hour);
  const { body } = loaded;
  const knownValues = kind === 'cost' ? body.weight : body.capacity;
  const from: NodeId[] = [];
  const to: NodeId[] = [];
  const values: number[] = [];
  const kept: number[] = [];
  let unusable = 0;
  for (let e = 0; e < body.from.length; e++) {
    const value = knownValues[e] ?? (estimates[e] >= 0 ? estimates[e] : undefined);
    if (value === undefined) {
      unusable++;
      if (kind === 'cost') continue;
    }
    from.push(body.from[e]);
    to.push(body.to[e]);
    kept.push(e);
    values.push(value ?? 0);
  }
  const field = kind === 'cost' ? 'weight' : 'capacity';
  const input = { directed: body.directed, nodes: storedNodes(body), edges: { from, to, [field]: values } };
  found = { graph: compactGraph(input as unknown as GraphInput, field, config.limits), kept, unusable, fitted: { report, hour: clock.startOf(hour) } };
  if (loaded.solved.size >= SOLVED_PER_GRAPH) loaded.solved.delete([...loaded.solved.keys()].find((k) => !k.endsWith(':latest'))!);
  loaded.solved.set(key, found);
  return found;
}

/** A fitted answer's solver report: which estimator gave the values, for which hour, and how it validated. */
function describeEstimator(answer: { solver: Record<string, unknown> }, report: FitReport, hourStart: number, timeZone: string | undefined): void {
  const chosen = report.candidates.find((c) => c.name === report.chosen)!;
  const classical = report.candidates.filter((c) => c.name !== 'regression').reduce((a, b) => (b.meanRegret < a.meanRegret ? b : a));
  answer.solver.algorithm = `${answer.solver.algorithm} on the graph's fitted ${report.chosen} estimate for the local hour from ${iso(hourStart)} (${timeZone ?? 'UTC'})`;
  answer.solver.estimator = {
    name: report.chosen,
    description: chosen.description,
    hour: iso(hourStart),
    fittedAt: report.fittedAt,
    validation: { meanRegret: chosen.meanRegret, p95Regret: chosen.p95Regret, bestClassical: { name: classical.name, meanRegret: classical.meanRegret } },
  };
}

function extend(history: ObservationHistory, batches: Awaited<ReturnType<GraphStore['batches']>>): ObservationHistory {
  for (const batch of batches) if (batch.epoch > history.epoch) history.add(batch);
  return history;
}

function checkId(id: string): void {
  if (!GRAPH_ID.test(id)) throw invalidInput('/graphId', 'a graph id is 1 to 128 characters of A-Z, a-z, 0-9, ".", "_" and "-"');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function view(meta: GraphMeta): GraphView {
  return {
    code: 'Ok',
    graphId: meta.id,
    version: meta.version,
    epoch: meta.epoch,
    nodes: meta.nodes,
    edges: meta.edges,
    retentionDays: meta.retentionDays,
    observations: { count: meta.observations.count, latest: meta.observations.latest === null ? null : iso(meta.observations.latest) },
    created: iso(meta.created),
    updated: iso(meta.updated),
  };
}

function stamp(meta: GraphMeta, at: number): StoredAnswerExtras['graph'] {
  return { id: meta.id, version: meta.version, epoch: meta.epoch, at: iso(at) };
}

/** An ISO 8601 date-time (with a zone or Z), or epoch milliseconds. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/** A time as epoch ms, or undefined when it is not one. */
function readTime(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && Math.abs(value) <= 8.64e15 ? value : undefined;
  if (typeof value !== 'string' || !ISO_8601.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function readAt(value: unknown, now: number): number {
  if (value === undefined) return now;
  const at = readTime(value);
  if (at === undefined) throw invalidInput('/at', 'must be an ISO 8601 date-time (2026-12-02T08:00:00Z) or epoch milliseconds');
  return at;
}

/** A batch's columns, checked row by row; nothing is stored if any row is bad. */
function readBatch(columns: { edge: unknown[]; value: unknown[]; time?: unknown[] }, edges: number, arrival: number, maxBatch: number) {
  const n = columns.edge.length;
  if (n > maxBatch) {
    throw new NarsolveError('TooBig', `the batch has ${n} observations; the limit is ${maxBatch} (set ${envName('maxObservationBatch')} to change it)`, { errors: [{ pointer: '/observations/edge', message: `at most ${maxBatch} rows` }] });
  }
  const errors: FieldError[] = [];
  const add = (pointer: string, message: string) => {
    if (errors.length < MAX_FIELD_ERRORS) errors.push({ pointer, message });
  };
  for (const key of ['value', 'time'] as const) {
    const column = columns[key];
    if (column !== undefined && column.length !== n) add(`/observations/${key}`, `must have one entry per row: /observations/edge has ${n}, this column ${column.length}`);
  }
  if (errors.length) throw invalidInputs(errors);
  const edge = new Int32Array(n);
  const value = new Float64Array(n);
  const time = new Float64Array(n);
  for (let i = 0; i < n && errors.length < MAX_FIELD_ERRORS; i++) {
    const e = columns.edge[i];
    if (!Number.isInteger(e) || (e as number) < 0 || (e as number) >= edges) add(`/observations/edge/${i}`, `must be the index of a registered edge (0 to ${edges - 1})`);
    else edge[i] = e as number;
    const x = columns.value[i];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) add(`/observations/value/${i}`, 'must be a finite number >= 0');
    else value[i] = x;
    const t = columns.time === undefined ? arrival : readTime(columns.time[i]);
    if (t === undefined) add(`/observations/time/${i}`, 'must be an ISO 8601 date-time or epoch milliseconds');
    else time[i] = t;
  }
  if (errors.length) throw invalidInputs(errors);
  return { edge, value, time };
}

/**
 * The compact graph a query at `at` solves, built once per epoch: every time after the latest
 * observation sees the same evidence, so those queries share one graph (and its decoded costs).
 */
function solvable(loaded: Loaded, kind: ObservationKind, at: number, config: Config): Solvable {
  const latest = loaded.meta.observations.latest;
  const key = `${kind}:${latest === null || at >= latest ? 'latest' : at}`;
  let found = loaded.solved.get(key);
  if (!found) {
    const { graph, kept, unusable } = solveGraph(loaded, kind, at, config.limits.maxObservations);
    found = { graph: compactGraph(graph as unknown as GraphInput, kind === 'cost' ? 'weight' : 'capacity', config.limits), kept, unusable };
    if (loaded.solved.size >= SOLVED_PER_GRAPH) loaded.solved.delete([...loaded.solved.keys()].find((k) => !k.endsWith(':latest'))!);
    loaded.solved.set(key, found);
  }
  return found;
}

const NONE = new Float64Array(0);

/**
 * The whole-body graph a query at `at` solves: each edge's registered value, else its latest
 * observations up to `at`; an edge with neither is left out of a route (kept lists the registered
 * index of each edge sent) and has capacity 0 in a flow.
 */
function solveGraph({ body, history }: Loaded, kind: ObservationKind, at: number, perEdge: number) {
  const m = body.from.length;
  const known = kind === 'cost' ? body.weight : body.capacity;
  const from: NodeId[] = [];
  const to: NodeId[] = [];
  const values: (number | null)[] = [];
  // Views into the history's columns: no copy per edge (the compact graph packs them once).
  const lists: (Float64Array | null)[] = [];
  const kept: number[] = [];
  let unusable = 0;
  let anyList = false;
  for (let e = 0; e < m; e++) {
    const value = known[e];
    const list = value === null ? history.upTo(kind, e, at, perEdge) : NONE;
    if (value === null && list.length === 0) {
      unusable++;
      if (kind === 'cost') continue;
    }
    from.push(body.from[e]);
    to.push(body.to[e]);
    kept.push(e);
    values.push(value ?? (list.length ? null : 0));
    lists.push(list.length ? list : null);
    if (list.length) anyList = true;
  }
  const field = kind === 'cost' ? 'weight' : 'capacity';
  const edges: Record<string, unknown[]> = { from, to, [field]: values };
  if (anyList) edges[kind === 'cost' ? 'observations' : 'capacityObservations'] = lists;
  return { graph: { directed: body.directed, nodes: storedNodes(body), edges }, kept, unusable };
}

/** A route answer's edge indices, from the edges sent back to the registered ones. */
function remapRoute(answer: RouteResponse, kept: number[]): void {
  const back = (e: number) => kept[e];
  const a = answer as unknown as Record<string, any>;
  if (Array.isArray(a.pathEdges)) a.pathEdges = a.pathEdges.map(back);
  if (a.tree?.predecessorEdge) {
    for (const [node, e] of Object.entries(a.tree.predecessorEdge)) a.tree.predecessorEdge[node] = e === null ? null : back(e as number);
  }
  for (const key of ['learnedRoute', 'classicalRoute']) {
    const route = a.solver?.noisy?.[key];
    if (route) route.pathEdges = route.pathEdges.map(back);
  }
}
