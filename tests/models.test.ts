/**
 * The table of served models is the one list: every entry has its spec, a committed model that the
 * manifest describes exactly, and tensors that agree with the spec name for name, type for type and
 * shape for shape. A committed model that goes missing fails here; the model tests do not skip silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readModelEntry } from '../src/solvers/learned/manifest';
import { MODELS, SOLVER_NAMES, stepInputs, stepOutputs } from '../src/solvers/learned/models';

const MODELS_DIR = join(__dirname, '..', 'models');
const manifest = JSON.parse(readFileSync(join(MODELS_DIR, 'manifest.json'), 'utf8'));
/** A spec as training reads it (narsolve_train/spec.py load_spec): what it extends filled in, its own top-level fields winning. */
function specOf(model: string): Record<string, any> {
  const { extends: base, ...own } = JSON.parse(readFileSync(join(__dirname, '..', 'training', 'specs', `${model}.json`), 'utf8'));
  return base === undefined ? own : { ...specOf(base), ...own };
}

describe.each(SOLVER_NAMES.map((name) => [name, MODELS[name].model] as const))('the served model %s (%s)', (name, model) => {
  const definition = MODELS[name];

  test('is committed, and the manifest carries exactly the spec it was trained from', () => {
    const entry = manifest.models[model];
    expect(entry).toBeDefined();
    expect(existsSync(join(MODELS_DIR, entry.file))).toBe(true);
    const spec = specOf(model);
    expect(entry.spec).toEqual(spec);
    expect(entry.version).toBe(spec.serving.version);
  });

  test("its tensors are the spec's step inputs and outputs, in order, with the spec's types and shapes", () => {
    const spec = specOf(model);
    expect(stepInputs(definition)).toEqual(Object.keys(spec.model.step_inputs));
    expect(stepOutputs(definition)).toEqual(Object.keys(spec.model.step_outputs));
    for (const field of Object.values(definition.tensors)) {
      expect({ feed: field.feed, dtype: spec.model.step_inputs[field.feed].dtype, shape: spec.model.step_inputs[field.feed].shape }).toEqual({
        feed: field.feed,
        dtype: field.type,
        shape: field.dims.map((dim: string) => dim.toUpperCase()),
      });
    }
    expect(spec.model.steps.rule).toBe(definition.rule);
  });

  test('the manifest entry is servable by this build', () => {
    const found = readModelEntry(MODELS_DIR, name);
    expect('reason' in found ? found.reason : 'servable').toBe('servable');
  });

  test("its warm-up call is a request of the model's own shape", () => {
    const request = definition.warmUp.request as Record<string, unknown>;
    for (const [key, field] of Object.entries(definition.tensors)) {
      const size = field.dims.reduce((product: number, dim: string) => product * (request[dim] as number), 1);
      expect([key, (request[key] as ArrayLike<number>).length]).toEqual([key, size]);
    }
    for (const key of definition.call) expect(typeof request[key]).toBe('number');
  });
});

test('the table serves exactly the models of the manifest (training/narsolve_train/registry.py is held to the same list)', () => {
  expect(SOLVER_NAMES.map((name) => MODELS[name].model).sort()).toEqual(Object.keys(manifest.models).sort());
});

test('a spec whose tensor type or shape differs from the build leaves the model unservable, with the reason', () => {
  const { mkdtempSync, writeFileSync, copyFileSync } = jest.requireActual('node:fs') as typeof import('node:fs');
  const dir = mkdtempSync(join(require('node:os').tmpdir(), 'narsolve-models-'));
  const changed = JSON.parse(JSON.stringify(manifest));
  changed.models.noisy_capacities.spec.model.step_inputs.tails.dtype = 'int32';
  changed.models.noisy_routes.spec.model.step_inputs.log_obs.shape = ['O', 'M'];
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(changed));
  for (const name of ['noisy_capacities', 'noisy_routes']) copyFileSync(join(MODELS_DIR, changed.models[name].file), join(dir, changed.models[name].file));
  expect(readModelEntry(dir, 'noisyCapacities')).toEqual({ reason: expect.stringContaining('tails is int32') });
  expect(readModelEntry(dir, 'noisyRoutes')).toEqual({ reason: expect.stringContaining('log_obs is float32 ["O","M"]') });
});
