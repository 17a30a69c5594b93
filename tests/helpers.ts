import { resolveConfig } from '../src/config';
import type { SolveContext } from '../src/services/context';
import { learnedDisabled, type LearnedSolvers } from '../src/solvers/learned';
import { validatorFor } from '../src/services/validation';
import { NarsolveError } from '../src/errors';

/** A solve context with the documented defaults and no learned solvers. */
export function testContext(limits: Partial<SolveContext['config']['limits']> = {}): SolveContext {
  return { config: resolveConfig({ limits }), learned: learnedDisabled('no models in tests') };
}

/** Asserts a response body matches its published JSON Schema, printing ajv's complaints if not. */
export function expectMatchesSchema(file: string, body: unknown): void {
  const validate = validatorFor(file);
  const ok = validate(body);
  if (!ok) throw new Error(`${file}: ${JSON.stringify(validate.errors, null, 2)}`);
}

/** Runs `fn` and returns the NarsolveError it throws, failing the test if it resolves or throws something else. */
export async function refusal(fn: () => Promise<unknown>): Promise<NarsolveError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof NarsolveError) return error;
    throw error;
  }
  throw new Error('expected a NarsolveError, but the call succeeded');
}

/** A solve context whose learned `which` solver is the loaded one with some of its model's fields replaced (a failing infer, a tighter limit). */
export function withModel<K extends 'route' | 'maxflow'>(
  learned: LearnedSolvers,
  which: K,
  patch: Partial<NonNullable<LearnedSolvers[K]['model']>>,
): SolveContext {
  const solver = learned[which];
  if (!solver.model) throw new Error(`withModel: the learned ${which} solver is not loaded`);
  return { config: resolveConfig(), learned: { ...learned, [which]: { ...solver, model: { ...solver.model, ...patch } } } };
}
