import { loadSchemas } from '../services/validation';

type Json = unknown;

/** Rewrites cross-file refs ("common.json#/$defs/X") to component refs, and drops per-file ids. */
function toComponent(node: Json, file: string): Json {
  if (Array.isArray(node)) return node.map((item) => toComponent(item, file));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node as Record<string, Json>)) {
    if (key === '$id' || key === '$schema' || key === '$defs') continue;
    if (key === '$ref' && typeof value === 'string') {
      const [refFile, fragment] = value.split('#');
      const name = fragment?.startsWith('/$defs/') ? fragment.slice('/$defs/'.length) : componentName(refFile);
      out.$ref = `#/components/schemas/${name}`;
      continue;
    }
    out[key] = toComponent(value, file);
  }
  return out;
}

function componentName(file: string): string {
  return file
    .replace(/\.json$/, '')
    .split('-')
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

function problemResponses(...statuses: number[]): Record<string, Json> {
  const descriptions: Record<number, string> = {
    400: 'InvalidInput', 404: 'NotFound', 413: 'TooBig', 415: 'UnsupportedMediaType', 422: 'NegativeCycle or WorkLimitExceeded', 500: 'Internal', 503: 'ModelUnavailable',
  };
  return Object.fromEntries(statuses.map((s) => [String(s), { description: descriptions[s], content: PROBLEM }]));
}

/** The OpenAPI 3.1 document, built from the JSON Schemas in schemas/ so the two cannot drift. */
export function buildOpenApi(version: string): Record<string, Json> {
  const schemas = loadSchemas();
  const components: Record<string, Json> = {};
  for (const [file, schema] of Object.entries(schemas)) {
    const defs = (schema.$defs ?? {}) as Record<string, Json>;
    for (const [name, def] of Object.entries(defs)) components[name] = toComponent(def, file);
    if (file !== 'common.json') components[componentName(file)] = toComponent(schema, file);
  }
  const post = (summary: string, request: string, response: string, extra: number[]) => ({
    post: {
      summary,
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${request}` } } } },
      responses: {
        '200': { description: 'Solved; the certificate proves the answer', content: { 'application/json': { schema: { $ref: `#/components/schemas/${response}` } } } },
        ...problemResponses(400, 413, 415, ...extra, 500, 503),
      },
    },
  });
  return {
    openapi: '3.1.0',
    info: { title: 'narsolve', version, description: 'Shortest paths and maximum flow with certified answers.' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths: {
      '/route': post('Shortest path or shortest-path tree', 'RouteRequest', 'RouteResponse', [422]),
      '/maxflow': post('Maximum flow and minimum cut', 'MaxflowRequest', 'MaxflowResponse', [422]),
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'The process is up' } } } },
      '/readyz': { get: { summary: 'Readiness and solver availability', responses: { '200': { description: 'Ready to answer' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Prometheus text format' } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
    components: { schemas: components },
  };
}
