/** A node id as the client sent it: a string or a safe integer. */
export type NodeId = string | number;

/** One edge of a request, as JSON (extra properties are allowed and ignored). */
export interface EdgeInput {
  from: NodeId;
  to: NodeId;
  weight?: number;
  capacity?: number;
  /** Noisy measurements of a route edge's cost; null for a missing one. */
  observations?: (number | null)[];
  /** Noisy throughput samples of a max-flow edge's capacity; null for a missing one. */
  capacityObservations?: (number | null)[];
}

/** The edges as columns of equal length: entry i of each column is edge i (no per-edge objects to parse or walk). */
export interface EdgeColumns {
  from: unknown[];
  to: unknown[];
  weight?: unknown[];
  capacity?: unknown[];
  observations?: unknown[];
  capacityObservations?: unknown[];
}

/** The property that holds an edge's observations, for the value a solve reads. */
export const OBSERVATIONS_OF = { weight: 'observations', capacity: 'capacityObservations' } as const;

/**
 * The observations of a noisy route request, per edge in CSR form (finite ones only, in request
 * order). An edge sent with a weight counts as one exact observation of it.
 */
export interface EdgeObservations {
  readonly start: Int32Array;
  readonly values: Float64Array;
  /** 1 where the edge came without a weight: its value in the compact graph is the point estimate. */
  readonly estimated: Uint8Array;
  /** The classical point estimate used for edges without a weight. */
  readonly estimate: 'median';
}

/** A request's graph, as JSON. */
export interface GraphInput {
  directed?: boolean;
  nodes?: NodeId[];
  /** Where nodes are drawn (the explorer); solvers ignore it. */
  positions?: ({ node: NodeId; x: number; y: number } | { node: NodeId; lat: number; lon: number })[];
  edges: EdgeInput[] | EdgeColumns;
}

/** What a node id must be; the schema's NodeId and the columnar checks say it the same way. */
export const NODE_ID_RULE = 'must be a node id: a non-empty string of at most 256 characters or an integer within ±(2^53−1)';

/** Whether a value is a valid node id (NodeId in schemas/common.json). */
export function isNodeId(id: unknown): id is NodeId {
  return typeof id === 'string' ? id.length >= 1 && id.length <= 256 : Number.isSafeInteger(id);
}

/**
 * The one compact form of a request's graph that solvers, verifiers and (later) the ONNX encoders read.
 *
 * Nodes are dense indices 0..nodeCount-1. Request edges keep their order (edge i is the request's edge i).
 * Arcs are the directions an edge can be traversed: one per directed edge, two per undirected edge
 * (self-loops in undirected graphs get one). Arcs are grouped by tail in CSR form.
 */
export interface CompactGraph {
  readonly directed: boolean;
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** Client id of each node index. */
  readonly ids: readonly NodeId[];
  /** Node index of a client id, or undefined for an unknown id. */
  readonly indexOf: (id: NodeId) => number | undefined;
  /** Per request edge: tail, head and value (weight or capacity). */
  readonly edgeFrom: Int32Array;
  readonly edgeTo: Int32Array;
  readonly edgeValue: Float64Array;
  /** Present when some edge came with observations (a noisy route request). */
  readonly observations?: EdgeObservations;
  /** CSR: arcs leaving node u are arcStart[u] .. arcStart[u+1]-1. */
  readonly arcStart: Int32Array;
  readonly arcHead: Int32Array;
  readonly arcValue: Float64Array;
  readonly arcEdge: Int32Array;
  /** Facts about the values that decide how exactly answers can be checked. */
  readonly stats: ValueStats;
}

export interface ValueStats {
  /** Every value is an integer. */
  readonly integral: boolean;
  /** Largest |value|. */
  readonly maxAbs: number;
  /** Sum of |value| over all edges: bounds every simple path's length and every cut. */
  readonly absSum: number;
  /** Some value is negative. */
  readonly hasNegative: boolean;
}

/** True when every sum the algorithms can form is an exactly representable integer, so checks can demand equality. */
export function isExactIntegerArithmetic(stats: ValueStats): boolean {
  return stats.integral && stats.absSum <= Number.MAX_SAFE_INTEGER;
}
