import type { ErrorCode } from '../errors';

/** One HTTP endpoint: the single table that registration, the Allow header and OpenAPI are built from. */
export interface Endpoint {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  readonly path: string;
  /** The operation's name in OpenAPI (and in generated clients). */
  readonly operationId: string;
  readonly summary: string;
  /** What a 200 means. */
  readonly ok: string;
  /** The request body's schema name, if any, and the answer's (components in OpenAPI). */
  readonly body?: { readonly request?: string; readonly response?: string };
  /** What a success answers with, when not 200 (PUT: 201 created or 200 replaced; DELETE: 204). */
  readonly status?: string;
  /** The media type of a success that is not JSON (a page, a script). */
  readonly media?: string;
  /** Whether the endpoint needs the caller's API key (when keys are configured). */
  readonly auth?: boolean;
  /** The problem codes this endpoint answers with besides 404/405 (statuses and titles come from errors.ts). */
  readonly problems: readonly ErrorCode[];
}

const GRAPH_PROBLEMS = ['Unauthorized', 'GraphNotFound', 'Internal', 'StoreUnavailable'] as const;

const SOLVE_PROBLEMS = ['InvalidInput', 'TooBig', 'UnsupportedMediaType', 'WorkLimitExceeded', 'Internal', 'ModelUnavailable', 'Overloaded', 'DeadlineExceeded'] as const;

/** Every endpoint narsolve serves. */
export const ENDPOINTS = [
  {
    method: 'post', path: '/route', operationId: 'solveRoute', summary: 'Shortest path or shortest-path tree', ok: 'Solved; the certificate proves the answer',
    body: { request: 'RouteRequest', response: 'RouteResponse' }, problems: [...SOLVE_PROBLEMS, 'NegativeCycle'],
  },
  {
    method: 'post', path: '/maxflow', operationId: 'solveMaxflow', summary: 'Maximum flow and minimum cut', ok: 'Solved; the certificate proves the answer',
    body: { request: 'MaxflowRequest', response: 'MaxflowResponse' }, problems: SOLVE_PROBLEMS,
  },
  { method: 'get', path: '/graphs', operationId: 'listGraphs', summary: "The caller's stored graphs", ok: 'The list', body: { response: 'GraphList' }, problems: GRAPH_PROBLEMS, auth: true },
  {
    method: 'put', path: '/graphs/{graphId}', operationId: 'putGraph', summary: 'Register or replace a stored graph', ok: 'Created (201) or replaced (200); ETag is the version', status: '200 or 201',
    body: { request: 'GraphPutRequest', response: 'GraphMeta' }, problems: [...GRAPH_PROBLEMS, 'InvalidInput', 'TooBig', 'UnsupportedMediaType', 'PreconditionFailed', 'QuotaExceeded'], auth: true,
  },
  { method: 'get', path: '/graphs/{graphId}', operationId: 'getGraph', summary: "A stored graph's metadata", ok: 'The metadata; ETag is the version', body: { response: 'GraphMeta' }, problems: [...GRAPH_PROBLEMS, 'InvalidInput'], auth: true },
  { method: 'get', path: '/graphs/{graphId}/edges', operationId: 'getGraphEdges', summary: "A stored graph's edges, node positions and per-edge evidence", ok: 'The edges as columns', body: { response: 'GraphEdges' }, problems: [...GRAPH_PROBLEMS, 'InvalidInput'], auth: true },
  { method: 'delete', path: '/graphs/{graphId}', operationId: 'deleteGraph', summary: 'Delete a stored graph and its history', ok: 'Deleted (204)', status: '204', problems: [...GRAPH_PROBLEMS, 'InvalidInput', 'PreconditionFailed'], auth: true },
  {
    method: 'post', path: '/graphs/{graphId}/observations', operationId: 'addObservations', summary: 'Append a batch of observations', ok: 'Stored durably', body: { request: 'ObservationsRequest', response: 'ObservationsResponse' },
    problems: [...GRAPH_PROBLEMS, 'InvalidInput', 'TooBig', 'UnsupportedMediaType', 'QuotaExceeded'], auth: true,
  },
  {
    method: 'post', path: '/graphs/{graphId}/route', operationId: 'routeStoredGraph', summary: 'Shortest path on a stored graph', ok: 'Solved; the certificate proves the answer',
    body: { request: 'StoredRouteRequest', response: 'RouteResponse' }, problems: [...SOLVE_PROBLEMS, ...GRAPH_PROBLEMS, 'NegativeCycle'], auth: true,
  },
  {
    method: 'post', path: '/graphs/{graphId}/maxflow', operationId: 'maxflowStoredGraph', summary: 'Maximum flow and minimum cut on a stored graph', ok: 'Solved; the certificate proves the answer',
    body: { request: 'StoredMaxflowRequest', response: 'MaxflowResponse' }, problems: [...SOLVE_PROBLEMS, ...GRAPH_PROBLEMS], auth: true,
  },
  {
    method: 'post', path: '/graphs/{graphId}/fit', operationId: 'fitStoredGraph', summary: "Start fitting estimators on a stored graph's own history", ok: 'Accepted (202): the job, and its Location', status: '202',
    body: { request: 'FitRequest', response: 'FitJob' }, problems: [...GRAPH_PROBLEMS, 'InvalidInput', 'UnsupportedMediaType', 'Conflict'], auth: true,
  },
  { method: 'get', path: '/graphs/{graphId}/fit/{jobId}', operationId: 'getFitJob', summary: 'A fit job: state, progress and, when done, its report', ok: 'The job', body: { response: 'FitJob' }, problems: [...GRAPH_PROBLEMS, 'InvalidInput', 'FitNotFound'], auth: true },
  { method: 'get', path: '/graphs/{graphId}/model', operationId: 'getGraphModel', summary: "A stored graph's own model card (?kind=capacity for flows)", ok: 'The model card', body: { response: 'GraphModel' }, problems: [...GRAPH_PROBLEMS, 'InvalidInput', 'ModelNotFitted'], auth: true },
  { method: 'get', path: '/healthz', operationId: 'healthz', summary: 'Liveness', ok: 'The process is up', problems: [] },
  { method: 'get', path: '/readyz', operationId: 'readyz', summary: 'Readiness and solver availability', ok: 'Ready to answer', problems: ['StoreUnavailable'] },
  { method: 'get', path: '/metrics', operationId: 'metrics', summary: 'Prometheus metrics', ok: 'Prometheus text format', problems: [] },
  { method: 'get', path: '/explorer', operationId: 'explorer', summary: 'The explorer page: draws a graph, its route or cut, and its evidence (?graph=<id>&source=<node>&target=<node>, or &sink=<node>)', ok: 'The page', media: 'text/html', problems: [] },
  { method: 'get', path: '/explorer/{asset}', operationId: 'explorerAsset', summary: "The explorer page's script, styles and the Aarhus demo data", ok: 'The file', media: 'application/octet-stream', problems: [] },
  { method: 'get', path: '/openapi.json', operationId: 'openapi', summary: 'This document', ok: 'OpenAPI 3.1', problems: [] },
] as const satisfies readonly Endpoint[];

/** The paths narsolve serves. */
export type EndpointPath = (typeof ENDPOINTS)[number]['path'];

/** An endpoint by method and path ("put /graphs/{graphId}"): createApp must give each one a handler. */
export type EndpointKey = KeyOf<(typeof ENDPOINTS)[number]>;

/** One key per endpoint (the conditional distributes over the table's union, so no method meets another's path). */
type KeyOf<E> = E extends { method: infer M extends string; path: infer P extends string } ? `${M} ${P}` : never;

/** The path as express routes it ({graphId} → :graphId). */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** Whether a request path is an endpoint's path, segment by segment (a {param} matches any one). */
function matches(pattern: string, path: string): boolean {
  const want = pattern.split('/');
  const got = path.split('/');
  return want.length === got.length && want.every((segment, i) => (segment.startsWith('{') ? got[i].length > 0 : segment === got[i]));
}

/** The Allow header for a path (express answers HEAD wherever GET is registered), or undefined for an unknown path. */
export function allowedMethods(path: string): string | undefined {
  const methods = (ENDPOINTS as readonly Endpoint[]).filter((e) => matches(e.path, path)).flatMap((e) => (e.method === 'get' ? ['GET', 'HEAD'] : [e.method.toUpperCase()]));
  return methods.length ? methods.join(', ') : undefined;
}
