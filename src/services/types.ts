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

/** A route's cost under the classical point estimate and, where there are any, under the decoded costs. */
export interface NoisyRouteCosts {
  pathEdges: number[];
  estimateCost: number;
  decodedCost?: number;
}

/** A noisy route answer's comparison: the learned route next to the one Dijkstra picks on the point estimate. */
export interface NoisyComparison {
  /** The classical point estimate of an edge without a weight. */
  estimate: 'median';
  learnedRoute?: NoisyRouteCosts;
  classicalRoute?: NoisyRouteCosts;
  /** Whether the two routes are the same edges. */
  agree?: boolean;
}

/** StageTimer and solve results round milliseconds to microseconds; one helper so every figure agrees. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
