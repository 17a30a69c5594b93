/**
 * Classical point estimates of an edge's value from its observations: what a careful engineer would
 * compute per edge before running Dijkstra or a max-flow solver. The same four, with the same
 * definitions, are the baselines of the training evaluations (training/narsolve_train/
 * noisy_routes_data.py, `estimate`); tests/estimates.golden.test.ts pins the two together.
 *
 * Every estimate lies between the smallest and the largest of its values, never overflows (values
 * near the double limit included) and equals the common value when all values agree.
 */
import type { EdgeObservations } from './types';

export type EstimateName = 'mean' | 'median' | 'trimmed' | 'huber';

/** The share trimmed from each side by `trimmed`. */
export const TRIM_SHARE = 0.2;
/** Huber's tuning constant, in units of the robust scale (1.4826 × MAD of the logs, at least HUBER_MIN_SCALE). */
export const HUBER_K = 1.345;
export const HUBER_MIN_SCALE = 0.05;
const HUBER_ROUNDS = 20;

/** The estimates by name: each takes a non-empty list of finite values >= 0 and leaves it unchanged. */
export const ESTIMATES: Readonly<Record<EstimateName, (values: Float64Array) => number>> = {
  mean,
  median,
  trimmed,
  huber,
};

export const ESTIMATE_NAMES = Object.keys(ESTIMATES) as EstimateName[];

/** What each estimate is, in the words an answer uses. */
export const ESTIMATE_WORDS: Readonly<Record<EstimateName, string>> = {
  mean: 'mean',
  median: 'median',
  trimmed: `${TRIM_SHARE * 100}% trimmed mean`,
  huber: 'Huber M-estimate (in log space)',
};

/**
 * estimateEdges: one value per edge, `kind` of its observations where the edge came without a
 * weight, else its weight (`fallback`, the graph's values). Edges without observations keep theirs.
 */
export function estimateEdges(observations: EdgeObservations, fallback: Float64Array, kind: EstimateName): Float64Array {
  const out = Float64Array.from(fallback);
  const estimate = ESTIMATES[kind];
  for (let e = 0; e < out.length; e++) {
    const at = observations.start[e];
    const end = observations.start[e + 1];
    if (observations.estimated[e] && end > at) out[e] = estimate(observations.values.subarray(at, end));
  }
  return out;
}

/** The mean, as a running update so that values near the double limit do not overflow. */
export function mean(values: Float64Array): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m += (values[i] - m) / (i + 1);
  return clampTo(values, m);
}

/** The median (the mean of the middle two for an even count), as numpy computes it. */
export function median(values: Float64Array): number {
  return medianInPlace(Float64Array.from(values));
}

/** The median of `copy`, which it rearranges: for callers that hand it a scratch copy of their values. */
export function medianInPlace(copy: Float64Array): number {
  const mid = copy.length >> 1;
  const upper = select(copy, mid);
  if (copy.length % 2 === 1) return upper;
  // Selecting `mid` left every smaller value before it: the lower middle is their largest.
  let lower = -Infinity;
  for (let i = 0; i < mid; i++) if (copy[i] > lower) lower = copy[i];
  // As numpy computes it, except that two values near the double limit do not overflow to Infinity.
  const sum = lower + upper;
  return Number.isFinite(sum) ? sum / 2 : lower / 2 + upper / 2;
}

/** The mean of what is left after dropping floor(20%) of the values from each end; the median when nothing is left. */
export function trimmed(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const cut = Math.floor(sorted.length * TRIM_SHARE);
  if (sorted.length - 2 * cut <= 0) return median(sorted);
  return mean(sorted.subarray(cut, sorted.length - cut));
}

/**
 * Huber's M-estimate of location in log space (costs are multiplicative), started at the median of
 * the logs and iterated HUBER_ROUNDS times. A zero value is read as a millionth of the list's
 * largest (a log needs it positive); a list of zeros is 0.
 */
export function huber(values: Float64Array): number {
  const n = values.length;
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, values[i]);
  if (largest === 0) return 0;
  const floor = Math.max(largest * 1e-6, Number.MIN_VALUE);
  // Stored graphs estimate every edge after every batch: two scratch buffers, not four arrays per edge.
  const logs = scratch(0, n);
  const work = scratch(1, n);
  for (let i = 0; i < n; i++) work[i] = logs[i] = Math.log(Math.max(values[i], floor));
  let mu = medianInPlace(work);
  for (let i = 0; i < n; i++) work[i] = Math.abs(logs[i] - mu);
  const scale = Math.max(HUBER_MIN_SCALE, 1.4826 * medianInPlace(work));
  for (let round = 0; round < HUBER_ROUNDS; round++) {
    let weighted = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const x = logs[i];
      const r = Math.abs(x - mu) / scale;
      const w = r <= HUBER_K ? 1 : HUBER_K / Math.max(r, 1e-12);
      weighted += w * x;
      total += w;
    }
    const next = weighted / Math.max(total, 1e-12);
    // A round is a function of mu alone: once it gives mu back, every later round would too.
    if (next === mu) break;
    mu = next;
  }
  return clampTo(values, Math.exp(mu));
}

const scratchBuffers = [new Float64Array(64), new Float64Array(64)];

/** Scratch buffer `which` of at least n entries, as a view of exactly n (contents undefined). */
export function scratch(which: 0 | 1, n: number): Float64Array {
  if (scratchBuffers[which].length < n) scratchBuffers[which] = new Float64Array(Math.max(n, 2 * scratchBuffers[which].length));
  return scratchBuffers[which].subarray(0, n);
}

/** Rounding can step an estimate just past its list's range; the range is the promise. */
function clampTo(values: Float64Array, x: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Math.min(hi, Math.max(lo, x));
}

/** The k-th smallest value, rearranging `xs` so that every value before k is at most it (Hoare's selection; linear on average). */
function select(xs: Float64Array, k: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (hi > lo) {
    const pivot = xs[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i] < pivot) i++;
      while (xs[j] > pivot) j--;
      if (i <= j) {
        const t = xs[i];
        xs[i] = xs[j];
        xs[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return xs[k];
}
