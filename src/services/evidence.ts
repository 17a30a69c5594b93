/**
 * What kind of evidence a noisy request carries, read from the request alone: how many observations
 * an edge has and how much they disagree. The served estimate depends on it, because which estimate
 * is best depends on it: with little noise the plain mean is right and nothing learned can improve
 * on it; with outliers the median or the encoder is. models/<model>_policy.json holds, per band,
 * what the evaluation measured (npm run eval:noisy).
 */
import { median } from '../graph/estimates';
import type { CompactGraph } from '../graph/types';

/** Dispersion bands: the median over edges of the robust spread of their log observations. */
export const DISPERSION_BANDS = [
  { name: 'low', below: 0.04 },
  { name: 'moderate', below: 0.15 },
  { name: 'high', below: Infinity },
] as const;

/** Observation-count bands: the median number of finite observations per estimated edge. */
export const COUNT_BANDS = [
  { name: 'few', below: 3 },
  { name: 'several', below: Infinity },
] as const;

export type EvidenceBand = `${(typeof DISPERSION_BANDS)[number]['name']}-${(typeof COUNT_BANDS)[number]['name']}`;

export interface Evidence {
  /** Edges whose value is estimated from observations. */
  readonly estimatedEdges: number;
  /** The median number of finite observations on an estimated edge. */
  readonly perEdge: number;
  /** The median, over estimated edges with two or more observations, of 1.4826 × the MAD of their log observations (0 when none has two). */
  readonly dispersion: number;
  readonly band: EvidenceBand;
}

/** describeEvidence: the request's evidence features and its band. Linear in the observations. */
export function describeEvidence(graph: CompactGraph): Evidence {
  const obs = graph.observations;
  const counts: number[] = [];
  const spreads: number[] = [];
  if (obs) {
    for (let e = 0; e < graph.edgeCount; e++) {
      if (!obs.estimated[e]) continue;
      const values = obs.values.subarray(obs.start[e], obs.start[e + 1]);
      counts.push(values.length);
      if (values.length >= 2) spreads.push(logSpread(values));
    }
  }
  const perEdge = counts.length ? median(Float64Array.from(counts)) : 0;
  const dispersion = spreads.length ? median(Float64Array.from(spreads)) : 0;
  const d = DISPERSION_BANDS.find((b) => dispersion < b.below)!.name;
  const c = COUNT_BANDS.find((b) => perEdge < b.below)!.name;
  return { estimatedEdges: counts.length, perEdge, dispersion, band: `${d}-${c}` };
}

/** 1.4826 × the MAD of the logs (zeros read as a millionth of the largest value; all zeros: 0). */
function logSpread(values: Float64Array): number {
  let largest = 0;
  for (const x of values) largest = Math.max(largest, x);
  if (largest === 0) return 0;
  const floor = Math.max(largest * 1e-6, Number.MIN_VALUE);
  const logs = values.map((x) => Math.log(Math.max(x, floor)));
  const centre = median(logs);
  return 1.4826 * median(logs.map((x) => Math.abs(x - centre)));
}
