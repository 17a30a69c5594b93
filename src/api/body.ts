import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { envName } from '../config';
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

/** What a body may cost: bytes on the wire, bytes after decompression per wire byte, and bytes held by all bodies at once. */
export interface BodyLimits {
  readonly maxBodyBytes: number;
  readonly maxInflationRatio: number;
  readonly maxBodyBytesInFlight: number;
}

/** Decompressed output always allowed, whatever the ratio: small bodies compress well. */
const RATIO_FREE_BYTES = 1 << 20;

const DECODERS: Record<string, () => Transform> = {
  gzip: () => createGunzip(),
  'x-gzip': () => createGunzip(),
  deflate: () => createInflate(),
  br: () => createBrotliDecompress(),
};

/**
 * The bytes of bodies being read or held now, over every request: a body that would pass
 * maxBodyBytesInFlight is refused with 503 Overloaded (retry later) before it is read, and its share
 * is given back when its answer is sent.
 */
export class BodyBudget {
  held = 0;
  constructor(readonly limits: BodyLimits) {}

  /**
   * readBody: the request's body, decompressed as its Content-Encoding says, within the limits.
   * Reading stops the moment a limit is passed (never inflating a bomb to its end); `release` gives
   * the bytes back to the budget.
   */
  async read(req: IncomingMessage, release: (done: () => void) => void): Promise<Buffer> {
    const { maxBodyBytes, maxInflationRatio, maxBodyBytesInFlight } = this.limits;
    const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const decoder = encoding === 'identity' ? undefined : DECODERS[encoding];
    if (encoding !== 'identity' && !decoder) throw new NarsolveError('UnsupportedMediaType', `unsupported Content-Encoding "${encoding}" (use gzip, deflate, br or none)`);
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > maxBodyBytes) throw tooBig(`the body is ${declared} bytes; the limit is ${maxBodyBytes} bytes`, 'maxBodyBytes');
    let mine = 0;
    const take = (bytes: number): void => {
      if (this.held + bytes > maxBodyBytesInFlight) {
        throw new NarsolveError('Overloaded', `the bodies being read now hold ${this.held} bytes; this one would pass ${maxBodyBytesInFlight} (${envName('maxBodyBytesInFlight')}); retry shortly`, { extensions: { retryAfterSeconds: 1 } });
      }
      this.held += bytes;
      mine += bytes;
    };
    release(() => {
      this.held -= mine;
      mine = 0;
    });
    let wire = 0;
    let inflated = 0;
    const chunks: Buffer[] = [];
    const source = decoder ? req.pipe(decoder()) : req;
    // Through a decoder, the wire is counted as it is piped in (pipe reads by 'data' events too).
    if (decoder) {
      req.on('data', (chunk: Buffer) => {
        wire += chunk.length;
        if (wire > maxBodyBytes) source.destroy(tooBig(`the body is more than ${maxBodyBytes} bytes, the limit`, 'maxBodyBytes'));
      });
    }
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (!decoder) wire += chunk.length;
        inflated += chunk.length;
        if (decoder && inflated > RATIO_FREE_BYTES && inflated > wire * maxInflationRatio) {
          throw tooBig(`the body inflates to more than ${maxInflationRatio} times its ${wire} compressed bytes`, 'maxInflationRatio');
        }
        if (inflated > maxBodyBytes) throw tooBig(`the body inflates to more than ${maxBodyBytes} bytes, the limit`, 'maxBodyBytes');
        take(chunk.length);
        chunks.push(chunk);
      }
    } catch (error) {
      req.unpipe();
      req.resume();
      if (error instanceof NarsolveError) throw error;
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code.startsWith('Z_') || code.startsWith('ERR_BROTLI') || code === 'ERR__ERROR') {
        throw new NarsolveError('InvalidInput', `the body does not decode as its Content-Encoding says (${(error as Error).message})`, { errors: [{ pointer: '', message: 'undecodable body' }] });
      }
      throw new NarsolveError('InvalidInput', `the body was cut short (${(error as Error).message})`, { errors: [{ pointer: '', message: 'incomplete body' }] });
    }
    if (!req.complete && !decoder) throw new NarsolveError('InvalidInput', 'the body was cut short', { errors: [{ pointer: '', message: 'incomplete body' }] });
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, inflated);
  }
}

function tooBig(what: string, key: 'maxBodyBytes' | 'maxInflationRatio'): NarsolveError {
  return new NarsolveError('TooBig', `${what} (set ${envName(key)} to change it)`, { errors: [{ pointer: '', message: what }] });
}
