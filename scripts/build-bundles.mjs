#!/usr/bin/env node
// Bundles the compiled library and CLI (tsc's dist/src/index.js and dist/src/cli.js) into one file
// each: dist/narsolve.js (the package's main) and dist/narsolve-cli.js (its bin). A fresh process
// then reads one file instead of resolving and reading some forty modules, which on a slow disk is
// most of what a first answer costs over Node's own start. Modules the library requires on first
// use stay lazy inside the bundle. npm packages stay separate, and so do the worker threads' files
// (dist/src/..., loaded by path) and the prebuilt validators.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
for (const [entry, out] of [['index.js', 'narsolve.js'], ['cli.js', 'narsolve-cli.js']]) {
  await build({
    entryPoints: [join(dist, 'src', entry)],
    outfile: join(dist, out),
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: true,
    // The prebuilt validators lie beside validation.js (dist/src/services); a bundle's __dirname is dist/.
    define: { NARSOLVE_SERVICES_DIR: JSON.stringify('src/services') },
    logLevel: 'warning',
  });
}
