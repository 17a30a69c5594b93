import { STATUS, type ErrorCode } from '../errors';
import { loadSchemas } from '../services/validation';
import { ENDPOINTS, type Endpoint } from './routes';

type Json = unknown;

/** Rewrites cross-file refs ("common.json#/$defs/X") to component refs, and drops per-file ids. */
function toComponent(node: Json, file: string): Json {
  if (Array.isArray(node)) return node.map((item) => toComponent(item, file));
  if (node === null || typeof node !== 'object') return node;
  const source = node as Record<string, Json>;
  // "Either an array of X or an object Y", written as if/then/else for ajv, is a oneOf for client generators.
  if (isArrayBranch(source)) {
    const { if: _if, then, else: otherwise, type: _type, ...rest } = source as Record<string, Json>;
    return toComponent({ ...rest, oneOf: [{ type: 'array', ...(then as object) }, otherwise] }, file);
  }
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === '$id' || key === '$schema' || key === '$defs') continue;
    // A column's entries are documented as x-items in the schemas (checked by code, not by ajv); clients see items.
    if (key === 'x-items') {
      out.items = toComponent(value, file);
      continue;
    }
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

function isArrayBranch(node: Record<string, Json>): boolean {
  const test = node.if as Record<string, Json> | undefined;
  return test !== undefined && Object.keys(test).length === 1 && test.type === 'array' && node.then !== undefined && node.else !== undefined;
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
  const media = endpoint.media && { content: { [endpoint.media]: { schema: { type: 'string' } } } };
  const answer = { description: endpoint.ok, ...(endpoint.body?.response && json(endpoint.body.response)), ...media };
  const statuses = endpoint.status ? endpoint.status.split(' or ') : ['200'];
  const params = [...endpoint.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' } }));
  return {
    operationId: endpoint.operationId,
    summary: endpoint.summary,
    // /graphs needs a bearer key when the server has keys (NARSOLVE_API_KEYS); the rest never does.
    security: endpoint.auth ? [{ apiKey: [] }] : [],
    ...(params.length && { parameters: params }),
    ...(endpoint.body?.request && { requestBody: { required: true, ...json(endpoint.body.request) } }),
    // Any request may be malformed HTTP (400) or arrive too slowly (408), whatever its endpoint.
    responses: { ...Object.fromEntries(statuses.map((status) => [status, status === '204' ? { description: endpoint.ok } : answer])), ...problemResponses([...new Set<ErrorCode>([...endpoint.problems, 'InvalidInput', 'RequestTimeout'])]) },
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
    info: { title: 'narsolve', version, description: 'Shortest paths and maximum flow with certified answers.', license: { name: 'MIT', identifier: 'MIT' } },
    // Relative: the document describes whichever server serves it.
    servers: [{ url: '/', description: 'the server that serves this document' }],
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: components,
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key of NARSOLVE_API_KEYS; it names the tenant whose stored graphs the request sees.' } },
    },
  };
}
