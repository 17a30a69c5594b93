/**
 * The build compiles the request validators ahead of time (src/services/prebuildValidators.ts), so
 * a fresh process does not compile them on its first request. The prebuilt ones must accept and
 * refuse exactly what the schemas' runtime compilation does, and are used only for the schemas they
 * were built from.
 */
import { join } from 'node:path';
import { fastInstance, REQUEST_SCHEMAS, SCHEMA_BASE, schemasDigest } from '../src/services/validation';
import { gridEdges } from '../generators/graphs';

// `npm test` builds first (pretest): the compiled module is what the package ships.
const prebuilt = require(join(__dirname, '..', 'dist', 'src', 'services', 'validators.generated.js'));

const BODIES: unknown[] = [
  {}, [], { graph: { edges: gridEdges(3, 1) }, source: 0 }, { graph: { edges: [] }, source: 'a' }, { graph: { edges: [{ from: 'a', to: 'b' }] }, source: 'a' },
  { graph: { edges: { from: ['a'], to: ['b'], weight: [1] } }, source: 'a', target: 'b', solver: 'classical' }, { graph: { edges: [{ from: 's', to: 't', capacity: 2 }] }, source: 's', sink: 't' },
  { graph: { edges: [{ from: 's', to: 't', capacityObservations: [1, null] }] }, source: 's', sink: 't', explain: true }, { source: 'a', at: '2026-12-01T08:00:00Z', estimate: 'fitted' },
  { source: 'a', estimate: 'soon' }, { observations: { edge: [0], value: [1.5] } }, { observations: { edge: [0] } }, { graph: { edges: [{ from: 'a', to: 'b' }] }, timeZone: 'UTC' },
  { kind: 'capacity', validationDays: 7 }, { validationDays: 0 }, { seed: -1 }, { source: 1.5 }, { graph: { edges: [{ from: 'a', to: 'b', weight: '1' }] }, source: 'a' },
];

test('the shipped prebuilt validators were built from these schemas', () => {
  expect(prebuilt.__digest).toBe(schemasDigest());
});

test.each(REQUEST_SCHEMAS)('prebuilt %s accepts and refuses exactly what the runtime compilation does', (file) => {
  const runtime = fastInstance().getSchema(SCHEMA_BASE + file)!;
  expect(typeof prebuilt[file]).toBe('function');
  for (const body of BODIES) expect([file, body, prebuilt[file](body)]).toEqual([file, body, runtime(body)]);
});
