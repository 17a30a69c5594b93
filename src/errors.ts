/** Machine-readable codes carried by every error answer (and by thrown NarsolveErrors). */
export type ErrorCode =
  | 'InvalidInput'
  | 'TooBig'
  | 'WorkLimitExceeded'
  | 'UnsupportedMediaType'
  | 'NegativeCycle'
  | 'ModelUnavailable'
  | 'Overloaded'
  | 'DeadlineExceeded'
  | 'StoreUnavailable'
  | 'NotFound'
  | 'GraphNotFound'
  | 'ModelNotFitted'
  | 'FitNotFound'
  | 'Conflict'
  | 'Unauthorized'
  | 'PreconditionFailed'
  | 'QuotaExceeded'
  | 'MethodNotAllowed'
  | 'RequestTimeout'
  | 'Internal';

/** One located complaint about the request: an RFC 6901 JSON pointer into the body and a message. */
export interface FieldError {
  pointer: string;
  message: string;
}

/** The HTTP status of each code: the README's error table and the OpenAPI responses are built from it. */
export const STATUS: Readonly<Record<ErrorCode, number>> = {
  InvalidInput: 400,
  Unauthorized: 401,
  NotFound: 404,
  GraphNotFound: 404,
  ModelNotFitted: 404,
  FitNotFound: 404,
  Conflict: 409,
  PreconditionFailed: 412,
  QuotaExceeded: 429,
  MethodNotAllowed: 405,
  RequestTimeout: 408,
  TooBig: 413,
  UnsupportedMediaType: 415,
  NegativeCycle: 422,
  WorkLimitExceeded: 422,
  Internal: 500,
  ModelUnavailable: 503,
  Overloaded: 503,
  DeadlineExceeded: 503,
  StoreUnavailable: 503,
};

/** The problem title of each code. */
export const TITLE: Readonly<Record<ErrorCode, string>> = {
  InvalidInput: 'The request is not valid',
  NotFound: 'No such resource',
  GraphNotFound: 'No stored graph with this id',
  ModelNotFitted: 'The stored graph has no fitted model of this kind yet',
  FitNotFound: 'No fit job with this id for this graph',
  Conflict: 'A fit of this graph is already running',
  Unauthorized: 'An API key is required',
  PreconditionFailed: 'The graph is not at the version the request expects',
  QuotaExceeded: 'A stored-graph limit would be exceeded',
  MethodNotAllowed: 'Method not allowed on this resource',
  RequestTimeout: 'The request did not arrive in time',
  TooBig: 'The request exceeds a configured limit',
  UnsupportedMediaType: 'The request body must be application/json',
  NegativeCycle: 'A negative cycle is reachable from the source',
  WorkLimitExceeded: 'Solving would exceed the configured work limit',
  Internal: 'Internal error',
  ModelUnavailable: 'The learned model is not available',
  Overloaded: 'The learned solver is busy; retry later',
  DeadlineExceeded: 'The deadline passed before the learned solver answered',
  StoreUnavailable: 'The graph store cannot be reached; retry later',
};

/** The RFC 9457 problem+json body every error answer carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
  [extension: string]: unknown;
}

/**
 * The one error type narsolve throws for anything a caller did or must know about.
 * The HTTP layer turns it into problem+json; library callers catch it and read `code`.
 */
export class NarsolveError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors?: FieldError[];
  readonly extensions: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, options: { errors?: FieldError[]; extensions?: Record<string, unknown> } = {}) {
    super(detail);
    this.name = 'NarsolveError';
    this.code = code;
    this.status = STATUS[code];
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
  }

  /** The problem+json body for this error. */
  toProblem(): Problem {
    const problem: Problem = {
      type: problemType(this.code),
      title: TITLE[this.code],
      status: this.status,
      detail: this.message,
      code: this.code,
      ...this.extensions,
    };
    if (this.errors && this.errors.length > 0) problem.errors = this.errors;
    return problem;
  }
}

/** The problem type URI for a code; the README's error table documents each one. */
export function problemType(code: ErrorCode): string {
  return `https://narsolve.dev/problems/${code}`;
}

/** At most this many located errors go into one answer: one bad field usually repeats on every edge. */
export const MAX_FIELD_ERRORS = 20;

/** InvalidInput for several located errors: the first in the detail, "(and N more)", all of them (up to MAX_FIELD_ERRORS) in `errors`. */
export function invalidInputs(errors: FieldError[]): NarsolveError {
  const listed = errors.length > 0 ? errors.slice(0, MAX_FIELD_ERRORS) : [{ pointer: '', message: 'is invalid' }];
  const first = listed[0];
  const more = listed.length > 1 ? ` (and ${listed.length - 1} more)` : '';
  return new NarsolveError('InvalidInput', `${first.pointer || '/'}: ${first.message}${more}`, { errors: listed });
}

/** Shorthand for an InvalidInput error about one JSON pointer. */
export function invalidInput(pointer: string, message: string): NarsolveError {
  return new NarsolveError('InvalidInput', `${pointer || '/'}: ${message}`, { errors: [{ pointer, message }] });
}
