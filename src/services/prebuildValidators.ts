/**
 * Build step (`npm run build` runs it after tsc): compiles the request schemas' first-error
 * validators ahead of time with ajv's standalone code, so a fresh process (a CLI call, a serverless
 * start) does not spend its first request compiling them. It writes one module per schema, each
 * naming the schema files it was built from and their digest; validation.ts uses one only when that
 * digest matches those files as they are now.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import standaloneCode from 'ajv/dist/standalone';
import { fastInstance, prebuiltPath, REQUEST_SCHEMAS, schemaFilesOf, schemasDigest, SCHEMA_BASE } from './validation';

const ajv = fastInstance({ source: true });
for (const file of REQUEST_SCHEMAS) {
  const out = prebuiltPath(__dirname, file);
  mkdirSync(dirname(out), { recursive: true });
  const schemas = schemaFilesOf(file);
  writeFileSync(out, `${standaloneCode(ajv, { validate: SCHEMA_BASE + file })}\nexports.__schemas = ${JSON.stringify(schemas)};\nexports.__digest = ${JSON.stringify(schemasDigest(schemas))};\n`);
}
console.log(`prebuilt ${REQUEST_SCHEMAS.length} request validators into ${dirname(prebuiltPath(__dirname, REQUEST_SCHEMAS[0]))}`);
