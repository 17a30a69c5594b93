/**
 * Build step (`npm run build` runs it after tsc): compiles the request schemas' first-error
 * validators ahead of time with ajv's standalone code, so a fresh process (a CLI call, a serverless
 * start) does not spend its first request compiling them. The module it writes names the schemas'
 * digest; validation.ts uses it only when that digest matches the schemas it loads.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import standaloneCode from 'ajv/dist/standalone';
import { fastInstance, REQUEST_SCHEMAS, schemasDigest, SCHEMA_BASE } from './validation';

const ajv = fastInstance({ source: true });
const code = standaloneCode(ajv, Object.fromEntries(REQUEST_SCHEMAS.map((file) => [file, SCHEMA_BASE + file])));
const out = join(__dirname, 'validators.generated.js');
writeFileSync(out, `${code}\nexports.__digest = ${JSON.stringify(schemasDigest())};\n`);
console.log(`prebuilt ${REQUEST_SCHEMAS.length} request validators into ${out}`);
