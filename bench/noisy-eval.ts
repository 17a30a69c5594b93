/**
 * npm run eval:noisy [-- --only routes|capacities --aarhus ../shared/data/aarhus-traffic --worlds <folder> --models <folder> --write]
 * npm run eval:noisy -- --only routes --candidates <models folder>,<models folder>,... [--validation-seed 778]
 *   (--validation-seed: other synthetic validation worlds than seed 777's, to confirm a choice; the Aarhus days do not move)
 *
 * The served noisy pipelines, scored where it matters: route regret against the true (or the
 * realized) costs, for Dijkstra on each classical estimate (mean, median, 20% trimmed mean, Huber),
 * for the encoder as served (its guards included), and for what `auto` serves under the policy; and
 * the same for cuts (the true capacity of the minimum cut on each estimate over the true minimum).
 *
 * Data, split strictly:
 * - synthetic worlds (training/narsolve_train/noisy_worlds.py, written on first use and again when
 *   the generator's code is newer than the file): seed 777 for
 *   validation, seed 20261125 for the report; the "holes" family and the "heavy" and "low" noise
 *   settings were never seen in training;
 * - real travel times of Aarhus (City of Aarhus / CityPulse, CC BY 4.0): a request for day d and a
 *   period of the day gives every link its mean travel time in that period on each of the previous
 *   k days (k from 2 to 8, drawn per request); a route is scored against day d's realized times.
 *   Days 8-21 are what training may read (narsolve_train.aarhus); days 22-35 validate; days 36-60
 *   are held out, reported in five blocks, and no choice sees them.
 * - capacities: synthetic networks only (noisy_worlds.py --kind capacity), seeds as above; the
 *   "layered" family and the "tiers" provisioning pattern were never seen in training.
 *
 * The policy (which estimate `auto` serves for which kind of evidence, src/services/evidence.ts) is
 * chosen on the validation parts only; --write stores it beside the model (<models>/<model>_policy.json)
 * and, for the committed models/, the tables in models/MODEL_CARD.md. --models evaluates a candidate
 * export (a copy of models/ with another encoder) instead; --candidates compares several on validation
 * only and names the one whose worst setting is best (how the served encoder is chosen).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { resolveConfig } from '../src/config';
import { compactGraph, withEdgeValues } from '../src/graph/compact';
import { ESTIMATE_NAMES, estimateEdges, type EstimateName } from '../src/graph/estimates';
import type { CompactGraph, GraphInput } from '../src/graph/types';
import { StageTimer } from '../src/services/context';
import { describeEvidence, type Evidence } from '../src/services/evidence';
import { decodeObservations } from '../src/services/observations';
import { choosePolicy, POLICY_RULE, type PolicyRecord, type ServedPolicy } from '../src/solvers/learned/policy';
import { readModelEntry } from '../src/solvers/learned/manifest';
import { exactMaxflow } from '../src/solvers/classical/maxflow';
import { shortestPaths } from '../src/solvers/classical/shortestPaths';
import { loadLearnedSolvers, type EncoderName, type LearnedModel } from '../src/solvers/learned';
import { rng } from '../generators/graphs';
import { arg } from './args';
import { readAarhus, slotMean, SLOTS_PER_DAY } from './aarhus';
import { replaceBetween } from './card';
import { mean, median, percentile } from './stats';

const REPO = join(__dirname, '..', '..');
const CANDIDATES = [...ESTIMATE_NAMES, 'learned'] as const;
type Candidate = (typeof CANDIDATES)[number];

/** One request to score: its graph, the true value of each edge, and the (source, target or sink) pairs. */
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

/** What differs between the two encoders' evaluations. */
interface Kind {
  readonly encoder: EncoderName;
  readonly model: string;
  readonly field: 'weight' | 'capacity';
  readonly marker: string;
  readonly what: string;
  cases(worldsDir: string, aarhusDir: string): Case[];
  regrets(graph: CompactGraph, costs: Record<Candidate, Float64Array>, c: Case): Record<Candidate, number[]>;
}

const KINDS: Readonly<Record<'routes' | 'capacities', Kind>> = {
  routes: {
    encoder: 'noisyRoutes', model: 'noisy_routes', field: 'weight', marker: 'noisy-served', what: 'route',
    cases: (worldsDir, aarhusDir) => [...syntheticCases(worldsDir, 'cost'), ...aarhusCases(aarhusDir)],
    regrets: routeRegrets,
  },
  capacities: {
    encoder: 'noisyCapacities', model: 'noisy_capacities', field: 'capacity', marker: 'noisy-capacities-served', what: 'cut',
    cases: (worldsDir) => syntheticCases(worldsDir, 'capacity'),
    regrets: cutRegrets,
  },
};

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const only = arg('only', '');
  const aarhusDir = arg('aarhus', join(REPO, '..', 'shared', 'data', 'aarhus-traffic'));
  const worldsDir = arg('worlds', join(REPO, 'bench', 'results', 'noisy-worlds'));
  const candidates = arg('candidates', '');
  for (const [name, kind] of Object.entries(KINDS)) {
    if (only && only !== name) continue;
    const cases = kind.cases(worldsDir, aarhusDir);
    if (candidates) {
      await compareCandidates(kind, cases, candidates.split(','));
      continue;
    }
    const modelsDir = arg('models', join(REPO, 'models'));
    const { scored, served } = await evaluate(kind, cases, modelsDir);
    const policy = choosePolicy(served, 'npm run eval:noisy -- --write', scored.filter((s) => s.split === 'validation'));
    const report = tables(kind, scored, policy);
    console.log(`\n## ${kind.model} (${served.version}, sha256 ${served.sha256.slice(0, 12)}…)\n${report}`);
    if (write) {
      writeFileSync(join(modelsDir, `${kind.model}_policy.json`), `${JSON.stringify(policy, null, 1)}\n`);
      console.error(`wrote ${join(modelsDir, `${kind.model}_policy.json`)}`);
      if (modelsDir === join(REPO, 'models')) {
        replaceBetween(join(REPO, 'models', 'MODEL_CARD.md'), kind.marker, report);
        console.error(`wrote the ${kind.marker} tables of models/MODEL_CARD.md`);
      }
    }
  }
}

/** Scores every case with the encoder in `modelsDir` (loaded in a worker, as served). */
async function evaluate(kind: Kind, cases: readonly Case[], modelsDir: string) {
  const served = readModelEntry(modelsDir, kind.encoder);
  if (!('model' in served)) throw new Error(served.reason);
  const learned = await loadLearnedSolvers({ workers: 1, modelsDir });
  try {
    const model = learned[kind.encoder].model as LearnedModel<EncoderName> | undefined;
    if (!model) throw new Error(`the ${kind.model} encoder is not loaded: ${learned[kind.encoder].readiness.reason}`);
    const context = { config: resolveConfig(), learned };
    const scored: Scored[] = [];
    for (const [i, c] of cases.entries()) {
      scored.push(await score(kind, c, (graph) => decodeObservations(graph, model, context, new StageTimer()).then((d) => d.decoded)));
      if (i % 100 === 99) console.error(`${kind.model}: scored ${i + 1} of ${cases.length} requests`);
    }
    return { scored, served: served.model };
  } finally {
    await learned.close();
  }
}

/**
 * The choice between trained encoders, on validation only: per setting (the training noise, each
 * setting training never saw, real days), the encoder's mean regret over the best classical
 * estimate's, each averaged over that setting's cells first (a ratio of averages: cells where every
 * estimate is nearly exact do not swing it); the candidate whose worst setting is lowest wins
 * (robustness counts, not the average). Low-noise cells, where every estimate ties, are left out.
 */
async function compareCandidates(kind: Kind, cases: readonly Case[], dirs: readonly string[]): Promise<void> {
  const rows: { dir: string; version: string; bySetting: Map<string, number> }[] = [];
  for (const dir of dirs) {
    const { scored, served } = await evaluate(kind, cases, dir);
    const sums = new Map<string, { learned: number; best: number }>();
    for (const cell of new Set(scored.filter((s) => s.split === 'validation').map((s) => `${s.data}\u0000${s.cell}`))) {
      const [data, name] = cell.split('\u0000');
      const inCell = scored.filter((s) => s.split === 'validation' && s.data === data && s.cell === name);
      const pooled = (k: Candidate) => mean(inCell.flatMap((r) => r.regret[k]));
      const setting = data === 'aarhus' ? 'real days (Aarhus)' : name.split(' ').slice(2).join(' ');
      if (setting === 'low') continue;
      const sum = sums.get(setting) ?? { learned: 0, best: 0 };
      sums.set(setting, { learned: sum.learned + pooled('learned'), best: sum.best + Math.min(...ESTIMATE_NAMES.map(pooled)) });
    }
    rows.push({ dir, version: served.version, bySetting: new Map([...sums].map(([k, v]) => [k, v.learned / v.best])) });
  }
  const settings = [...new Set(rows.flatMap((r) => [...r.bySetting.keys()]))].sort();
  const worst = (r: (typeof rows)[number]) => Math.max(...r.bySetting.values());
  const chosen = rows.reduce((a, b) => (worst(b) < worst(a) ? b : a));
  console.log(`\n## ${kind.model}: candidates on validation (encoder mean regret / best classical estimate's, each averaged over the setting's cells)\n`);
  console.log(`| candidate | version | ${settings.join(' | ')} | worst |\n|---|---|${settings.map(() => '---|').join('')}---|`);
  for (const r of rows) console.log(`| ${r.dir}${r === chosen ? ' (chosen)' : ''} | ${r.version} | ${settings.map((k) => r.bySetting.get(k)?.toFixed(2) ?? '').join(' | ')} | ${worst(r).toFixed(2)} |`);
}

/** Every candidate's regrets on one request, and its evidence. */
async function score(kind: Kind, c: Case, decode: (graph: CompactGraph) => Promise<Float64Array>): Promise<Scored> {
  const graph = compactGraph(c.graph, kind.field, resolveConfig().limits);
  const costs = {} as Record<Candidate, Float64Array>;
  for (const name of ESTIMATE_NAMES) costs[name] = estimateEdges(graph.observations!, graph.edgeValue, name);
  costs.learned = await decode(graph);
  const evidence = describeEvidence(graph);
  return { data: c.data, real: c.data !== 'synthetic', split: c.split, cell: c.cell, evidence, band: evidence.band, regret: kind.regrets(graph, costs, c) };
}

/** Route regret: the true cost of the route Dijkstra picks on each candidate's costs over the true optimum, per (source, target). */
function routeRegrets(graph: CompactGraph, costs: Record<Candidate, Float64Array>, c: Case): Record<Candidate, number[]> {
  const truthGraph = withEdgeValues(graph, c.truth);
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
  return regret;
}

/** The relative difference below which two sums of the same capacities count as equal. */
const ROUNDING = 1e-12;

/** Cut regret: the true capacity of the minimum cut on each candidate's capacities over the true minimum cut (0 when that is 0). */
function cutRegrets(graph: CompactGraph, costs: Record<Candidate, Float64Array>, c: Case): Record<Candidate, number[]> {
  const regret = Object.fromEntries(CANDIDATES.map((k) => [k, [] as number[]])) as Record<Candidate, number[]>;
  const maxWork = Number.MAX_SAFE_INTEGER;
  for (const [s, t] of c.pairs) {
    const best = exactMaxflow(withEdgeValues(graph, c.truth), s, t, { maxWork }).value;
    for (const k of CANDIDATES) {
      const side = exactMaxflow(withEdgeValues(graph, costs[k]), s, t, { maxWork }).sourceSide;
      let crossing = 0;
      for (let e = 0; e < graph.edgeCount; e++) if (side[graph.edgeFrom[e]] && !side[graph.edgeTo[e]]) crossing += c.truth[e];
      // A cut cannot be below the minimum, and the minimum cut summed in another order than the flow
      // value differs by rounding alone: a relative gap within ROUNDING is no regret.
      const gap = best > 0 ? (crossing - best) / best : 0;
      regret[k].push(gap > ROUNDING ? gap : 0);
    }
  }
  return regret;
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

/** The seed of the synthetic worlds the report is on. */
const TEST_SEED = 20261125;

/** The synthetic worlds of both seeds, written by the Python generator the first time (routes: 5 targets from the source; cuts: the world's source and sink). */
function syntheticCases(dir: string, kind: 'cost' | 'capacity'): Case[] {
  const cases: Case[] = [];
  // --validation-seed draws a fresh validation set (say, to confirm a candidate's win before choosing it); the report's seed never moves.
  const validationSeed = Number(arg('validation-seed', '777'));
  if (!Number.isInteger(validationSeed) || validationSeed === TEST_SEED) throw new Error(`--validation-seed: an integer other than ${TEST_SEED}, the report's seed, which no choice may see`);
  for (const [seed, split] of [[validationSeed, 'validation'], [TEST_SEED, 'test']] as const) {
    const file = join(dir, `${kind === 'cost' ? '' : 'capacity-'}worlds-${seed}.json`);
    if (!existsSync(file) || generatorChangedSince(file)) {
      mkdirSync(dir, { recursive: true });
      execFileSync('/usr/bin/python3', ['-m', 'narsolve_train.noisy_worlds', '--kind', kind, '--seed', String(seed), '--out', file], { cwd: join(REPO, 'training'), stdio: 'inherit' });
    }
    const { worlds } = JSON.parse(readFileSync(file, 'utf8')) as { worlds: World[] };
    const random = rng(seed);
    for (const w of worlds) {
      const edges = kind === 'cost' ? { from: w.tails, to: w.heads, observations: w.observations } : { from: w.tails, to: w.heads, capacityObservations: w.observations };
      const pairs: [number, number][] = [];
      if (kind === 'capacity') pairs.push([w.source, w.sink!]);
      else for (let i = 0; i < 5; i++) pairs.push([w.source, Math.floor(random() * w.n)]);
      const cell = `n=${w.n < 128 ? 64 : w.n < 512 ? 256 : 1024} ${w.family} ${w.noise}`;
      cases.push({ data: 'synthetic', split, cell, graph: { directed: true, nodes: Array.from({ length: w.n }, (_, i) => i), edges: edges as GraphInput['edges'] }, truth: Float64Array.from(w.truth), pairs });
    }
  }
  return cases;
}

/** Whether the worlds' generator (or the noise models it samples) changed after `file` was written: the file is then stale. */
function generatorChangedSince(file: string): boolean {
  const written = statSync(file).mtimeMs;
  const sources = ['noisy_worlds.py', 'noisy_routes_data.py', 'noisy_capacities_data.py'].map((name) => join(REPO, 'training', 'narsolve_train', name));
  return sources.some((source) => statSync(source).mtimeMs > written);
}

interface World {
  family: string;
  noise: string;
  n: number;
  source: number;
  sink?: number;
  tails: number[];
  heads: number[];
  truth: number[];
  observations: (number | null)[][];
}

/** The periods of the day a request is for: [first slot of the day, slots], every hour from 06:00 to 21:00 (as training's periods; training reads days before the validation block only). */
const PERIODS: readonly [number, number][] = Array.from({ length: 16 }, (_, i) => [(6 + i) * 12, 12] as [number, number]);
/** Routes scored per Aarhus request: random origin and destination pairs. */
const AARHUS_PAIRS = 40;
/** The first day a validation request is for (training reads targets before it), and the first held-out day. */
const FIRST_VALIDATION_DAY = 22;
const FIRST_TEST_DAY = 36;

/** Aarhus requests: a day, a period, the previous k days' means per link; the realized day's means are the truth. */
function aarhusCases(dir: string): Case[] {
  const net = readAarhus(dir);
  if (!net) return [];
  const links = net.links.length;
  // periodMean[p][link * days + day]: the link's mean travel time in period p of that day, NaN without a vehicle.
  const periodMean = PERIODS.map(([first, slots]) => {
    const out = new Float64Array(links * net.days);
    for (let l = 0; l < links; l++) for (let d = 0; d < net.days; d++) out[l * net.days + d] = slotMean(net, l, d * SLOTS_PER_DAY + first, d * SLOTS_PER_DAY + first + slots);
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
      for (let i = 0; i < AARHUS_PAIRS; i++) {
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
function tables(kind: Kind, scored: Scored[], policy: ServedPolicy): string {
  const lines: string[] = [];
  const fmt = (xs: number[]) => `${(100 * mean(xs)).toFixed(2)}% / ${(100 * percentile(xs, 95)).toFixed(1)}%`;
  for (const split of ['validation', 'test'] as const) {
    lines.push('', `**${split === 'validation' ? 'Validation (the policy is chosen here)' : 'Held out (reported; no choice saw it)'}.** Mean / 95th-percentile ${kind.what} regret.`, '');
    lines.push(`| data | cell | requests | ${kind.what}s | band | ${CANDIDATES.join(' | ')} | auto | auto / best classical (mean; p95) |`);
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
      if (process.argv.includes('--features')) console.error(`${data} ${cell}: dispersion ${median(rows.map((r) => r.evidence.dispersion)).toFixed(3)}, outlier share ${median(rows.map((r) => r.evidence.outlierShare)).toFixed(3)}, per edge ${median(rows.map((r) => r.evidence.perEdge))}`);
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
  // Regrets both below 0.01% are ties (routes optimal up to rounding and noise), not a ratio.
  if (a < 1e-4 && b < 1e-4) return 'tie';
  if (b <= 0) return 'inf';
  return (a / b).toFixed(2);
}


main().catch((error) => {
  console.error(error);
  process.exit(1);
});
