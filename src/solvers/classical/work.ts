import { NarsolveError } from '../../errors';
import { envName } from '../../config';

/** Solvers count steps locally and charge the meter once per this many: a call per step would cost more than the step. */
export const WORK_CHARGE_BATCH = 65536;

/**
 * Counts a solver's elementary steps so that no request can run unbounded:
 * the limit is on work, not time, so the same request gets the same answer on any machine.
 */
export class WorkMeter {
  used = 0;
  constructor(readonly limit: number, private readonly algorithm: string) {}

  /** Adds `steps` and throws WorkLimitExceeded once the total passes the limit. */
  charge(steps: number): void {
    this.used += steps;
    if (this.used > this.limit) {
      throw new NarsolveError(
        'WorkLimitExceeded',
        `${this.algorithm} stopped after ${this.limit} steps without finishing (set ${envName('maxWork')} to allow more)`,
      );
    }
  }
}
