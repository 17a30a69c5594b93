/**
 * A registered graph's edges, read from a PUT /graphs/{graphId} body (schema-valid) into columns,
 * checking what a schema cannot: node ids in columns, finite values, listed nodes. Unlike a solve
 * request's graph, an edge may carry no value at all: its evidence arrives later as observations.
 */
import { envName, type Limits } from '../config';
import { invalidInputs, MAX_FIELD_ERRORS, type FieldError } from '../errors';
import { firstAppearance } from './nodeOrder';
import { isNodeId, NODE_ID_RULE, type NodeId } from './types';

/** A registered graph as stored: its edges as columns, a value or null per edge. */
export interface StoredGraphBody {
  readonly directed: boolean;
  /** The node set when the client listed one. */
  readonly nodes?: readonly NodeId[];
  readonly from: readonly NodeId[];
  readonly to: readonly NodeId[];
  /** Per edge: its known cost, or null when it comes from observations. */
  readonly weight: readonly (number | null)[];
  /** Per edge: its known capacity, or null when it comes from observations. */
  readonly capacity: readonly (number | null)[];
  /** The IANA time zone its periods are local hours of (absent: UTC). */
  readonly timeZone?: string;
  /** Where its nodes are drawn, as the client sent them (GET /explorer reads them back). */
  readonly positions?: readonly Position[];
}

/** A node's drawing position: planar, or geographic in degrees. */
export type Position = { readonly node: NodeId; readonly x: number; readonly y: number } | { readonly node: NodeId; readonly lat: number; readonly lon: number };

/** The two things an observation can measure: an edge's cost (routes) or its capacity (flows). */
export type ObservationKind = 'cost' | 'capacity';

/** A node id as a key that keeps "1" and 1 apart, as the compact graph does. */
const keyOf = (id: NodeId) => `${typeof id}:${id}`;

/** Each body's derived node list, computed once: a body is never changed once read. */
const nodesOf = new WeakMap<StoredGraphBody, readonly NodeId[]>();

/** A stored graph's nodes: the listed ones, else the edges' endpoints in order of first appearance. */
export function storedNodes(body: StoredGraphBody): readonly NodeId[] {
  if (body.nodes) return body.nodes;
  let nodes = nodesOf.get(body);
  if (!nodes) nodesOf.set(body, (nodes = firstAppearance(body.from, body.to)));
  return nodes;
}

export interface StoredGraphInput {
  directed?: boolean;
  nodes?: NodeId[];
  positions?: Position[];
  edges: Record<string, unknown>[] | Record<string, unknown[] | undefined>;
}

/** Observations sent inside a registration: per kind, edge and value columns (timed by the caller). */
export interface RegisteredObservations {
  readonly kind: ObservationKind;
  readonly edge: number[];
  readonly value: number[];
}

const FIELDS = ['weight', 'capacity'] as const;
const LISTS = { cost: 'observations', capacity: 'capacityObservations' } as const;

/** readStoredGraph: the body to store and the observations it carried, or InvalidInput with every located error (up to 20). */
export function readStoredGraph(input: StoredGraphInput, limits: Limits): { body: StoredGraphBody; observations: RegisteredObservations[] } {
  const errors: FieldError[] = [];
  const add = (pointer: string, message: string) => {
    if (errors.length < MAX_FIELD_ERRORS) errors.push({ pointer, message });
  };
  const columns = !Array.isArray(input.edges);
  const rows = input.edges as Record<string, unknown>[];
  const cols = input.edges as Record<string, unknown[] | undefined>;
  const m = columns ? (cols.from?.length ?? 0) : rows.length;
  const pointer = (i: number, key: string) => (columns ? `/graph/edges/${key}/${i}` : `/graph/edges/${i}/${key}`);
  const read = (i: number, key: string): unknown => (columns ? cols[key]?.[i] : rows[i][key]);
  if (columns) {
    for (const key of ['to', ...FIELDS, ...Object.values(LISTS)]) {
      const column = cols[key];
      if (column !== undefined && column.length !== m) add(`/graph/edges/${key}`, `must have one entry per edge: /graph/edges/from has ${m}, this column ${column.length}`);
    }
    if (errors.length) throw invalidInputs(errors);
  }
  const listed = input.nodes;
  const known = listed ? new Set<string>() : undefined;
  listed?.forEach((id, i) => {
    if (known!.has(keyOf(id))) add(`/graph/nodes/${i}`, `duplicate node id ${JSON.stringify(id)}`);
    known!.add(keyOf(id));
  });
  const from = new Array<NodeId>(m);
  const to = new Array<NodeId>(m);
  const weight = new Array<number | null>(m).fill(null);
  const capacity = new Array<number | null>(m).fill(null);
  const observations = { cost: { edge: [] as number[], value: [] as number[] }, capacity: { edge: [] as number[], value: [] as number[] } };
  for (let i = 0; i < m && errors.length < MAX_FIELD_ERRORS; i++) {
    for (const [key, out] of [['from', from], ['to', to]] as const) {
      const id = read(i, key);
      if (!isNodeId(id)) add(pointer(i, key), NODE_ID_RULE);
      else if (known && !known.has(keyOf(id))) add(pointer(i, key), `names ${JSON.stringify(id)}, which is not in /graph/nodes`);
      else out[i] = id;
    }
    for (const key of FIELDS) {
      const value = read(i, key);
      if (value === undefined || value === null) continue;
      if (typeof value !== 'number' || !Number.isFinite(value)) add(pointer(i, key), 'must be a finite number');
      else if (key === 'capacity' && value < 0) add(pointer(i, key), 'must be >= 0');
      else (key === 'weight' ? weight : capacity)[i] = value;
    }
    for (const [kind, key] of Object.entries(LISTS) as [ObservationKind, string][]) {
      const list = read(i, key);
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) {
        add(pointer(i, key), 'must be an array of numbers (null for a missing one)');
        continue;
      }
      if (list.length > limits.maxObservations) add(pointer(i, key), `at most ${limits.maxObservations} per edge in a registration (set ${envName('maxObservations')} to change it; stream more with POST /graphs/{graphId}/observations)`);
      list.forEach((x, j) => {
        if (x === null) return;
        if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) add(`${pointer(i, key)}/${j}`, 'must be a finite number >= 0, or null');
        else {
          observations[kind].edge.push(i);
          observations[kind].value.push(x);
        }
      });
    }
  }
  if (errors.length) throw invalidInputs(errors);
  const body: StoredGraphBody = { directed: input.directed ?? true, ...(listed && { nodes: listed }), from, to, weight, capacity };
  if (input.positions) {
    // A position for a node the graph does not have is a typo worth reporting, not data to keep.
    const nodes = new Set(storedNodes(body).map(keyOf));
    const placed = new Set<string>();
    input.positions.forEach(({ node }, i) => {
      if (!nodes.has(keyOf(node))) add(`/graph/positions/${i}/node`, `names ${JSON.stringify(node)}, which is not a node of the graph`);
      else if (placed.has(keyOf(node))) add(`/graph/positions/${i}/node`, `a second position for ${JSON.stringify(node)}`);
      placed.add(keyOf(node));
    });
    if (errors.length) throw invalidInputs(errors);
  }
  return {
    body: input.positions ? { ...body, positions: input.positions.map(copyPosition) } : body,
    observations: (Object.keys(observations) as ObservationKind[]).filter((kind) => observations[kind].edge.length).map((kind) => ({ kind, ...observations[kind] })),
  };
}

/** Only the position's own fields, so nothing else a client sent is stored. */
function copyPosition(position: Position): Position {
  return 'x' in position ? { node: position.node, x: position.x, y: position.y } : { node: position.node, lat: position.lat, lon: position.lon };
}
