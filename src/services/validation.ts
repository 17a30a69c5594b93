import type Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { invalidInputs, MAX_FIELD_ERRORS, NarsolveError, type FieldError } from '../errors';
import { packageRoot } from '../paths';
import { checkSizeLimits, compactGraph, type ValueField } from '../graph/compact';
import { NODE_ID_RULE, type CompactGraph, type GraphInput } from '../graph/types';
import { withDeadline, type SolveContext, type StageTimer } from './context';

let schemaFiles: Record<string, Record<string, unknown>> | undefined;

/** Every schema in schemas/, by file name, as parsed JSON; read once per process (validators and OpenAPI share it). */
export function loadSchemas(): Record<string, Record<string, unknown>> {
  if (schemaFiles) return schemaFiles;
  const dir = join(packageRoot(), 'schemas');
  const schemas: Record<string, Record<string, unknown>> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    schemas[file] = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  }
  schemaFiles = schemas;
  return schemas;
}

export const SCHEMA_BASE = 'https://schemas.narsolve.dev/';

/** The schemas a request body is validated against: the ones the build compiles ahead of time. */
export const REQUEST_SCHEMAS = [
  'route-request.json', 'maxflow-request.json', 'graph-put-request.json', 'observations-request.json',
  'stored-route-request.json', 'stored-maxflow-request.json', 'fit-request.json',
] as const;

/** A digest of every schema file: a prebuilt validator is used only for the schemas it was built from. */
export function schemasDigest(): string {
  return createHash('sha256').update(JSON.stringify(loadSchemas())).digest('hex');
}

/** ajv's options, as both compilations and the prebuilt validators use them. */
function options(allErrors: boolean) {
  // Node ids are string-or-integer: a union type rather than oneOf keeps valid ids error-free.
  // "x-items" documents a column's entries (OpenAPI shows it as items); the code checks them one by
  // one, so the validators only carry it, never run it on a million entries.
  const documentation = [{ keyword: 'x-items', schemaType: 'object' as const }];
  return { allErrors, strict: true, allowUnionTypes: true, keywords: documentation, schemas: Object.values(loadSchemas()) };
}

/** The first-error instance (`code.source` for the build's standalone code). */
export function fastInstance(code?: { source: true }): Ajv2020 {
  return new (ajvClass())({ ...options(false), ...(code && { code }) });
}

/**
 * ajv itself, required on the first compile: with the build's prebuilt validators a valid request
 * never compiles, and a fresh process (the CLI, a serverless call) saves the 50 ms its require takes.
 */
function ajvClass(): typeof Ajv2020 {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('ajv/dist/2020') as { default: typeof Ajv2020 }).default;
}

/** The validators the build compiled (validators.generated.js beside the compiled file), if they match the schemas loaded. */
let prebuilt: Record<string, ValidateFunction> | null | undefined;
function prebuiltValidator(file: string): ValidateFunction | undefined {
  if (prebuilt === undefined) {
    const path = join(__dirname, 'validators.generated.js');
    prebuilt = null;
    if (existsSync(path)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require(path) as Record<string, ValidateFunction> & { __digest?: string };
      if (module.__digest === schemasDigest()) prebuilt = module;
    }
  }
  return prebuilt?.[file];
}


/**
 * Two compilations of the same schemas. The fast one stops at the first error and is the only
 * one a valid request meets. The detailed one collects every error, but ajv concatenates the
 * errors of referenced subschemas, which grows quadratically with the number of bad edges, so it
 * is only ever run on bounded pieces of a request (see collectErrors).
 */
let fast: Ajv2020 | undefined;
let detailed: Ajv2020 | undefined;

function instances(): { fast: Ajv2020; detailed: Ajv2020 } {
  if (!fast || !detailed) {
    fast = fastInstance();
    detailed = new (ajvClass())(options(true));
  }
  return { fast, detailed };
}

function compiled(ajv: Ajv2020, ref: string): ValidateFunction {
  const validate = ajv.getSchema(ref.startsWith('https://') ? ref : SCHEMA_BASE + ref);
  if (!validate) throw new Error(`validatorFor: no schema ${ref}`);
  return validate;
}

/** The compiled all-errors validator for one schema file (responses in tests, small bodies). */
export function validatorFor(file: string): ValidateFunction {
  return compiled(instances().detailed, file);
}

/** Compiles a request schema's validators ahead of the first request. */
export function warmUp(file: string): void {
  compiled(instances().fast, file);
  validatorFor(file);
}


/** Turns ajv's errors into located messages, one per pointer, worded for API users. */
export function toFieldErrors(errors: ErrorObject[]): FieldError[] {
  const byPointer = new Map<string, string>();
  for (const error of errors) {
    // "must match the else schema" only repeats what the branch's own errors say.
    if (error.keyword === 'if') continue;
    let pointer = error.instancePath;
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      pointer += `/${escapePointer(String(error.params.missingProperty))}`;
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      pointer += `/${escapePointer(String(error.params.additionalProperty))}`;
      message = 'is not a known property';
    } else if (error.keyword === 'type' && pointer === '/graph/edges') {
      message = 'must be an array of edge objects or an object of equal-length columns (from, to and the value)';
    } else if (error.keyword === 'enum') {
      message = `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    }
    if (error.schemaPath.includes('/NodeId/')) message = NODE_ID_RULE;
    if (!byPointer.has(pointer) || byPointer.get(pointer) !== NODE_ID_RULE) byPointer.set(pointer, message);
  }
  return [...byPointer].slice(0, MAX_FIELD_ERRORS).map(([pointer, message]) => ({ pointer, message }));
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Validates a request body against a schema file, throwing InvalidInput with up to MAX_FIELD_ERRORS located errors. */
export function validateBody<T>(file: string, body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new NarsolveError('InvalidInput', 'the request body must be a JSON object', { errors: [{ pointer: '', message: 'must be an object' }] });
  }
  // A valid request meets only the first-error validator: prebuilt by the build where there is one.
  const validate = prebuiltValidator(file) ?? compiled(instances().fast, file);
  if (validate(body)) return body as T;
  throw invalidInputs(collectErrors(file, body as Record<string, unknown>));
}

/**
 * Every error in the request but its long arrays, then the arrays' items one at a time until
 * MAX_FIELD_ERRORS are found: linear in the request size however many items are bad.
 */
function collectErrors(file: string, body: Record<string, unknown>): FieldError[] {
  const { detailed } = instances();
  // Edges may also be columns, so their item schema sits under if/then.
  const schema = detailed.getSchema(SCHEMA_BASE + file)!.schema as { properties: { graph?: { properties: Record<string, { items?: { $ref: string }; then?: { items: { $ref: string } } }> } } };
  // Only a schema with a graph has long arrays to check one by one; elsewhere a graph is just a property too many.
  const graph = schema.properties.graph ? (body.graph as Record<string, unknown> | undefined) : undefined;
  const arrays = ['edges', 'nodes'].filter((key) => graph && typeof graph === 'object' && Array.isArray(graph[key]));
  const outline = arrays.length ? { ...body, graph: { ...graph, ...Object.fromEntries(arrays.map((key) => [key, []])) } } : body;
  const validateOutline = compiled(detailed, file);
  validateOutline(outline);
  const errors = toFieldErrors(validateOutline.errors ?? []);
  for (const key of arrays) {
    const property = schema.properties.graph!.properties[key];
    const itemRef = (property.items ?? property.then!.items).$ref;
    const validateItem = compiled(detailed, new URL(itemRef, SCHEMA_BASE + file).href);
    const items = graph![key] as unknown[];
    for (let i = 0; i < items.length && errors.length < MAX_FIELD_ERRORS; i++) {
      if (validateItem(items[i])) continue;
      for (const e of toFieldErrors(validateItem.errors ?? [])) errors.push({ pointer: `/graph/${key}/${i}${e.pointer}`, message: e.message });
    }
  }
  return errors.slice(0, MAX_FIELD_ERRORS);
}

/**
 * The shared front of every solve: size limits first (cheap, so oversized bodies cost nothing more),
 * then the schema, then the compact graph with its own checks. Marks the two stages on the timer.
 * The context it returns carries the request's deadline.
 */
export function readGraphRequest<T extends { graph: GraphInput; timeoutMs?: number }>(
  schema: string,
  field: ValueField,
  body: unknown,
  caller: SolveContext,
  timer: StageTimer,
): { request: T; graph: CompactGraph; context: SolveContext } {
  checkSizeLimits((body as { graph?: unknown } | null)?.graph, caller.config.limits);
  const request = validateBody<T>(schema, body);
  const context = withDeadline(caller, request.timeoutMs);
  timer.mark('validate');
  const graph = compactGraph(request.graph, field, caller.config.limits);
  return { request, graph, context };
}
