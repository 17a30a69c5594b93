import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NarsolveError, type FieldError } from '../errors';
import { packageRoot } from '../paths';
import { checkSizeLimits, compactGraph, type ValueField } from '../graph/compact';
import type { CompactGraph, GraphInput } from '../graph/types';
import type { SolveContext, StageTimer } from './context';

/** Every schema in schemas/, by file name, as parsed JSON. */
export function loadSchemas(): Record<string, Record<string, unknown>> {
  const dir = join(packageRoot(), 'schemas');
  const schemas: Record<string, Record<string, unknown>> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    schemas[file] = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  }
  return schemas;
}

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

/** The compiled validator for one schema file; schemas compile once per process. */
export function validatorFor(file: string): ValidateFunction {
  let validate = compiled.get(file);
  if (validate) return validate;
  if (!ajv) {
    ajv = new Ajv2020({ allErrors: true, strict: true });
    for (const schema of Object.values(loadSchemas())) ajv.addSchema(schema);
  }
  const id = `https://schemas.narsolve.dev/${file}`;
  validate = ajv.getSchema(id);
  if (!validate) throw new Error(`validatorFor: no schema ${file}`);
  compiled.set(file, validate);
  return validate;
}

const NODE_ID_MESSAGE = 'must be a node id: a non-empty string of at most 256 characters or an integer within ±(2^53−1)';

/** Turns ajv's errors into located messages, one per pointer, worded for API users. */
export function toFieldErrors(errors: ErrorObject[]): FieldError[] {
  const byPointer = new Map<string, string>();
  for (const error of errors) {
    let pointer = error.instancePath;
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      pointer += `/${escapePointer(String(error.params.missingProperty))}`;
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      pointer += `/${escapePointer(String(error.params.additionalProperty))}`;
      message = 'is not a known property';
    } else if (error.keyword === 'enum') {
      message = `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    }
    if (error.schemaPath.includes('/NodeId/')) message = NODE_ID_MESSAGE;
    if (!byPointer.has(pointer) || byPointer.get(pointer) !== NODE_ID_MESSAGE) byPointer.set(pointer, message);
  }
  return [...byPointer].slice(0, 20).map(([pointer, message]) => ({ pointer, message }));
}

function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Validates a request body against a schema file, throwing InvalidInput with every located error. */
export function validateBody<T>(file: string, body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new NarsolveError('InvalidInput', 'the request body must be a JSON object', { errors: [{ pointer: '', message: 'must be an object' }] });
  }
  const validate = validatorFor(file);
  if (!validate(body)) {
    const errors = toFieldErrors(validate.errors ?? []);
    const first = errors[0];
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    throw new NarsolveError('InvalidInput', `${first.pointer || '/'}: ${first.message}${more}`, { errors });
  }
  return body as T;
}

/**
 * The shared front of every solve: size limits first (cheap, so oversized bodies cost nothing more),
 * then the schema, then the compact graph with its own checks. Marks the two stages on the timer.
 */
export function readGraphRequest<T extends { graph: GraphInput }>(
  schema: string,
  field: ValueField,
  body: unknown,
  context: SolveContext,
  timer: StageTimer,
): { request: T; graph: CompactGraph } {
  checkSizeLimits((body as { graph?: unknown } | null)?.graph, context.config.limits);
  const request = validateBody<T>(schema, body);
  timer.mark('validate');
  const graph = compactGraph(request.graph, field, context.config.limits);
  return { request, graph };
}
