import { invalidInput, invalidInputs, MAX_FIELD_ERRORS, NarsolveError, type FieldError } from '../errors';
import type { Limits } from '../config';
import { envName } from '../config';
import { isNodeId, NODE_ID_RULE, OBSERVATIONS_OF, type CompactGraph, type EdgeColumns, type EdgeInput, type EdgeObservations, type GraphInput, type NodeId } from './types';
import { median } from './estimates';

/** Which edge property holds the number the solver reads. */
export type ValueField = 'weight' | 'capacity';

class ErrorList {
  readonly items: FieldError[] = [];
  add(pointer: string, message: string): void {
    if (this.items.length < MAX_FIELD_ERRORS) this.items.push({ pointer, message });
  }
  throwIfAny(): void {
    if (this.items.length > 0) throw invalidInputs(this.items);
  }
}

function tooBig(pointer: string, what: string, count: number, limit: number, key: 'maxNodes' | 'maxEdges'): NarsolveError {
  return new NarsolveError('TooBig', `${what} count ${count} exceeds the limit of ${limit} (set ${envName(key)} to change it)`, {
    errors: [{ pointer, message: `at most ${limit} ${what}s` }],
  });
}

/** Refuses oversized graphs before any expensive work, so the limit protects validation too. */
export function checkSizeLimits(graph: unknown, limits: Limits): void {
  if (typeof graph !== 'object' || graph === null) return;
  const { edges, nodes } = graph as { edges?: unknown; nodes?: unknown };
  const columns = typeof edges === 'object' && edges !== null && !Array.isArray(edges) ? (edges as { from?: unknown }).from : undefined;
  const count = Array.isArray(edges) ? edges.length : Array.isArray(columns) ? columns.length : 0;
  if (count > limits.maxEdges) {
    throw tooBig('/graph/edges', 'edge', count, limits.maxEdges, 'maxEdges');
  }
  if (Array.isArray(nodes) && nodes.length > limits.maxNodes) {
    throw tooBig('/graph/nodes', 'node', nodes.length, limits.maxNodes, 'maxNodes');
  }
}

/**
 * Turns a schema-valid request graph into the compact form, checking what a schema cannot:
 * finite values, unique listed nodes, edges naming known nodes, and the node limit.
 */
export function compactGraph(input: GraphInput, field: ValueField, limits: Limits): CompactGraph {
  const errors = new ErrorList();
  const directed = input.directed ?? true;
  const edges = edgeColumns(input.edges, field);
  const m = edges.from.length;
  if (m > limits.maxEdges) throw tooBig('/graph/edges', 'edge', m, limits.maxEdges, 'maxEdges');
  if (input.nodes && input.nodes.length > limits.maxNodes) throw tooBig('/graph/nodes', 'node', input.nodes.length, limits.maxNodes, 'maxNodes');

  const ids: NodeId[] = [];
  const index = newIdIndex(input.nodes ?? [], edges);
  const listed = input.nodes !== undefined;
  input.nodes?.forEach((id, i) => {
    if (index.has(id)) errors.add(`/graph/nodes/${i}`, `duplicate node id ${JSON.stringify(id)}`);
    else {
      index.set(id, ids.length);
      ids.push(id);
    }
  });
  // An end the index does not know yet: checked (columns have no schema per entry), then added.
  const unknown = (id: unknown, edge: number, end: 'from' | 'to'): number => {
    if (edges.columns && !isNodeId(id)) {
      errors.add(edges.pointer(edge, end), NODE_ID_RULE);
      return -1;
    }
    if (listed) {
      errors.add(edges.pointer(edge, end), `node ${JSON.stringify(id)} is not in /graph/nodes`);
      return -1;
    }
    if (ids.length >= limits.maxNodes) throw tooBig('/graph', 'node', ids.length + 1, limits.maxNodes, 'maxNodes');
    index.set(id as NodeId, ids.length);
    ids.push(id as NodeId);
    return ids.length - 1;
  };
  const edgeFrom = new Int32Array(m);
  const edgeTo = new Int32Array(m);
  // Ends in edge order (from before to, edge by edge), so node indices follow first appearance.
  if (index instanceof DenseIntegerIndex) {
    const { table } = index;
    const { from, to } = edges;
    // Every end is a small integer here (newIdIndex checked): a new one is added unless nodes were listed or the limit is reached (unknown() says which).
    const fresh = listed ? 0 : limits.maxNodes;
    const denseIndex = (id: number, i: number, end: 'from' | 'to'): number => {
      const found = table[id];
      if (found >= 0) return found;
      if (ids.length >= fresh) return unknown(id, i, end);
      table[id] = ids.length;
      ids.push(id);
      return ids.length - 1;
    };
    for (let i = 0; i < m; i++) {
      edgeFrom[i] = denseIndex(from[i] as number, i, 'from');
      edgeTo[i] = denseIndex(to[i] as number, i, 'to');
    }
  } else {
    for (let i = 0; i < m; i++) {
      edgeFrom[i] = index.get(edges.from[i] as NodeId) ?? unknown(edges.from[i], i, 'from');
      edgeTo[i] = index.get(edges.to[i] as NodeId) ?? unknown(edges.to[i], i, 'to');
    }
  }

  const edgeValue = new Float64Array(m);
  const values = edges.values;
  const read = edges.observations ? readObservations(edges, field, limits, errors) : undefined;
  const observations = read?.observations;
  for (let i = 0; i < m; i++) {
    let value = values[i] as number;
    // In the columnar form an edge with observations has a null in the weight column.
    if (observations && (value === undefined || value === null)) {
      const at = observations.start[i];
      const count = observations.start[i + 1] - at;
      if (count === 0) {
        if (!read.refused[i]) errors.add(edges.pointer(i), field === 'weight' ? 'needs a weight or at least one finite observation' : 'needs a capacity or at least one finite sample');
        continue;
      }
      value = median(observations.values.subarray(at, at + count));
    } else if (observations && typeof value === 'number' && value < 0) {
      errors.add(edges.pointer(i, field), 'must be >= 0 in a request with observations (travel costs are non-negative)');
      continue;
    }
    // (Capacities are non-negative anyway; the check below says so.)
    if (value === undefined) {
      errors.add(edges.pointer(i, field), 'is required');
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      errors.add(edges.pointer(i, field), `${field} must be a finite number`);
      continue;
    }
    if (field === 'capacity' && value < 0) {
      errors.add(edges.pointer(i, field), 'capacity must be >= 0');
      continue;
    }
    edgeValue[i] = value;
  }
  errors.throwIfAny();
  const stats = valueStats(edgeValue);
  // Without observations the sum of |values| is the bound: only an infinite one needs its edge found.
  const overflow = observations || !Number.isFinite(stats.absSum) ? overflowingEdge(edgeValue, observations) : -1;
  if (overflow >= 0) {
    // A path length or a flow value is at most the sum of |values|; past the largest double it would
    // overflow to Infinity. An estimated edge counts at its largest observation: every estimate of it,
    // learned or classical, lies within its observations' range.
    const estimated = observations?.estimated[overflow] === 1;
    const what = field === 'weight' ? (estimated ? 'largest observation' : 'weight') : estimated ? 'largest sample' : 'capacity';
    throw invalidInput(
      edges.pointer(overflow, estimated ? OBSERVATIONS_OF[field] : field),
      `with this edge's ${what}, the ${field === 'weight' ? 'costs' : 'capacities'} add up to more than the largest double (about 1.8e308), so a ${field === 'weight' ? 'path length' : 'flow value'} could overflow; scale them down`,
    );
  }

  return {
    directed,
    nodeCount: ids.length,
    edgeCount: m,
    ids,
    indexOf: (id) => index.get(id),
    edgeFrom,
    edgeTo,
    edgeValue,
    ...(observations && { observations }),
    ...arcsByTail(ids.length, edgeFrom, edgeTo, edgeValue, directed),
    stats,
  };
}

/** The first edge at which the sum of |values| (an estimated edge at its largest observation) passes the largest double, or -1. */
function overflowingEdge(edgeValue: Float64Array, observations: EdgeObservations | undefined): number {
  let total = 0;
  for (let e = 0; e < edgeValue.length; e++) {
    let bound = Math.abs(edgeValue[e]);
    if (observations?.estimated[e]) {
      for (let j = observations.start[e]; j < observations.start[e + 1]; j++) bound = Math.max(bound, observations.values[j]);
    }
    total += bound;
    if (!Number.isFinite(total)) return e;
  }
  return -1;
}

/**
 * The observations of a noisy request as CSR lists of finite values, checked with pointers: at most
 * limits.maxObservations per edge, each null or a finite number >= 0. An edge with a weight and no
 * observations counts as one exact observation of its weight (weights are checked where they are read).
 */
function readObservations(edges: Columns, field: ValueField, limits: Limits, errors: ErrorList): { observations: EdgeObservations; refused: Uint8Array } {
  const key = OBSERVATIONS_OF[field];
  const negative = field === 'weight' ? 'must be >= 0: observations are travel costs, which are non-negative here' : 'must be >= 0: throughput samples are non-negative';
  const m = edges.from.length;
  const lists = edges.observations!;
  const start = new Int32Array(m + 1);
  const kept: number[] = [];
  const estimated = new Uint8Array(m);
  // Edges whose list was refused as a whole: one error about them is enough.
  const refused = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    const list = lists[i];
    const weight = edges.values[i] === null ? undefined : edges.values[i];
    if (list === undefined || list === null) {
      if (typeof weight === 'number' && Number.isFinite(weight) && weight >= 0) kept.push(weight);
    } else if (!Array.isArray(list) && !(list instanceof Float64Array)) {
      // (A stored graph's query hands its history's columns over as Float64Array views.)
      refused[i] = 1;
      errors.add(edges.pointer(i, key), 'must be an array of numbers or nulls');
    } else if (list.length > limits.maxObservations) {
      refused[i] = 1;
      errors.add(edges.pointer(i, key), `at most ${limits.maxObservations} ${field === 'weight' ? 'observations' : 'samples'} per edge (set ${envName('maxObservations')} to change it)`);
    } else {
      for (let j = 0; j < list.length; j++) {
        const x = list[j];
        if (x === null) continue;
        if (typeof x === 'number' && Number.isFinite(x) && x >= 0) {
          kept.push(x);
          continue;
        }
        refused[i] = 1;
        const message = typeof x !== 'number' || !Number.isFinite(x) ? 'must be a finite number or null' : negative;
        errors.add(`${edges.pointer(i, key)}/${j}`, message);
      }
      if (weight === undefined) estimated[i] = 1;
      else if (typeof weight === 'number' && Number.isFinite(weight)) {
        // A known weight is what the edge costs; its observations are not needed to estimate it.
        kept.length = start[i];
        if (weight >= 0) kept.push(weight);
      }
    }
    start[i + 1] = kept.length;
  }
  return { observations: { start, values: Float64Array.from(kept), estimated, estimate: 'median' }, refused };
}


/**
 * withEdgeValues: the same graph with other edge values (decoded costs, say): same nodes, edges and
 * arc order, new arc values and statistics.
 */
export function withEdgeValues(graph: CompactGraph, edgeValue: Float64Array): CompactGraph {
  const arcValue = new Float64Array(graph.arcValue.length);
  for (let a = 0; a < arcValue.length; a++) arcValue[a] = edgeValue[graph.arcEdge[a]];
  return { ...graph, edgeValue, arcValue, stats: valueStats(edgeValue) };
}

/** What the solvers and verifiers need to know about a graph's values: integrality, sign and size. */
function valueStats(edgeValue: Float64Array): CompactGraph['stats'] {
  let integral = true;
  let hasNegative = false;
  let maxAbs = 0;
  let absSum = 0;
  for (let e = 0; e < edgeValue.length; e++) {
    const value = edgeValue[e];
    const abs = Math.abs(value);
    if (abs > maxAbs) maxAbs = abs;
    absSum += abs;
    if (value < 0) hasNegative = true;
    if (!Number.isInteger(value)) integral = false;
  }
  return { integral, maxAbs, absSum, hasNegative };
}

/**
 * compactFromArcs: a directed compact graph on nodes 0..n-1 from typed arrays, for graphs the
 * service builds itself (the auxiliary networks of the flow projection). Node ids are the indices.
 */
export function compactFromArcs(n: number, edgeFrom: Int32Array, edgeTo: Int32Array, edgeValue: Float64Array): CompactGraph {
  return {
    directed: true,
    nodeCount: n,
    edgeCount: edgeFrom.length,
    ids: Array.from({ length: n }, (_, i) => i),
    indexOf: (id) => (typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < n ? id : undefined),
    edgeFrom,
    edgeTo,
    edgeValue,
    ...arcsByTail(n, edgeFrom, edgeTo, edgeValue, true),
    stats: valueStats(edgeValue),
  };
}

/** The CSR arc arrays: one arc per directed edge, two per undirected edge (one for a self-loop). */
function arcsByTail(n: number, edgeFrom: Int32Array, edgeTo: Int32Array, edgeValue: Float64Array, directed: boolean) {
  const m = edgeFrom.length;
  const arcStart = new Int32Array(n + 1);
  for (let i = 0; i < m; i++) {
    arcStart[edgeFrom[i] + 1]++;
    if (!directed && edgeFrom[i] !== edgeTo[i]) arcStart[edgeTo[i] + 1]++;
  }
  for (let u = 0; u < n; u++) arcStart[u + 1] += arcStart[u];
  const arcCount = arcStart[n];
  const arcHead = new Int32Array(arcCount);
  const arcValue = new Float64Array(arcCount);
  const arcEdge = new Int32Array(arcCount);
  const fill = arcStart.slice(0, n);
  const place = (tail: number, head: number, edge: number): void => {
    const a = fill[tail]++;
    arcHead[a] = head;
    arcValue[a] = edgeValue[edge];
    arcEdge[a] = edge;
  };
  for (let i = 0; i < m; i++) {
    place(edgeFrom[i], edgeTo[i], i);
    if (!directed && edgeFrom[i] !== edgeTo[i]) place(edgeTo[i], edgeFrom[i], i);
  }
  return { arcStart, arcHead, arcValue, arcEdge };
}

/** The node index of a source, target or sink, or an InvalidInput error at its pointer. */
export function nodeIndexOf(graph: CompactGraph, id: NodeId, pointer: string): number {
  const i = graph.indexOf(id);
  if (i === undefined) throw invalidInput(pointer, `node ${JSON.stringify(id)} is not in the graph`);
  return i;
}

/** The edges as columns whichever form they came in, and the pointer of each entry in the request. */
interface Columns {
  readonly from: ArrayLike<unknown>;
  readonly to: ArrayLike<unknown>;
  readonly values: ArrayLike<unknown>;
  /** Each edge's observation list (undefined where it has none), when the request has any. */
  readonly observations?: ArrayLike<unknown>;
  /** Whether the request sent columns, whose entries no schema checked (node ids are checked while compacting). */
  readonly columns: boolean;
  /** The pointer of edge i, or of one of its fields. */
  pointer(i: number, key?: 'from' | 'to' | 'observations' | 'capacityObservations' | ValueField): string;
}

function edgeColumns(edges: EdgeInput[] | EdgeColumns, field: ValueField): Columns {
  if (Array.isArray(edges)) {
    // Three plain arrays cost less to walk than the edge objects, and the loops above stay monomorphic.
    const m = edges.length;
    const from = new Array<unknown>(m);
    const to = new Array<unknown>(m);
    const values = new Array<unknown>(m);
    let observations: unknown[] | undefined;
    for (let i = 0; i < m; i++) {
      const e = edges[i];
      from[i] = e.from;
      to[i] = e.to;
      values[i] = e[field];
      const list = e[OBSERVATIONS_OF[field]];
      if (list !== undefined) (observations ??= new Array<unknown>(m))[i] = list;
    }
    return { from, to, values, observations, columns: false, pointer: (i, key) => `/graph/edges/${i}${key ? `/${key}` : ''}` };
  }
  const { from, to } = edges;
  const observations = edges[OBSERVATIONS_OF[field]];
  if (edges[field] === undefined && observations === undefined) {
    throw invalidInput(`/graph/edges/${field}`, `is required (or the ${OBSERVATIONS_OF[field]} column)`);
  }
  const values = edges[field] ?? new Array<unknown>(from.length);
  for (const [key, column] of [['to', to], [field, values], [OBSERVATIONS_OF[field], observations ?? from]] as const) {
    if (column.length !== from.length) {
      throw invalidInput(`/graph/edges/${key}`, `must have one entry per edge: /graph/edges/from has ${from.length}, this column ${column.length}`);
    }
  }
  return { from, to, values, observations, columns: true, pointer: (i, key) => `/graph/edges/${key ?? OBSERVATIONS_OF[field]}/${i}` };
}

/** Maps client ids to dense node indices. */
interface IdIndex {
  get(id: NodeId): number | undefined;
  has(id: NodeId): boolean;
  set(id: NodeId, index: number): void;
}

/**
 * Most large graphs name nodes 0..n-1 or close to it; for those a typed-array table is several
 * times faster than a Map, which dominates compaction at a million edges. Anything else (strings,
 * negative or sparse integers) uses a Map. Both keep "1" and 1 apart.
 */
function newIdIndex(nodes: NodeId[], edges: Columns): IdIndex {
  const m = edges.from.length;
  const bound = Math.max(1 << 16, 4 * (2 * m + nodes.length));
  let max = -1;
  const small = (id: unknown): boolean => typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < bound;
  for (let i = 0; i < m; i++) {
    const from = edges.from[i];
    const to = edges.to[i];
    if (!small(from) || !small(to)) return new Map<NodeId, number>();
    if ((from as number) > max) max = from as number;
    if ((to as number) > max) max = to as number;
  }
  for (const id of nodes) {
    if (!small(id)) return new Map<NodeId, number>();
    max = Math.max(max, id as number);
  }
  return new DenseIntegerIndex(max + 1);
}

class DenseIntegerIndex implements IdIndex {
  readonly table: Int32Array;
  constructor(size: number) {
    this.table = new Int32Array(size).fill(-1);
  }
  get(id: NodeId): number | undefined {
    if (typeof id !== 'number' || !(id >= 0 && id < this.table.length)) return undefined;
    const i = this.table[id];
    return i < 0 ? undefined : i;
  }
  has(id: NodeId): boolean {
    return this.get(id) !== undefined;
  }
  set(id: NodeId, index: number): void {
    this.table[id as number] = index;
  }
}
