/**
 * A worker thread that owns one onnxruntime session per model (created on first use, reused for
 * every task: creating and releasing sessions leaks memory) and runs each model's loop.
 * session.run is synchronous native code, so it must never run on the service's event loop.
 * RUNNERS holds one runner per entry of MODELS; the compiler holds the two to each other.
 */
import * as ort from 'onnxruntime-node';
import Piscina from 'piscina';
import { MODELS, type EncoderName, type RequestOf, type RuleOf, type SolverName } from './models';
import { feedsOf, sessionOptions } from './session';

/** What the main thread tells each worker about a model it serves. */
export interface WorkerModel<K extends SolverName = SolverName> {
  readonly path: string;
  readonly hidden: number;
  readonly steps: RuleOf<K>;
}

export interface WorkerConfig {
  readonly models: { readonly [K in SolverName]?: WorkerModel<K> };
  readonly intraOpThreads: number;
}

/** One call: which model, and what it is sent (requestPayload). */
export type WorkerTask = { [K in SolverName]: { readonly solver: K; readonly request: RequestOf<K> } }[SolverName];

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

/** What a max-flow run returns: the last step's outputs. */
export interface MaxflowInference {
  /** Flow / capacity per incoming slot after the last step. */
  flowFraction: Float32Array;
  cutLogit: Float32Array;
  steps: number;
  inferenceMs: number;
}

/** What an observation encoder returns: a decoded log cost per arc. */
export interface ObservationInference {
  logCost: Float32Array;
  inferenceMs: number;
}

/** A model's session and what the main thread said about it. */
interface Loaded<K extends SolverName> {
  readonly session: ort.InferenceSession;
  readonly model: WorkerModel<K>;
}

type Runner<K extends SolverName> = (request: RequestOf<K>, loaded: Loaded<K>) => Promise<unknown>;

/**
 * Bellman-Ford: steps until what the step rule watches (the decoded pointers, or the whole state h)
 * is unchanged for `patience` steps, or maxSteps.
 */
async function runBellmanFord(request: RequestOf<'route'>, { session, model }: Loaded<'route'>): Promise<BellmanFordInference> {
  const started = performance.now();
  const { n, k } = request;
  const { patience, watch } = model.steps;
  const feeds = feedsOf(MODELS.route, request, model.hidden);
  let choice = new Int32Array(n).fill(-1);
  let distance: Float32Array<ArrayBufferLike> = new Float32Array(n);
  let steps = 0;
  let unchanged = 0;
  let settled = false;
  while (steps < request.maxSteps) {
    const out = await session.run(feeds);
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
    if (watch === 'state') changed = !sameBits(feeds.h.data as Float32Array, out.h_next.data as Float32Array);
    feeds.h = out.h_next;
    // `choice` starts at -1, so the first step always counts as a change.
    unchanged = changed ? 0 : unchanged + 1;
    if (unchanged >= patience) {
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

/** Max flow: a fixed number of steps, then the last step's outputs. */
async function runMaxflow(request: RequestOf<'maxflow'>, { session, model }: Loaded<'maxflow'>): Promise<MaxflowInference> {
  const started = performance.now();
  const feeds = feedsOf(MODELS.maxflow, request, model.hidden);
  let out: ort.InferenceSession.OnnxValueMapType | undefined;
  for (let step = 0; step < request.steps; step++) {
    out = await session.run(feeds);
    feeds.h = out.h_next as ort.Tensor;
  }
  if (!out) throw new Error('maxflow: at least one step is needed');
  return {
    flowFraction: out.flow_fraction.data as Float32Array,
    cutLogit: out.cut_logit.data as Float32Array,
    steps: request.steps,
    inferenceMs: performance.now() - started,
  };
}

/** An observation encoder: one pass. */
async function runEncoder<K extends EncoderName>(request: RequestOf<K>, { session }: Loaded<K>): Promise<ObservationInference> {
  const started = performance.now();
  const out = await session.run(feedsOf(MODELS.noisyRoutes, request, 0));
  return { logCost: out.log_cost.data as Float32Array, inferenceMs: performance.now() - started };
}

const RUNNERS = {
  route: runBellmanFord,
  maxflow: runMaxflow,
  noisyRoutes: runEncoder,
  noisyCapacities: runEncoder,
} satisfies { [K in SolverName]: Runner<K> };

/** What model K's call resolves to. */
export type ResultOf<K extends SolverName> = Awaited<ReturnType<(typeof RUNNERS)[K]>>;

// Piscina hands each worker the pool's workerData.
const config = Piscina.workerData as WorkerConfig;
const sessions = new Map<SolverName, Promise<ort.InferenceSession>>();

function sessionOf(name: SolverName): Promise<ort.InferenceSession> {
  const model = config.models[name];
  if (!model) throw new Error(`no ${MODELS[name].model} model in this worker`);
  let session = sessions.get(name);
  if (!session) {
    session = ort.InferenceSession.create(model.path, sessionOptions(config.intraOpThreads));
    sessions.set(name, session);
  }
  return session;
}

/** Piscina's entry point: runs one call on its model's runner. */
export default async function run(task: WorkerTask): Promise<unknown> {
  const session = await sessionOf(task.solver);
  // The compiler checked RUNNERS against MODELS; one task's solver and request belong together by WorkerTask's type.
  const runner = RUNNERS[task.solver] as unknown as (request: WorkerTask['request'], loaded: Loaded<SolverName>) => Promise<unknown>;
  return runner(task.request, { session, model: config.models[task.solver]! } as Loaded<SolverName>);
}
