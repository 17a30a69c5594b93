import { NarsolveError } from '../../errors';
import { envName } from '../../config';

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
