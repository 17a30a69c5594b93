import { NarsolveError } from '../errors';
import type { LearnedSolver } from '../solvers/learned';
import type { SolverChoice } from './types';

/** Why a graph cannot go to the loaded model (a padded-slot limit, say). */
export interface Unfit {
  readonly unfit: string;
}

/** The outcome of trying the learned solver: its output, or the classical path with the reason (none when the caller chose classical). */
export type LearnedAttempt<T> = { readonly kind: 'learned'; readonly output: T } | { readonly kind: 'classical'; readonly fallbackReason?: string };

/**
 * attemptLearned: the part both services share. Plans the request for the learned solver and runs
 * it, unless the caller chose classical. When the model is missing, the graph does not fit or the
 * inference fails (a dead worker, a full queue), `auto` falls back with the reason and `learned`
 * gets ModelUnavailable. NarsolveErrors from `run` (bad input found late, a work limit) propagate.
 */
export async function attemptLearned<M, P, T>(
  choice: SolverChoice,
  what: string,
  solver: LearnedSolver<M>,
  plan: (model: M) => P | Unfit,
  run: (model: M, plan: P) => Promise<T>,
): Promise<LearnedAttempt<T>> {
  if (choice === 'classical') return { kind: 'classical' };
  const unavailable = (reason: string): LearnedAttempt<T> => {
    if (choice === 'learned') throw new NarsolveError('ModelUnavailable', `the learned ${what} solver is not available: ${reason}`);
    return { kind: 'classical', fallbackReason: `learned solver unavailable: ${reason}` };
  };
  const model = solver.model;
  if (!model) return unavailable(solver.readiness.reason);
  const planned = plan(model);
  if (isUnfit(planned)) return unavailable(planned.unfit);
  try {
    return { kind: 'learned', output: await run(model, planned) };
  } catch (error) {
    if (error instanceof NarsolveError) throw error;
    const reason = `learned inference failed: ${(error as Error).message}`;
    if (choice === 'learned') throw new NarsolveError('ModelUnavailable', reason);
    return { kind: 'classical', fallbackReason: reason };
  }
}

function isUnfit(plan: unknown): plan is Unfit {
  return typeof plan === 'object' && plan !== null && 'unfit' in plan;
}
