import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type Piscina from 'piscina';
import { DEFAULT_LEARNED_QUEUE } from '../../config';
import { compiledWorker, packageRoot } from '../../paths';
import { declaredServingAuto, readModelEntry, type ServedModel, type ServingLimits } from './manifest';
import { MODELS, requestPayload, SOLVER_NAMES, type RequestOf, type RuleOf, type SolverName } from './models';
import { readPolicy, type ServedPolicy } from './policy';
import type { ResultOf, WorkerConfig, WorkerModel, WorkerTask } from './worker';

export { MODELS, requestPayload, SOLVER_NAMES, type EncoderName, type RequestOf, type SolverName } from './models';
export type { BellmanFordInference, MaxflowInference, ObservationInference, ResultOf } from './worker';
export type { PolicyBand, PolicyCandidate, ServedPolicy } from './policy';

/** A model's serving policy as loaded: the policy, or why there is none to use. */
export type PolicyStatus = { readonly policy: ServedPolicy } | { readonly reason: string };

/** Whether a learned solver can answer, and if not, why (shown by /readyz and in fallbackReason). */
export interface LearnedReadiness {
  readonly ready: boolean;
  readonly reason: string;
  readonly runtime?: string;
  readonly version?: string;
}

/** A loaded model (MODELS names them): its serving facts from the spec, and inference in worker threads, never on the caller's event loop. */
export interface LearnedModel<K extends SolverName> {
  readonly version: string;
  /** Padded slots (what each encoding counts) and slots × steps a request may take. A run cut short by maxSlotSteps is left unsettled. */
  readonly limits: ServingLimits;
  /** The spec's step rule. */
  readonly steps: RuleOf<K>;
  /**
   * Whether solver "auto" runs a processor on requests an exact solver answers alone (spec
   * serving.auto). False when the model card measures no benefit: the exact solver then answers
   * alone, and says why. The repair (route) and warm-start (max flow) paths behind it stay tested.
   */
  readonly auto: boolean;
  /** For a model MODELS marks `policy`: its measured serving policy, or why there is none (then `auto` serves a classical estimate). */
  readonly policy?: PolicyStatus;
  infer(request: RequestOf<K>, options?: InferOptions): Promise<ResultOf<K>>;
}

/** How one inference waits for a worker. */
export interface InferOptions {
  /**
   * Aborting it drops the inference while it waits in the queue (the promise rejects with the
   * signal's reason). One already running finishes in its worker, since stopping onnxruntime
   * mid-run aborts the process, but the promise rejects at once and the result is discarded.
   */
  readonly signal?: AbortSignal;
  /** Called when a worker takes the inference, so callers can time the queue apart from the run. */
  readonly onStart?: () => void;
}

/** Thrown by infer when the queue already holds its configured number of waiting inferences. */
export class LearnedQueueFull extends Error {
  constructor(readonly capacity: number) {
    super(`the learned solver's queue is full (${capacity} inferences waiting)`);
    this.name = 'LearnedQueueFull';
  }
}

/** Live counts of the inference queue, for /metrics. */
export interface LearnedQueueStats {
  /** Inferences waiting for a worker now. */
  readonly waiting: number;
  /** Inferences running now. */
  readonly running: number;
  /** The most that may wait. */
  readonly capacity: number;
  /** Inferences refused because the queue was full, since start. */
  readonly rejected: number;
  /** Inferences dropped from the queue (deadline passed, client gone), since start. */
  readonly abandoned: number;
}

/** One learned solver: its readiness, and the model when it is ready. */
export interface LearnedSolver<M> {
  readonly readiness: LearnedReadiness;
  readonly model?: M;
  /** Not loaded on purpose (learnedNotLoaded): the spec's serving.auto, so auto decides as it would with the model loaded. */
  readonly declaredAuto?: boolean;
}

/** The learned solvers, one per entry of MODELS. */
export type LearnedSolvers = { readonly [K in SolverName]: LearnedSolver<LearnedModel<K>> } & {
  /** The inference queue's counts (absent when the solvers were built by hand, as tests do). */
  readonly queue?: LearnedQueueStats;
  /** Stops the worker threads, once every running inference has finished. */
  close(): Promise<void>;
};

export interface LearnedOptions {
  modelsDir?: string;
  /** Worker threads, one session each (default 1). */
  workers?: number;
  /** Most inferences that may wait for a worker; beyond it infer throws LearnedQueueFull (default 32). */
  maxQueue?: number;
  /** onnxruntime intra-op threads per session (default: the cores, divided among workers). */
  intraOpThreads?: number;
  /**
   * Whether idle worker threads keep the process alive (default true, as a server wants). The library
   * passes false, so a script that solves and returns exits; a thread is held only while it infers.
   */
  keepAlive?: boolean;
}

/** Runs one call in the pool. */
type RunTask = (task: WorkerTask, options: InferOptions | undefined) => Promise<unknown>;

const NO_QUEUE: LearnedQueueStats = { waiting: 0, running: 0, capacity: 0, rejected: 0, abandoned: 0 };

/**
 * Hands tasks to the pool at most one per worker; the rest wait here, in a bounded queue that
 * callers can leave (piscina's own abort would terminate a running worker, which aborts onnxruntime).
 */
class InferenceQueue {
  private readonly waiting: (() => void)[] = [];
  running = 0;
  rejected = 0;
  abandoned = 0;

  constructor(
    private readonly workers: number,
    readonly capacity: number,
    private readonly onBusyChange: (busy: boolean) => void,
  ) {}

  stats(): LearnedQueueStats {
    return { waiting: this.waiting.length, running: this.running, capacity: this.capacity, rejected: this.rejected, abandoned: this.abandoned };
  }

  /** Runs `task` once a worker is free; see InferOptions for the signal. */
  run<T>(task: () => Promise<T>, options: InferOptions = {}): Promise<T> {
    const { signal, onStart } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      // Waiting, an abort leaves the queue; running, it only rejects: the run itself cannot be stopped.
      const onAbort = () => {
        const at = this.waiting.indexOf(entry);
        if (at >= 0) {
          this.waiting.splice(at, 1);
          this.abandoned++;
        }
        reject(signal!.reason);
      };
      const entry = () => {
        if (this.running++ === 0) this.onBusyChange(true);
        onStart?.();
        task()
          .then(resolve, reject)
          .finally(() => {
            signal?.removeEventListener('abort', onAbort);
            if (--this.running === 0) this.onBusyChange(false);
            this.waiting.shift()?.();
          });
      };
      if (this.running >= this.workers && this.waiting.length >= this.capacity) {
        this.rejected++;
        reject(new LearnedQueueFull(this.capacity));
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.running < this.workers) entry();
      else this.waiting.push(entry);
    });
  }
}

/** A runtime's message with the server's own paths taken out: readiness reasons are public (/readyz). */
function withoutPaths(message: string, modelsDir: string): string {
  return message.split(modelsDir).join('models').split(packageRoot()).join('.');
}

/**
 * loadLearnedSolvers: finds the ONNX models, checks them against the manifest, starts the worker
 * pool and runs one warm-up inference. A missing or corrupt model never stops the service: the
 * solver is then unavailable, with the reason.
 */
export async function loadLearnedSolvers(opts: LearnedOptions = {}): Promise<LearnedSolvers> {
  const modelsDir = opts.modelsDir ?? join(packageRoot(), 'models');
  let runtime: string;
  try {
    const ort = await import('onnxruntime-node');
    runtime = `onnxruntime-node ${ort.env.versions?.node ?? 'unknown version'}`;
  } catch (error) {
    return learnedDisabled(`onnxruntime-node failed to load: ${withoutPaths((error as Error).message, modelsDir)}`);
  }
  const found = Object.fromEntries(SOLVER_NAMES.map((name) => [name, readModelEntry(modelsDir, name)])) as { [K in SolverName]: ReturnType<typeof readModelEntry<K>> };
  const unready = (reason: string): LearnedReadiness => ({ ready: false, reason, runtime });
  const served = SOLVER_NAMES.filter((name) => 'model' in found[name]);
  if (served.length === 0) return withoutModels((name) => unready((found[name] as { reason: string }).reason));

  const models: { [K in SolverName]?: WorkerModel<K> } = {};
  for (const name of served) {
    const { path, hidden, steps } = (found[name] as { model: ServedModel }).model;
    Object.assign(models, { [name]: { path, hidden, steps } });
  }
  const workers = opts.workers ?? 1;
  const workerData: WorkerConfig = { models, intraOpThreads: opts.intraOpThreads ?? Math.max(1, Math.floor(availableParallelism() / workers)) };
  // Required here: a process that never loads the models (the CLI on a classical request) never pays for it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Piscina: Pool } = require('piscina') as typeof import('piscina');
  const pool: Piscina = new Pool({ filename: compiledWorker(__dirname, 'solvers/learned/worker.js'), minThreads: workers, maxThreads: workers, idleTimeout: Infinity, workerData });
  const keepAlive = opts.keepAlive ?? true;
  const queue = new InferenceQueue(workers, opts.maxQueue ?? DEFAULT_LEARNED_QUEUE, (busy) => {
    if (!keepAlive) for (const thread of pool.threads) busy ? thread.ref() : thread.unref();
  });
  const run: RunTask = (task, options) => queue.run(() => pool.run(task), options);

  // Each model is warmed up on its own: one that loads but cannot run is unavailable, with the reason, and the others still serve.
  const solvers = {} as { -readonly [K in SolverName]: LearnedSolver<LearnedModel<K>> };
  for (const name of SOLVER_NAMES) {
    const entry = found[name];
    if ('reason' in entry) {
      solvers[name] = { readiness: unready(entry.reason) } as never;
      continue;
    }
    const model = learnedModel(run, name, entry.model, modelsDir);
    const failed = await warmUp(name, model).catch((error: Error) => error.message);
    solvers[name] = (failed === undefined
      ? { model, readiness: { ready: true, reason: `${entry.model.name} ${entry.model.version} loaded`, runtime, version: entry.model.version } }
      : { readiness: unready(`models/${entry.model.file} failed to run: ${withoutPaths(failed, modelsDir)}`) }) as never;
  }
  if (SOLVER_NAMES.every((name) => !solvers[name].model)) {
    await pool.destroy();
    return { ...solvers, queue: NO_QUEUE, close: async () => {} };
  }
  // Terminating a worker while onnxruntime runs in it aborts the process: wait for running inferences first.
  const close = async (): Promise<void> => {
    while (queue.running > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await pool.destroy();
  };
  return {
    ...solvers,
    close,
    get queue() {
      return queue.stats();
    },
  };
}

/** Model K as served: its spec's facts, and calls that send only what the worker reads. */
function learnedModel<K extends SolverName>(run: RunTask, name: K, served: ServedModel<RuleOf<K>>, modelsDir: string): LearnedModel<K> {
  return {
    version: served.version,
    limits: served.limits,
    steps: served.steps,
    auto: served.auto === true,
    ...(MODELS[name].policy && { policy: readPolicy(modelsDir, served.name, served.sha256) }),
    infer: (request, options) => run({ solver: name, request: requestPayload(name, request) } as WorkerTask, options) as Promise<ResultOf<K>>,
  };
}

/** The model's warm-up call (MODELS), refused unless every result array has the expected length and finite values; undefined when it passed. */
async function warmUp<K extends SolverName>(name: K, model: LearnedModel<K>): Promise<undefined> {
  const { request, expect } = MODELS[name].warmUp;
  const result = (await model.infer(request as unknown as RequestOf<K>)) as unknown as Record<string, ArrayLike<number>>;
  for (const [key, length] of Object.entries(expect)) {
    const values = result[key];
    if (!values || values.length !== length || !Array.from(values).every(Number.isFinite)) throw new Error(`warm-up returned the wrong ${key}`);
  }
  return undefined;
}

/** Every solver unavailable, each with its reason. */
function withoutModels(reason: (name: SolverName) => LearnedReadiness): LearnedSolvers {
  const solvers = Object.fromEntries(SOLVER_NAMES.map((name) => [name, { readiness: reason(name) }])) as unknown as { [K in SolverName]: LearnedSolver<LearnedModel<K>> };
  return { ...solvers, queue: NO_QUEUE, close: async () => {} };
}

let notLoaded: LearnedSolvers | undefined;

/**
 * The package's solvers, not loaded, each carrying its spec's declared serving.auto: for a request
 * the exact solver answers alone whatever the models are (the library decides which, in needsModels),
 * so it is answered without starting the runtime.
 */
export function learnedNotLoaded(): LearnedSolvers {
  if (notLoaded) return notLoaded;
  const declared = declaredServingAuto(join(packageRoot(), 'models'));
  const solvers = Object.fromEntries(
    SOLVER_NAMES.map((name) => {
      const declaredAuto = declared[name];
      return [name, { readiness: { ready: false, reason: 'not loaded: this request does not need it' }, ...(declaredAuto !== undefined && { declaredAuto }) }];
    }),
  ) as unknown as { [K in SolverName]: LearnedSolver<LearnedModel<K>> };
  return (notLoaded = { ...solvers, queue: NO_QUEUE, close: async () => {} });
}

/** The learned solvers as unavailable, for embedders that do not want the runtime loaded. */
export function learnedDisabled(reason = 'learned solvers disabled by configuration'): LearnedSolvers {
  return withoutModels(() => ({ ready: false, reason }));
}
