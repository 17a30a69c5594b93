/**
 * How narsolve runs its ONNX models, shared by the worker threads and the step profiler so that a
 * profile measures the served configuration.
 */
import * as ort from 'onnxruntime-node';
import type { ModelDefinition } from './models';
import { shapeOf } from './tensors';

/** Session options for one model with `intraOpThreads` threads. */
export function sessionOptions(intraOpThreads: number): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    // 'extended' measured faster than 'all' here: the layout rewrites of 'all' cost more than they save on these small tensors.
    graphOptimizationLevel: 'extended',
  };
}

/** A model's first feeds: its tensor list read from the encoding, and for a processor a zero state of `hidden` columns per node. */
export function feedsOf(definition: ModelDefinition, encoded: object, hidden: number): Record<string, ort.Tensor> {
  const from = encoded as Record<string, unknown>;
  const feeds: Record<string, ort.Tensor> = {};
  if (definition.state) {
    const n = from.n as number;
    feeds.h = new ort.Tensor('float32', new Float32Array(n * hidden), [n, hidden]);
  }
  for (const [key, field] of Object.entries(definition.tensors)) {
    feeds[field.feed] = new ort.Tensor(field.type, from[key] as Float32Array | BigInt64Array, shapeOf(field, from));
  }
  return feeds;
}
