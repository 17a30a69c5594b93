/** Types both services share: what the caller may choose and what every answer reports about its solver. */

/** Which solver answers: see schemas/common.json#/$defs/Solver. */
export type SolverChoice = 'auto' | 'classical' | 'learned';

/** What every answer says about where it came from. */
export interface SolverReportBase {
  used: 'classical' | 'learned';
  algorithm: string;
  /** Why `auto` did not answer with the learned solver's own output. */
  fallbackReason?: string;
}

/** The learned model's run, as both answers report it. */
export interface LearnedRun {
  version: string;
  /** Processor steps that ran. */
  steps: number;
}
