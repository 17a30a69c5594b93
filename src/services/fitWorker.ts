/**
 * A fit worker thread: one fit (services/fitting.ts) per thread, so a fit's seconds of arithmetic
 * never hold the event loop. It posts {progress} as it goes, then {report} or {error}, and exits.
 * Where the served observation encoder is given, it is loaded here and becomes one more candidate.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { DEFAULT_LIMITS } from '../config';
import { compactGraph } from '../graph/compact';
import type { GraphInput } from '../graph/types';
import { MODELS } from '../solvers/learned/models';
import { decodeCosts, encodeObservations } from '../solvers/learned/observationEncoding';
import { feedsOf, sessionOptions } from '../solvers/learned/session';
import { fit, type EncoderCandidate, type FitInput } from './fitting';
import { LocalClock } from './forecast';
import { EdgeSeriesTable } from './series';

/** The encoder's decoded values for every edge at a local hour, from each edge's latest observations before it (NaN where it has none). */
async function encoderCandidate(input: FitInput): Promise<EncoderCandidate | undefined> {
  if (!input.encoder) return undefined;
  const { path, hidden, maxObservations } = input.encoder;
  const session = await ort.InferenceSession.create(path, sessionOptions(1));
  const definition = MODELS[input.kind === 'cost' ? 'noisyRoutes' : 'noisyCapacities'];
  const table = new EdgeSeriesTable(input.series);
  const clock = new LocalClock(input.timeZone);
  const field = input.kind === 'cost' ? 'weight' : 'capacity';
  const lists = input.kind === 'cost' ? 'observations' : 'capacityObservations';
  return async (hour) => {
    const before = clock.startOf(hour);
    const kept: number[] = [];
    const from: number[] = [];
    const to: number[] = [];
    const values: (number | null)[] = [];
    const observations: (number[] | null)[] = [];
    for (let e = 0; e < input.from.length; e++) {
      const known = Number.isNaN(input.known[e]) ? null : input.known[e];
      const latest = known === null ? Array.from(table.latestBefore(e, before, maxObservations)) : [];
      if (known === null && latest.length === 0) continue;
      kept.push(e);
      from.push(input.from[e]);
      to.push(input.to[e]);
      values.push(known);
      observations.push(latest.length ? latest : null);
    }
    const out = new Float64Array(input.from.length).fill(NaN);
    if (!kept.length) return out;
    const graphInput = { directed: input.directed, nodes: Array.from({ length: input.nodes }, (_, i) => i), edges: { from, to, [field]: values, [lists]: observations } };
    const graph = compactGraph(graphInput as unknown as GraphInput, field, { ...DEFAULT_LIMITS, maxObservations, maxEdges: Number.MAX_SAFE_INTEGER, maxNodes: Number.MAX_SAFE_INTEGER });
    if (!graph.observations) {
      kept.forEach((e, i) => (out[e] = graph.edgeValue[i]));
      return out;
    }
    const result = await session.run(feedsOf(definition, encodeObservations(graph), hidden));
    const decoded = decodeCosts(graph, result.log_cost.data as Float32Array);
    kept.forEach((e, i) => (out[e] = decoded[i]));
    return out;
  };
}

async function main(): Promise<void> {
  const input = workerData as FitInput;
  try {
    const report = await fit(input, (done) => parentPort!.postMessage({ progress: done }), await encoderCandidate(input));
    parentPort!.postMessage({ report });
  } catch (error) {
    parentPort!.postMessage({ error: (error as Error).message });
  }
}

void main();
