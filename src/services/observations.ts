import { withEdgeValues } from '../graph/compact';
import type { CompactGraph } from '../graph/types';
import type { EncoderName, LearnedModel } from '../solvers/learned';
import { decodeCosts, encodeObservations, observationSlots } from '../solvers/learned/observationEncoding';
import { inferOptions, type SolveContext, type StageTimer } from './context';
import type { Unfit } from './learned';

/** The encoder's padded size for this graph, or why it does not fit the serving limits (what the edges carry, in words, for the reason). */
export function planEncoder<K extends EncoderName>(graph: CompactGraph, model: LearnedModel<K>, what: 'observation' | 'sample'): number | Unfit {
  const slots = observationSlots(graph);
  if (slots > model.limits.maxPaddedSlots) {
    return { unfit: `the graph needs ${slots} padded ${what} slots (arcs × most ${what}s on one edge + nodes × widest arc lists); the encoder is served up to ${model.limits.maxPaddedSlots}` };
  }
  return slots;
}

/**
 * Decoded values already computed for a graph object. The encoder is a pure function of the graph,
 * so a graph that is solved again (a stored graph at one epoch) is decoded once; a whole-body
 * request's graph is a new object each time and never hits.
 */
const decodedFor = new WeakMap<CompactGraph, Decoded>();

/** An encoder's output for a graph: one value per edge, and the graph with those values (what the exact solver then runs on). */
export interface Decoded {
  readonly decoded: Float64Array;
  readonly decodedGraph: CompactGraph;
  readonly version: string;
}

/** Encode → infer (in a worker thread) → one decoded value per edge, refused unless every one is finite and non-negative. */
export async function decodeObservations<K extends EncoderName>(graph: CompactGraph, model: LearnedModel<K>, context: SolveContext, timer: StageTimer): Promise<Decoded> {
  const known = decodedFor.get(graph);
  if (known && known.version === model.version) {
    timer.mark('decode');
    return known;
  }
  const inputs = encodeObservations(graph);
  timer.mark('encode');
  const result = await model.infer(inputs, inferOptions(context, timer));
  timer.mark('infer');
  const decoded = decodeCosts(graph, result.logCost);
  let total = 0;
  for (const value of decoded) {
    if (!(value >= 0 && value < Infinity)) throw new Error(`the encoder decoded a value of ${value}`);
    total += value;
  }
  if (!Number.isFinite(total)) throw new Error('the decoded values add up to more than the largest double');
  timer.mark('decode');
  const answer = { decoded, decodedGraph: withEdgeValues(graph, decoded), version: model.version };
  decodedFor.set(graph, answer);
  return answer;
}
