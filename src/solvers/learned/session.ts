/**
 * How narsolve runs its ONNX processors, shared by the worker threads and the step profiler so that
 * a profile measures the served configuration. Feed names are the spec's step inputs (manifest.ts
 * lists them; a model whose spec names others is not loaded).
 */
import * as ort from 'onnxruntime-node';

/** Session options for one processor with `intraOpThreads` threads. */
export function sessionOptions(intraOpThreads: number): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    // 'extended' measured faster than 'all' here: the layout rewrites of 'all' cost more than they save on these small tensors.
    graphOptimizationLevel: 'extended',
  };
}

/** The first Bellman-Ford step's feeds: the encoded graph and a zero hidden state. */
export function bellmanFordFeeds(
  inputs: { n: number; k: number; source: Float32Array; nbrIndex: BigInt64Array; nbrWeight: Float32Array; nbrMask: Float32Array },
  hidden: number,
): Record<string, ort.Tensor> {
  const { n, k } = inputs;
  return {
    h: new ort.Tensor('float32', new Float32Array(n * hidden), [n, hidden]),
    source: new ort.Tensor('float32', inputs.source, [n]),
    nbr_index: new ort.Tensor('int64', inputs.nbrIndex, [n, k]),
    nbr_weight: new ort.Tensor('float32', inputs.nbrWeight, [n, k]),
    nbr_mask: new ort.Tensor('float32', inputs.nbrMask, [n, k]),
  };
}

/** The first max-flow step's feeds: the encoded network and a zero hidden state. */
export function maxflowFeeds(
  inputs: {
    n: number; ki: number; ko: number; source: Float32Array; sink: Float32Array;
    inIndex: BigInt64Array; inCapacity: Float32Array; inMask: Float32Array;
    outIndex: BigInt64Array; outCapacity: Float32Array; outMask: Float32Array;
  },
  hidden: number,
): Record<string, ort.Tensor> {
  const { n, ki, ko } = inputs;
  return {
    h: new ort.Tensor('float32', new Float32Array(n * hidden), [n, hidden]),
    source: new ort.Tensor('float32', inputs.source, [n]),
    sink: new ort.Tensor('float32', inputs.sink, [n]),
    in_index: new ort.Tensor('int64', inputs.inIndex, [n, ki]),
    in_capacity: new ort.Tensor('float32', inputs.inCapacity, [n, ki]),
    in_mask: new ort.Tensor('float32', inputs.inMask, [n, ki]),
    out_index: new ort.Tensor('int64', inputs.outIndex, [n, ko]),
    out_capacity: new ort.Tensor('float32', inputs.outCapacity, [n, ko]),
    out_mask: new ort.Tensor('float32', inputs.outMask, [n, ko]),
  };
}

/** The observation encoder's feeds (its one pass has no hidden state). */
export function observationFeeds(inputs: {
  m: number; n: number; o: number; kt: number; kh: number; logObs: Float32Array; obsMask: Float32Array; centre: Float32Array; spread: Float32Array;
  tailArcs: BigInt64Array; tailMask: Float32Array; headArcs: BigInt64Array; headMask: Float32Array; tails: BigInt64Array; heads: BigInt64Array;
}): Record<string, ort.Tensor> {
  const { m, n, o, kt, kh } = inputs;
  return {
    log_obs: new ort.Tensor('float32', inputs.logObs, [m, o]),
    obs_mask: new ort.Tensor('float32', inputs.obsMask, [m, o]),
    centre: new ort.Tensor('float32', inputs.centre, [m]),
    spread: new ort.Tensor('float32', inputs.spread, [m]),
    tail_arcs: new ort.Tensor('int64', inputs.tailArcs, [n, kt]),
    tail_mask: new ort.Tensor('float32', inputs.tailMask, [n, kt]),
    head_arcs: new ort.Tensor('int64', inputs.headArcs, [n, kh]),
    head_mask: new ort.Tensor('float32', inputs.headMask, [n, kh]),
    tails: new ort.Tensor('int64', inputs.tails, [m]),
    heads: new ort.Tensor('int64', inputs.heads, [m]),
  };
}
