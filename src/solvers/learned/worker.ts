/**
 * A worker thread that owns one onnxruntime session per model (created on first use, reused for
 * every task: creating and releasing sessions leaks memory) and runs the processors' loops.
 * session.run is synchronous native code, so it must never run on the service's event loop.
 * The default export runs Bellman-Ford; `maxflow` runs the flow processor.
 */
import * as ort from 'onnxruntime-node';
import Piscina from 'piscina';
import type { ObservationInputs } from './observationEncoding';
import { bellmanFordFeeds, maxflowFeeds, observationFeeds, sessionOptions } from './session';

export type ModelName = 'bellman_ford' | 'maxflow' | 'noisy_routes' | 'noisy_capacities';

interface WorkerConfig {
  models: Partial<Record<ModelName, { path: string; hidden: number }>>;
  intraOpThreads: number;
}

/** One Bellman-Ford run: the encoded graph, the step cap and the stopping rule. */
export interface BellmanFordTask {
  n: number;
  k: number;
  source: Float32Array;
  nbrIndex: BigInt64Array;
  nbrWeight: Float32Array;
  nbrMask: Float32Array;
  maxSteps: number;
  /** Stop once what `watch` names (the decoded pointers, or the whole state h) has been unchanged for this many steps in a row. */
  patience: number;
  watch: 'pointers' | 'state';
}

/** What a Bellman-Ford run returns. */
export interface BellmanFordInference {
  /** Chosen slot per node; k means "self" (no predecessor). */
  choice: Int32Array;
  /** Predicted distance per node after the last step, in weight units. */
  distance: Float32Array;
  steps: number;
  /** Whether the watched pointers or state stayed unchanged for `patience` steps before maxSteps. */
  settled: boolean;
  inferenceMs: number;
}

/** One max-flow run: the encoded network and the number of steps. */
export interface MaxflowTask {
  n: number;
  ki: number;
  ko: number;
  source: Float32Array;
  sink: Float32Array;
  inIndex: BigInt64Array;
  inCapacity: Float32Array;
  inMask: Float32Array;
  outIndex: BigInt64Array;
  outCapacity: Float32Array;
  outMask: Float32Array;
  steps: number;
}

/** What a max-flow run returns: the last step's outputs. */
export interface MaxflowInference {
  /** Flow / capacity per incoming slot after the last step. */
  flowFraction: Float32Array;
  cutLogit: Float32Array;
  steps: number;
  inferenceMs: number;
}

// Piscina hands each worker the pool's workerData.
const config = Piscina.workerData as WorkerConfig;
const sessions = new Map<ModelName, Promise<ort.InferenceSession>>();

function getSession(name: ModelName): { session: Promise<ort.InferenceSession>; hidden: number } {
  const model = config.models[name];
  if (!model) throw new Error(`no ${name} model in this worker`);
  let session = sessions.get(name);
  if (!session) {
    session = ort.InferenceSession.create(model.path, sessionOptions(config.intraOpThreads));
    sessions.set(name, session);
  }
  return { session, hidden: model.hidden };
}

/** Runs Bellman-Ford processor steps until the decoded pointers (or the state) stop changing for `patience` steps (or maxSteps). */
export default async function run(task: BellmanFordTask): Promise<BellmanFordInference> {
  const model = getSession('bellman_ford');
  const s = await model.session;
  const started = performance.now();
  const { n, k } = task;
  const feeds = bellmanFordFeeds(task, model.hidden);
  let choice = new Int32Array(n).fill(-1);
  let distance: Float32Array<ArrayBufferLike> = new Float32Array(n);
  let steps = 0;
  let unchanged = 0;
  let settled = false;
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
    if (task.watch === 'state') changed = !sameBits(feeds.h.data as Float32Array, out.h_next.data as Float32Array);
    feeds.h = out.h_next;
    // `choice` starts at -1, so the first step always counts as a change.
    unchanged = changed ? 0 : unchanged + 1;
    if (unchanged >= task.patience) {
      settled = true;
      break;
    }
  }
  return { choice, distance, steps, settled, inferenceMs: performance.now() - started };
}

/** Whether two states are equal element for element (a NaN never is, so a broken state runs to the cap and is repaired). */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Runs the max-flow processor for a fixed number of steps and returns the last step's outputs. */
export async function maxflow(task: MaxflowTask): Promise<MaxflowInference> {
  const model = getSession('maxflow');
  const s = await model.session;
  const started = performance.now();
  const feeds = maxflowFeeds(task, model.hidden);
  let out: ort.InferenceSession.OnnxValueMapType | undefined;
  for (let step = 0; step < task.steps; step++) {
    out = await s.run(feeds);
    feeds.h = out.h_next as ort.Tensor;
  }
  if (!out) throw new Error('maxflow: at least one step is needed');
  return {
    flowFraction: out.flow_fraction.data as Float32Array,
    cutLogit: out.cut_logit.data as Float32Array,
    steps: task.steps,
    inferenceMs: performance.now() - started,
  };
}

/** What the observation encoder returns: a decoded log cost per arc. */
export interface ObservationInference {
  logCost: Float32Array;
  inferenceMs: number;
}

/** One pass of an observation encoder: the encoded graph and which encoder. */
export interface ObservationTask extends ObservationInputs {
  model: 'noisy_routes' | 'noisy_capacities';
}

/** Runs an observation encoder once. */
export async function observationEncoder(task: ObservationTask): Promise<ObservationInference> {
  const model = getSession(task.model);
  const s = await model.session;
  const started = performance.now();
  const out = await s.run(observationFeeds(task));
  return { logCost: out.log_cost.data as Float32Array, inferenceMs: performance.now() - started };
}
