/**
 * The shared store: Redis (through ioredis), selected by NARSOLVE_STORE=redis://host:port/db, so
 * that any number of stateless replicas serve the same graphs. Every write is one Lua script, so
 * its precondition check and its effects are atomic across replicas; with Redis's append-only file
 * fsynced on every write (`appendonly yes`, `appendfsync always`), a write acknowledged here
 * survives a Redis restart.
 *
 * Layout (prefix `narsolve:` by default; the tenant URI-encoded, so no key can spill into another):
 *   g:{tenant}:{id}          hash: the meta's fields, the current body's token, a stamp per fitted model
 *   b:{tenant}:{id}:{token}  list: the body's JSON in 1 MiB chunks (Redis blocks on big values)
 *   o:{tenant}:{id}          hash: "epoch:part" → up to 1 MiB of one batch's rows (store/batch.ts bytes)
 *   oi:{tenant}:{id}         sorted set: "epoch:parts" scored by epoch, for "batches after"
 *   ol:{tenant}:{id}         sorted set: "epoch:rows:parts" scored by the batch's latest time, for pruning
 *   m:{tenant}:{id}:{kind}   string: the fitted model (JSON)
 *   t:{tenant}               hash: id → bytes, the tenant's graphs
 *   job:{graph}:{job}, lease:{graph}:{kind}   fit jobs and their leases
 * Scripts name keys they build from the meta's body token, so this needs one Redis, not a cluster.
 */
import { randomUUID } from 'node:crypto';
import Redis, { type RedisOptions } from 'ioredis';
import { storedNodes } from '../graph/stored';
import { decodeBatch, encodeBatch } from './batch';
import {
  JOB_KEEP_DAYS, PreconditionFailed, QuotaRefused, StoreUnavailable,
  type Expected, type GraphMeta, type PutOptions, type GraphStore, type JobBoard, type JobRecord, type ObservationBatch, type ObservationKind, type StoreHealth, type StoredGraphBody, type StoredModel,
} from './types';

const CHUNK_BYTES = 1024 * 1024;
/** Rows of one batch per stored part: a part is at most CHUNK_BYTES (20 bytes a row, 8 of header). */
const ROWS_PER_PART = Math.floor((CHUNK_BYTES - 8) / 20);
/** Batch parts read per round trip when loading a history (a big reply blocks Redis for its length). */
const PARTS_PER_READ = 16;
/** A body staged for a put that never committed (its process died) is dropped after this. */
const STAGED_TTL_MS = 60 * 60 * 1000;
const JOB_KEEP_MS = JOB_KEEP_DAYS * 24 * 60 * 60 * 1000;
/** How long a call waits for the store's first connection (a process just started); later outages fail at once. */
const FIRST_CONNECT_WAIT_MS = 5_000;

/** A write's precondition (ARGV[1] none, absent, present or version, ARGV[2] the version) on the meta at KEYS[1]. */
const PRECONDITION = `
local exists = redis.call('EXISTS', KEYS[1]) == 1
local version = 0
if exists then version = tonumber(redis.call('HGET', KEYS[1], 'version')) end
local kind = ARGV[1]
local refused = (kind == 'absent' and exists) or (kind == 'present' and not exists) or (kind == 'version' and version ~= tonumber(ARGV[2]))`;

// The tenant's quota (ARGV[11] graphs, ARGV[12] bytes), in the same script: racing puts cannot both pass it.
const PUT = `${PRECONDITION}
if refused then
  redis.call('UNLINK', KEYS[3])
  return {0, version}
end
local graphs = redis.call('HLEN', KEYS[2])
if (not exists) and graphs >= tonumber(ARGV[11]) then
  redis.call('UNLINK', KEYS[3])
  return {2, graphs}
end
local others = 0
local sizes = redis.call('HGETALL', KEYS[2])
for i = 1, #sizes, 2 do
  if sizes[i] ~= ARGV[9] then others = others + tonumber(sizes[i + 1]) end
end
if others + tonumber(ARGV[6]) > tonumber(ARGV[12]) then
  redis.call('UNLINK', KEYS[3])
  return {3, others}
end
redis.call('PERSIST', KEYS[3])
if exists then
  local old = redis.call('HGET', KEYS[1], 'body')
  if old then redis.call('UNLINK', ARGV[10] .. old) end
  redis.call('HSET', KEYS[1], 'version', tostring(version + 1), 'nodes', ARGV[4], 'edges', ARGV[5], 'bytes', ARGV[6], 'retentionDays', ARGV[7], 'updated', ARGV[8], 'body', ARGV[3])
else
  redis.call('HSET', KEYS[1], 'id', ARGV[9], 'version', '1', 'epoch', '0', 'nodes', ARGV[4], 'edges', ARGV[5], 'bytes', ARGV[6], 'retentionDays', ARGV[7], 'count', '0', 'latest', '', 'created', ARGV[8], 'updated', ARGV[8], 'body', ARGV[3])
end
redis.call('HSET', KEYS[2], ARGV[9], ARGV[6])
if exists then return {1, 0} end
return {1, 1}`;

const DELETE = `${PRECONDITION}
if refused then return {0, version} end
if not exists then return {1, 0} end
local token = redis.call('HGET', KEYS[1], 'body')
if token then redis.call('UNLINK', ARGV[4] .. token) end
-- UNLINK frees a big history in the background instead of blocking Redis for its length.
redis.call('UNLINK', KEYS[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
redis.call('HDEL', KEYS[2], ARGV[3])
return {1, 1}`;

const APPEND = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
redis.call('HINCRBY', KEYS[1], 'count', ARGV[1])
if ARGV[2] ~= '' then
  local latest = redis.call('HGET', KEYS[1], 'latest')
  if (not latest) or latest == '' or tonumber(ARGV[2]) > tonumber(latest) then redis.call('HSET', KEYS[1], 'latest', ARGV[2]) end
end
redis.call('HSET', KEYS[1], 'updated', ARGV[3])
local parts = #ARGV - 3
for p = 1, parts do redis.call('HSET', KEYS[2], tostring(epoch) .. ':' .. tostring(p - 1), ARGV[3 + p]) end
redis.call('ZADD', KEYS[3], epoch, tostring(epoch) .. ':' .. tostring(parts))
local score = ARGV[2]
if score == '' then score = '-inf' end
redis.call('ZADD', KEYS[4], score, tostring(epoch) .. ':' .. ARGV[1] .. ':' .. tostring(parts))
return redis.call('HGETALL', KEYS[1])`;

const PRUNE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[1])
local dropped = 0
for _, member in ipairs(old) do
  local first = string.find(member, ':', 1, true)
  local second = string.find(member, ':', first + 1, true)
  local epoch = string.sub(member, 1, first - 1)
  local parts = tonumber(string.sub(member, second + 1))
  dropped = dropped + tonumber(string.sub(member, first + 1, second - 1))
  for p = 0, parts - 1 do redis.call('HDEL', KEYS[2], epoch .. ':' .. tostring(p)) end
  redis.call('ZREM', KEYS[3], epoch .. ':' .. tostring(parts))
end
if #old > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'count', -dropped)
end
return dropped`;

const PUT_MODEL = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'created') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'model:' .. ARGV[3], 1)
return 1`;

/** Renews a lease the job still holds (or retakes a lapsed one nobody took); releases it once the job finished. */
const SAVE_JOB = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
local holder = redis.call('GET', KEYS[2])
if ARGV[3] == 'live' then
  if (not holder) or holder == ARGV[2] then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[5]) end
elseif holder == ARGV[2] then
  redis.call('DEL', KEYS[2])
end
return 1`;

interface Scripts {
  narsolvePut(meta: string, tenant: string, staged: string, ...args: string[]): Promise<[number, number]>;
  narsolveDelete(...keysAndArgs: string[]): Promise<[number, number]>;
  narsolveAppend(meta: string, log: string, index: string, latest: string, rows: string, batchLatest: string, now: string, ...parts: Buffer[]): Promise<string[] | null>;
  narsolvePrune(meta: string, log: string, index: string, latest: string, before: string): Promise<number>;
  narsolvePutModel(meta: string, model: string, created: string, json: string, kind: string): Promise<number>;
  narsolveSaveJob(record: string, lease: string, json: string, jobId: string, live: string, keepMs: string, leaseMs: string): Promise<number>;
}

export interface RedisStoreOptions {
  /** Key prefix, so several deployments can share one Redis (default `narsolve:`). */
  readonly prefix?: string;
  /** Called on connection changes, for the server's log. */
  readonly onHealth?: (health: StoreHealth) => void;
}

export class RedisStore implements GraphStore {
  private readonly redis: Redis & Scripts;
  private readonly prefix: string;
  private lastError = 'connecting';
  /** Whether it was ever connected: before that a call waits for the connection, after it fails at once. */
  private connected = false;
  /** The next 'ready' event, while some call waits for it. */
  private readyEvent?: Promise<void>;
  readonly jobs: JobBoard;

  constructor(readonly url: string, options: RedisStoreOptions = {}) {
    this.prefix = options.prefix ?? 'narsolve:';
    const settings: RedisOptions = {
      // A command while disconnected fails at once (503 StoreUnavailable) instead of queueing behind the outage.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // A Redis that accepts the connection but never answers must not hang a request.
      commandTimeout: 10_000,
      connectTimeout: 2_000,
      // Reconnect for ever, backing off to 1 s: the store recovers without a restart when Redis returns.
      retryStrategy: (times) => Math.min(times * 100, 1_000),
      enableAutoPipelining: true,
      lazyConnect: false,
    };
    this.redis = new Redis(url, settings) as Redis & Scripts;
    const report = () => options.onHealth?.(this.health());
    this.redis.on('ready', () => {
      this.lastError = '';
      this.connected = true;
      report();
    });
    this.redis.on('error', (error: Error) => {
      const changed = this.lastError !== error.message;
      this.lastError = error.message;
      if (changed) report();
    });
    this.redis.on('end', () => {
      this.lastError = 'the connection was closed';
    });
    this.redis.defineCommand('narsolvePut', { numberOfKeys: 3, lua: PUT });
    this.redis.defineCommand('narsolveDelete', { numberOfKeys: 7, lua: DELETE });
    this.redis.defineCommand('narsolveAppend', { numberOfKeys: 4, lua: APPEND });
    this.redis.defineCommand('narsolvePrune', { numberOfKeys: 4, lua: PRUNE });
    this.redis.defineCommand('narsolvePutModel', { numberOfKeys: 2, lua: PUT_MODEL });
    this.redis.defineCommand('narsolveSaveJob', { numberOfKeys: 2, lua: SAVE_JOB });
    this.jobs = this.jobBoard();
  }

  /** Resolves once connected (or rejects with StoreUnavailable after `timeoutMs`); the store keeps retrying either way. */
  async ready(timeoutMs = 5_000): Promise<void> {
    if (this.redis.status === 'ready') return;
    // One listener for every caller waiting: a burst of requests before the first connection must not add one each.
    this.readyEvent ??= new Promise<void>((resolve) =>
      this.redis.once('ready', () => {
        this.readyEvent = undefined;
        resolve();
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailable(`no connection to ${this.where()} within ${timeoutMs} ms: ${this.lastError || 'no answer'}`)), timeoutMs);
    });
    await Promise.race([this.readyEvent, timeout]).finally(() => clearTimeout(timer));
  }

  /** The persistence settings Redis reports, or why they could not be read (a managed Redis may refuse CONFIG). */
  async durability(): Promise<{ appendonly: string; appendfsync: string } | { unknown: string }> {
    try {
      const [, appendonly] = (await this.redis.config('GET', 'appendonly')) as string[];
      const [, appendfsync] = (await this.redis.config('GET', 'appendfsync')) as string[];
      return { appendonly, appendfsync };
    } catch (error) {
      return { unknown: (error as Error).message };
    }
  }

  health(): StoreHealth {
    const ready = this.redis.status === 'ready';
    return ready ? { kind: 'redis', ready } : { kind: 'redis', ready, reason: `${this.where()}: ${this.lastError || this.redis.status}` };
  }

  async list(tenant: string): Promise<GraphMeta[]> {
    return this.call(async () => {
      const ids = await this.redis.hkeys(this.key('t', tenant));
      const metas = await Promise.all(ids.sort().map((id) => this.redis.hgetall(this.graphKey('g', tenant, id))));
      return metas.filter((fields) => fields.version !== undefined).map(readMeta);
    });
  }

  async get(tenant: string, id: string): Promise<GraphMeta | undefined> {
    return this.call(async () => {
      const fields = await this.redis.hgetall(this.graphKey('g', tenant, id));
      return fields.version === undefined ? undefined : readMeta(fields);
    });
  }

  async body(tenant: string, id: string): Promise<StoredGraphBody | undefined> {
    return this.call(async () => {
      // A replace between reading the token and the chunks drops the old chunks: read the new token then.
      for (let attempt = 0; attempt < 5; attempt++) {
        const token = await this.redis.hget(this.graphKey('g', tenant, id), 'body');
        if (token === null) return undefined;
        const key = `${this.graphKey('b', tenant, id)}:${token}`;
        const chunks: Buffer[] = [];
        for (let at = 0; ; at += 8) {
          const page = await this.redis.lrangeBuffer(key, at, at + 7);
          chunks.push(...page);
          if (page.length < 8) break;
        }
        if (chunks.length > 0) return JSON.parse(Buffer.concat(chunks).toString('utf8')) as StoredGraphBody;
      }
      throw new StoreUnavailable('the graph was replaced five times while its body was being read');
    });
  }

  async put(tenant: string, id: string, body: StoredGraphBody, options: PutOptions) {
    const json = Buffer.from(JSON.stringify(body));
    const token = randomUUID();
    const staged = `${this.graphKey('b', tenant, id)}:${token}`;
    const [committed, value] = await this.call(async () => {
      for (let at = 0; at < json.length; at += CHUNK_BYTES * 8) {
        const chunks: Buffer[] = [];
        for (let c = at; c < Math.min(json.length, at + CHUNK_BYTES * 8); c += CHUNK_BYTES) chunks.push(json.subarray(c, Math.min(json.length, c + CHUNK_BYTES)));
        await this.redis.rpush(staged, ...chunks);
      }
      await this.redis.pexpire(staged, STAGED_TTL_MS);
      return this.redis.narsolvePut(
        this.graphKey('g', tenant, id), this.key('t', tenant), staged,
        ...expectation(options.expected), token, String(storedNodes(body).length), String(body.from.length), String(options.bytes),
        String(options.retentionDays), String(options.now), id, `${this.graphKey('b', tenant, id)}:`, String(options.quota.maxGraphs), String(options.quota.maxBytes),
      );
    });
    if (committed === 0) throw new PreconditionFailed(value);
    if (committed === 2) throw new QuotaRefused('graphs', value);
    if (committed === 3) throw new QuotaRefused('bytes', value);
    const meta = await this.get(tenant, id);
    if (!meta) throw new StoreUnavailable('the graph was deleted by another writer just after it was stored');
    return { meta, created: value === 1 };
  }

  async delete(tenant: string, id: string, expected: Expected): Promise<boolean> {
    const [done, value] = await this.call(() =>
      this.redis.narsolveDelete(
        this.graphKey('g', tenant, id), this.key('t', tenant), this.graphKey('o', tenant, id), this.graphKey('oi', tenant, id), this.graphKey('ol', tenant, id),
        `${this.graphKey('m', tenant, id)}:cost`, `${this.graphKey('m', tenant, id)}:capacity`,
        ...expectation(expected), id, `${this.graphKey('b', tenant, id)}:`,
      ),
    );
    if (done === 0) throw new PreconditionFailed(value);
    return value === 1;
  }

  async append(tenant: string, id: string, batch: Omit<ObservationBatch, 'epoch'>, options: { now: number }): Promise<GraphMeta> {
    let latest = -Infinity;
    for (const t of batch.time) if (t > latest) latest = t;
    const fields = await this.call(() =>
      this.redis.narsolveAppend(
        this.graphKey('g', tenant, id), this.graphKey('o', tenant, id), this.graphKey('oi', tenant, id), this.graphKey('ol', tenant, id),
        String(batch.edge.length), Number.isFinite(latest) ? String(latest) : '', String(options.now), ...parts(batch),
      ),
    );
    if (!fields) throw new PreconditionFailed(0);
    const meta: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) meta[fields[i]] = fields[i + 1];
    return readMeta(meta);
  }

  async batches(tenant: string, id: string, after = 0): Promise<ObservationBatch[]> {
    return this.call(async () => {
      const members = await this.redis.zrangebyscore(this.graphKey('oi', tenant, id), `(${after}`, '+inf');
      const fields = members.flatMap((member) => {
        const [epoch, parts] = member.split(':');
        return Array.from({ length: Number(parts) }, (_, p) => ({ epoch: Number(epoch), field: `${epoch}:${p}` }));
      });
      const byEpoch = new Map<number, ObservationBatch[]>();
      for (let at = 0; at < fields.length; at += PARTS_PER_READ) {
        const page = fields.slice(at, at + PARTS_PER_READ);
        const bytes = await this.redis.hmgetBuffer(this.graphKey('o', tenant, id), ...page.map((f) => f.field));
        // A batch pruned between the two reads is simply gone.
        page.forEach(({ epoch }, i) => {
          const part = bytes[i];
          if (part) byEpoch.set(epoch, [...(byEpoch.get(epoch) ?? []), decodeBatch(epoch, part)]);
        });
      }
      return [...byEpoch.values()].map(joinParts);
    });
  }

  async prune(tenant: string, id: string, before: number): Promise<number> {
    return this.call(() => this.redis.narsolvePrune(this.graphKey('g', tenant, id), this.graphKey('o', tenant, id), this.graphKey('oi', tenant, id), this.graphKey('ol', tenant, id), String(before)));
  }

  async model(tenant: string, id: string, kind: ObservationKind): Promise<StoredModel | undefined> {
    return this.call(async () => {
      const json = await this.redis.get(`${this.graphKey('m', tenant, id)}:${kind}`);
      return json === null ? undefined : (JSON.parse(json) as StoredModel);
    });
  }

  async putModel(tenant: string, id: string, kind: ObservationKind, model: StoredModel): Promise<boolean> {
    const stored = await this.call(() => this.redis.narsolvePutModel(this.graphKey('g', tenant, id), `${this.graphKey('m', tenant, id)}:${kind}`, String(model.graphCreated), JSON.stringify(model), kind));
    return stored === 1;
  }

  async close(): Promise<void> {
    const ended = this.redis.status === 'end' ? Promise.resolve() : new Promise<void>((resolve) => this.redis.once('end', () => resolve()));
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
    // Resolved once the socket is closed, so nothing of the connection outlives close().
    await ended;
  }

  private jobBoard(): JobBoard {
    const record = (graph: string, jobId: string) => `${this.prefix}job:${encodeURIComponent(graph)}:${jobId}`;
    const lease = (graph: string, kind: ObservationKind) => `${this.prefix}lease:${encodeURIComponent(graph)}:${kind}`;
    return {
      claim: (graph, job, leaseMs) =>
        this.call(async () => {
          for (let attempt = 0; attempt < 3; attempt++) {
            if ((await this.redis.set(lease(graph, job.kind), job.id, 'PX', leaseMs, 'NX')) === 'OK') {
              await this.redis.set(record(graph, job.id), JSON.stringify(job), 'PX', JOB_KEEP_MS);
              return undefined;
            }
            const holder = await this.redis.get(lease(graph, job.kind));
            if (holder !== null) return holder;
          }
          return undefined;
        }),
      save: async (graph, job, leaseMs) => {
        const live = job.state === 'queued' || job.state === 'running' ? 'live' : 'finished';
        await this.call(() => this.redis.narsolveSaveJob(record(graph, job.id), lease(graph, job.kind), JSON.stringify(job), job.id, live, String(JOB_KEEP_MS), String(leaseMs)));
      },
      get: (graph, jobId) =>
        this.call(async () => {
          const json = await this.redis.get(record(graph, jobId));
          if (json === null) return undefined;
          const job = JSON.parse(json) as JobRecord;
          if (job.state !== 'queued' && job.state !== 'running') return job;
          if ((await this.redis.get(lease(graph, job.kind))) === job.id) return job;
          // The job may have finished between the two reads (its last save writes the record, then releases the lease).
          const again = await this.redis.get(record(graph, jobId));
          const latest = again === null ? job : (JSON.parse(again) as JobRecord);
          if (latest.state !== 'queued' && latest.state !== 'running') return latest;
          // Its process stopped renewing the lease: it died mid-fit, and will never finish this job.
          return { ...latest, state: 'failed', error: 'the replica running this fit stopped before it finished (its lease lapsed); start a new fit', finished: new Date().toISOString() };
        }),
    };
  }

  /** Any failure to talk to Redis is StoreUnavailable: the request is answered 503 and was not stored. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    if (!this.connected) await this.ready(FIRST_CONNECT_WAIT_MS);
    try {
      return await work();
    } catch (error) {
      if (error instanceof PreconditionFailed || error instanceof StoreUnavailable || error instanceof SyntaxError) throw error;
      throw new StoreUnavailable(`${this.where()}: ${(error as Error).message}`);
    }
  }

  private where(): string {
    const { host, port } = this.redis.options;
    return `redis at ${host}:${port}`;
  }

  private key(kind: string, tenant: string): string {
    return `${this.prefix}${kind}:${encodeURIComponent(tenant)}`;
  }

  private graphKey(kind: string, tenant: string, id: string): string {
    return `${this.prefix}${kind}:${encodeURIComponent(tenant)}:${id}`;
  }
}

/** A batch as parts of at most ROWS_PER_PART rows each (one part for most batches). */
function parts(batch: Omit<ObservationBatch, 'epoch'>): Buffer[] {
  const out: Buffer[] = [];
  const n = batch.edge.length;
  for (let at = 0; at < Math.max(n, 1); at += ROWS_PER_PART) {
    const end = Math.min(n, at + ROWS_PER_PART);
    out.push(encodeBatch({ kind: batch.kind, edge: batch.edge.subarray(at, end), value: batch.value.subarray(at, end), time: batch.time.subarray(at, end) }));
  }
  return out;
}

/** One batch from its parts, in order. */
function joinParts(parts: ObservationBatch[]): ObservationBatch {
  if (parts.length === 1) return parts[0];
  const n = parts.reduce((total, part) => total + part.edge.length, 0);
  const edge = new Int32Array(n);
  const value = new Float64Array(n);
  const time = new Float64Array(n);
  let at = 0;
  for (const part of parts) {
    edge.set(part.edge, at);
    value.set(part.value, at);
    time.set(part.time, at);
    at += part.edge.length;
  }
  return { epoch: parts[0].epoch, kind: parts[0].kind, edge, value, time };
}

function expectation(expected: Expected): [string, string] {
  if (!expected) return ['none', '0'];
  if ('absent' in expected) return ['absent', '0'];
  if ('present' in expected) return ['present', '0'];
  return ['version', String(expected.version)];
}

function readMeta(fields: Record<string, string>): GraphMeta {
  const models: Partial<Record<ObservationKind, number>> = {};
  if (fields['model:cost'] !== undefined) models.cost = Number(fields['model:cost']);
  if (fields['model:capacity'] !== undefined) models.capacity = Number(fields['model:capacity']);
  return {
    id: fields.id,
    version: Number(fields.version),
    epoch: Number(fields.epoch),
    nodes: Number(fields.nodes),
    edges: Number(fields.edges),
    bytes: Number(fields.bytes),
    retentionDays: Number(fields.retentionDays),
    observations: { count: Number(fields.count), latest: fields.latest === '' || fields.latest === undefined ? null : Number(fields.latest) },
    created: Number(fields.created),
    updated: Number(fields.updated),
    models,
  };
}
