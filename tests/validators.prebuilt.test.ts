/**
 * The build compiles the request validators ahead of time (src/services/prebuildValidators.ts), so
 * a fresh process does not compile them on its first request. The prebuilt ones must accept and
 * refuse exactly what the schemas' runtime compilation does, and are used only for the schemas they
 * were built from.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fastInstance, prebuiltPath, REQUEST_SCHEMAS, SCHEMA_BASE, schemaFilesOf, schemasDigest } from '../src/services/validation';
import { gridEdges } from '../generators/graphs';

// `npm test` builds first (pretest): the compiled modules are what the package ships.
const built = join(__dirname, '..', 'dist', 'src', 'services');
const prebuilt = (file: string) => require(prebuiltPath(built, file)) as { validate: (body: unknown) => boolean; __schemas: string[]; __digest: string };

const BODIES: unknown[] = [
  {}, [], { graph: { edges: gridEdges(3, 1) }, source: 0 }, { graph: { edges: [] }, source: 'a' }, { graph: { edges: [{ from: 'a', to: 'b' }] }, source: 'a' },
  { graph: { edges: { from: ['a'], to: ['b'], weight: [1] } }, source: 'a', target: 'b', solver: 'classical' }, { graph: { edges: [{ from: 's', to: 't', capacity: 2 }] }, source: 's', sink: 't' },
  { graph: { edges: [{ from: 's', to: 't', capacityObservations: [1, null] }] }, source: 's', sink: 't', explain: true }, { source: 'a', at: '2026-12-01T08:00:00Z', estimate: 'fitted' },
  { source: 'a', estimate: 'soon' }, { observations: { edge: [0], value: [1.5] } }, { observations: { edge: [0] } }, { graph: { edges: [{ from: 'a', to: 'b' }] }, timeZone: 'UTC' },
  { kind: 'capacity', validationDays: 7 }, { validationDays: 0 }, { seed: -1 }, { source: 1.5 }, { graph: { edges: [{ from: 'a', to: 'b', weight: '1' }] }, source: 'a' },
];

test.each(REQUEST_SCHEMAS)('the shipped prebuilt %s was built from these schemas, and names every file it reads', (file) => {
  expect(prebuilt(file).__schemas).toEqual(schemaFilesOf(file));
  // Every file its text names in a $ref is among them (read independently of schemaFilesOf).
  const named = [...readFileSync(join(__dirname, '..', 'schemas', file), 'utf8').matchAll(/"\$ref":\s*"([\w.-]+\.json)/g)].map((m) => m[1]);
  expect(prebuilt(file).__schemas).toEqual(expect.arrayContaining([file, ...named]));
  expect(prebuilt(file).__digest).toBe(schemasDigest(prebuilt(file).__schemas));
});

test('a prebuilt validator is stale the moment a schema it reads changes', () => {
  const files = schemaFilesOf('stored-maxflow-request.json');
  // It reads the stored route request's schema too (its shared properties), and common.json.
  expect(files).toEqual(['common.json', 'stored-maxflow-request.json', 'stored-route-request.json']);
  const digest = schemasDigest(files);
  expect(schemasDigest(files.slice(0, 2))).not.toBe(digest);
  expect(schemasDigest(['route-request.json', ...files.slice(1)])).not.toBe(digest);
});

test.each(REQUEST_SCHEMAS)('prebuilt %s accepts and refuses exactly what the runtime compilation does', (file) => {
  const runtime = fastInstance().getSchema(SCHEMA_BASE + file)!;
  const { validate } = prebuilt(file);
  expect(typeof validate).toBe('function');
  for (const body of BODIES) expect([file, body, validate(body)]).toEqual([file, body, runtime(body)]);
});
