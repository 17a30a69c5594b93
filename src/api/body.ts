import { NarsolveError } from '../errors';

/** Parses a request body read as bytes (already decoded from its Content-Encoding): no body is undefined; bad JSON is InvalidInput. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    throw new NarsolveError('InvalidInput', `the body is not valid JSON: ${(error as Error).message}`, { errors: [{ pointer: '', message: 'malformed JSON' }] });
  }
}
