import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODELS, stepInputs, stepOutputs, type ModelDefinition, type RuleOf, type SolverName } from './models';
import { readStepRule, type StepRule } from './steps';

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
  /** The model file's sha256 (checked against the manifest): what a measured policy names. */
  readonly sha256: string;
  readonly hidden: number;
  readonly limits: ServingLimits;
  readonly steps: R;
  /** Whether solver "auto" runs the model on requests it would answer the same without it (spec serving.auto); contracts that need it require it. */
  readonly auto?: boolean;
}

/**
 * readModelEntry: a model's manifest entry, checked against the file beside it (sha256), the opsets
 * onnxruntime-node accepts, and this build's contract; every serving fact is read from the entry's
 * copy of the spec. Returns the model or the reason it cannot be served: a missing spec field is a
 * reason, never a default.
 */
export function readModelEntry<K extends SolverName>(modelsDir: string, solver: K): { model: ServedModel<RuleOf<K>> } | { reason: string } {
  const definition: ModelDefinition = MODELS[solver];
  const name = definition.model;
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
  // Required here: a process that never loads a model (a classical CLI call) does not load node:crypto.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sha = (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(readFileSync(path)).digest('hex');
  if (sha !== entry.sha256) return { reason: `models/${file} does not match its manifest sha256 (corrupt or replaced)` };
  const opset = entry.opset as number;
  if (!Number.isInteger(opset) || opset < 16 || opset > 26) return { reason: `opset ${opset} is outside what onnxruntime-node accepts (16–26)` };
  const fields = specFields(entry.spec, definition);
  if ('reason' in fields) return { reason: `models/manifest.json: ${name}: ${fields.reason}` };
  const released = (entry.spec as { serving?: { version?: unknown } } | undefined)?.serving?.version;
  if (typeof entry.version !== 'string' || entry.version !== released) {
    return { reason: `models/manifest.json: ${name}: version ${JSON.stringify(entry.version)} is not the spec's serving.version ${JSON.stringify(released)}` };
  }
  return { model: { name, file, path, version: entry.version, sha256: sha, ...fields, steps: fields.steps as RuleOf<K> } };
}

/** The serving facts from a spec copy, or the first one that is missing or not what this build implements. */
function specFields(spec: unknown, definition: ModelDefinition): { hidden: number; limits: ServingLimits; steps: StepRule; auto?: boolean } | { reason: string } {
  const s = (spec ?? {}) as { model?: Record<string, unknown>; serving?: { limits?: Record<string, unknown>; auto?: unknown } };
  const model = s.model ?? {};
  const specInputs = (model.step_inputs ?? {}) as Record<string, { dtype?: unknown; shape?: unknown }>;
  const inputs = Object.keys(specInputs);
  const outputs = Object.keys((model.step_outputs ?? {}) as object);
  const fed = stepInputs(definition);
  const read = stepOutputs(definition);
  const same = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(fed, inputs) || !same(read, outputs)) {
    return { reason: `the spec names tensors ${inputs} → ${outputs}; this build feeds ${fed} → ${read}` };
  }
  for (const field of Object.values(definition.tensors)) {
    const { dtype, shape } = specInputs[field.feed];
    const dims = field.dims.map((dim) => dim.toUpperCase());
    if (dtype !== field.type || !Array.isArray(shape) || !same(dims, shape)) {
      return { reason: `the spec's ${field.feed} is ${dtype} ${JSON.stringify(shape)}; this build feeds ${field.type} ${JSON.stringify(dims)}` };
    }
  }
  const positive = (value: unknown) => Number.isInteger(value) && (value as number) > 0;
  if (!positive(model.hidden)) return { reason: 'spec.model.hidden must be a positive integer' };
  const limits = s.serving?.limits ?? {};
  for (const key of ['max_padded_slots', 'max_slot_steps']) {
    if (!positive(limits[key])) return { reason: `spec.serving.limits.${key} must be a positive integer` };
  }
  const steps = readStepRule(model.steps);
  if ('unknown' in steps) return { reason: `spec.${steps.unknown}` };
  if (steps.rule !== definition.rule) return { reason: `spec.model.steps.rule is ${JSON.stringify(steps.rule)}; this build runs ${definition.model} with ${JSON.stringify(definition.rule)}` };
  const auto = s.serving?.auto;
  if (definition.decidesAuto && typeof auto !== 'boolean') return { reason: 'spec.serving.auto must be true or false' };
  return {
    hidden: model.hidden as number,
    limits: { maxPaddedSlots: limits.max_padded_slots as number, maxSlotSteps: limits.max_slot_steps as number },
    steps,
    ...(typeof auto === 'boolean' && { auto }),
  };
}

/**
 * The spec's serving.auto of every solver's model as the manifest declares it, read once, without
 * loading or checking the models (a solver is absent when the manifest says nothing clear): what lets
 * the library answer a request the exact solver answers alone without loading the runtime.
 */
export function declaredServingAuto(modelsDir: string): Partial<Record<SolverName, boolean>> {
  let models: Record<string, { spec?: { serving?: { auto?: unknown } } }> | undefined;
  try {
    models = JSON.parse(readFileSync(join(modelsDir, 'manifest.json'), 'utf8')).models;
  } catch {
    return {};
  }
  const declared: Partial<Record<SolverName, boolean>> = {};
  for (const solver of Object.keys(MODELS) as SolverName[]) {
    const auto = models?.[MODELS[solver].model]?.spec?.serving?.auto;
    if (typeof auto === 'boolean') declared[solver] = auto;
  }
  return declared;
}
