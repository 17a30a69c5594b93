/**
 * npm run eval:maxflow [-- --sizes 16,64,256,1024,4096 --large 100000 --seed 20261125]
 *
 * Evaluates the learned max-flow model as served (worker thread, projection, warm-started exact
 * solver) out of distribution: fresh seeds, every training family, sizes far beyond training
 * (n <= 64). Per family and size: min-cut node accuracy (against the exact minimal source side),
 * predicted cut capacity over the minimum, projected flow value over the maximum, and for each exact
 * solver (Dinic and push-relabel) the warm start's work (projection + the solver's arc scans from the
 * projected flow) over the same solver's cold run on the same graph; wall time of auto as served and
 * of the served exact solver from zero (the cut ratio leaves out networks whose maximum flow is 0).
 * Then networks of about `--large` edges for the end-to-end comparison. Writes
 * models/evaluation/maxflow.json, the manifest's evaluation entry and the model card's table.
 * Not a test: nothing here asserts a number.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../src/config';
import { solveMaxflow, type MaxflowResponse } from '../src/services/maxflow';
import { compactGraph } from '../src/graph/compact';
import { dinic } from '../src/solvers/classical/dinic';
import { projectFlow } from '../src/solvers/classical/projection';
import { pushRelabel } from '../src/solvers/classical/pushRelabel';
import { loadLearnedSolvers } from '../src/solvers/learned';
import { CAPACITY_KINDS, FLOW_FAMILIES, flowFamilyNetwork, flowRequestBody, type FlowFamily } from '../generators/graphs';
import { arg } from './args';
import { mean, median } from './stats';

const MODELS = join(__dirname, '..', '..', 'models');
const GRAPHS: Record<number, number> = { 16: 24, 64: 24, 256: 12, 1024: 6, 4096: 3 };

interface Sample {
  served: boolean;
  cutAccuracy: number;
  cutRatio: number;
  valueShare: number;
  /** Arc scans: the projection plus each solver warm-started from it, and each solver from zero flow. */
  warmDinicWork: number;
  coldDinicWork: number;
  warmPushRelabelWork: number;
  coldPushRelabelWork: number;
  /** Push-relabel from a preflow: the prediction with only its shortfall walked off (projectFlow keepExcess), plus that walk. */
  preflowPushRelabelWork: number;
  /** Push-relabel's whole-graph scans (global relabelings, cut BFS) cold, which no start flow can save, and its pushes and relabels warm and cold (work less scans, projection not counted). */
  coldPushRelabelScan: number;
  warmPushRelabelMoving: number;
  coldPushRelabelMoving: number;
  certifiedWithoutSolve: boolean;
  inferMs: number;
  /** auto as served (encode + infer + decode + project + the exact solver's warm start) and the served exact solver from zero flow. */
  warmMs: number;
  coldMs: number;
  edges: number;
  steps: number;
}

type Context = Parameters<typeof solveMaxflow>[1];

const NOT_SERVED = {
  served: false, cutAccuracy: NaN, cutRatio: NaN, valueShare: NaN, warmDinicWork: NaN, coldDinicWork: NaN, warmPushRelabelWork: NaN, coldPushRelabelWork: NaN, preflowPushRelabelWork: NaN,
  coldPushRelabelScan: NaN, warmPushRelabelMoving: NaN, coldPushRelabelMoving: NaN, certifiedWithoutSolve: false, inferMs: NaN, warmMs: NaN, coldMs: NaN,
};

async function evaluate(family: FlowFamily, n: number, seed: number, context: Context): Promise<Sample> {
  const kind = CAPACITY_KINDS[seed % CAPACITY_KINDS.length];
  const net = flowFamilyNetwork(family, n, seed, kind);
  const body = flowRequestBody(net);
  const auto = await solveMaxflow({ ...body, explain: true }, context);
  const warm = auto.solver.warmStart;
  const base = { edges: net.edges.length, steps: auto.solver.learned?.steps ?? 0 };
  if (!warm?.cold) return { ...base, ...NOT_SERVED };
  // solver "learned" answers with the projected prediction: the flow both exact solvers can start from.
  const learned: MaxflowResponse = await solveMaxflow({ ...body, solver: 'learned', explain: true }, context);
  const graph = compactGraph(body.graph, 'capacity', context.config.limits);
  const start = Float64Array.from(learned.flows);
  const [s, t] = [net.source, net.sink];
  const work = (solver: typeof dinic, initialFlow?: Float64Array) => solver(graph, s, t, { maxWork: Infinity, initialFlow }).work;
  const warmPushRelabel = pushRelabel(graph, s, t, { maxWork: Infinity, initialFlow: start });
  const coldPushRelabel = pushRelabel(graph, s, t, { maxWork: Infinity });
  const preflow = projectFlow(graph, s, t, Float64Array.from(learned.solver.prediction!.decodedFlows!), { maxWork: Infinity, keepExcess: true });
  const exactSide = new Set(auto.minCut.sourceSide);
  const predictedSide = new Set(learned.minCut.sourceSide);
  let agree = 0;
  for (const v of body.graph.nodes) if (exactSide.has(v) === predictedSide.has(v)) agree++;
  const ms = auto.timingsMs;
  return {
    ...base,
    served: true,
    cutAccuracy: agree / body.graph.nodes.length,
    // Undefined where the maximum flow is 0 (no path): those graphs are left out of the mean.
    cutRatio: auto.value > 0 ? learned.minCut.capacity / auto.value : NaN,
    valueShare: warm.carriedShare,
    warmDinicWork: warm.projectionWork + work(dinic, start),
    coldDinicWork: work(dinic),
    warmPushRelabelWork: warm.projectionWork + warmPushRelabel.work,
    coldPushRelabelWork: coldPushRelabel.work,
    preflowPushRelabelWork: preflow.work + work(pushRelabel, preflow.flow),
    coldPushRelabelScan: coldPushRelabel.counts.scanWork,
    warmPushRelabelMoving: warmPushRelabel.work - warmPushRelabel.counts.scanWork,
    coldPushRelabelMoving: coldPushRelabel.work - coldPushRelabel.counts.scanWork,
    certifiedWithoutSolve: learned.certificate.verified,
    inferMs: ms.infer,
    warmMs: ms.encode + ms.infer + ms.decode + ms.project + ms.solve,
    coldMs: warm.cold.ms,
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : '–');

function summarize(samples: Sample[]) {
  const s = samples.filter((x) => x.served);
  const ratio = (warm: keyof Sample, cold: keyof Sample) => sum(s.map((x) => x[warm] as number)) / sum(s.map((x) => x[cold] as number));
  return {
    graphs: samples.length,
    served: s.length,
    edges: Math.round(mean(samples.map((x) => x.edges))),
    steps: Math.round(mean(s.map((x) => x.steps))),
    cutAccuracy: mean(s.map((x) => x.cutAccuracy)),
    cutRatio: median(s.map((x) => x.cutRatio).filter((x) => !Number.isNaN(x))),
    cutRatioMean: mean(s.map((x) => x.cutRatio).filter((x) => !Number.isNaN(x))),
    valueShare: mean(s.map((x) => x.valueShare)),
    certified: mean(s.map((x) => (x.certifiedWithoutSolve ? 1 : 0))),
    dinicWorkRatio: ratio('warmDinicWork', 'coldDinicWork'),
    pushRelabelWorkRatio: ratio('warmPushRelabelWork', 'coldPushRelabelWork'),
    preflowPushRelabelWorkRatio: ratio('preflowPushRelabelWork', 'coldPushRelabelWork'),
    /** Share of cold push-relabel work in whole-graph scans, which no start flow can save. */
    pushRelabelScanShare: ratio('coldPushRelabelScan', 'coldPushRelabelWork'),
    /** Push-relabel's pushes and relabels (work less scans) warm over cold: the part a prediction can save (projection not counted). */
    pushRelabelMovingRatio: ratio('warmPushRelabelMoving', 'coldPushRelabelMoving'),
    /** Warm push-relabel over warm Dinic (both with the projection): which warm start is cheaper outright. */
    warmPushRelabelOverDinic: ratio('warmPushRelabelWork', 'warmDinicWork'),
    inferMs: median(s.map((x) => x.inferMs)),
    warmMs: median(s.map((x) => x.warmMs)),
    coldMs: median(s.map((x) => x.coldMs)),
  };
}

async function main(): Promise<void> {
  const sizes = arg('sizes', '16,64,256,1024,4096').split(',').map(Number);
  const large = Number(arg('large', '100000'));
  const seed0 = Number(arg('seed', '20261125'));
  const learned = await loadLearnedSolvers({ workers: 1 });
  if (!learned.maxflow.model) throw new Error(`learned max flow not ready: ${learned.maxflow.readiness.reason}`);
  // Measure the warm start as auto would run it were the processor's spec to allow it (serving.auto true).
  const model = learned.maxflow.model;
  const context = { config: resolveConfig(), learned: { ...learned, maxflow: { ...learned.maxflow, model: { ...model, auto: true } } } };
  const cells: Record<string, unknown>[] = [];
  const lines: string[] = [];
  const header = '| family | n | graphs (served) | mean edges | steps | cut node acc. | predicted cut / min cut (median) | projected / max flow | certified w/o exact solve | warm/cold work, Dinic | warm/cold work, push-relabel | same from a preflow | push-relabel: scans / cold work | push-relabel: pushes+relabels warm/cold | warm work, push-relabel / Dinic | infer ms | warm ms | cold ms |';
  lines.push(header, '|' + ' --- |'.repeat(18));
  for (const n of sizes) {
    const all: Sample[] = [];
    for (const family of FLOW_FAMILIES) {
      const samples: Sample[] = [];
      for (let g = 0; g < (GRAPHS[n] ?? 3); g++) samples.push(await evaluate(family, n, seed0 + 7919 * g + n, context));
      all.push(...samples);
      const r = summarize(samples);
      cells.push({ family, n, ...r });
      lines.push(row(family, n, r));
      process.stderr.write(`${family} n=${n}: ${JSON.stringify(r)}\n`);
    }
    const r = summarize(all);
    cells.push({ family: 'all', n, ...r });
    lines.push(row('**all**', n, r));
  }

  // End to end at about `large` edges: the families that stay within the served slot limit.
  const largeRows: Record<string, unknown>[] = [];
  const largeLines = ['| family | nodes | edges | steps | projected / max flow | warm/cold work, Dinic | warm/cold work, push-relabel | same from a preflow | warm work, push-relabel / Dinic | infer ms | warm end-to-end ms | cold exact ms | warm/cold time |', '|' + ' --- |'.repeat(13)];
  for (const [family, n] of [['random_directed', Math.round(large / 3.5)], ['two_community', Math.round(large / 4.5)], ['layered', Math.round(large / 2)], ['segmentation', Math.round(large / 2.6)]] as const) {
    const x = await evaluate(family, n, seed0 + 1, context);
    const r = summarize([x]);
    largeRows.push({ family, n, ...r });
    largeLines.push(
      x.served
        ? `| ${family} | ${n} | ${x.edges} | ${x.steps} | ${fmt(x.valueShare)} | ${fmt(r.dinicWorkRatio, 2)} | ${fmt(r.pushRelabelWorkRatio, 2)} | ${fmt(r.preflowPushRelabelWorkRatio, 2)} | ${fmt(r.warmPushRelabelOverDinic, 2)} | ${fmt(x.inferMs, 0)} | ${fmt(x.warmMs, 0)} | ${fmt(x.coldMs, 0)} | ${fmt(x.warmMs / x.coldMs, 1)}× |`
        : `| ${family} | ${n} | ${x.edges} | – | not served: past the model's padded-slot limit | | | | | | | | |`,
    );
    process.stderr.write(`large ${family}: ${JSON.stringify(r)}\n`);
  }
  await learned.close();

  const version = learned.maxflow.model.version;
  const table = lines.join('\n');
  const largeTable = largeLines.join('\n');
  console.log(table + '\n\n' + largeTable);
  mkdirSync(join(MODELS, 'evaluation'), { recursive: true });
  const result = { model: 'maxflow', version, seed: seed0, command: 'npm run eval:maxflow', machine: '2-core dev box, 1 worker', cells, large: largeRows };
  writeFileSync(join(MODELS, 'evaluation', 'maxflow.json'), JSON.stringify(result, null, 2) + '\n');
  const manifestPath = join(MODELS, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  manifest.models.maxflow.evaluation = { command: 'npm run eval:maxflow', seed: seed0, file: 'evaluation/maxflow.json' };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  const cardPath = join(MODELS, 'MODEL_CARD.md');
  const card = readFileSync(cardPath, 'utf8');
  const start = '<!-- maxflow-evaluation:start -->';
  const end = '<!-- maxflow-evaluation:end -->';
  const i = card.indexOf(start);
  const j = card.indexOf(end);
  if (i >= 0 && j > i) {
    const generated = `${start}\nModel ${version}, seed ${seed0}, \`npm run eval:maxflow\`.\n\n${table}\n\nAt about ${large.toLocaleString('en-US')} edges (one network each):\n\n${largeTable}\n`;
    writeFileSync(cardPath, card.slice(0, i) + generated + card.slice(j));
  }
}

function row(family: string, n: number, r: ReturnType<typeof summarize>): string {
  return `| ${family} | ${n} | ${r.graphs} (${r.served}) | ${r.edges} | ${fmt(r.steps, 0)} | ${fmt(100 * r.cutAccuracy, 1)}% | ${fmt(r.cutRatio)} | ${fmt(r.valueShare)} | ${fmt(100 * r.certified, 0)}% | ${fmt(r.dinicWorkRatio, 2)} | ${fmt(r.pushRelabelWorkRatio, 2)} | ${fmt(r.preflowPushRelabelWorkRatio, 2)} | ${fmt(r.pushRelabelScanShare, 2)} | ${fmt(r.pushRelabelMovingRatio, 2)} | ${fmt(r.warmPushRelabelOverDinic, 2)} | ${fmt(r.inferMs, 1)} | ${fmt(r.warmMs, 1)} | ${fmt(r.coldMs, 1)} |`;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
