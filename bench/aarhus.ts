/**
 * The Aarhus travel times (../shared/data/aarhus-traffic/, City of Aarhus / CityPulse, CC BY 4.0)
 * as the benches read them: the network, the 5-minute values link-major (NaN where no vehicle was
 * seen), and the two things every bench does with them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface AarhusLink {
  readonly from: string;
  readonly to: string;
  readonly nominalSeconds: number;
}

export interface Aarhus {
  readonly links: readonly AarhusLink[];
  readonly slots: number;
  readonly days: number;
  /** values[link * slots + slot]: seconds, NaN where none. */
  readonly values: Float32Array;
  /** Slot 0 in epoch ms: the source's times are local, and August and September 2014 are summer time (UTC+2). */
  readonly t0: number;
}

export const SLOT_MS = 5 * 60_000;
export const SLOTS_PER_DAY = 288;

/** The data in `dir`, or undefined (with a SKIPPED line naming the folder) when it is not there. */
export function readAarhus(dir: string): Aarhus | undefined {
  if (!existsSync(join(dir, 'network.json'))) {
    console.error(`SKIPPED the Aarhus data: no ${join(dir, 'network.json')} (pass --aarhus <folder>)`);
    return undefined;
  }
  const net = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as { start: string; slots: number; days: number; links: AarhusLink[] };
  const bytes = gunzipSync(readFileSync(join(dir, 'travel_times.f32.gz')));
  return { links: net.links, slots: net.slots, days: net.days, values: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), t0: Date.parse(`${net.start}:00+02:00`) };
}

/** One day's observations of every link as a batch (columns), times in epoch ms, as a detector feed sends them. */
export function dayBatch(data: { readonly links: readonly unknown[] } & Pick<Aarhus, 'slots' | 'values' | 't0'>, day: number): { edge: number[]; value: number[]; time: number[] } {
  const edge: number[] = [];
  const value: number[] = [];
  const time: number[] = [];
  for (let link = 0; link < data.links.length; link++) {
    for (let slot = day * SLOTS_PER_DAY; slot < (day + 1) * SLOTS_PER_DAY; slot++) {
      const x = data.values[link * data.slots + slot];
      if (Number.isFinite(x)) (edge.push(link), value.push(x), time.push(data.t0 + slot * SLOT_MS));
    }
  }
  return { edge, value, time };
}

/** The mean of a link's values in slots [from, to), NaN without any. */
export function slotMean(data: Pick<Aarhus, 'slots' | 'values'>, link: number, from: number, to: number): number {
  let sum = 0;
  let count = 0;
  for (let s = from; s < to; s++) {
    const x = data.values[link * data.slots + s];
    if (Number.isFinite(x)) (sum += x, count++);
  }
  return count ? sum / count : NaN;
}
