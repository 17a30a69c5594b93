/**
 * The max-flow families exist twice: in training (training/narsolve_train/maxflow_data.py) and in
 * generators/graphs.ts, which eval:maxflow and the tests use. Their random generators differ,
 * so they are pinned by distribution: tests/fixtures/flow_families.json (python -m
 * narsolve_train.golden) holds each family's statistics over many seeded Python samples, and the
 * TypeScript generator's means must agree within a few standard errors. A change to either copy's
 * density, terminals, depth or symmetry fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../src/config';
import { compactGraph } from '../src/graph/compact';
import { encodeMaxflow } from '../src/solvers/learned/maxflowEncoding';
import { CAPACITY_KINDS, DEEP_FAMILIES, deepGraph, FLOW_FAMILIES, flowFamilyNetwork, flowRequestBody, type FlowNetwork, type WeightedEdge } from '../generators/graphs';

interface Moments { mean: number; sd: number }
const golden: {
  samples: number;
  sizes: number[];
  stats: string[];
  families: Record<string, Record<string, Moments>>;
  capacities: Record<string, Moments & { count: number }>;
} = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'flow_families.json'), 'utf8'));

/** Standard errors of the difference of two means that a real drift would exceed; deterministic seeds, so never flaky. */
const Z = 4.5;

function networkStats(net: FlowNetwork): Record<string, number> {
  const arcs = new Set(net.edges.map((e) => `${e.from},${e.to}`));
  let reciprocal = 0;
  for (const e of net.edges) if (arcs.has(`${e.to},${e.from}`)) reciprocal++;
  const graph = compactGraph(flowRequestBody(net).graph, 'capacity', DEFAULT_LIMITS);
  return {
    arcs_per_node: net.edges.length / net.n,
    source_degree: net.edges.filter((e) => e.from === net.source).length,
    sink_degree: net.edges.filter((e) => e.to === net.sink).length,
    hop_depth: encodeMaxflow(graph, net.source, net.sink).hopDepth,
    reciprocal_share: reciprocal / Math.max(1, net.edges.length),
  };
}

function moments(xs: number[]): Moments {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, sd: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) };
}

function expectSameMean(name: string, python: Moments, pythonCount: number, ts: Moments, tsCount: number): void {
  const standardError = Math.sqrt(python.sd ** 2 / pythonCount + ts.sd ** 2 / tsCount);
  const gap = Math.abs(python.mean - ts.mean);
  if (gap > Z * standardError + 1e-9) {
    throw new Error(`${name}: Python mean ${python.mean.toFixed(3)}, TypeScript mean ${ts.mean.toFixed(3)} (${(gap / standardError).toFixed(1)} standard errors apart)`);
  }
}

describe('the TypeScript flow families match the training families', () => {
  const cells = FLOW_FAMILIES.flatMap((family) => golden.sizes.map((n) => [family, n] as const));

  test('the golden file covers every family at every size', () => {
    expect(Object.keys(golden.families).sort()).toEqual(cells.map(([f, n]) => `${f}/${n}`).sort());
  });

  test.each(cells)('%s at n=%i: arcs per node, terminal degrees, hop depth and reciprocal arcs', (family, n) => {
    const rows = Array.from({ length: golden.samples }, (_, seed) => networkStats(flowFamilyNetwork(family, n, 1000 * n + seed, 'int')));
    for (const stat of golden.stats) {
      expectSameMean(`${family}/${n} ${stat}`, golden.families[`${family}/${n}`][stat], golden.samples, moments(rows.map((r) => r[stat])), golden.samples);
    }
  });

  test.each(CAPACITY_KINDS.map((k) => [k]))('%s capacities have the training range', (kind) => {
    const caps = Array.from({ length: golden.samples }, (_, seed) => flowFamilyNetwork('layered', 24, seed, kind).edges.map((e) => e.capacity)).flat();
    const python = golden.capacities[kind];
    expectSameMean(`${kind} capacity`, python, python.count, moments(caps), caps.length);
  });
});

/** What makes a deep family deep, as golden.py's deep_stats counts it: nodes with an arc, arcs per such node, BFS depth from the lowest-numbered one. */
function deepStats(edges: WeightedEdge[]): Record<string, number> {
  const out = new Map<number, number[]>();
  for (const e of edges) {
    const from = Number(e.from);
    const to = Number(e.to);
    if (!out.has(from)) out.set(from, []);
    if (!out.has(to)) out.set(to, []);
    out.get(from)!.push(to);
  }
  const used = [...out.keys()].sort((a, b) => a - b);
  const depth = new Map([[used[0], 0]]);
  let frontier = [used[0]];
  while (frontier.length) {
    const next: number[] = [];
    for (const u of frontier) {
      for (const v of out.get(u)!) {
        if (!depth.has(v)) {
          depth.set(v, depth.get(u)! + 1);
          next.push(v);
        }
      }
    }
    frontier = next;
  }
  return { nodes: used.length, arcs_per_node: edges.length / used.length, hop_depth: Math.max(...depth.values()) };
}

describe('the TypeScript deep road-like families match the training families', () => {
  const deep: { samples: number; sizes: number[]; stats: string[]; families: Record<string, Record<string, Moments>> } = JSON.parse(
    readFileSync(join(__dirname, 'fixtures', 'deep_families.json'), 'utf8'),
  );
  const cells = DEEP_FAMILIES.flatMap((family) => deep.sizes.map((n) => [family, n] as const));

  test('the golden file covers every family at every size', () => {
    expect(Object.keys(deep.families).sort()).toEqual(cells.map(([f, n]) => `${f}/${n}`).sort());
  });

  test.each(cells)('%s at n = %i: nodes, arcs per node and hop depth agree with training', (family, n) => {
    const samples = 100;
    const rows = Array.from({ length: samples }, (_, i) => deepStats(deepGraph(family, n, 9000 + i)));
    for (const stat of deep.stats) {
      expectSameMean(`${family}/${n} ${stat}`, deep.families[`${family}/${n}`][stat], deep.samples, moments(rows.map((r) => r[stat])), samples);
    }
  });
});
