import { NarsolveError, type ErrorCode } from '../errors';
import { LearnedQueueFull, type LearnedSolver } from '../solvers/learned';
import { isDeadline, RequestCancelled } from './context';
import type { SolverChoice } from './types';

/** What Retry-After says when the learned queue is full: long enough for a few inferences to drain. */
export const RETRY_AFTER_SECONDS = 1;

/** Why a graph cannot go to the loaded model (a padded-slot limit, say). */
export interface Unfit {
  readonly unfit: string;
}

/** The outcome of trying the learned solver: its output, or the classical path with the reason (none when the caller chose classical). */
export type LearnedAttempt<T> = { readonly kind: 'learned'; readonly output: T } | { readonly kind: 'classical'; readonly fallbackReason?: string };

/**
 * attemptLearned: the part both services share. Plans the request for the learned solver and runs
 * it, unless the caller chose classical. When the model is missing, the graph does not fit, the
 * inference fails (a dead worker), the queue is full or the request's deadline passes, `auto` falls
 * back with the reason; `learned` gets ModelUnavailable, Overloaded or DeadlineExceeded. When the
 * caller went away, its RequestCancelled propagates: nobody is left to answer. NarsolveErrors from
 * `run` (bad input found late, a work limit) propagate too.
 */
export async function attemptLearned<M, P, T>(
  choice: SolverChoice,
  what: string,
  solver: LearnedSolver<M>,
  plan: (model: M) => P | Unfit,
  run: (model: M, plan: P) => Promise<T>,
): Promise<LearnedAttempt<T>> {
  if (choice === 'classical') return { kind: 'classical' };
  // `learned` hears why as a problem; `auto` answers classically and says why in fallbackReason.
  const refuse = (code: ErrorCode, problem: string, fallbackReason: string, extensions?: Record<string, unknown>): LearnedAttempt<T> => {
    if (choice === 'learned') throw new NarsolveError(code, problem, { extensions });
    return { kind: 'classical', fallbackReason };
  };
  const unavailable = (reason: string) => refuse('ModelUnavailable', `the learned ${what} solver is not available: ${reason}`, `learned solver unavailable: ${reason}`);
  const model = solver.model;
  if (!model) return unavailable(solver.readiness.reason);
  const planned = plan(model);
  if (isUnfit(planned)) return unavailable(planned.unfit);
  try {
    return { kind: 'learned', output: await run(model, planned) };
  } catch (error) {
    if (error instanceof NarsolveError || error instanceof RequestCancelled) throw error;
    if (error instanceof LearnedQueueFull) {
      const reason = `learned solver busy: ${error.message}`;
      return refuse('Overloaded', reason, reason, { retryAfterSeconds: RETRY_AFTER_SECONDS });
    }
    if (isDeadline(error)) {
      const reason = "the request's deadline (timeoutMs, else NARSOLVE_DEFAULT_TIMEOUT_MS) passed before the learned solver answered";
      return refuse('DeadlineExceeded', reason, reason);
    }
    const reason = `learned inference failed: ${(error as Error).message}`;
    return refuse('ModelUnavailable', reason, reason);
  }
}

function isUnfit(plan: unknown): plan is Unfit {
  return typeof plan === 'object' && plan !== null && 'unfit' in plan;
}
