import { MessageChannel, type MessagePort } from 'node:worker_threads';
import Piscina from 'piscina';
import type { Config } from '../config';
import { NarsolveError, type ErrorCode, type FieldError } from '../errors';
import { compiledWorker } from '../paths';
import type { SolveContext } from '../services/context';
import { solveMaxflow } from '../services/maxflow';
import { solveRoute } from '../services/route';
import type { FitOptions } from '../services/fitting';
import type { FitRead, GraphSize } from '../services/storedGraphs';
import type { Expected, ObservationKind } from '../store/types';
import { LearnedQueueFull, MODELS, SOLVER_NAMES, type LearnedModel, type LearnedReadiness, type LearnedSolvers, type SolverName } from '../solvers/learned';
import type { WorkerTask } from '../solvers/learned/worker';

/** The services behind the solve endpoints, for the main thread and the solve workers alike. */
export const SOLVES = { '/route': solveRoute, '/maxflow': solveMaxflow } as const;
export type SolvePath = keyof typeof SOLVES;

/** What the main thread tells a solve worker about each learned solver: everything but the runtime. */
export type DescribedLearned = { [K in SolverName]: { readiness: LearnedReadiness; model?: Omit<LearnedModel<K>, 'infer'> } };

/** One request for a solve worker: the endpoint, the raw (decoded) body, and how long ago it arrived. */
export interface SolveTask {
  path: SolvePath;
  body: Uint8Array;
  receivedAgoMs: number;
  port: MessagePort;
}

/** A read of a stored graph for the stored-graph worker: the graph by tenant and id, and the parsed body (a query's). */
export interface StoredTask {
  kind: 'route' | 'maxflow' | 'edges';
  tenant: string;
  id: string;
  request: unknown;
  receivedAgoMs: number;
  port: MessagePort;
}

/** A fit's read of a big stored graph, for the stored-graph worker. */
export interface FitReadTask {
  tenant: string;
  id: string;
  kind: ObservationKind;
  options: FitOptions;
}

/** A write to a stored graph with a big body (a registration, a batch), for a stored-graph worker: its bytes are parsed and checked there. */
export interface StoredWriteTask {
  kind: 'register' | 'ingest';
  tenant: string;
  id: string;
  body: Uint8Array;
  /** A registration's If-Match or If-None-Match. */
  expected?: Expected;
}

/** What a stored write answered (the service's result), or the problem it was refused with. */
export type StoredWriteOutcome = { kind: 'result'; value: unknown } | Extract<SolveOutcome, { kind: 'problem' }>;

/** Where the stored-graph worker finds the store (it opens its own) and how much it caches. */
export interface StoredWorkerOptions {
  readonly store?: string;
  readonly dataDir: string;
  readonly cacheGraphs: number;
  /** Stored graphs of at least this many edges, or at least this many retained observations, are queried there. */
  readonly from: GraphSize;
  /** Stored-graph workers: each graph is always read by the same one (so it is cached once), different graphs in parallel. */
  readonly workers?: number;
}

/** A solve worker's result: the answer as UTF-8 JSON bytes (moved, not copied, to this thread), or the problem it refused with. */
export type SolveOutcome =
  | { kind: 'answer'; bytes: Uint8Array; code: string; solver?: { used: string; algorithm: string } }
  | { kind: 'problem'; code: ErrorCode; detail: string; errors?: FieldError[]; extensions: Record<string, unknown> };

/** Messages on a task's port: the worker asks for an inference or cancels one; the main thread answers. */
export type PortMessage =
  | { id: number; task: WorkerTask }
  | { id: number; cancel: true }
  | { id: number; started: true }
  | { id: number; result: unknown }
  | { id: number; error: { message: string; queueCapacity?: number } };

/** Solves requests above a size in worker threads, so parsing and solving a big graph never stalls the event loop. */
export interface Offload {
  /** Bodies of at least this many bytes (after decoding) go to a worker. */
  readonly thresholdBytes: number;
  /** Parses, validates, solves, verifies and serializes one request in a worker. */
  solve(path: SolveTask['path'], body: Uint8Array, context: SolveContext): Promise<SolveOutcome>;
  /** Stored graphs of at least this many edges or retained observations go to the stored-graph worker (undefined: there is none). */
  readonly storedFrom?: GraphSize;
  /** One query (or the edges) of a big stored graph, answered in the stored-graph worker from its own cache of the store. */
  solveStored(kind: StoredTask['kind'], tenant: string, id: string, request: unknown, context: SolveContext): Promise<SolveOutcome>;
  /** What a fit of a big stored graph reads, read in the stored-graph worker (its columns moved here, not copied). */
  readFitStored(task: FitReadTask): Promise<FitRead>;
  /** A registration or a batch whose body is big, parsed, checked and stored in the graph's stored-graph worker. */
  writeStored(task: StoredWriteTask): Promise<StoredWriteOutcome>;
  close(): Promise<void>;
}

/** The abort reason for an inference whose request's deadline passed in the worker (or whose answer no longer waits for it). */
function deadlinePassed(): DOMException {
  return new DOMException("the request's deadline passed", 'TimeoutError');
}

/**
 * createOffload: a pool of solve workers. Workers run the services with the same config; their
 * learned inferences come back here, through a port per request, to the one learned pool (so the
 * queue, its limits and its metrics stay one).
 */
export function createOffload(options: { workers: number; thresholdBytes: number; config: Config; learned: LearnedSolvers; stored?: StoredWorkerOptions }): Offload {
  const { learned } = options;
  const described = Object.fromEntries(
    SOLVER_NAMES.map((name) => {
      const { readiness, model } = learned[name];
      return [name, { readiness, model: model && Object.fromEntries(Object.entries(model).filter(([, value]) => typeof value !== 'function')) }];
    }),
  ) as DescribedLearned;
  const filename = compiledWorker(__dirname, 'api/solveWorker.js');
  const pool = new Piscina({ filename, minThreads: options.workers, maxThreads: options.workers, idleTimeout: Infinity, workerData: { config: options.config, learned: described } });
  // One thread a pool, and each graph always in the same pool: a big stored graph is loaded and cached
  // once (it may be a GiB), and its queries queue there, while other graphs' run beside it. Each pool
  // starts with the first query it gets, so a server without big graphs never starts one.
  const storedPools: Piscina[] = [];
  const storedWorker = (tenant: string, id: string, caller: string) => {
    const { stored } = options;
    if (!stored) throw new Error(`${caller}: this offload has no stored-graph worker`);
    const i = storedWorkerIndex(tenant, id, stored.workers ?? 1);
    return (storedPools[i] ??= new Piscina({ filename, name: 'stored', minThreads: 1, maxThreads: 1, idleTimeout: Infinity, workerData: { config: options.config, learned: described, stored } }));
  };

  /** Serves one task's inferences; the function it returns drops those still waiting once the task is done. */
  const serveInferences = (port: MessagePort, context: SolveContext): (() => void) => {
    const running = new Map<number, AbortController>();
    port.on('message', (message: PortMessage) => {
      if ('cancel' in message) {
        running.get(message.id)?.abort(deadlinePassed());
        return;
      }
      if (!('task' in message)) return;
      const { id, task } = message;
      const stop = new AbortController();
      running.set(id, stop);
      const signal = context.signal ? AbortSignal.any([context.signal, stop.signal]) : stop.signal;
      const model = learned[task.solver].model as LearnedModel<SolverName> | undefined;
      const options = { signal, onStart: () => port.postMessage({ id, started: true }) };
      const inference = model ? model.infer(task.request as never, options) : Promise.reject(new Error(`no ${MODELS[task.solver].model} model`));
      inference
        .then(
          (result) => port.postMessage({ id, result }),
          (error: Error) => port.postMessage({ id, error: { message: error.message, queueCapacity: error instanceof LearnedQueueFull ? error.capacity : undefined } }),
        )
        .finally(() => running.delete(id));
    });
    // The worker's cancel can arrive after its answer (another channel): nobody waits for these any more.
    return () => {
      for (const stop of running.values()) stop.abort(deadlinePassed());
    };
  };

  /** Runs one task with a port of its own for its inferences, dropping those still waiting when it ends. */
  const withPort = async (context: SolveContext, run: (port: MessagePort, receivedAgoMs: number) => Promise<unknown>): Promise<SolveOutcome> => {
    const { port1, port2 } = new MessageChannel();
    const dropRemaining = serveInferences(port1, context);
    try {
      return (await run(port2, context.receivedAt === undefined ? 0 : performance.now() - context.receivedAt)) as SolveOutcome;
    } finally {
      dropRemaining();
      port1.close();
    }
  };

  return {
    thresholdBytes: options.thresholdBytes,
    solve: (path, body, context) =>
      withPort(context, (port, receivedAgoMs) => {
        const task: SolveTask = { path, body, receivedAgoMs, port };
        return pool.run(task, { transferList: [port, ...movable(body)] });
      }),
    storedFrom: options.stored?.from,
    solveStored(kind, tenant, id, request, context) {
      const worker = storedWorker(tenant, id, 'solveStored');
      return withPort(context, (port, receivedAgoMs) => worker.run({ kind, tenant, id, request, receivedAgoMs, port } satisfies StoredTask, { transferList: [port] }));
    },
    readFitStored: (task) => storedWorker(task.tenant, task.id, 'readFitStored').run(task, { name: 'fitRead' }) as Promise<FitRead>,
    writeStored: (task) => storedWorker(task.tenant, task.id, 'writeStored').run(task, { name: 'storedWrite', transferList: movable(task.body) }) as Promise<StoredWriteOutcome>,
    close: async () => {
      await Promise.all([pool.destroy(), ...storedPools.filter(Boolean).map((stored) => stored.destroy())]);
    },
  };
}

/** A body's buffer when the body owns all of it: it then moves to the worker instead of being copied on the event loop (tens of MB for big requests). */
function movable(body: Uint8Array): ArrayBuffer[] {
  return body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer ? [body.buffer] : [];
}

/** Which of `workers` stored-graph workers reads a graph: always the same one for the same graph (a hash of its tenant and id). */
export function storedWorkerIndex(tenant: string, id: string, workers: number): number {
  const key = `${tenant}\u0000${id}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  // FNV-1a's low bits follow its input's too closely for a modulo; murmur3's finalizer mixes them.
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return ((hash ^ (hash >>> 16)) >>> 0) % workers;
}

/** The NarsolveError a worker refused with, rebuilt on this thread. */
export function problemError(outcome: Extract<SolveOutcome, { kind: 'problem' }>): NarsolveError {
  return new NarsolveError(outcome.code, outcome.detail, { errors: outcome.errors, extensions: outcome.extensions });
}
