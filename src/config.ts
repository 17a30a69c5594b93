import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Limits and tolerances; every one can be set by an environment variable (see README "Limits"). */
export interface Limits {
  /** Largest request body, in bytes (on the wire, and after decompression). */
  maxBodyBytes: number;
  /** Most bytes a compressed body may inflate to per compressed byte (past its first MiB). */
  maxInflationRatio: number;
  /** Most bytes all request bodies being read or held may take at once. */
  maxBodyBytesInFlight: number;
  /** Most nodes in one graph (listed or implied by edges). */
  maxNodes: number;
  /** Most edges in one graph. */
  maxEdges: number;
  /** Most elementary solver steps (edge relaxations, arc scans) one request may take. */
  maxWork: number;
  /** Most observations on one edge of a noisy route request. */
  maxObservations: number;
  /** A request's deadline when its body sets no timeoutMs: how long it may wait for the learned solver. */
  defaultTimeoutMs: number;
  /** The largest timeoutMs a request may ask for. */
  maxTimeoutMs: number;
  /** Most stored graphs one tenant may keep. */
  maxGraphsPerTenant: number;
  /** Most bytes one tenant's stored graphs may take (as JSON). */
  maxStoredBytes: number;
  /** Most observations in one POST /graphs/{id}/observations batch. */
  maxObservationBatch: number;
  /** Most observations one stored graph retains; a batch past it is refused until old ones age out. */
  maxRetainedObservations: number;
  /** How long a stored graph keeps its observations unless its registration says otherwise, in days. */
  defaultRetentionDays: number;
}

/** Floating-point tolerances for certificates (see README "Exactness"). */
export interface Tolerances {
  /** Relative tolerance for shortest-path checks on non-integer weights. */
  routeRelative: number;
  /** Relative tolerance, times the largest capacity, for max-flow checks on non-integer capacities. */
  flowRelative: number;
}

export interface Config {
  limits: Limits;
  tolerances: Tolerances;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 256 * 1024 * 1024,
  maxInflationRatio: 50,
  maxBodyBytesInFlight: 1024 * 1024 * 1024,
  maxNodes: 2_000_000,
  maxEdges: 4_000_000,
  maxWork: 2_000_000_000,
  maxObservations: 64,
  defaultTimeoutMs: 30_000,
  maxTimeoutMs: 300_000,
  maxGraphsPerTenant: 100,
  maxStoredBytes: 2 * 1024 * 1024 * 1024,
  maxObservationBatch: 1_000_000,
  maxRetainedObservations: 20_000_000,
  defaultRetentionDays: 400,
};

export const DEFAULT_TOLERANCES: Tolerances = {
  routeRelative: 1e-9,
  flowRelative: 1e-9,
};

const ENV_NAMES: Record<keyof Limits | keyof Tolerances, string> = {
  maxBodyBytes: 'NARSOLVE_MAX_BODY_BYTES',
  maxInflationRatio: 'NARSOLVE_MAX_INFLATION_RATIO',
  maxBodyBytesInFlight: 'NARSOLVE_MAX_BODY_BYTES_IN_FLIGHT',
  maxNodes: 'NARSOLVE_MAX_NODES',
  maxEdges: 'NARSOLVE_MAX_EDGES',
  maxWork: 'NARSOLVE_MAX_WORK',
  maxObservations: 'NARSOLVE_MAX_OBSERVATIONS',
  defaultTimeoutMs: 'NARSOLVE_DEFAULT_TIMEOUT_MS',
  maxTimeoutMs: 'NARSOLVE_MAX_TIMEOUT_MS',
  maxGraphsPerTenant: 'NARSOLVE_MAX_GRAPHS_PER_TENANT',
  maxStoredBytes: 'NARSOLVE_MAX_STORED_BYTES',
  maxObservationBatch: 'NARSOLVE_MAX_OBSERVATION_BATCH',
  maxRetainedObservations: 'NARSOLVE_MAX_RETAINED_OBSERVATIONS',
  defaultRetentionDays: 'NARSOLVE_RETENTION_DAYS',
  routeRelative: 'NARSOLVE_ROUTE_REL_TOL',
  flowRelative: 'NARSOLVE_FLOW_REL_TOL',
};

/** The environment variable that sets a limit or tolerance, for messages that tell users what to change. */
export function envName(key: keyof Limits | keyof Tolerances): string {
  return ENV_NAMES[key];
}

/** What a numeric variable may hold, and how the error names it ("a port (an integer from 0 to 65535)"). */
interface NumberRule {
  integer: boolean;
  min: number;
  max: number;
  what: string;
}

/**
 * One numeric environment variable: unset or blank gives the fallback; `_` separators are allowed.
 * Anything else outside the rule throws a one-line Error naming the variable: a typo in deployment
 * config should stop start-up loudly, not silently fall back.
 */
function readEnvNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, rule: NumberRule): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value)) || value < rule.min || value > rule.max) {
    throw new Error(`config: ${name}=${JSON.stringify(raw)} is not ${rule.what}`);
  }
  return value;
}

const NON_NEGATIVE_INTEGER: NumberRule = { integer: true, min: 0, max: Infinity, what: 'a valid non-negative integer' };
const NON_NEGATIVE_NUMBER: NumberRule = { integer: false, min: 0, max: Infinity, what: 'a valid non-negative number' };

/** Reads limits and tolerances from the environment, falling back to the documented defaults. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const limits = {} as Limits;
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    limits[key] = readEnvNumber(env, ENV_NAMES[key], DEFAULT_LIMITS[key], NON_NEGATIVE_INTEGER);
  }
  if (limits.defaultTimeoutMs > limits.maxTimeoutMs) {
    throw new Error(`config: ${ENV_NAMES.defaultTimeoutMs}=${limits.defaultTimeoutMs} is more than ${ENV_NAMES.maxTimeoutMs}=${limits.maxTimeoutMs}`);
  }
  const tolerances = {} as Tolerances;
  for (const key of Object.keys(DEFAULT_TOLERANCES) as (keyof Tolerances)[]) {
    tolerances[key] = readEnvNumber(env, ENV_NAMES[key], DEFAULT_TOLERANCES[key], NON_NEGATIVE_NUMBER);
  }
  return { limits, tolerances };
}

/** Fills in whatever a caller left out of a partial config with the defaults. */
export function resolveConfig(partial: { limits?: Partial<Limits>; tolerances?: Partial<Tolerances> } = {}): Config {
  return {
    limits: { ...DEFAULT_LIMITS, ...partial.limits },
    tolerances: { ...DEFAULT_TOLERANCES, ...partial.tolerances },
  };
}

/** How the server process listens, logs and stops; every field from an environment variable (README "Limits"). */
export interface ServerConfig {
  port: number;
  host: string;
  /** Idle keep-alive timeout; above common load-balancer idle timeouts. */
  keepAliveTimeoutMs: number;
  /** How long a request's headers may take to arrive (then 408). */
  headersTimeoutMs: number;
  /** How long a whole request, headers and body, may take to arrive (then 408). */
  requestTimeoutMs: number;
  learnedWorkers: number;
  /** Threads that solve big requests off the event loop. */
  solveWorkers: number;
  /** Bodies of at least this many bytes (decoded) are parsed and solved in a solve worker; 0 sends every one. */
  offloadBytes: number;
  /** Stored graphs of at least this many edges are queried in the stored-graph worker (NARSOLVE_OFFLOAD_EDGES); 0 sends every one. */
  offloadEdges: number;
  /** Stored graphs retaining at least this many observations are queried there too (NARSOLVE_OFFLOAD_OBSERVATIONS); 0 sends every one. */
  offloadObservations: number;
  /** Stored-graph workers (NARSOLVE_STORED_WORKERS): each graph always in the same one, each with its own cache. */
  storedWorkers: number;
  /** Most learned inferences that may wait for a worker; more are refused (503 for solver learned, classical for auto). */
  learnedQueue: number;
  /** How long shutdown waits for requests in flight before it drops them and exits non-zero. */
  shutdownGraceMs: number;
  logLevel: string;
  /** Where the embedded store keeps stored graphs and their history (NARSOLVE_DATA_DIR). */
  dataDir: string;
  /** The shared store (NARSOLVE_STORE=redis://host:port/db); absent: the embedded store in dataDir. */
  store?: string;
  /** How long a fit job's lease holds without renewal (NARSOLVE_FIT_LEASE_MS): a process (a replica, or a single server) that died mid-fit frees its graph this long after. */
  fitLeaseMs: number;
  /** Stored graphs whose history and compact graphs stay in memory (NARSOLVE_GRAPH_CACHE). */
  graphCache: number;
  /** API keys for /graphs (NARSOLVE_API_KEYS or NARSOLVE_API_KEYS_FILE); empty: one open tenant. */
  apiKeys: { tenant: string; key: string }[];
}

/** The default of NARSOLVE_SOLVE_WORKERS: two, so one big request never holds up the next. */
export const DEFAULT_SOLVE_WORKERS = 2;

/** The default of NARSOLVE_LEARNED_QUEUE (and of the library's learned queue). */
export const DEFAULT_LEARNED_QUEUE = 32;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * loadServerConfig: the server's settings from the environment. A malformed value throws an Error
 * whose one-line message names the variable, so a typo stops start-up instead of changing behaviour.
 */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const integer = (name: string, fallback: number, min: number, max: number, what: string): number => readEnvNumber(env, name, fallback, { integer: true, min, max, what });
  const host = env.HOST ?? '0.0.0.0';
  if (host.trim() === '') throw new Error('config: HOST is empty');
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`config: LOG_LEVEL=${JSON.stringify(logLevel)} is not one of ${LOG_LEVELS.join(', ')}`);
  return {
    port: integer('PORT', 8080, 0, 65535, 'a port (an integer from 0 to 65535)'),
    host,
    keepAliveTimeoutMs: integer('KEEP_ALIVE_TIMEOUT_MS', 65_000, 1, 3_600_000, 'a timeout in milliseconds (an integer from 1 to 3600000)'),
    ...requestTimeouts(integer('NARSOLVE_HEADERS_TIMEOUT_MS', 20_000, 1, 3_600_000, 'a timeout in milliseconds (an integer from 1 to 3600000)'), integer('NARSOLVE_REQUEST_TIMEOUT_MS', 120_000, 1, 3_600_000, 'a timeout in milliseconds (an integer from 1 to 3600000)')),
    learnedWorkers: integer('NARSOLVE_LEARNED_WORKERS', 1, 1, 64, 'a worker count (an integer from 1 to 64)'),
    solveWorkers: integer('NARSOLVE_SOLVE_WORKERS', DEFAULT_SOLVE_WORKERS, 1, 64, 'a worker count (an integer from 1 to 64)'),
    offloadBytes: integer('NARSOLVE_OFFLOAD_BYTES', 65_536, 0, Number.MAX_SAFE_INTEGER, 'a size in bytes (a non-negative integer)'),
    offloadEdges: integer('NARSOLVE_OFFLOAD_EDGES', 50_000, 0, Number.MAX_SAFE_INTEGER, 'an edge count (a non-negative integer)'),
    offloadObservations: integer('NARSOLVE_OFFLOAD_OBSERVATIONS', 50_000, 0, Number.MAX_SAFE_INTEGER, 'an observation count (a non-negative integer)'),
    storedWorkers: integer('NARSOLVE_STORED_WORKERS', 1, 1, 64, 'a worker count (an integer from 1 to 64)'),
    learnedQueue: integer('NARSOLVE_LEARNED_QUEUE', DEFAULT_LEARNED_QUEUE, 0, 100_000, 'a queue length (an integer from 0 to 100000)'),
    shutdownGraceMs: integer('NARSOLVE_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000, 'a grace period in milliseconds (an integer from 0 to 600000)'),
    logLevel,
    dataDir: resolve(env.NARSOLVE_DATA_DIR?.trim() || 'narsolve-data'),
    ...readStore(env.NARSOLVE_STORE),
    fitLeaseMs: integer('NARSOLVE_FIT_LEASE_MS', 15_000, 1_000, 3_600_000, 'a lease in milliseconds (an integer from 1000 to 3600000)'),
    graphCache: integer('NARSOLVE_GRAPH_CACHE', 16, 1, 100_000, 'a graph count (an integer from 1 to 100000)'),
    apiKeys: readApiKeys(env),
  };
}

/** NARSOLVE_STORE: empty or "embedded" for the embedded store, else a redis:// or rediss:// URL. */
function readStore(value: string | undefined): { store?: string } {
  const text = value?.trim();
  if (!text || text === 'embedded') return {};
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`config: NARSOLVE_STORE=${JSON.stringify(text)} is not a URL (redis://host:port/db, or "embedded")`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error(`config: NARSOLVE_STORE=${JSON.stringify(text)} must be redis://host:port/db or rediss://… (or "embedded")`);
  if (url.pathname.length > 1 && !/^\/\d+$/.test(url.pathname)) throw new Error(`config: NARSOLVE_STORE=${JSON.stringify(text)}: the path must be a database number (/0 to /15)`);
  return { store: text };
}

/** The headers timeout must fit in the request timeout (Node refuses otherwise). */
function requestTimeouts(headersTimeoutMs: number, requestTimeoutMs: number): { headersTimeoutMs: number; requestTimeoutMs: number } {
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new Error(`config: NARSOLVE_HEADERS_TIMEOUT_MS=${headersTimeoutMs} is more than NARSOLVE_REQUEST_TIMEOUT_MS=${requestTimeoutMs}`);
  }
  return { headersTimeoutMs, requestTimeoutMs };
}

const TENANT = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * API keys as tenant:key pairs, from NARSOLVE_API_KEYS (comma-separated) or NARSOLVE_API_KEYS_FILE
 * (one pair a line, # comments). A malformed pair stops start-up, naming its position, never the key.
 */
export function readApiKeys(env: NodeJS.ProcessEnv = process.env): { tenant: string; key: string }[] {
  const file = env.NARSOLVE_API_KEYS_FILE?.trim();
  if (file && env.NARSOLVE_API_KEYS?.trim()) throw new Error('config: set NARSOLVE_API_KEYS or NARSOLVE_API_KEYS_FILE, not both');
  let text: string;
  let source: string;
  if (file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`config: NARSOLVE_API_KEYS_FILE=${JSON.stringify(file)} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    source = 'NARSOLVE_API_KEYS_FILE';
  } else {
    text = (env.NARSOLVE_API_KEYS ?? '').replace(/,/g, '\n');
    source = 'NARSOLVE_API_KEYS';
  }
  const pairs = text.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  return pairs.map((pair, i) => {
    const colon = pair.indexOf(':');
    const tenant = pair.slice(0, colon);
    const key = pair.slice(colon + 1);
    if (colon < 0 || !TENANT.test(tenant) || key.length < 16 || /\s/.test(key)) {
      throw new Error(`config: ${source}: entry ${i + 1} is not tenant:key (a tenant of 1-64 characters of A-Z, a-z, 0-9, ".", "_", "-", then a key of at least 16 characters without spaces)`);
    }
    return { tenant, key };
  });
}
