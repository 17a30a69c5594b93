/**
 * What kind of evidence a noisy request carries, read from the request alone: how many observations
 * an edge has and how much they disagree. The served estimate depends on it, because which estimate
 * is best depends on it: with little noise the plain mean is right and nothing learned can improve
 * on it; with outliers the median or the encoder is. models/<model>_policy.json holds, per band,
 * what the evaluation measured (npm run eval:noisy).
 */
import { median, medianInPlace, scratch } from '../graph/estimates';
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

/** How far from its edge's median (in units of the request's dispersion) an observation counts as an outlier. */
export const OUTLIER_SPREADS = 3;
/** The smallest dispersion the outlier test uses, so that near-agreeing observations are not all outliers. */
export const MIN_OUTLIER_SCALE = 0.02;

export type EvidenceBand = `${(typeof DISPERSION_BANDS)[number]['name']}-${(typeof COUNT_BANDS)[number]['name']}`;

export interface Evidence {
  /** Edges whose value is estimated from observations. */
  readonly estimatedEdges: number;
  /** The median number of finite observations on an estimated edge. */
  readonly perEdge: number;
  /** The median, over estimated edges with two or more observations, of 1.4826 × the MAD of their log observations (0 when none has two). */
  readonly dispersion: number;
  /**
   * The share of observations (on edges with three or more) further than OUTLIER_SPREADS × the
   * dispersion (at least MIN_OUTLIER_SCALE) from their edge's median in log space: how much of the
   * evidence a mean would be dragged by.
   */
  readonly outlierShare: number;
  readonly band: EvidenceBand;
}

/** describeEvidence: the request's evidence features and its band. Linear in the observations. */
export function describeEvidence(graph: CompactGraph): Evidence {
  const obs = graph.observations;
  const counts: number[] = [];
  const spreads: number[] = [];
  // Each estimated edge's absolute log deviations from its median, kept for the outlier count (on edges with 3 or more).
  const deviations: number[] = [];
  if (obs) {
    for (let e = 0; e < graph.edgeCount; e++) {
      if (!obs.estimated[e]) continue;
      const values = obs.values.subarray(obs.start[e], obs.start[e + 1]);
      counts.push(values.length);
      if (values.length < 2) continue;
      const logs = logsOf(values);
      const work = scratch(1, logs.length);
      work.set(logs);
      const centre = medianInPlace(work);
      for (let i = 0; i < logs.length; i++) work[i] = Math.abs(logs[i] - centre);
      if (values.length >= 3) for (let i = 0; i < logs.length; i++) deviations.push(work[i]);
      spreads.push(1.4826 * medianInPlace(work));
    }
  }
  const perEdge = counts.length ? median(Float64Array.from(counts)) : 0;
  const dispersion = spreads.length ? median(Float64Array.from(spreads)) : 0;
  const limit = OUTLIER_SPREADS * Math.max(dispersion, MIN_OUTLIER_SCALE);
  const outlierShare = deviations.length ? deviations.filter((x) => x > limit).length / deviations.length : 0;
  const d = DISPERSION_BANDS.find((b) => dispersion < b.below)!.name;
  const c = COUNT_BANDS.find((b) => perEdge < b.below)!.name;
  return { estimatedEdges: counts.length, perEdge, dispersion, outlierShare, band: `${d}-${c}` };
}

/** The logs of a list, zeros read as a millionth of its largest value (all zeros: all 0). */
function logsOf(values: Float64Array): Float64Array {
  const logs = scratch(0, values.length);
  let largest = 0;
  for (let i = 0; i < values.length; i++) largest = Math.max(largest, values[i]);
  if (largest === 0) return logs.fill(0);
  const floor = Math.max(largest * 1e-6, Number.MIN_VALUE);
  for (let i = 0; i < values.length; i++) logs[i] = Math.log(Math.max(values[i], floor));
  return logs;
}
