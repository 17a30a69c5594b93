import { STATUS, type ErrorCode } from '../errors';
import { loadSchemas } from '../services/validation';
import { ENDPOINTS, type Endpoint } from './routes';

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

/** The problem responses of an endpoint, one per status, described by the codes that share it (errors.ts decides the statuses). */
function problemResponses(codes: readonly ErrorCode[]): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(STATUS[code], [...(byStatus.get(STATUS[code]) ?? []), code]);
  return Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, shared]) => [String(status), { description: shared.join(' or '), content: PROBLEM }]));
}

function operation(endpoint: Endpoint): Record<string, Json> {
  const json = (name: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } });
  const answer = { description: endpoint.ok, ...(endpoint.body?.response && json(endpoint.body.response)) };
  const statuses = endpoint.status ? endpoint.status.split(' or ') : ['200'];
  const params = [...endpoint.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' } }));
  const auth = endpoint.auth ? [{ name: 'Authorization', in: 'header', required: false, description: 'Bearer <key>; required when the server has API keys (NARSOLVE_API_KEYS)', schema: { type: 'string' } }] : [];
  return {
    summary: endpoint.summary,
    ...((params.length || auth.length) && { parameters: [...params, ...auth] }),
    ...(endpoint.body?.request && { requestBody: { required: true, ...json(endpoint.body.request) } }),
    responses: { ...Object.fromEntries(statuses.map((status) => [status, status === '204' ? { description: endpoint.ok } : answer])), ...problemResponses(endpoint.problems) },
  };
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
  const paths: Record<string, Record<string, Json>> = {};
  for (const endpoint of ENDPOINTS) paths[endpoint.path] = { ...paths[endpoint.path], [endpoint.method]: operation(endpoint) };
  return {
    openapi: '3.1.0',
    info: { title: 'narsolve', version, description: 'Shortest paths and maximum flow with certified answers.' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: { schemas: components },
  };
}
