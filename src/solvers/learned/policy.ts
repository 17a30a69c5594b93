/**
 * An encoder's serving policy: for each kind of evidence (a band, src/services/evidence.ts), which
 * estimate `auto` serves and why, as measured on validation data by `npm run eval:noisy`. It lives
 * beside the model (models/<model>_policy.json) and names the model file's sha256: a policy measured
 * on another file is no measurement of this one, and is not used.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESTIMATE_NAMES, type EstimateName } from '../../graph/estimates';

export type PolicyCandidate = EstimateName | 'learned';

/** What one data source measured in one band (mean and 95th-percentile route regret per candidate). */
export interface PolicySource {
  readonly data: string;
  /** Measured on real observations (recorded travel times), not on a generated noise model. */
  readonly real: boolean;
  readonly requests: number;
  readonly routes: number;
  readonly mean: Readonly<Record<PolicyCandidate, number>>;
  readonly p95: Readonly<Record<PolicyCandidate, number>>;
}

export interface PolicyBand {
  /** What `auto` serves for evidence of this band. */
  readonly serve: PolicyCandidate;
  /** The classical estimate that validated best here: what answers show beside a learned answer. */
  readonly estimate: EstimateName;
  readonly reason: string;
  readonly sources: readonly PolicySource[];
}

export interface ServedPolicy {
  readonly model: string;
  readonly version: string;
  readonly sha256: string;
  readonly command: string;
  readonly rule: string;
  readonly bands: Readonly<Record<string, PolicyBand>>;
  /** The classical estimate for a band no validation request fell in. */
  readonly fallback: EstimateName;
}

/** A scored validation request, as the policy reads it. */
export interface PolicyRecord {
  readonly data: string;
  readonly real: boolean;
  readonly band: string;
  readonly regret: Readonly<Record<PolicyCandidate, readonly number[]>>;
}

/** Fewer requests than this from a source in a band measure nothing there. */
export const MIN_REQUESTS = 5;
/** The encoder serves only where it is at least this much better than the best classical estimate, in every source. */
export const MARGIN = 0.95;
export const POLICY_RULE =
  `per band, on validation data only: the simplest classical estimate (mean, median, trimmed, Huber, in that order) whose mean regret relative to the best classical estimate, averaged over the real-data sources with at least ${MIN_REQUESTS} requests there (over every such source where none is real), is within 1/${MARGIN} of the lowest (a band with no validation data: over all of it); ` +
  `the encoder serves only where, in every such source, its mean regret is at most ${MARGIN}× and its 95th percentile at most 1.0× that estimate's`;

/** readPolicy: the policy beside a model file, or why there is none to use. */
export function readPolicy(modelsDir: string, model: string, sha256: string): { policy: ServedPolicy } | { reason: string } {
  const file = `${model}_policy.json`;
  const path = join(modelsDir, file);
  if (!existsSync(path)) return { reason: `no models/${file} (npm run eval:noisy -- --write measures one)` };
  let policy: ServedPolicy;
  try {
    policy = JSON.parse(readFileSync(path, 'utf8')) as ServedPolicy;
  } catch (error) {
    return { reason: `models/${file} is not valid JSON: ${(error as Error).message}` };
  }
  if (policy.sha256 !== sha256) return { reason: `models/${file} was measured on another model file (sha256 ${String(policy.sha256).slice(0, 12)}…)` };
  if (!ESTIMATE_NAMES.includes(policy.fallback) || typeof policy.bands !== 'object' || policy.bands === null) return { reason: `models/${file} is not a policy` };
  for (const [band, b] of Object.entries(policy.bands)) {
    if (!(b.serve === 'learned' || ESTIMATE_NAMES.includes(b.serve)) || !ESTIMATE_NAMES.includes(b.estimate)) return { reason: `models/${file}: band ${band} names an unknown estimate` };
  }
  return { policy };
}

/** choosePolicy: the policy for a model from its scored validation requests (POLICY_RULE). */
export function choosePolicy(model: { name: string; version: string; sha256: string }, command: string, records: readonly PolicyRecord[]): ServedPolicy {
  const bands: Record<string, PolicyBand> = {};
  for (const band of [...new Set(records.map((r) => r.band))].sort()) {
    const sources = summarize(records.filter((r) => r.band === band)).filter((s) => s.requests >= MIN_REQUESTS);
    if (sources.length === 0) continue;
    const estimate = bestClassical(sources);
    const beats = sources.every((s) => s.mean.learned <= MARGIN * s.mean[estimate] && s.p95.learned <= s.p95[estimate]);
    const figures = sources.map((s) => `${s.data}: encoder ${pct(s.mean.learned)} against ${estimate} ${pct(s.mean[estimate])} mean regret`).join('; ');
    bands[band] = {
      serve: beats ? 'learned' : estimate,
      estimate,
      reason: beats
        ? `the encoder validated better than the ${estimate} (${figures})`
        : `the encoder did not validate better than the ${estimate} by the policy's margin (mean regret at most ${MARGIN}x and 95th percentile at most 1.0x, in every source) (${figures})`,
      sources,
    };
  }
  // A band no validation request fell in has no data of its own to prefer: every source decides.
  return { model: model.name, version: model.version, sha256: model.sha256, command, rule: POLICY_RULE, bands, fallback: bestClassical(summarize(records), { realFirst: false }) };
}

function summarize(records: readonly PolicyRecord[]): PolicySource[] {
  const out: PolicySource[] = [];
  for (const data of [...new Set(records.map((r) => r.data))].sort()) {
    const rows = records.filter((r) => r.data === data);
    const candidates = [...ESTIMATE_NAMES, 'learned'] as const;
    const pooled = (k: PolicyCandidate) => rows.flatMap((r) => r.regret[k]);
    const routes = pooled('median').length;
    if (routes === 0) continue;
    out.push({
      data, real: rows[0].real, requests: rows.length, routes,
      mean: Object.fromEntries(candidates.map((k) => [k, average(pooled(k))])) as Record<PolicyCandidate, number>,
      p95: Object.fromEntries(candidates.map((k) => [k, p95(pooled(k))])) as Record<PolicyCandidate, number>,
    });
  }
  return out;
}

/**
 * The classical estimate for a band: by mean regret relative to each source's best, averaged over
 * sources; the first of ESTIMATE_NAMES (simplest first: mean, median, trimmed, Huber) within 1/MARGIN
 * of the lowest. Estimates that validate within a few percent of each other differ by noise, and
 * the simplest of them is the one that surprises least on data no one measured. Where the band has
 * real data, only real data decides: a generated noise model says which estimate suits that model,
 * and the answer's comparison must hold on what users send.
 */
function bestClassical(all: readonly PolicySource[], { realFirst = true } = {}): EstimateName {
  const sources = realFirst && all.some((s) => s.real) ? all.filter((s) => s.real) : all;
  const relative = (k: EstimateName) => average(sources.map((s) => {
    const best = Math.min(...ESTIMATE_NAMES.map((j) => s.mean[j]));
    return best > 0 ? s.mean[k] / best : s.mean[k] === 0 ? 1 : Infinity;
  }));
  const lowest = Math.min(...ESTIMATE_NAMES.map(relative));
  return ESTIMATE_NAMES.find((k) => relative(k) <= lowest / MARGIN)!;
}

const average = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const p95 = (xs: readonly number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(0.95 * xs.length))] : 0);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
