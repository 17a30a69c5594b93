import type Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { invalidInputs, MAX_FIELD_ERRORS, NarsolveError, type FieldError } from '../errors';
import { packageRoot } from '../paths';
import { checkSizeLimits, compactGraph, type ValueField } from '../graph/compact';
import { NODE_ID_RULE, type CompactGraph, type GraphInput } from '../graph/types';
import { withDeadline, type SolveContext, type StageTimer } from './context';

let schemaFiles: Record<string, Record<string, unknown>> | undefined;

/** A schema file's bytes; each read once per process. */
const schemaBytes = new Map<string, Buffer>();
function readSchemaBytes(file: string): Buffer {
  let bytes = schemaBytes.get(file);
  if (!bytes) schemaBytes.set(file, (bytes = readFileSync(join(packageRoot(), 'schemas', file))));
  return bytes;
}

/** Every schema in schemas/, by file name, as parsed JSON; read once per process (validators and OpenAPI share it). */
export function loadSchemas(): Record<string, Record<string, unknown>> {
  if (schemaFiles) return schemaFiles;
  const files = readdirSync(join(packageRoot(), 'schemas')).filter((f) => f.endsWith('.json')).sort();
  return (schemaFiles = Object.fromEntries(files.map((file) => [file, JSON.parse(readSchemaBytes(file).toString('utf8'))])));
}

/** The schema files a schema file reads: itself and every file its $refs name, transitively, in name order. */
export function schemaFilesOf(file: string): string[] {
  const schemas = loadSchemas();
  const found = new Set<string>();
  const visit = (name: string) => {
    if (found.has(name)) return;
    found.add(name);
    JSON.stringify(schemas[name], (key, value) => {
      if (key === '$ref' && typeof value === 'string') {
        const target = new URL(value, SCHEMA_BASE + name).href;
        if (target.startsWith(SCHEMA_BASE)) visit(target.slice(SCHEMA_BASE.length).split('#')[0]);
      }
      return value;
    });
  };
  visit(file);
  return [...found].sort();
}

export const SCHEMA_BASE = 'https://schemas.narsolve.dev/';

/** The schemas a request body is validated against: the ones the build compiles ahead of time. */
export const REQUEST_SCHEMAS = [
  'route-request.json', 'maxflow-request.json', 'graph-put-request.json', 'observations-request.json',
  'stored-route-request.json', 'stored-maxflow-request.json', 'fit-request.json',
] as const;

/**
 * A digest of some schema files (a prebuilt validator's own: see schemaFilesOf), so a prebuilt
 * validator is used only with the schemas it was built from. It guards against a stale build, not
 * an adversary, so two 32-bit FNV-1a-style hashes of the files' bytes, a word at a time, serve: a
 * fresh process checks its first request by reading two files, without parsing them or loading node:crypto.
 */
export function schemasDigest(files: readonly string[]): string {
  const all = Buffer.concat(files.flatMap((file) => [Buffer.from(`${file}\n`), readSchemaBytes(file), Buffer.from('\n')]));
  const padded = new Uint8Array(Math.ceil(all.length / 4) * 4);
  padded.set(all);
  const words = new Int32Array(padded.buffer);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ all.length;
  for (let i = 0; i < words.length; i++) {
    a = Math.imul(a ^ words[i], 0x01000193);
    b = Math.imul(b ^ words[i], 0x0100019d);
  }
  return `fnv1a-${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}-${all.length}`;
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

/** Where the build writes a schema's prebuilt validator: one module per schema, so a process loads only those it validates with. */
export function prebuiltPath(dir: string, file: string): string {
  return join(dir, 'validators', `${file}.js`);
}

/**
 * Set only in the bundles (scripts/build-bundles.mjs): this file's folder relative to the bundle,
 * whose __dirname is not this file's. Elsewhere it is undeclared, and typeof says so.
 */
declare const NARSOLVE_SERVICES_DIR: string | undefined;

/** The validator the build compiled for a schema (beside the compiled file), if it matches the schemas loaded. */
const prebuilt = new Map<string, ValidateFunction | undefined>();
function prebuiltValidator(file: string): ValidateFunction | undefined {
  if (!prebuilt.has(file)) {
    const path = prebuiltPath(typeof NARSOLVE_SERVICES_DIR === 'string' ? join(__dirname, NARSOLVE_SERVICES_DIR) : __dirname, file);
    let validate: ValidateFunction | undefined;
    if (existsSync(path)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require(path) as { validate: ValidateFunction; __schemas?: string[]; __digest?: string };
      if (module.__schemas && module.__digest === schemasDigest(module.__schemas)) validate = module.validate;
    }
    prebuilt.set(file, validate);
  }
  return prebuilt.get(file);
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
