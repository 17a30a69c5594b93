/**
 * A worker thread that owns one onnxruntime session (created once, reused for every task:
 * creating and releasing sessions leaks memory) and runs the Bellman-Ford processor's loop.
 * session.run is synchronous native code, so it must never run on the service's event loop.
 */
import * as ort from 'onnxruntime-node';
import Piscina from 'piscina';

interface WorkerConfig {
  modelPath: string;
  hidden: number;
  intraOpThreads: number;
}

export interface InferenceTask {
  n: number;
  k: number;
  source: Float32Array;
  nbrIndex: BigInt64Array;
  nbrWeight: Float32Array;
  nbrMask: Float32Array;
  maxSteps: number;
}

export interface InferenceResult {
  /** Chosen slot per node; k means "self" (no predecessor). */
  choice: Int32Array;
  /** Predicted distance per node after the last step, in weight units. */
  distance: Float32Array;
  steps: number;
  /** Whether the pointers reached a fixed point before maxSteps. */
  converged: boolean;
  inferenceMs: number;
}

// Piscina hands each worker the pool's workerData.
const config = Piscina.workerData as WorkerConfig;
let session: Promise<ort.InferenceSession> | undefined;

function getSession(): Promise<ort.InferenceSession> {
  session ??= ort.InferenceSession.create(config.modelPath, {
    intraOpNumThreads: config.intraOpThreads,
    interOpNumThreads: 1,
    // 'extended' measured faster than 'all' here: the layout rewrites of 'all' cost more than they save on these small tensors.
    graphOptimizationLevel: 'extended',
  });
  return session;
}

/** Runs processor steps until the decoded pointers stop changing (or maxSteps). */
export default async function run(task: InferenceTask): Promise<InferenceResult> {
  const s = await getSession();
  const started = performance.now();
  const { n, k } = task;
  const feeds: Record<string, ort.Tensor> = {
    h: new ort.Tensor('float32', new Float32Array(n * config.hidden), [n, config.hidden]),
    source: new ort.Tensor('float32', task.source, [n]),
    nbr_index: new ort.Tensor('int64', task.nbrIndex, [n, k]),
    nbr_weight: new ort.Tensor('float32', task.nbrWeight, [n, k]),
    nbr_mask: new ort.Tensor('float32', task.nbrMask, [n, k]),
  };
  let choice = new Int32Array(n).fill(-1);
  let distance: Float32Array<ArrayBufferLike> = new Float32Array(n);
  let steps = 0;
  let converged = false;
  while (steps < task.maxSteps) {
    const out = await s.run(feeds);
    steps++;
    const logits = out.pointer_logits.data as Float32Array;
    const next = new Int32Array(n);
    let changed = false;
    for (let v = 0; v < n; v++) {
      let best = 0;
      let bestScore = -Infinity;
      for (let j = 0; j <= k; j++) {
        const score = logits[v * (k + 1) + j];
        if (score > bestScore) {
          bestScore = score;
          best = j;
        }
      }
      next[v] = best;
      if (best !== choice[v]) changed = true;
    }
    choice = next;
    distance = out.distance.data as Float32Array;
    feeds.h = out.h_next;
    if (!changed && steps > 1) {
      converged = true;
      break;
    }
  }
  return { choice, distance, steps, converged, inferenceMs: performance.now() - started };
}
