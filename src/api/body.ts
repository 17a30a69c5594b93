import { isUtf8 } from 'node:buffer';
import { NarsolveError } from '../errors';

/**
 * Parses a request body read as bytes (already decoded from its Content-Encoding): no body is
 * undefined; bad JSON is InvalidInput. Bytes that are not UTF-8 are refused, never replaced: two ids
 * that differ only in invalid bytes would otherwise become one node. A leading UTF-8 byte order
 * mark is skipped, as JSON parsers commonly do. Duplicate keys keep the last value (JSON.parse).
 */
export function parseJsonBody(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  let body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
  if (!isUtf8(body)) {
    throw new NarsolveError('InvalidInput', 'the body is not valid UTF-8: send JSON as UTF-8 text (RFC 8259)', { errors: [{ pointer: '', message: 'not valid UTF-8' }] });
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new NarsolveError('InvalidInput', `the body is not valid JSON: ${(error as Error).message}`, { errors: [{ pointer: '', message: 'malformed JSON' }] });
  }
}
