/**
 * npm run eval:noisy [-- --aarhus ../shared/data/aarhus-traffic --worlds <folder> --write]
 *
 * The served noisy-route pipeline, scored where it matters: route regret against the true (or the
 * realized) costs, for Dijkstra on each classical estimate (mean, median, 20% trimmed mean, Huber),
 * for the encoder as served (its guards included), and for what `auto` serves under the policy.
 *
 * Data, split strictly:
 * - synthetic worlds (training/narsolve_train/noisy_worlds.py, written on first use): seed 777 for
 *   validation, seed 20261125 for the report; the "holes" family and the "heavy" and "low" noise
 *   settings were never seen in training;
 * - real travel times of Aarhus (City of Aarhus / CityPulse, CC BY 4.0): a request for day d and a
 *   period of the day gives every link its mean travel time in that period on each of the previous
 *   k days (k from 2 to 8, drawn per request); a route is scored against day d's realized times.
 *   Days 8-21 are what training may read (narsolve_train.aarhus); days 22-35 validate; days 36-60
 *   are held out, reported in five blocks, and no choice sees them.
 *
 * The policy (which estimate `auto` serves for which kind of evidence, src/services/evidence.ts) is
 * chosen on the validation parts only; --write stores it in models/noisy_routes_policy.json and
 * the tables in models/MODEL_CARD.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { resolveConfig } from '../src/config';
import { compactGraph, withEdgeValues } from '../src/graph/compact';
import { ESTIMATE_NAMES, estimateEdges, type EstimateName } from '../src/graph/estimates';
import type { CompactGraph, GraphInput } from '../src/graph/types';
import { StageTimer } from '../src/services/context';
import { describeEvidence, type Evidence } from '../src/services/evidence';
import { decodeObservations } from '../src/services/observations';
import { choosePolicy, POLICY_RULE, type PolicyRecord, type ServedPolicy } from '../src/solvers/learned/policy';
import { readModelEntry } from '../src/solvers/learned/manifest';
import { shortestPaths } from '../src/solvers/classical/shortestPaths';
import { loadLearnedSolvers } from '../src/solvers/learned';
import { rng } from '../generators/graphs';
import { arg } from './args';
import { mean, percentile } from './stats';

const REPO = join(__dirname, '..', '..');
const CANDIDATES = [...ESTIMATE_NAMES, 'learned'] as const;
type Candidate = (typeof CANDIDATES)[number];

/** One request to score: its graph, the true cost of each edge, and the (source, target) pairs. */
interface Case {
  readonly data: 'synthetic' | 'aarhus';
  readonly split: 'validation' | 'test';
  /** The table cell it counts in (size, family, noise; or the block of held-out days). */
  readonly cell: string;
  readonly graph: GraphInput;
  readonly truth: Float64Array;
  readonly pairs: readonly [number, number][];
}

/** A scored request: its evidence and every candidate's regrets (one per pair). */
interface Scored extends PolicyRecord {
  readonly split: Case['split'];
  readonly cell: string;
  readonly evidence: Evidence;
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const aarhusDir = arg('aarhus', join(REPO, '..', 'shared', 'data', 'aarhus-traffic'));
  const worldsDir = arg('worlds', join(REPO, 'bench', 'results', 'noisy-worlds'));
  const learned = await loadLearnedSolvers({ workers: 1 });
  const model = learned.noisyRoutes.model;
  if (!model) throw new Error(`the noisy-routes encoder is not loaded: ${learned.noisyRoutes.readiness.reason}`);
  const context = { config: resolveConfig(), learned };
  const cases = [...syntheticCases(worldsDir), ...aarhusCases(aarhusDir)];
  const scored: Scored[] = [];
  for (const [i, c] of cases.entries()) {
    scored.push(await score(c, (graph) => decodeObservations(graph, model, context, new StageTimer()).then((d) => d.decoded)));
    if (i % 50 === 49) console.error(`scored ${i + 1} of ${cases.length} requests`);
  }
  await learned.close();
  const entry = readModelEntry(join(REPO, 'models'), 'noisyRoutes');
  if (!('model' in entry)) throw new Error(entry.reason);
  const policy = choosePolicy(entry.model, 'npm run eval:noisy -- --write', scored.filter((s) => s.split === 'validation'));
  const report = tables(scored, policy);
  console.log(report);
  if (write) {
    writeFileSync(join(REPO, 'models', 'noisy_routes_policy.json'), `${JSON.stringify(policy, null, 1)}\n`);
    replaceBetween(join(REPO, 'models', 'MODEL_CARD.md'), 'noisy-served', report);
    console.error('wrote models/noisy_routes_policy.json and the noisy-served tables of models/MODEL_CARD.md');
  }
}

/** Every candidate's regrets on one request, and its evidence. */
async function score(c: Case, decode: (graph: CompactGraph) => Promise<Float64Array>): Promise<Scored> {
  const graph = compactGraph(c.graph, 'weight', resolveConfig().limits);
  const truthGraph = withEdgeValues(graph, c.truth);
  const costs = {} as Record<Candidate, Float64Array>;
  for (const name of ESTIMATE_NAMES) costs[name] = estimateEdges(graph.observations!, graph.edgeValue, name);
  costs.learned = await decode(graph);
  const regret = Object.fromEntries(CANDIDATES.map((k) => [k, [] as number[]])) as Record<Candidate, number[]>;
  const bySource = new Map<number, number[]>();
  for (const [s, t] of c.pairs) bySource.set(s, [...(bySource.get(s) ?? []), t]);
  for (const [s, targets] of bySource) {
    const best = tree(truthGraph, s);
    const trees = Object.fromEntries(CANDIDATES.map((k) => [k, tree(withEdgeValues(graph, costs[k]), s)])) as Record<Candidate, ReturnType<typeof tree>>;
    for (const t of targets) {
      if (!(best.potential[t] > 0 && best.potential[t] < Infinity)) continue;
      for (const k of CANDIDATES) regret[k].push((pathCost(trees[k], s, t, c.truth) - best.potential[t]) / best.potential[t]);
    }
  }
  return { data: c.data, split: c.split, cell: c.cell, evidence: describeEvidence(graph), band: describeEvidence(graph).band, regret };
}

function tree(graph: CompactGraph, source: number) {
  const result = shortestPaths(graph, source, { maxWork: Number.MAX_SAFE_INTEGER });
  if (result.kind !== 'tree') throw new Error('a negative cycle among non-negative costs');
  return result.tree;
}

function pathCost(t: ReturnType<typeof tree>, source: number, target: number, truth: Float64Array): number {
  let total = 0;
  for (let x = target; x !== source; x = t.predNode[x]) total += truth[t.predEdge[x]];
  return total;
}

/** The synthetic worlds of both seeds, written by the Python generator the first time. */
function syntheticCases(dir: string): Case[] {
  const cases: Case[] = [];
  for (const [seed, split] of [[777, 'validation'], [20261125, 'test']] as const) {
    const file = join(dir, `worlds-${seed}.json`);
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      execFileSync('/usr/bin/python3', ['-m', 'narsolve_train.noisy_worlds', '--seed', String(seed), '--out', file], { cwd: join(REPO, 'training'), stdio: 'inherit' });
    }
    const { worlds } = JSON.parse(readFileSync(file, 'utf8')) as { worlds: World[] };
    const random = rng(seed);
    for (const w of worlds) {
      const edges = { from: w.tails, to: w.heads, observations: w.observations };
      const pairs: [number, number][] = [];
      for (let i = 0; i < 5; i++) pairs.push([w.source, Math.floor(random() * w.n)]);
      cases.push({ data: 'synthetic', split, cell: `n=${w.n < 128 ? 64 : w.n < 512 ? 256 : 1024} ${w.family} ${w.noise}`, graph: { directed: true, nodes: Array.from({ length: w.n }, (_, i) => i), edges }, truth: Float64Array.from(w.truth), pairs });
    }
  }
  return cases;
}

interface World {
  family: string;
  noise: string;
  n: number;
  source: number;
  tails: number[];
  heads: number[];
  truth: number[];
  observations: (number | null)[][];
}

/** The periods of the day a request is for: [first slot of the day, slots] (an hour each). */
const PERIODS: readonly [string, number, number][] = [['07:30', 90, 12], ['12:00', 144, 12], ['16:00', 192, 12], ['20:00', 240, 12]];
/** The first day a validation request is for (training reads targets before it), and the first held-out day. */
const FIRST_VALIDATION_DAY = 22;
const FIRST_TEST_DAY = 36;

/** Aarhus requests: a day, a period, the previous k days' means per link; the realized day's means are the truth. */
function aarhusCases(dir: string): Case[] {
  if (!existsSync(join(dir, 'network.json'))) {
    console.error(`SKIPPED the Aarhus data: no ${join(dir, 'network.json')} (pass --aarhus <folder>)`);
    return [];
  }
  const net = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as { slots: number; days: number; links: { from: string; to: string; nominalSeconds: number }[]; nodes: { id: string }[] };
  const bytes = gunzipSync(readFileSync(join(dir, 'travel_times.f32.gz')));
  const times = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const links = net.links.length;
  // periodMean[p][link * days + day]: the link's mean travel time in period p of that day, NaN without a vehicle.
  const periodMean = PERIODS.map(([, first, slots]) => {
    const out = new Float64Array(links * net.days).fill(NaN);
    for (let l = 0; l < links; l++) {
      for (let d = 0; d < net.days; d++) {
        let sum = 0;
        let count = 0;
        for (let s = first; s < first + slots; s++) {
          const x = times[l * net.slots + d * 288 + s];
          if (Number.isFinite(x)) {
            sum += x;
            count++;
          }
        }
        if (count) out[l * net.days + d] = sum / count;
      }
    }
    return out;
  });
  const nodeIds = [...new Set(net.links.flatMap((l) => [l.from, l.to]))];
  const random = rng(2014);
  const cases: Case[] = [];
  for (let d = FIRST_VALIDATION_DAY; d < net.days; d++) {
    for (const p of PERIODS.keys()) {
      const k = 2 + Math.floor(random() * 7);
      const observations: (number | null)[][] = [];
      const weight: (number | null)[] = [];
      const truth = new Float64Array(links);
      for (let l = 0; l < links; l++) {
        const history: (number | null)[] = [];
        for (let back = k; back >= 1; back--) {
          const x = periodMean[p][l * net.days + d - back];
          history.push(Number.isFinite(x) ? x : null);
        }
        const seen = history.some((x) => x !== null);
        // A link nobody drove in the window is known only by its nominal time: what a user would send.
        observations.push(seen ? history : []);
        weight.push(seen ? null : net.links[l].nominalSeconds);
        const realized = periodMean[p][l * net.days + d];
        truth[l] = Number.isFinite(realized) ? realized : typicalOf(periodMean[p], l, net.days, net.links[l].nominalSeconds);
      }
      const pairs: [number, number][] = [];
      for (let i = 0; i < 30; i++) {
        const s = Math.floor(random() * nodeIds.length);
        let t = Math.floor(random() * nodeIds.length);
        if (t === s) t = (t + 1) % nodeIds.length;
        pairs.push([s, t]);
      }
      const split = d < FIRST_TEST_DAY ? 'validation' : 'test';
      const block = split === 'test' ? `days ${FIRST_TEST_DAY + 5 * Math.floor((d - FIRST_TEST_DAY) / 5)}-${Math.min(net.days - 1, FIRST_TEST_DAY + 5 * Math.floor((d - FIRST_TEST_DAY) / 5) + 4)}` : `validation days ${FIRST_VALIDATION_DAY}-${FIRST_TEST_DAY - 1}`;
      cases.push({
        data: 'aarhus', split, cell: block,
        graph: { directed: true, nodes: nodeIds, edges: { from: net.links.map((l) => l.from), to: net.links.map((l) => l.to), weight, observations } as GraphInput['edges'] },
        truth, pairs,
      });
    }
  }
  return cases;
}

/**
 * The realized value of a link-period that no vehicle measured that day: the median of its same
 * period over all days (the truth only; no estimate ever reads it), else its nominal time.
 */
function typicalOf(values: Float64Array, link: number, days: number, nominal: number): number {
  const seen: number[] = [];
  for (let d = 0; d < days; d++) if (Number.isFinite(values[link * days + d])) seen.push(values[link * days + d]);
  return seen.length ? seen.sort((a, b) => a - b)[seen.length >> 1] : nominal;
}

/** The report: per cell, each candidate's mean / p95 regret, auto's, and auto over the best classical. */
function tables(scored: Scored[], policy: ServedPolicy): string {
  const lines: string[] = [];
  const fmt = (xs: number[]) => `${(100 * mean(xs)).toFixed(2)}% / ${(100 * percentile(xs, 95)).toFixed(1)}%`;
  for (const split of ['validation', 'test'] as const) {
    lines.push('', `**${split === 'validation' ? 'Validation (the policy is chosen here)' : 'Held out (reported; no choice saw it)'}.** Mean / 95th-percentile route regret.`, '');
    lines.push(`| data | cell | requests | routes | band | ${CANDIDATES.join(' | ')} | auto | auto / best classical (mean; p95) |`);
    lines.push(`|---|---|---|---|---|${CANDIDATES.map(() => '---|').join('')}---|---|`);
    const cells = [...new Set(scored.filter((s) => s.split === split).map((s) => `${s.data}\u0000${s.cell}`))];
    for (const key of cells) {
      const [data, cell] = key.split('\u0000');
      const rows = scored.filter((s) => s.split === split && s.data === data && s.cell === cell);
      const pooled = (k: Candidate) => rows.flatMap((r) => r.regret[k]);
      const auto = rows.flatMap((r) => r.regret[policy.bands[r.band]?.serve ?? policy.fallback]);
      const classical = ESTIMATE_NAMES.map((k) => pooled(k));
      const bestMean = Math.min(...classical.map(mean));
      const bestP95 = Math.min(...classical.map((xs) => percentile(xs, 95)));
      const bands = [...new Set(rows.map((r) => r.band))].join(', ');
      lines.push(`| ${data} | ${cell} | ${rows.length} | ${auto.length} | ${bands} | ${CANDIDATES.map((k) => fmt(pooled(k))).join(' | ')} | ${fmt(auto)} | ${ratio(mean(auto), bestMean)}; ${ratio(percentile(auto, 95), bestP95)} |`);
    }
  }
  lines.push('', `Policy (${POLICY_RULE}):`, '');
  lines.push('| band | validated on | serves | why |', '|---|---|---|---|');
  for (const [band, b] of Object.entries(policy.bands)) lines.push(`| ${band} | ${b.sources.map((s) => `${s.data} (${s.requests} requests)`).join(', ')} | ${b.serve} | ${b.reason} |`);
  lines.push(`| any other | | ${policy.fallback} | the best classical estimate over all validation data |`);
  return lines.join('\n');
}

function ratio(a: number, b: number): string {
  if (b === 0) return a === 0 ? '1.00' : 'inf';
  return (a / b).toFixed(2);
}

function replaceBetween(file: string, marker: string, text: string): void {
  const source = readFileSync(file, 'utf8');
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const a = source.indexOf(start);
  const b = source.indexOf(end);
  if (a < 0 || b < 0) throw new Error(`${file} has no ${start} … ${end} section`);
  writeFileSync(file, `${source.slice(0, a + start.length)}\n${text}\n${source.slice(b)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
