import * as ort from 'onnxruntime-node';
import type { ModelDefinition } from '../src/solvers/learned/models';

/** A processor's first feeds from a Python golden case's inputs ([data, shape] per feed name), typed by the model's tensor list, with a zero state. */
export function goldenFeeds(definition: ModelDefinition, inputs: Record<string, [number[], number[]]>, n: number, hidden: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = { h: new ort.Tensor('float32', new Float32Array(n * hidden), [n, hidden]) };
  for (const field of Object.values(definition.tensors)) {
    const [data, shape] = inputs[field.feed];
    feeds[field.feed] = field.type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(data.map(BigInt)), shape) : new ort.Tensor('float32', Float32Array.from(data), shape);
  }
  return feeds;
}
