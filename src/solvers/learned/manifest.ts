import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readStepRule, type StepRule } from './steps';

/** The tensor names the TypeScript side feeds and reads; a model whose spec names others is not served. */
export const BELLMAN_FORD_INPUTS = ['h', 'source', 'nbr_index', 'nbr_weight', 'nbr_mask'] as const;
export const BELLMAN_FORD_OUTPUTS = ['h_next', 'pointer_logits', 'distance', 'reached'] as const;
export const MAXFLOW_INPUTS = ['h', 'source', 'sink', 'in_index', 'in_capacity', 'in_mask', 'out_index', 'out_capacity', 'out_mask'] as const;
export const MAXFLOW_OUTPUTS = ['h_next', 'flow_fraction', 'cut_logit'] as const;
export const NOISY_ROUTES_INPUTS = ['log_obs', 'obs_mask', 'centre', 'spread', 'tail_arcs', 'tail_mask', 'head_arcs', 'head_mask', 'tails', 'heads'] as const;
export const NOISY_ROUTES_OUTPUTS = ['log_cost'] as const;

/** What the service may send one model (the spec's serving.limits). */
export interface ServingLimits {
  /** Largest padded-slot count (nodes × padded list width) one graph may take. */
  readonly maxPaddedSlots: number;
  /** Most padded slots × processor steps per request: bounds inference time. */
  readonly maxSlotSteps: number;
}

/** A model file the service can load, with everything its spec says about serving it. */
export interface ServedModel<R extends StepRule = StepRule> {
  readonly name: string;
  /** The file name inside models/ (never an absolute path: it appears in reasons clients see). */
  readonly file: string;
  readonly path: string;
  readonly version: string;
  readonly hidden: number;
  readonly limits: ServingLimits;
  readonly steps: R;
  /** Whether solver "auto" runs the model on requests it would answer the same without it (spec serving.auto); contracts that need it require it. */
  readonly auto?: boolean;
}

/** What this build expects of one model: its tensors and its step rule. */
export interface ModelContract<K extends StepRule['rule']> {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly rule: K;
  /** Whether the spec must say (serving.auto) if auto runs the model on requests an exact solver answers alone. */
  readonly decidesAuto?: boolean;
}

/** The step rule named K. */
type RuleNamed<K extends StepRule['rule']> = Extract<StepRule, { rule: K }>;

export const BELLMAN_FORD_CONTRACT = { name: 'bellman_ford', inputs: BELLMAN_FORD_INPUTS, outputs: BELLMAN_FORD_OUTPUTS, rule: 'until_stable', decidesAuto: true } as const;
export const MAXFLOW_CONTRACT = { name: 'maxflow', inputs: MAXFLOW_INPUTS, outputs: MAXFLOW_OUTPUTS, rule: 'hop_depth + extra', decidesAuto: true } as const;
export const NOISY_ROUTES_CONTRACT = { name: 'noisy_routes', inputs: NOISY_ROUTES_INPUTS, outputs: NOISY_ROUTES_OUTPUTS, rule: 'single_pass' } as const;
/** The same encoder (its spec extends noisy_routes), trained on throughput samples. */
export const NOISY_CAPACITIES_CONTRACT = { name: 'noisy_capacities', inputs: NOISY_ROUTES_INPUTS, outputs: NOISY_ROUTES_OUTPUTS, rule: 'single_pass' } as const;

/**
 * readModelEntry: a model's manifest entry, checked against the file beside it (sha256), the opsets
 * onnxruntime-node accepts, and this build's contract; every serving fact is read from the entry's
 * copy of the spec. Returns the model or the reason it cannot be served: a missing spec field is a
 * reason, never a default.
 */
export function readModelEntry<K extends StepRule['rule']>(modelsDir: string, contract: ModelContract<K>): { model: ServedModel<RuleNamed<K>> } | { reason: string } {
  const { name } = contract;
  const manifestPath = join(modelsDir, 'manifest.json');
  if (!existsSync(manifestPath)) return { reason: 'no models/manifest.json' };
  let entry: Record<string, unknown> | undefined;
  try {
    entry = JSON.parse(readFileSync(manifestPath, 'utf8')).models?.[name];
  } catch (error) {
    return { reason: `models/manifest.json is not valid JSON: ${(error as Error).message}` };
  }
  if (!entry || typeof entry !== 'object') return { reason: `models/manifest.json has no entry for ${name}` };
  const file = entry.file;
  if (typeof file !== 'string' || file.includes('/') || file.includes('\\')) return { reason: `models/manifest.json: ${name}.file must be a file name inside models/` };
  const path = join(modelsDir, file);
  if (!existsSync(path)) return { reason: `no model file at models/${file}` };
  const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
  if (sha !== entry.sha256) return { reason: `models/${file} does not match its manifest sha256 (corrupt or replaced)` };
  const opset = entry.opset as number;
  if (!Number.isInteger(opset) || opset < 16 || opset > 26) return { reason: `opset ${opset} is outside what onnxruntime-node accepts (16–26)` };
  const fields = specFields(entry.spec, contract);
  if ('reason' in fields) return { reason: `models/manifest.json: ${name}: ${fields.reason}` };
  const released = (entry.spec as { serving?: { version?: unknown } } | undefined)?.serving?.version;
  if (typeof entry.version !== 'string' || entry.version !== released) {
    return { reason: `models/manifest.json: ${name}: version ${JSON.stringify(entry.version)} is not the spec's serving.version ${JSON.stringify(released)}` };
  }
  return { model: { name, file, path, version: entry.version, ...fields } };
}

/** The serving facts from a spec copy, or the first one that is missing or not what this build implements. */
function specFields<K extends StepRule['rule']>(spec: unknown, contract: ModelContract<K>): { hidden: number; limits: ServingLimits; steps: RuleNamed<K>; auto?: boolean } | { reason: string } {
  const s = (spec ?? {}) as { model?: Record<string, unknown>; serving?: { limits?: Record<string, unknown>; auto?: unknown } };
  const model = s.model ?? {};
  const inputs = Object.keys((model.step_inputs ?? {}) as object);
  const outputs = Object.keys((model.step_outputs ?? {}) as object);
  const same = (a: readonly string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(contract.inputs, inputs) || !same(contract.outputs, outputs)) {
    return { reason: `the spec names tensors ${inputs} → ${outputs}; this build feeds ${contract.inputs} → ${contract.outputs}` };
  }
  const positive = (value: unknown) => Number.isInteger(value) && (value as number) > 0;
  if (!positive(model.hidden)) return { reason: 'spec.model.hidden must be a positive integer' };
  const limits = s.serving?.limits ?? {};
  for (const key of ['max_padded_slots', 'max_slot_steps']) {
    if (!positive(limits[key])) return { reason: `spec.serving.limits.${key} must be a positive integer` };
  }
  const steps = readStepRule(model.steps);
  if ('unknown' in steps) return { reason: `spec.${steps.unknown}` };
  if (steps.rule !== contract.rule) return { reason: `spec.model.steps.rule is ${JSON.stringify(steps.rule)}; this build runs ${contract.name} with ${JSON.stringify(contract.rule)}` };
  const auto = s.serving?.auto;
  if (contract.decidesAuto && typeof auto !== 'boolean') return { reason: 'spec.serving.auto must be true or false' };
  return {
    hidden: model.hidden as number,
    limits: { maxPaddedSlots: limits.max_padded_slots as number, maxSlotSteps: limits.max_slot_steps as number },
    steps: steps as RuleNamed<K>,
    ...(typeof auto === 'boolean' && { auto }),
  };
}
