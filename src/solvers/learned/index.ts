import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import Piscina from 'piscina';
import { DEFAULT_LEARNED_QUEUE } from '../../config';
import { packageRoot } from '../../paths';
import type { BellmanFordInputs } from './bellmanFordEncoding';
import { BELLMAN_FORD_CONTRACT, MAXFLOW_CONTRACT, NOISY_CAPACITIES_CONTRACT, NOISY_ROUTES_CONTRACT, readModelEntry, type ServedModel, type ServingLimits } from './manifest';
import type { MaxflowInputs } from './maxflowEncoding';
import type { ObservationInputs } from './observationEncoding';
import type { HopDepthPlusExtra, UntilStable } from './steps';
import type { BellmanFordInference, MaxflowInference, ModelName, ObservationInference } from './worker';

/** Whether a learned solver can answer, and if not, why (shown by /readyz and in fallbackReason). */
export interface LearnedReadiness {
  readonly ready: boolean;
  readonly reason: string;
  readonly runtime?: string;
  readonly version?: string;
}

/** The loaded Bellman-Ford processor: inference runs in worker threads, never on the caller's event loop. */
export interface LearnedBellmanFord {
  readonly version: string;
  /** Padded slots are nodes × largest in-degree. A run cut short by maxSlotSteps is left unsettled and repaired. */
  readonly limits: ServingLimits;
  /** The spec's step rule: steps until the pointers (or the state) are unchanged for `patience` steps in a row. */
  readonly steps: UntilStable;
  /**
   * Whether solver "auto" runs the processor (then verifies and repairs) on requests with weights
   * only (spec serving.auto). False when the model card measures no benefit: the exact solver then
   * answers alone, and says why.
   */
  readonly auto: boolean;
  infer(inputs: BellmanFordInputs, maxSteps: number, options?: InferOptions): Promise<BellmanFordInference>;
}

/** The loaded max-flow processor: a fixed number of steps per graph, in worker threads. */
export interface LearnedMaxflow {
  readonly version: string;
  /** Padded slots are nodes × (widest incoming + widest outgoing list). */
  readonly limits: ServingLimits;
  /** The spec's step rule: hop depth + extra steps. */
  readonly steps: HopDepthPlusExtra;
  /** Whether solver "auto" runs the processor (then finishes its projected flow exactly) on requests with capacities only (spec serving.auto). */
  readonly auto: boolean;
  infer(inputs: MaxflowInputs, steps: number, options?: InferOptions): Promise<MaxflowInference>;
}

/** The loaded observation encoder for noisy routes: one pass per request, in worker threads. */
export interface LearnedObservationEncoder {
  readonly version: string;
  /** Padded slots are arcs × widest observation list + nodes × widest incident lists. */
  readonly limits: ServingLimits;
  infer(inputs: ObservationInputs, options?: InferOptions): Promise<ObservationInference>;
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
}

/** The learned solvers, by the route they answer. */
export interface LearnedSolvers {
  readonly route: LearnedSolver<LearnedBellmanFord>;
  readonly maxflow: LearnedSolver<LearnedMaxflow>;
  /** Routes whose edges carry observations. */
  readonly noisyRoute: LearnedSolver<LearnedObservationEncoder>;
  /** Max flows whose edges carry throughput samples. */
  readonly noisyMaxflow: LearnedSolver<LearnedObservationEncoder>;
  /** The inference queue's counts (absent when the solvers were built by hand, as tests do). */
  readonly queue?: LearnedQueueStats;
  /** Stops the worker threads, once every running inference has finished. */
  close(): Promise<void>;
}

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

/** Runs one task in the pool (the worker's default export, or the named one). */
type RunTask = <T>(task: unknown, name: string | undefined, options: InferOptions | undefined) => Promise<T>;

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

/** The compiled worker: under ts-jest this file is TypeScript, and workers need JavaScript. */
function workerFile(): string {
  const compiled = join(__dirname, 'worker.js');
  if (existsSync(compiled)) return compiled;
  return join(packageRoot(), 'dist', 'src', 'solvers', 'learned', 'worker.js');
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
  const bf = readModelEntry(modelsDir, BELLMAN_FORD_CONTRACT);
  const mf = readModelEntry(modelsDir, MAXFLOW_CONTRACT);
  const nr = readModelEntry(modelsDir, NOISY_ROUTES_CONTRACT);
  const nc = readModelEntry(modelsDir, NOISY_CAPACITIES_CONTRACT);
  const unready = (reason: string): LearnedReadiness => ({ ready: false, reason, runtime });
  if ('reason' in bf && 'reason' in mf && 'reason' in nr && 'reason' in nc) {
    const none = (found: { reason: string }) => ({ readiness: unready(found.reason) });
    return { route: none(bf), maxflow: none(mf), noisyRoute: none(nr), noisyMaxflow: none(nc), queue: NO_QUEUE, close: async () => {} };
  }

  const models: Partial<Record<ModelName, { path: string; hidden: number }>> = {};
  if ('model' in bf) models.bellman_ford = { path: bf.model.path, hidden: bf.model.hidden };
  if ('model' in mf) models.maxflow = { path: mf.model.path, hidden: mf.model.hidden };
  if ('model' in nr) models.noisy_routes = { path: nr.model.path, hidden: nr.model.hidden };
  if ('model' in nc) models.noisy_capacities = { path: nc.model.path, hidden: nc.model.hidden };
  const workers = opts.workers ?? 1;
  const pool = new Piscina({
    filename: workerFile(),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: Infinity,
    workerData: { models, intraOpThreads: opts.intraOpThreads ?? Math.max(1, Math.floor(availableParallelism() / workers)) },
  });
  const keepAlive = opts.keepAlive ?? true;
  const queue = new InferenceQueue(workers, opts.maxQueue ?? DEFAULT_LEARNED_QUEUE, (busy) => {
    if (!keepAlive) for (const thread of pool.threads) busy ? thread.ref() : thread.unref();
  });
  const run: RunTask = (task, name, options) => queue.run(() => pool.run(task, name ? { name } : undefined), options);

  // Each model is warmed up on its own: one that loads but cannot run is unavailable, with the reason, and the other still serves.
  const start = async <S extends ServedModel, M>(found: { model: S } | { reason: string }, make: (served: S) => M, warm: (model: M) => Promise<void>): Promise<LearnedSolver<M>> => {
    if ('reason' in found) return { readiness: unready(found.reason) };
    const model = make(found.model);
    try {
      await warm(model);
    } catch (error) {
      return { readiness: unready(`models/${found.model.file} failed to run: ${withoutPaths((error as Error).message, modelsDir)}`) };
    }
    return { model, readiness: { ready: true, reason: `${found.model.name} ${found.model.version} loaded`, runtime, version: found.model.version } };
  };
  const route = await start(bf, (served) => learnedBellmanFord(run, served), warmUpBellmanFord);
  const maxflow = await start(mf, (served) => learnedMaxflow(run, served), warmUpMaxflow);
  const noisyRoute = await start(nr, (served) => learnedObservationEncoder(run, served, 'noisy_routes'), warmUpObservationEncoder);
  const noisyMaxflow = await start(nc, (served) => learnedObservationEncoder(run, served, 'noisy_capacities'), warmUpObservationEncoder);
  if (!route.model && !maxflow.model && !noisyRoute.model && !noisyMaxflow.model) {
    await pool.destroy();
    return { route, maxflow, noisyRoute, noisyMaxflow, queue: NO_QUEUE, close: async () => {} };
  }
  // Terminating a worker while onnxruntime runs in it aborts the process: wait for running inferences first.
  const close = async (): Promise<void> => {
    while (queue.running > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await pool.destroy();
  };
  return {
    route, maxflow, noisyRoute, noisyMaxflow, close,
    get queue() {
      return queue.stats();
    },
  };
}

function learnedMaxflow(run: RunTask, served: ServedModel<HopDepthPlusExtra>): LearnedMaxflow {
  return {
    version: served.version,
    limits: served.limits,
    steps: served.steps,
    auto: served.auto === true,
    infer: (inputs, steps, options) =>
      run(
        {
          n: inputs.n,
          ki: inputs.ki,
          ko: inputs.ko,
          source: inputs.source,
          sink: inputs.sink,
          inIndex: inputs.inIndex,
          inCapacity: inputs.inCapacity,
          inMask: inputs.inMask,
          outIndex: inputs.outIndex,
          outCapacity: inputs.outCapacity,
          outMask: inputs.outMask,
          steps,
        },
        'maxflow',
        options,
      ),
  };
}

function learnedObservationEncoder(run: RunTask, served: ServedModel, model: 'noisy_routes' | 'noisy_capacities'): LearnedObservationEncoder {
  return { version: served.version, limits: served.limits, infer: (inputs, options) => run({ ...inputs, model }, 'observationEncoder', options) };
}

/** One tiny pass (a → b, two observations) so an encoder that cannot run is caught at start-up. */
async function warmUpObservationEncoder(model: LearnedObservationEncoder): Promise<void> {
  const result = await model.infer({
    m: 1, n: 2, o: 2, kt: 1, kh: 1,
    logObs: Float32Array.of(1, 1.2), obsMask: Float32Array.of(1, 1), centre: Float32Array.of(1.1), spread: Float32Array.of(0.1),
    tailArcs: BigInt64Array.of(0n, 0n), tailMask: Float32Array.of(1, 0), headArcs: BigInt64Array.of(0n, 0n), headMask: Float32Array.of(0, 1),
    tails: BigInt64Array.of(0n), heads: BigInt64Array.of(1n),
  });
  if (result.logCost.length !== 1 || !Number.isFinite(result.logCost[0])) throw new Error('warm-up returned the wrong shape');
}

/** One tiny inference (s → t, capacity 1) so a model that cannot run is caught at start-up. */
async function warmUpMaxflow(model: LearnedMaxflow): Promise<void> {
  const result = await model.infer(
    {
      n: 2,
      ki: 1,
      ko: 1,
      source: Float32Array.of(1, 0),
      sink: Float32Array.of(0, 1),
      inIndex: BigInt64Array.of(0n, 0n),
      inCapacity: Float32Array.of(0, 1),
      inMask: Float32Array.of(0, 1),
      outIndex: BigInt64Array.of(1n, 0n),
      outCapacity: Float32Array.of(1, 0),
      outMask: Float32Array.of(1, 0),
      inSlotEdge: Int32Array.of(-1, 0),
      inSlotSign: Int8Array.of(0, 1),
      hopDepth: 1,
    },
    2,
  );
  if (result.cutLogit.length !== 2 || result.flowFraction.length !== 2) throw new Error('warm-up returned the wrong shape');
}

function learnedBellmanFord(run: RunTask, served: ServedModel<UntilStable>): LearnedBellmanFord {
  const { patience, watch } = served.steps;
  return {
    version: served.version,
    limits: served.limits,
    steps: served.steps,
    auto: served.auto === true,
    infer: (inputs, maxSteps, options) =>
      run(
        {
          n: inputs.n,
          k: inputs.k,
          source: inputs.source,
          nbrIndex: inputs.nbrIndex,
          nbrWeight: inputs.nbrWeight,
          nbrMask: inputs.nbrMask,
          maxSteps,
          patience,
          watch,
        },
        undefined,
        options,
      ),
  };
}

/** One tiny inference so a model that loads but cannot run is caught at start-up, not per request. */
async function warmUpBellmanFord(model: LearnedBellmanFord): Promise<void> {
  const result = await model.infer(
    {
      n: 2,
      k: 1,
      source: Float32Array.of(1, 0),
      nbrIndex: BigInt64Array.of(0n, 0n),
      nbrWeight: Float32Array.of(0, 1),
      nbrMask: Float32Array.of(0, 1),
      slotEdge: Int32Array.of(-1, 0),
      slotTail: Int32Array.of(-1, 0),
    },
    2,
  );
  if (result.choice.length !== 2) throw new Error('warm-up returned the wrong shape');
}

/** The learned solvers as unavailable, for embedders that do not want the runtime loaded. */
export function learnedDisabled(reason = 'learned solvers disabled by configuration'): LearnedSolvers {
  const none = { readiness: { ready: false, reason } };
  return { route: none, maxflow: none, noisyRoute: none, noisyMaxflow: none, queue: NO_QUEUE, close: async () => {} };
}
