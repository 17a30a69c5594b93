/**
 * npm run bench:small-maxflow [-- --reps 15 --sizes 1000,3000]
 *
 * Max flow on everyday-sized networks, warmed up (10 untimed runs, then the median of `reps`):
 * networkx's own test networks (gl1, gw1, and wlm3 where Debian's networkx ships it) and the bench's
 * families (bench/maxflow-solvers.ts) at `sizes` nodes. For each: narsolve end to end in-process
 * (solveMaxflow, classical: validation, compaction, solve, certificate), then each exact solver alone on
 * the compact graph, next to Boost 1.74 (construction plus push-relabel, a C++ driver compiled with
 * g++ -O2) and NetworkX's preflow_push (construction plus solve), all in the same run. Baselines are
 * skipped loudly when missing. Not a test: nothing here asserts a time.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../src/config';
import { compactGraph } from '../src/graph/compact';
import { solveMaxflow } from '../src/index';
import { learnedDisabled } from '../src/solvers/learned';
import { dinic } from '../src/solvers/classical/dinic';
import { pushRelabel } from '../src/solvers/classical/pushRelabel';
import { CAPACITY_KINDS, FLOW_FAMILIES, flowFamilyNetwork, rmfNetwork, type CapacityEdge } from '../generators/graphs';
import { boostRun, networkxMaxflow, type NativeRun } from './native';
import { arg } from './args';
import { median } from './stats';

interface Net { name: string; n: number; from: number[]; to: number[]; capacity: number[]; source: number; sink: number; expected?: number }

function networkxNets(): Net[] {
  const script = join(__dirname, '..', '..', 'bench', 'native', 'networkx_networks.py');
  let raw: Record<string, { skipped?: string; n: number; edges: [number, number, number][]; source: number; sink: number; expected: number }>;
  try {
    raw = JSON.parse(execFileSync('/usr/bin/python3', [script], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  } catch (error) {
    console.log(`networkx test networks skipped: ${(error as Error).message.split('\n')[0]}`);
    return [];
  }
  const nets: Net[] = [];
  for (const [name, net] of Object.entries(raw)) {
    if (net.skipped) {
      console.log(`${name} skipped: ${net.skipped}`);
      continue;
    }
    nets.push({ name, n: net.n, from: net.edges.map((e) => e[0]), to: net.edges.map((e) => e[1]), capacity: net.edges.map((e) => e[2]), source: net.source, sink: net.sink, expected: net.expected });
  }
  return nets;
}

function familyNets(n: number): Net[] {
  const nets: Net[] = [];
  const add = (name: string, n: number, net: { edges: CapacityEdge[]; source: number; sink: number }) =>
    nets.push({ name, n, from: net.edges.map((e) => Number(e.from)), to: net.edges.map((e) => Number(e.to)), capacity: net.edges.map((e) => e.capacity), source: net.source, sink: net.sink });
  for (const family of FLOW_FAMILIES) {
    for (const kind of CAPACITY_KINDS) {
      const net = flowFamilyNetwork(family, n, n + 17, kind);
      add(`${family} ${kind} n=${n}`, net.n, net);
    }
  }
  const side = Math.max(4, Math.round(Math.cbrt(n / 2)));
  add(`rmf ${side}x${side}x${2 * side}`, side * side * 2 * side, rmfNetwork(side, 2 * side, 1, 1_000_000, 11));
  return nets;
}

/** Untimed runs before timing: fewer leave the first networks measured before the JIT has optimized the solvers. */
const WARM_UP = 10;

/** The median time of `run` (awaited when it returns a promise) after WARM_UP untimed runs. */
async function timeIt(reps: number, run: () => unknown): Promise<number> {
  for (let i = 0; i < WARM_UP; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return median(times);
}

const total = (run: NativeRun) => ('skipped' in run ? undefined : run.buildMs + run.solveMs);
const ratio = (a: number, b: number | undefined) => (b === undefined ? 'skipped' : `${(a / b).toFixed(2)}x`);

async function main(): Promise<void> {
  const reps = Number(arg('reps', '15'));
  const sizes = arg('sizes', '1000,3000').split(',').map(Number);
  const nets = [...networkxNets(), ...sizes.flatMap(familyNets)];
  const learned = learnedDisabled();
  console.log('| network | nodes | edges | narsolve end to end, ms | solver used | Dinic alone | push-relabel alone | Boost build+solve | narsolve / Boost | NetworkX / narsolve |');
  console.log('|---|---:|---:|---:|---|---:|---:|---:|---:|---:|');
  for (const net of nets) {
    const edges = net.from.map((from, i) => ({ from, to: net.to[i], capacity: net.capacity[i] }));
    const body = { graph: { nodes: Array.from({ length: net.n }, (_, v) => v), edges }, source: net.source, sink: net.sink, solver: 'classical' as const };
    const answer = await solveMaxflow(body, { learned });
    if (net.expected !== undefined && answer.value !== net.expected) throw new Error(`${net.name}: narsolve answered ${answer.value}, networkx's tests assert ${net.expected}`);
    const endToEnd = await timeIt(reps, () => solveMaxflow(body, { learned }));
    const graph = compactGraph(body.graph, 'capacity', DEFAULT_LIMITS);
    const options = { maxWork: DEFAULT_LIMITS.maxWork };
    const dinicMs = await timeIt(reps, () => dinic(graph, net.source, net.sink, options));
    const pushRelabelMs = await timeIt(reps, () => pushRelabel(graph, net.source, net.sink, options));
    const list = { n: net.n, from: net.from, to: net.to, value: net.capacity, s: net.source, t: net.sink };
    const boost = median(Array.from({ length: 5 }, () => total(boostRun('maxflow', list)) ?? NaN));
    const networkx = total(networkxMaxflow(list));
    const used = answer.solver.algorithm;
    console.log(`| ${net.name} | ${net.n} | ${net.from.length} | ${endToEnd.toFixed(2)} | ${used} | ${dinicMs.toFixed(2)} | ${pushRelabelMs.toFixed(2)} | ${Number.isNaN(boost) ? 'skipped' : boost.toFixed(2)} | ${ratio(endToEnd, Number.isNaN(boost) ? undefined : boost)} | ${networkx === undefined ? 'skipped' : `${(networkx / endToEnd).toFixed(1)}x`} |`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
