/**
 * Where stored graphs and their observation history live. The services see only this interface;
 * the embedded store (LMDB, on disk) implements it, and a shared store for many replicas is a second
 * implementation of the same methods.
 */
import type { ObservationKind, StoredGraphBody } from '../graph/stored';

export type { ObservationKind, StoredGraphBody } from '../graph/stored';

/** The tenant every graph belongs to when no API keys are configured (the server's, the CLI's and the library's). */
export const OPEN_TENANT = 'open';

/** What is known about a stored graph without reading its edges. */
export interface GraphMeta {
  readonly id: string;
  /** 1 on creation, +1 on every replace. */
  readonly version: number;
  /** +1 on every accepted observation batch (never reset, so a cache keyed by it is never stale). */
  readonly epoch: number;
  readonly nodes: number;
  readonly edges: number;
  /** The stored graph's size in bytes (what the tenant's byte limit counts). */
  readonly bytes: number;
  /** How long observations are kept, in days. */
  readonly retentionDays: number;
  readonly observations: { readonly count: number; readonly latest: number | null };
  readonly created: number;
  readonly updated: number;
  /** Per kind, +1 each time a fitted model is stored: a cached model is current while this is unchanged (absent: none yet). */
  readonly models?: Partial<Record<ObservationKind, number>>;
}

/** One accepted batch of observations, as columns. */
export interface ObservationBatch {
  readonly epoch: number;
  readonly kind: ObservationKind;
  readonly edge: Int32Array;
  readonly value: Float64Array;
  /** Epoch milliseconds. */
  readonly time: Float64Array;
}

/** A write's precondition: the version it expects (If-Match), that the graph exists (If-Match: *), or that it must not (If-None-Match: *). */
export type Expected = { readonly version: number } | { readonly present: true } | { readonly absent: true } | undefined;

/** Thrown when a write's precondition does not hold; `current` is the version found (0: none). */
export class PreconditionFailed extends Error {
  constructor(readonly current: number) {
    super(current === 0 ? 'the graph does not exist' : `the graph is at version ${current}`);
    this.name = 'PreconditionFailed';
  }
}

/** What one tenant may store; a put checks it in the same atomic write as its effects, so racing puts cannot pass it. */
export interface TenantQuota {
  readonly maxGraphs: number;
  readonly maxBytes: number;
}

/** Thrown by a put the tenant's quota cannot take: a new graph past `maxGraphs` (`stored` graphs), or `bytes` past `maxBytes` (`stored` bytes in the tenant's other graphs). */
export class QuotaRefused extends Error {
  constructor(
    readonly limit: 'graphs' | 'bytes',
    readonly stored: number,
  ) {
    super(limit === 'graphs' ? `the tenant stores ${stored} graphs` : `the tenant's other graphs take ${stored} bytes`);
    this.name = 'QuotaRefused';
  }
}

/** A fitted model as stored: what serves and the report it was chosen by (services/fitting.ts). */
export interface StoredModel {
  /** The graph's `created` time when the fit started: a model never outlives its graph. */
  readonly graphCreated: number;
  /** The graph's epoch the fit read (its history up to that batch). */
  readonly epoch: number;
  readonly report: unknown;
}

/** Whether the store can serve now (/readyz); a shared store says why not while it is unreachable. */
export interface StoreHealth {
  readonly kind: 'embedded' | 'redis';
  readonly ready: boolean;
  readonly reason?: string;
}

export interface PutOptions {
  readonly expected: Expected;
  readonly retentionDays: number;
  /** The body's size as the quota counts it. */
  readonly bytes: number;
  readonly now: number;
  readonly quota: TenantQuota;
}

/**
 * Every method may reject with StoreUnavailable (a shared store that cannot be reached); a write
 * that rejected so was not acknowledged.
 */
export interface GraphStore {
  /** The tenant's graphs, by id. */
  list(tenant: string): Promise<GraphMeta[]>;
  get(tenant: string, id: string): Promise<GraphMeta | undefined>;
  /** The stored edges of the graph's current version. */
  body(tenant: string, id: string): Promise<StoredGraphBody | undefined>;
  /** Creates or replaces a graph (history is kept: it is by edge index); resolves once durable. Throws PreconditionFailed, or QuotaRefused (checked after the precondition). */
  put(tenant: string, id: string, body: StoredGraphBody, options: PutOptions): Promise<{ meta: GraphMeta; created: boolean }>;
  /** Deletes a graph and its history; false when there was none. Throws PreconditionFailed. */
  delete(tenant: string, id: string, expected: Expected): Promise<boolean>;
  /** Appends one batch; resolves with the new epoch once durable. */
  append(tenant: string, id: string, batch: Omit<ObservationBatch, 'epoch'>, options: { now: number }): Promise<GraphMeta>;
  /** The graph's retained batches after epoch `after` (default: all), oldest first. */
  batches(tenant: string, id: string, after?: number): Promise<ObservationBatch[]>;
  /** Drops batches whose every observation is older than `before` (epoch ms); returns how many observations went. */
  prune(tenant: string, id: string, before: number): Promise<number>;
  /** The graph's fitted model of `kind`, if any. */
  model(tenant: string, id: string, kind: ObservationKind): Promise<StoredModel | undefined>;
  /** Stores a fitted model once durable; false (nothing stored) when the graph was deleted or recreated meanwhile. */
  putModel(tenant: string, id: string, kind: ObservationKind, model: StoredModel): Promise<boolean>;
  /** Fit jobs every replica of this store can see. */
  readonly jobs: JobBoard;
  health(): StoreHealth;
  /** Resolves once the store can serve; rejects with StoreUnavailable after `timeoutMs` (a shared store keeps retrying). */
  ready(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** How long a shared store keeps a finished fit job. */
export const JOB_KEEP_DAYS = 7;

/** A fit job as every replica reports it. */
export interface JobRecord {
  readonly id: string;
  readonly kind: ObservationKind;
  readonly state: 'queued' | 'running' | 'done' | 'failed';
  readonly progress: number;
  readonly created: string;
  readonly finished?: string;
  readonly error?: string;
  readonly report?: unknown;
}

/**
 * Where fit jobs are kept: in the process for the embedded store, in Redis for replicas. A job is
 * claimed under a lease that its process renews while it runs; a job whose lease lapsed (its process
 * died) is reported failed, and the graph's kind is free for a new fit.
 */
export interface JobBoard {
  /** Claims the graph's kind for `job`; the id of the job that holds it instead, if one does. */
  claim(graph: string, job: JobRecord, leaseMs: number): Promise<string | undefined>;
  /** Records the job's state; renews its lease while it is queued or running, releases it once finished. */
  save(graph: string, job: JobRecord, leaseMs: number): Promise<void>;
  get(graph: string, jobId: string): Promise<JobRecord | undefined>;
}

/** Thrown by a store that cannot be reached; the request answers 503 with Retry-After. */
export class StoreUnavailable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StoreUnavailable';
  }
}
