/**
 * One observation batch as one binary record, the same bytes in every store: kind (u8), count
 * (u32 LE at byte 4), then the edge (i32), value (f64) and time (f64) columns, little-endian.
 */
import type { ObservationBatch, ObservationKind } from './types';

export const KINDS: readonly ObservationKind[] = ['cost', 'capacity'];

export function encodeBatch(batch: Omit<ObservationBatch, 'epoch'>): Buffer {
  const n = batch.edge.length;
  const out = Buffer.alloc(8 + n * 20);
  out.writeUInt8(KINDS.indexOf(batch.kind), 0);
  out.writeUInt32LE(n, 4);
  Buffer.from(batch.edge.buffer, batch.edge.byteOffset, n * 4).copy(out, 8);
  Buffer.from(batch.value.buffer, batch.value.byteOffset, n * 8).copy(out, 8 + n * 4);
  Buffer.from(batch.time.buffer, batch.time.byteOffset, n * 8).copy(out, 8 + n * 12);
  return out;
}

/** A stored batch, copied out of the store's buffer (LMDB reuses its own) into aligned arrays. */
export function decodeBatch(epoch: number, bytes: Uint8Array): ObservationBatch {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = buffer.readUInt32LE(4);
  const column = <T>(offset: number, width: number, make: (b: ArrayBuffer) => T): T => {
    const own = new ArrayBuffer(n * width);
    buffer.copy(new Uint8Array(own), 0, offset, offset + n * width);
    return make(own);
  };
  return {
    epoch,
    kind: KINDS[buffer.readUInt8(0)],
    edge: column(8, 4, (b) => new Int32Array(b)),
    value: column(8 + n * 4, 8, (b) => new Float64Array(b)),
    time: column(8 + n * 12, 8, (b) => new Float64Array(b)),
  };
}

/** A stored batch's row count and latest time, read in place (its time column only). */
export function batchExtent(bytes: Uint8Array): { latest: number; rows: number } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rows = buffer.readUInt32LE(4);
  let latest = -Infinity;
  for (let i = 0, at = 8 + rows * 12; i < rows; i++, at += 8) latest = Math.max(latest, buffer.readDoubleLE(at));
  return { latest, rows };
}
