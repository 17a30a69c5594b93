import type { Config } from '../config';
import type { LearnedSolvers } from '../solvers/learned';
import { roundMs } from './types';

/** What a solve needs besides the request: limits, tolerances and which learned solvers are ready. */
export interface SolveContext {
  readonly config: Config;
  readonly learned: LearnedSolvers;
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

