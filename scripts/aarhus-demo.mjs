#!/usr/bin/env node
// Writes explorer/static/aarhus-demo.json: the Aarhus network with its coordinates and the last
// DAYS days of hourly mean travel times per link, derived from ../shared/data/aarhus-traffic
// (CC BY 4.0, City of Aarhus / CityPulse). The explorer registers it as a stored graph in one click.
// Usage: node scripts/aarhus-demo.mjs [data dir]
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2] ?? join(root, '..', 'shared', 'data', 'aarhus-traffic');
const DAYS = 15; // a fit needs 7 days of history before its 7-day held-out slice
const net = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8'));
const raw = gunzipSync(readFileSync(join(dir, 'travel_times.f32.gz')));
const times = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const counts = (() => {
  const b = gunzipSync(readFileSync(join(dir, 'vehicle_counts.u16.gz')));
  return new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2);
})();
const slotsPerHour = 60 / net.slotMinutes;
const firstHour = (net.days - DAYS) * 24;
const hours = DAYS * 24;
// The source's times are local (Europe/Copenhagen, summer time in Aug–Sep 2014: UTC+2).
const startMs = Date.parse(`${net.start}:00+02:00`) + firstHour * 3600e3;
const links = net.links.map((link, l) => {
  const hourly = [];
  for (let h = 0; h < hours; h++) {
    // The vehicle-weighted mean of the hour's 5-minute averages: what a counter at the link would report.
    let sum = 0;
    let n = 0;
    for (let s = 0; s < slotsPerHour; s++) {
      const at = l * net.slots + (firstHour + h) * slotsPerHour + s;
      const c = counts[at];
      if (c > 0 && Number.isFinite(times[at])) {
        sum += times[at] * c;
        n += c;
      }
    }
    hourly.push(n > 0 ? Math.round((sum / n) * 10) / 10 : null);
  }
  return { from: link.from, to: link.to, name: link.name, lengthMeters: link.lengthMeters, hourly };
});
const demo = {
  credit: 'Aarhus road traffic data: City of Aarhus / CityPulse, CC BY 4.0',
  description: `The Aarhus network (${net.nodes.length} detector sites, ${net.links.length} links) with hourly mean travel times in seconds over ${DAYS} days from ${new Date(startMs).toISOString()}.`,
  graphId: 'aarhus-demo',
  timeZone: 'Europe/Copenhagen',
  start: new Date(startMs).toISOString(),
  hourMs: 3600e3,
  positions: net.nodes.map((node) => ({ node: node.id, lat: node.lat, lon: node.lon })),
  links,
  // The two sites farthest apart (the network is strongly connected): a route across the city.
  route: farthest(net.nodes),
};
function farthest(nodes) {
  let best = { d: -1 };
  for (const a of nodes) for (const b of nodes) {
    const d = ((a.lat - b.lat) ** 2 + ((a.lon - b.lon) * Math.cos((a.lat * Math.PI) / 180)) ** 2);
    if (d > best.d) best = { d, source: a.id, target: b.id };
  }
  return { source: best.source, target: best.target };
}
const out = join(root, 'explorer', 'static', 'aarhus-demo.json');
writeFileSync(out, JSON.stringify(demo) + '\n');
console.log(`wrote ${out}: ${links.length} links, ${hours} hours, ${links.reduce((t, l) => t + l.hourly.filter((v) => v !== null).length, 0)} observations`);
