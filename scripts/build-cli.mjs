#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli.js) into one file in its place. A fresh CLI process then
// reads one file instead of resolving and reading some forty modules, which on a slow disk is most
// of what its first answer costs over Node's own start. npm packages stay separate (required on
// use, as before); so do the worker files, which worker threads load by path.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'src', 'cli.js');
await build({
  entryPoints: [cli],
  outfile: cli,
  allowOverwrite: true,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  // The prebuilt validators are found beside validation.js; inside the bundle __dirname is dist/src.
  define: { NARSOLVE_VALIDATORS_DIR: JSON.stringify('services/validators') },
  logLevel: 'warning',
});
