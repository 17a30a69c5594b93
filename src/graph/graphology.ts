/**
 * graphology graphs in and out: a graphology `Graph` read as a request's graph, and answers written
 * back onto it as attributes. Read structurally (no import of graphology), so the library does not
 * depend on it; any graphology 0.2x instance fits.
 */
import { NarsolveError } from '../errors';
import type { EdgeInput, GraphInput } from './types';

/** The part of graphology's Graph interface narsolve reads and writes. */
export interface GraphologyLike {
  readonly type: 'directed' | 'undirected' | 'mixed';
  forEachNode(callback: (node: string, attributes: Record<string, unknown>) => void): void;
  forEachEdge(callback: (edge: string, attributes: Record<string, unknown>, source: string, target: string) => void): void;
  edges(): string[];
  setEdgeAttribute(edge: string, name: string, value: unknown): unknown;
  setNodeAttribute(node: string, name: string, value: unknown): unknown;
}

/** Which attributes hold what; each defaults to the JSON body's field of the same meaning. */
export interface GraphologyAttributes {
  /** An edge's known cost (default "weight"). */
  weight?: string;
  /** An edge's known capacity (default "capacity"). */
  capacity?: string;
  /** An edge's cost observations (default "observations"). */
  observations?: string;
  /** An edge's capacity observations (default "capacityObservations"). */
  capacityObservations?: string;
}

const FIELDS = ['weight', 'capacity', 'observations', 'capacityObservations'] as const;

/** Whether a value is a graphology graph (rather than a JSON body's graph). */
export function isGraphology(value: unknown): value is GraphologyLike {
  const graph = value as Partial<GraphologyLike> | null;
  return typeof graph === 'object' && graph !== null && typeof graph.forEachEdge === 'function' && typeof graph.forEachNode === 'function' && typeof graph.type === 'string';
}

/**
 * fromGraphology: the JSON graph of a graphology graph. Nodes are its keys (strings), in its order,
 * so isolated nodes count; edges in its edge order, which pathEdges, flows and minCut.edges then
 * index (graph.edges()[i] is edge i). Nodes with numeric x/y or lat/lon attributes get positions.
 * Attributes are passed as they are: the usual validation judges them, pointing at the edge.
 */
export function fromGraphology(graph: GraphologyLike, attributes: GraphologyAttributes = {}): GraphInput {
  if (graph.type === 'mixed') {
    throw new NarsolveError('InvalidInput', 'fromGraphology: a mixed graph has both directed and undirected edges; narsolve takes one kind per graph (build a DirectedGraph, adding both directions of an undirected edge)', {
      errors: [{ pointer: '/graph', message: 'must be a directed or an undirected graph, not mixed' }],
    });
  }
  const names = Object.fromEntries(FIELDS.map((field) => [field, attributes[field] ?? field])) as Record<(typeof FIELDS)[number], string>;
  const nodes: string[] = [];
  const positions: NonNullable<GraphInput['positions']> = [];
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  graph.forEachNode((node, attrs) => {
    nodes.push(node);
    if (finite(attrs.x) && finite(attrs.y)) positions.push({ node, x: attrs.x, y: attrs.y });
    else if (finite(attrs.lat) && finite(attrs.lon)) positions.push({ node, lat: attrs.lat, lon: attrs.lon });
  });
  const edges: EdgeInput[] = [];
  graph.forEachEdge((_edge, attrs, source, target) => {
    const edge: Record<string, unknown> = { from: source, to: target };
    for (const field of FIELDS) if (attrs[names[field]] !== undefined) edge[field] = attrs[names[field]];
    edges.push(edge as unknown as EdgeInput);
  });
  return { directed: graph.type === 'directed', nodes, ...(positions.length && { positions }), edges };
}

/** writeRoute: marks a route answer on the graph it came from: `onRoute` true on its edges and nodes, false elsewhere. */
export function writeRoute(graph: GraphologyLike, answer: { path?: readonly unknown[] | null; pathEdges?: readonly number[] | null }, attribute = 'onRoute'): void {
  const keys = graph.edges();
  const on = new Set(answer.pathEdges ?? []);
  keys.forEach((key, i) => graph.setEdgeAttribute(key, attribute, on.has(i)));
  const nodes = new Set((answer.path ?? []).map(String));
  graph.forEachNode((node) => graph.setNodeAttribute(node, attribute, nodes.has(node)));
}

/** writeMaxflow: a max-flow answer on its graph: `flow` on every edge, `inCut` on the cut's edges, `sourceSide` on nodes. */
export function writeMaxflow(graph: GraphologyLike, answer: { flows: readonly number[]; minCut: { sourceSide: readonly unknown[]; edges: readonly number[] } }): void {
  const keys = graph.edges();
  if (keys.length !== answer.flows.length) throw new NarsolveError('InvalidInput', `writeMaxflow: the answer has ${answer.flows.length} flows but the graph ${keys.length} edges; write an answer back onto the graph it was solved on`);
  const cut = new Set(answer.minCut.edges);
  keys.forEach((key, i) => {
    graph.setEdgeAttribute(key, 'flow', answer.flows[i]);
    graph.setEdgeAttribute(key, 'inCut', cut.has(i));
  });
  const side = new Set(answer.minCut.sourceSide.map(String));
  graph.forEachNode((node) => graph.setNodeAttribute(node, 'sourceSide', side.has(node)));
}
