/**
 * A model's tensor inputs, written once: each field's feed name (the spec's step input), element
 * type and dimensions. The encoding types, the worker's task, the feeds, the copy sent to a worker
 * and the contract checked against the spec are all read from this one list. Free of onnxruntime,
 * so the main thread can import it without loading the runtime.
 */

export type TensorType = 'float32' | 'int64';

/** One input tensor: its name in the ONNX graph, its element type, and its dimensions by name (lower case here, upper case in the spec). */
export interface TensorField {
  readonly feed: string;
  readonly type: TensorType;
  readonly dims: readonly string[];
}

export type TensorFields = Readonly<Record<string, TensorField>>;

/** A float32 input named `feed`, shaped by `dims`. */
export function float32<const D extends readonly string[]>(feed: string, ...dims: D): { readonly feed: string; readonly type: 'float32'; readonly dims: D } {
  return { feed, type: 'float32', dims };
}

/** An int64 input (indices) named `feed`, shaped by `dims`. */
export function int64<const D extends readonly string[]>(feed: string, ...dims: D): { readonly feed: string; readonly type: 'int64'; readonly dims: D } {
  return { feed, type: 'int64', dims };
}

type ArrayFor<T extends TensorType> = T extends 'float32' ? Float32Array : BigInt64Array;

/** The typed arrays of a field list, by field. */
export type Tensors<F extends TensorFields> = { readonly [K in keyof F]: ArrayFor<F[K]['type']> };

/** The dimensions a field list names, each a count. */
export type Dims<F extends TensorFields> = { readonly [D in F[keyof F]['dims'][number]]: number };

/** What an encoder hands a model: every tensor and every dimension it is shaped by. */
export type Encoded<F extends TensorFields> = Tensors<F> & Dims<F>;

/** Each field's shape in the encoding's dimensions. */
export function shapeOf(field: TensorField, encoded: Record<string, unknown>): number[] {
  return field.dims.map((dim) => encoded[dim] as number);
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * An int64 index tensor filled through an int32 view: a non-negative index below 2^31 is its low
 * word with a zero high word on a little-endian machine, so no BigInt is made per entry (one each
 * is most of an encoding's time on large graphs). Big-endian machines take the BigInt path.
 */
export function indexTensor(size: number): { readonly tensor: BigInt64Array; set(at: number, index: number): void } {
  const tensor = new BigInt64Array(size);
  if (!LITTLE_ENDIAN) return { tensor, set: (at, index) => void (tensor[at] = BigInt(index)) };
  const words = new Int32Array(tensor.buffer, tensor.byteOffset, size * 2);
  return { tensor, set: (at, index) => void (words[at * 2] = index) };
}
