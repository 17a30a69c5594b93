import { envName, type Config } from '../config';
import { invalidInput } from '../errors';
import type { InferOptions, LearnedSolvers } from '../solvers/learned';

/** What a solve needs besides the request: limits, tolerances and which learned solvers are ready. */
export interface SolveContext {
  readonly config: Config;
  readonly learned: LearnedSolvers;
  /** Aborted when the caller stops waiting (the HTTP client disconnected); its reason is a RequestCancelled. */
  readonly signal?: AbortSignal;
  /** When the request arrived (performance.now()), so its deadline counts from then; default: when its body is read. */
  readonly receivedAt?: number;
  /** How long the request may wait for the learned solver, from receivedAt; set once its body is read (withDeadline). */
  readonly timeoutMs?: number;
}

/** The reason a request's signal aborts when its caller went away: there is nobody left to answer. */
export class RequestCancelled extends Error {
  constructor() {
    super('the client closed the connection before the answer');
    this.name = 'RequestCancelled';
  }
}

/** The context with the request's deadline: its timeoutMs (at most the configured cap), else the configured default. */
export function withDeadline(context: SolveContext, timeoutMs: number | undefined): SolveContext {
  const { defaultTimeoutMs, maxTimeoutMs } = context.config.limits;
  if (timeoutMs !== undefined && timeoutMs > maxTimeoutMs) throw invalidInput('/timeoutMs', `must be at most ${maxTimeoutMs} (set ${envName('maxTimeoutMs')} to change it)`);
  return { ...context, timeoutMs: timeoutMs ?? defaultTimeoutMs, receivedAt: context.receivedAt ?? performance.now() };
}

/**
 * The signal an inference waits under: the request's deadline joined with the caller's cancellation.
 * Built only when an inference is queued, so requests the classical solver answers start no timer.
 * A deadline aborts with a DOMException named TimeoutError.
 */
function inferenceSignal(context: SolveContext): AbortSignal | undefined {
  if (context.timeoutMs === undefined) return context.signal;
  const left = context.timeoutMs - (context.receivedAt === undefined ? 0 : performance.now() - context.receivedAt);
  const deadline = left > 0 ? AbortSignal.timeout(Math.ceil(left)) : AbortSignal.abort(new DOMException(`the deadline of ${context.timeoutMs} ms passed`, 'TimeoutError'));
  return context.signal ? AbortSignal.any([context.signal, deadline]) : deadline;
}

/** Whether an abort reason is a deadline (rather than a cancellation). */
export function isDeadline(reason: unknown): boolean {
  return reason instanceof DOMException && reason.name === 'TimeoutError';
}

/** How a service hands an inference to the queue: the request's signal, and a 'queue' mark when a worker takes it. */
export function inferOptions(context: SolveContext, timer: StageTimer): InferOptions {
  return { signal: inferenceSignal(context), onStart: () => timer.mark('queue') };
}

/** StageTimer and solve results round milliseconds to microseconds; one helper so every figure agrees. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Measures named stages of one request in milliseconds. */
export class StageTimer {
  private readonly started = performance.now();
  private last = this.started;
  readonly ms: Record<string, number> = {};

  /** Records the time since the previous mark under `stage`. */
  mark(stage: string): void {
    const now = performance.now();
    this.ms[stage] = roundMs(now - this.last);
    this.last = now;
  }

  /** The stage times plus the total. */
  done(): Record<string, number> {
    this.ms.total = roundMs(performance.now() - this.started);
    return this.ms;
  }
}

