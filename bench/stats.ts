/** The statistics the bench scripts print, each written once. */
import { median as medianOf } from '../src/graph/estimates';

/** The value at percentile p (0–100, nearest rank from below, so p50 is the upper middle); NaN for none. Does not reorder `xs`. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  return [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
}

/** The median as the service computes it (the mean of the middle two for an even count); NaN for none. Does not reorder `xs`. */
export function median(xs: readonly number[]): number {
  return xs.length ? medianOf(Float64Array.from(xs)) : NaN;
}

/** The arithmetic mean; NaN for none. */
export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}
