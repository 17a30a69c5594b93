/**
 * The served learned models, one entry each. Loading, readiness, the worker's dispatch, the
 * offload proxy, the logs and /readyz all read this table; a model's own files are its encoding
 * (the tensor list), its runner in worker.ts and its spec in training/specs/. Python's twin is
 * training/narsolve_train/registry.py; the contract tests pin the two to each other.
 */
import { BELLMAN_FORD_TENSORS } from './bellmanFordEncoding';
import { MAXFLOW_TENSORS } from './maxflowEncoding';
import { OBSERVATION_TENSORS } from './observationEncoding';
import type { StepRule } from './steps';
import type { Encoded, TensorFields } from './tensors';

export interface ModelDefinition {
  /** The model's name in models/manifest.json, training/specs/ and training/. */
  readonly model: string;
  /** What it answers, in words, for logs. */
  readonly label: string;
  readonly tensors: TensorFields;
  /** Whether it is a processor whose steps carry a state h (the first step input; h_next the first output). */
  readonly state: boolean;
  /** The outputs after h_next, as the spec's step outputs list them. */
  readonly outputs: readonly string[];
  readonly rule: StepRule['rule'];
  /** Whether the spec must say (serving.auto) if auto runs it on requests an exact solver answers alone. */
  readonly decidesAuto: boolean;
  /** Whether `auto` serves it only where its measured policy (models/<model>_policy.json) says it validated better than a classical estimate. */
  readonly policy: boolean;
  /** The numbers each call sends beside the encoding (the step budget). */
  readonly call: readonly string[];
  /** One tiny call at start-up, so a model that loads but cannot run is caught then, not per request; `expect` gives each result array's length. */
  readonly warmUp: { readonly request: Readonly<Record<string, unknown>>; readonly expect: Readonly<Record<string, number>> };
}

/** An observation encoder's entry: one architecture, tensors and warm-up (a → b with two observations), trained per model. */
const encoder = <M extends string>(model: M, label: string) =>
  ({ model, label, tensors: OBSERVATION_TENSORS, state: false, outputs: ['log_cost'], rule: 'single_pass', decidesAuto: false, policy: true, call: [], warmUp: ENCODER_WARM_UP }) as const;

const ENCODER_WARM_UP = {
  request: {
    m: 1, n: 2, o: 2, kt: 1, kh: 1,
    logObs: Float32Array.of(1, 1.2), obsMask: Float32Array.of(1, 1), centre: Float32Array.of(1.1), spread: Float32Array.of(0.1),
    tailArcs: BigInt64Array.of(0n, 0n), tailMask: Float32Array.of(1, 0), headArcs: BigInt64Array.of(0n, 0n), headMask: Float32Array.of(0, 1),
    tails: BigInt64Array.of(0n), heads: BigInt64Array.of(1n),
  },
  expect: { logCost: 1 },
};

export const MODELS = {
  /** The Bellman-Ford processor: /route on weights. */
  route: {
    model: 'bellman_ford',
    label: 'route',
    tensors: BELLMAN_FORD_TENSORS,
    state: true,
    outputs: ['pointer_logits', 'distance', 'reached'],
    rule: 'until_stable',
    decidesAuto: true,
    policy: false,
    call: ['maxSteps'],
    warmUp: {
      request: { n: 2, k: 1, source: Float32Array.of(1, 0), nbrIndex: BigInt64Array.of(0n, 0n), nbrWeight: Float32Array.of(0, 1), nbrMask: Float32Array.of(0, 1), maxSteps: 2 },
      expect: { choice: 2 },
    },
  },
  /** The max-flow processor: /maxflow on capacities (a warm start for the exact solver). */
  maxflow: {
    model: 'maxflow',
    label: 'max flow',
    tensors: MAXFLOW_TENSORS,
    state: true,
    outputs: ['flow_fraction', 'cut_logit'],
    rule: 'hop_depth + extra',
    decidesAuto: true,
    policy: false,
    call: ['steps'],
    warmUp: {
      request: {
        n: 2, ki: 1, ko: 1, source: Float32Array.of(1, 0), sink: Float32Array.of(0, 1),
        inIndex: BigInt64Array.of(0n, 0n), inCapacity: Float32Array.of(0, 1), inMask: Float32Array.of(0, 1),
        outIndex: BigInt64Array.of(1n, 0n), outCapacity: Float32Array.of(1, 0), outMask: Float32Array.of(1, 0), steps: 2,
      },
      expect: { cutLogit: 2, flowFraction: 2 },
    },
  },
  /** The observation encoder for routes whose edges carry observations. */
  noisyRoutes: encoder('noisy_routes', 'noisy routes'),
  /** The same encoder trained on capacity observations (its spec extends noisy_routes): max flows whose edges carry capacityObservations. */
  noisyCapacities: encoder('noisy_capacities', 'noisy capacities'),
} as const satisfies Record<string, ModelDefinition>;

/** A served model, by the key it has in MODELS and in LearnedSolvers. */
export type SolverName = keyof typeof MODELS;

/** The observation encoders: one architecture and runner, two trainings. */
export type EncoderName = 'noisyRoutes' | 'noisyCapacities';

export const SOLVER_NAMES = Object.keys(MODELS) as SolverName[];

/** What one call of model K sends: its encoding plus its per-call numbers. */
export type RequestOf<K extends SolverName> = Encoded<(typeof MODELS)[K]['tensors']> & Readonly<Record<(typeof MODELS)[K]['call'][number], number>>;

/** Model K's step rule. */
export type RuleOf<K extends SolverName> = Extract<StepRule, { rule: (typeof MODELS)[K]['rule'] }>;

/** The step inputs the spec must list, in order. */
export function stepInputs(definition: ModelDefinition): string[] {
  return [...(definition.state ? ['h'] : []), ...Object.values(definition.tensors).map((field) => field.feed)];
}

/** The step outputs the spec must list, in order. */
export function stepOutputs(definition: ModelDefinition): string[] {
  return [...(definition.state ? ['h_next'] : []), ...definition.outputs];
}

/** What crosses to a worker for one call: the model's tensors and dimensions and its call numbers, nothing the decoder alone reads. */
export function requestPayload<K extends SolverName>(name: K, request: RequestOf<K>): RequestOf<K> {
  const definition: ModelDefinition = MODELS[name];
  const from = request as unknown as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(definition.tensors)) {
    picked[key] = from[key];
    for (const dim of field.dims) picked[dim] = from[dim];
  }
  for (const key of definition.call) picked[key] = from[key];
  return picked as RequestOf<K>;
}
