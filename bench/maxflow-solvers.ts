/**
 * npm run bench:maxflow-solvers [-- --sizes 1000,10000,100000 --reps 3]
 *
 * Dinic next to push-relabel on the same compact networks in the same run: the training families
 * (two-community, segmentation, layered, random directed) with small-integer, integer and
 * fractional capacities, RMF networks (the DIMACS genrmf family, long augmenting paths and large
 * capacities) and large-capacity random networks. Prints the median time of each and the ratio, and
 * the work (arc scans) each counted. The rule in src/solvers/classical/maxflow.ts that picks
 * between them is read off this table. Not a test: nothing here asserts a time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../src/config';
import { compactGraph } from '../src/graph/compact';
import type { CompactGraph } from '../src/graph/types';
import { dinic } from '../src/solvers/classical/dinic';
import { pushRelabel } from '../src/solvers/classical/pushRelabel';
import { roundMs } from '../src/services/context';
import { CAPACITY_KINDS, FLOW_FAMILIES, flowFamilyNetwork, flowRequestBody, rmfNetwork, rng } from '../generators/graphs';
import { arg } from './args';
import { median } from './stats';

interface Network { name: string; graph: CompactGraph; source: number; sink: number }

function familyNetworks(n: number): Network[] {
  const out: Network[] = [];
  for (const family of FLOW_FAMILIES) {
    for (const kind of CAPACITY_KINDS) {
      const net = flowFamilyNetwork(family, n, n + 17, kind);
      out.push({ name: `${family} ${kind}`, graph: compactGraph(flowRequestBody(net).graph, 'capacity', DEFAULT_LIMITS), source: net.source, sink: net.sink });
    }
  }
  // RMF: a×a frames, about n nodes; capacities up to 10^4.
  const a = Math.max(2, Math.round(Math.cbrt(n / 2)));
  const frames = Math.max(2, Math.round(n / (a * a)));
  const rmf = rmfNetwork(a, frames, 1, 10_000, n);
  out.push({ name: `rmf ${a}x${a}x${frames}`, graph: compactGraph({ nodes: Array.from({ length: a * a * frames }, (_, i) => i), edges: rmf.edges }, 'capacity', DEFAULT_LIMITS), source: rmf.source, sink: rmf.sink });
  // Large integer capacities on a sparse random network (long, thin augmenting paths).
  const random = rng(n + 5);
  const edges = Array.from({ length: 5 * n }, () => ({ from: Math.floor(random() * n), to: Math.floor(random() * n), capacity: 1 + Math.floor(random() * 1e6) }));
  out.push({ name: 'random large-capacity', graph: compactGraph({ nodes: Array.from({ length: n }, (_, i) => i), edges }, 'capacity', DEFAULT_LIMITS), source: 0, sink: n - 1 });
  return out;
}

function time<T>(reps: number, fn: () => T): { ms: number; result: T } {
  const times: number[] = [];
  let result!: T;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    result = fn();
    times.push(performance.now() - t);
  }
  return { ms: median(times), result };
}

function main(): void {
  const sizes = arg('sizes', '1000,10000,100000').split(',').map(Number);
  const reps = Number(arg('reps', '3'));
  const rows: Record<string, string | number>[] = [];
  for (const n of sizes) {
    for (const net of familyNetworks(n)) {
      const d = time(reps, () => dinic(net.graph, net.source, net.sink, { maxWork: Infinity }));
      const p = time(reps, () => pushRelabel(net.graph, net.source, net.sink, { maxWork: Infinity }));
      if (Math.abs(d.result.value - p.result.value) > 1e-9 * Math.max(1, d.result.value)) throw new Error(`${net.name} n=${n}: dinic ${d.result.value} != push-relabel ${p.result.value}`);
      rows.push({
        network: net.name, nodes: net.graph.nodeCount, edges: net.graph.edgeCount,
        dinicMs: roundMs(d.ms), pushRelabelMs: roundMs(p.ms), 'pushRelabel/dinic': `${(p.ms / d.ms).toFixed(2)}x`,
        dinicWork: d.result.work, pushRelabelWork: p.result.work,
      });
      console.error(`${net.name} n=${n}: dinic ${d.ms.toFixed(1)} ms, push-relabel ${p.ms.toFixed(1)} ms`);
    }
  }
  const keys = Object.keys(rows[0]);
  console.log(`| ${keys.join(' | ')} |\n|${keys.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${keys.map((k) => r[k]).join(' | ')} |`);
  const dir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'maxflow-solvers.json'), JSON.stringify({ date: new Date().toISOString(), reps, rows }, null, 2));
}

main();
