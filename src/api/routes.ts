import type { ErrorCode } from '../errors';

/** One HTTP endpoint: the single table that registration, the Allow header and OpenAPI are built from. */
export interface Endpoint {
  readonly method: 'get' | 'post';
  readonly path: string;
  readonly summary: string;
  /** What a 200 means. */
  readonly ok: string;
  /** POST bodies: the request and response schema names (components in OpenAPI). */
  readonly body?: { readonly request: string; readonly response: string };
  /** The problem codes this endpoint answers with besides 404/405 (statuses and titles come from errors.ts). */
  readonly problems: readonly ErrorCode[];
}

const SOLVE_PROBLEMS = ['InvalidInput', 'TooBig', 'UnsupportedMediaType', 'WorkLimitExceeded', 'Internal', 'ModelUnavailable', 'Overloaded', 'DeadlineExceeded'] as const;

/** Every endpoint narsolve serves. */
export const ENDPOINTS = [
  {
    method: 'post', path: '/route', summary: 'Shortest path or shortest-path tree', ok: 'Solved; the certificate proves the answer',
    body: { request: 'RouteRequest', response: 'RouteResponse' }, problems: [...SOLVE_PROBLEMS, 'NegativeCycle'],
  },
  {
    method: 'post', path: '/maxflow', summary: 'Maximum flow and minimum cut', ok: 'Solved; the certificate proves the answer',
    body: { request: 'MaxflowRequest', response: 'MaxflowResponse' }, problems: SOLVE_PROBLEMS,
  },
  { method: 'get', path: '/healthz', summary: 'Liveness', ok: 'The process is up', problems: [] },
  { method: 'get', path: '/readyz', summary: 'Readiness and solver availability', ok: 'Ready to answer', problems: [] },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', ok: 'Prometheus text format', problems: [] },
  { method: 'get', path: '/openapi.json', summary: 'This document', ok: 'OpenAPI 3.1', problems: [] },
] as const satisfies readonly Endpoint[];

/** The paths narsolve serves: createApp must give each one a handler. */
export type EndpointPath = (typeof ENDPOINTS)[number]['path'];

/** The Allow header for a path (express answers HEAD wherever GET is registered), or undefined for an unknown path. */
export function allowedMethods(path: string): string | undefined {
  const methods = (ENDPOINTS as readonly Endpoint[]).filter((e) => e.path === path).flatMap((e) => (e.method === 'get' ? ['GET', 'HEAD'] : ['POST']));
  return methods.length ? methods.join(', ') : undefined;
}
