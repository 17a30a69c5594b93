/**
 * The bench's native baselines: Boost Graph Library (a small C++ driver, bench/native/boost_baselines.cpp,
 * compiled here on first use into bench/results/) and NetworkX (Debian's python3-networkx). Each is
 * skipped, loudly, when its toolchain is missing; install never builds them and tests never run them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const SOURCE = join(ROOT, 'bench', 'native', 'boost_baselines.cpp');
const BINARY = join(ROOT, 'bench', 'results', 'boost_baselines');
const NETWORKX = join(ROOT, 'bench', 'native', 'networkx_maxflow.py');

/** One baseline run: its answer and its own build and solve times (ms), or why it did not run. */
export type NativeRun = { value: number; buildMs: number; solveMs: number } | { skipped: string };

/** A directed edge list on nodes 0..n-1, as the drivers read it. */
export interface EdgeList { n: number; from: ArrayLike<number>; to: ArrayLike<number>; value: ArrayLike<number>; s: number; t: number }

let boost: string | { skipped: string } | undefined;

/** The compiled Boost driver, built on first use (and again when its source is newer), or why it cannot be. */
function boostDriver(): string | { skipped: string } {
  if (boost) return boost;
  if (!existsSync('/usr/include/boost/graph/push_relabel_max_flow.hpp')) return (boost = { skipped: 'Boost Graph Library headers missing (apt-get install libboost-graph-dev)' });
  if (spawnSync('g++', ['--version']).status !== 0) return (boost = { skipped: 'g++ missing' });
  if (!existsSync(BINARY) || statSync(BINARY).mtimeMs < statSync(SOURCE).mtimeMs) {
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    execFileSync('g++', ['-O2', '-o', BINARY, SOURCE], { stdio: 'inherit' });
  }
  return (boost = BINARY);
}

function withFile<T>(edges: EdgeList, run: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'narsolve-bench-'));
  const path = join(dir, 'edges.txt');
  const lines = [`${edges.n} ${edges.from.length} ${edges.s} ${edges.t}`];
  for (let i = 0; i < edges.from.length; i++) lines.push(`${edges.from[i]} ${edges.to[i]} ${edges.value[i]}`);
  writeFileSync(path, lines.join('\n') + '\n');
  try {
    return run(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runJson(command: string, args: string[], budgetMs: number): NativeRun {
  const out = spawnSync(command, args, { encoding: 'utf8', timeout: budgetMs, maxBuffer: 1 << 20 });
  if (out.error || out.status !== 0) return { skipped: out.signal === 'SIGTERM' ? `gave up after ${budgetMs} ms` : `failed: ${out.stderr || out.error?.message}` };
  return JSON.parse(out.stdout);
}

/** Boost: push-relabel maximum flow, or Dijkstra from s (value: the distance to t). */
export function boostRun(kind: 'maxflow' | 'route', edges: EdgeList, budgetMs = 120_000): NativeRun {
  const driver = boostDriver();
  if (typeof driver !== 'string') return driver;
  return withFile(edges, (path) => runJson(driver, [kind, path], budgetMs));
}

/** NetworkX: preflow_push maximum flow. */
export function networkxMaxflow(edges: EdgeList, budgetMs = 120_000): NativeRun {
  if (spawnSync('/usr/bin/python3', ['-c', 'import networkx']).status !== 0) return { skipped: 'python3-networkx missing (apt-get install python3-networkx)' };
  return withFile(edges, (path) => runJson('/usr/bin/python3', [NETWORKX, path], budgetMs));
}
