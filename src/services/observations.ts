import { withEdgeValues } from '../graph/compact';
import type { CompactGraph } from '../graph/types';
import { estimateEdges, type EstimateName } from '../graph/estimates';
import type { EncoderName, LearnedModel, PolicyStatus } from '../solvers/learned';
import { decodeCosts, encodeObservations, observationSlots } from '../solvers/learned/observationEncoding';
import { inferOptions, type SolveContext, type StageTimer } from './context';
import { describeEvidence, type Evidence } from './evidence';
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

/**
 * How a noisy request is answered: the classical estimate that validated best for its kind of
 * evidence (what a classical answer uses and every answer shows beside a learned one), and whether
 * `auto` runs the encoder, with the measurement that decided it.
 */
export interface EstimateChoice {
  readonly estimate: EstimateName;
  /** The graph with each estimated edge at that estimate (a weight where the edge has one). */
  readonly onEstimate: CompactGraph;
  readonly evidence: Evidence;
  /** Whether `auto` answers with the encoder. */
  readonly autoLearned: boolean;
  /** Why, in words: the policy band's measurement, or why there is none. */
  readonly reason?: string;
}

/** The estimate when nothing was measured: the median, robust to the outliers real sensors produce. */
export const UNMEASURED_ESTIMATE: EstimateName = 'median';

/**
 * chooseEstimate: reads the model's policy (models/<model>_policy.json) for this request's evidence
 * band. Without a model there is nothing to decide (the caller's fallback says why); without a
 * policy, or for a band no validation request fell in, `auto` serves a classical estimate.
 */
export function chooseEstimate(graph: CompactGraph, status: PolicyStatus | undefined, what: string): EstimateChoice {
  // A stored graph at one epoch is one object: its evidence and estimate graph are worked out once.
  const known = chosenFor.get(graph);
  if (known && known.status === status) return known.choice;
  const choice = choose(graph, status, what);
  chosenFor.set(graph, { status, choice });
  return choice;
}

const chosenFor = new WeakMap<CompactGraph, { status: PolicyStatus | undefined; choice: EstimateChoice }>();

function choose(graph: CompactGraph, status: PolicyStatus | undefined, what: string): EstimateChoice {
  const evidence = describeEvidence(graph);
  const at = (estimate: EstimateName, autoLearned: boolean, reason?: string): EstimateChoice => ({
    estimate,
    onEstimate: estimate === graph.observations!.estimate ? graph : withEdgeValues(graph, estimateEdges(graph.observations!, graph.edgeValue, estimate)),
    evidence,
    autoLearned,
    ...(reason !== undefined && { reason }),
  });
  if (!status) return at(UNMEASURED_ESTIMATE, true);
  if ('reason' in status) return at(UNMEASURED_ESTIMATE, false, `no measurement shows the ${what} encoder better than a classical estimate: ${status.reason}`);
  const band = status.policy.bands[evidence.band];
  if (!band) return at(status.policy.fallback, false, `no validation request of the ${what} encoder had evidence like this (band ${evidence.band}); the ${status.policy.fallback} validated best overall`);
  return at(band.estimate, band.serve === 'learned', `band ${evidence.band}: ${band.reason}`);
}
