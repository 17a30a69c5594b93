import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import Piscina from 'piscina';
import { packageRoot } from '../../paths';
import type { BellmanFordInputs } from './encode';
import { BELLMAN_FORD_INPUTS, BELLMAN_FORD_OUTPUTS, readModelEntry, type ModelEntry } from './manifest';
import type { InferenceResult } from './worker';

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
  infer(inputs: BellmanFordInputs, maxSteps: number): Promise<InferenceResult>;
}

export interface LearnedSolvers {
  readonly route: LearnedReadiness;
  readonly maxflow: LearnedReadiness;
  readonly bellmanFord?: LearnedBellmanFord;
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
  const maxflow: LearnedReadiness = { ready: false, reason: 'no learned max-flow solver in this build yet', runtime };
  const found = readModelEntry(modelsDir, 'bellman_ford', BELLMAN_FORD_INPUTS, BELLMAN_FORD_OUTPUTS);
  if ('reason' in found) return { route: { ready: false, reason: found.reason, runtime }, maxflow, close: async () => {} };

  const workers = opts.workers ?? 1;
  const pool = new Piscina({
    filename: workerFile(),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: Infinity,
    // Beyond this many waiting inferences, new ones are refused and auto answers classically.
    maxQueue: 64,
    workerData: {
      modelPath: found.path,
      hidden: found.entry.spec.model.hidden,
      intraOpThreads: opts.intraOpThreads ?? Math.max(1, Math.floor(availableParallelism() / workers)),
    },
  });
  const bellmanFord = learnedBellmanFord(pool, found.entry);
  try {
    await warmUp(bellmanFord);
  } catch (error) {
    await pool.destroy();
    return { route: { ready: false, reason: `models/${found.entry.file} failed to run: ${(error as Error).message}`, runtime }, maxflow, close: async () => {} };
  }
  return {
    route: { ready: true, reason: `bellman_ford ${found.entry.version} loaded`, runtime, version: found.entry.version },
    maxflow,
    bellmanFord,
    close: () => pool.destroy(),
  };
}

function learnedBellmanFord(pool: Piscina, entry: ModelEntry): LearnedBellmanFord {
  return {
    version: entry.version,
    maxPaddedSlots: entry.limits?.max_padded_slots ?? 1_000_000,
    maxSlotSteps: entry.limits?.max_slot_steps ?? 50_000_000,
    infer: (inputs, maxSteps) =>
      pool.run({
        n: inputs.n,
        k: inputs.k,
        source: inputs.source,
        nbrIndex: inputs.nbrIndex,
        nbrWeight: inputs.nbrWeight,
        nbrMask: inputs.nbrMask,
        maxSteps,
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
