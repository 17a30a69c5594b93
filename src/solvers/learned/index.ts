import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import Piscina from 'piscina';
import { packageRoot } from '../../paths';
import type { BellmanFordInputs } from './encode';
import { BELLMAN_FORD_INPUTS, BELLMAN_FORD_OUTPUTS, MAXFLOW_INPUTS, MAXFLOW_OUTPUTS, readModelEntry, type ModelEntry } from './manifest';
import type { MaxflowInputs } from './maxflowEncoding';
import type { InferenceResult, MaxflowResult, ModelName } from './worker';

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
  /** Largest N × K (nodes × largest in-degree) the service will encode. */
  readonly maxPaddedSlots: number;
  /**
   * Most padded slots × processor steps per request: bounds inference time. A graph needs about as
   * many steps as its shortest paths have edges; one that needs more is left unconverged and repaired.
   */
  readonly maxSlotSteps: number;
  /** Steps in a row with unchanged pointers that end a run (the spec's stopping rule). */
  readonly patience: number;
  infer(inputs: BellmanFordInputs, maxSteps: number): Promise<InferenceResult>;
}

/** The loaded max-flow processor: a fixed number of steps per graph, in worker threads. */
export interface LearnedMaxflow {
  readonly version: string;
  /** Largest N × (KI + KO) (nodes × widest incoming plus outgoing list) the service will encode. */
  readonly maxPaddedSlots: number;
  /** Most padded slots × processor steps per request: bounds inference time. */
  readonly maxSlotSteps: number;
  /** Steps beyond the graph's hop depth (the spec's step rule). */
  readonly extraSteps: number;
  infer(inputs: MaxflowInputs, steps: number): Promise<MaxflowResult>;
}

export interface LearnedSolvers {
  readonly route: LearnedReadiness;
  readonly maxflow: LearnedReadiness;
  readonly bellmanFord?: LearnedBellmanFord;
  readonly flow?: LearnedMaxflow;
  /** Stops the worker threads. */
  close(): Promise<void>;
}

export interface LearnedOptions {
  modelsDir?: string;
  /** Worker threads, one session each (default 1). */
  workers?: number;
  /** onnxruntime intra-op threads per session (default: the cores, divided among workers). */
  intraOpThreads?: number;
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
    const reason = `onnxruntime-node failed to load: ${(error as Error).message}`;
    return { route: { ready: false, reason }, maxflow: { ready: false, reason }, close: async () => {} };
  }
  const bf = readModelEntry(modelsDir, 'bellman_ford', BELLMAN_FORD_INPUTS, BELLMAN_FORD_OUTPUTS);
  const mf = readModelEntry(modelsDir, 'maxflow', MAXFLOW_INPUTS, MAXFLOW_OUTPUTS);
  const unready = (found: { reason: string }): LearnedReadiness => ({ ready: false, reason: found.reason, runtime });
  if ('reason' in bf && 'reason' in mf) return { route: unready(bf), maxflow: unready(mf), close: async () => {} };

  const models: Partial<Record<ModelName, { path: string; hidden: number }>> = {};
  if (!('reason' in bf)) models.bellman_ford = { path: bf.path, hidden: bf.entry.spec.model.hidden };
  if (!('reason' in mf)) models.maxflow = { path: mf.path, hidden: mf.entry.spec.model.hidden };
  const workers = opts.workers ?? 1;
  const pool = new Piscina({
    filename: workerFile(),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: Infinity,
    // Beyond this many waiting inferences, new ones are refused and auto answers classically.
    maxQueue: 64,
    workerData: { models, intraOpThreads: opts.intraOpThreads ?? Math.max(1, Math.floor(availableParallelism() / workers)) },
  });

  // Each model is warmed up on its own: one that loads but cannot run is unavailable, with the reason, and the other still serves.
  const ready = async <T extends { version: string }>(found: typeof bf, make: (entry: ModelEntry) => T, warm: (model: T) => Promise<void>) => {
    if ('reason' in found) return { readiness: unready(found) };
    const model = make(found.entry);
    try {
      await warm(model);
    } catch (error) {
      return { readiness: unready({ reason: `models/${found.entry.file} failed to run: ${(error as Error).message}` }) };
    }
    return { model, readiness: { ready: true, reason: `${found.entry.name} ${found.entry.version} loaded`, runtime, version: found.entry.version } };
  };
  const route = await ready(bf, (entry) => learnedBellmanFord(pool, entry), warmUp);
  const maxflow = await ready(mf, (entry) => learnedMaxflow(pool, entry), warmUpMaxflow);
  if (!route.model && !maxflow.model) {
    await pool.destroy();
    return { route: route.readiness, maxflow: maxflow.readiness, close: async () => {} };
  }
  return { route: route.readiness, maxflow: maxflow.readiness, bellmanFord: route.model, flow: maxflow.model, close: () => pool.destroy() };
}

function learnedMaxflow(pool: Piscina, entry: ModelEntry): LearnedMaxflow {
  return {
    version: entry.version,
    maxPaddedSlots: entry.limits?.max_padded_slots ?? 1_000_000,
    maxSlotSteps: entry.limits?.max_slot_steps ?? 50_000_000,
    extraSteps: entry.spec.model.steps?.extra ?? 3,
    infer: (inputs, steps) =>
      pool.run(
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
        { name: 'maxflow' },
      ),
  };
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

function learnedBellmanFord(pool: Piscina, entry: ModelEntry): LearnedBellmanFord {
  // One unchanged step is not a fixed point: an improvement can travel down already-right pointers
  // for a few rounds before it changes one further on (the spec's stopping rule says more).
  const patience = entry.spec.model.stopping?.patience ?? 1;
  return {
    version: entry.version,
    maxPaddedSlots: entry.limits?.max_padded_slots ?? 1_000_000,
    maxSlotSteps: entry.limits?.max_slot_steps ?? 50_000_000,
    patience,
    infer: (inputs, maxSteps) =>
      pool.run({
        n: inputs.n,
        k: inputs.k,
        source: inputs.source,
        nbrIndex: inputs.nbrIndex,
        nbrWeight: inputs.nbrWeight,
        nbrMask: inputs.nbrMask,
        maxSteps,
        patience,
      }),
  };
}

/** One tiny inference so a model that loads but cannot run is caught at start-up, not per request. */
async function warmUp(model: LearnedBellmanFord): Promise<void> {
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
  return { route: { ready: false, reason }, maxflow: { ready: false, reason }, close: async () => {} };
}
