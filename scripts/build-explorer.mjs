#!/usr/bin/env node
// Bundles the explorer page (explorer/src, TypeScript) with esbuild and copies its static files:
// everything GET /explorer serves ends up in dist/explorer, so nothing is fetched from elsewhere.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'explorer');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'explorer', 'src', 'main.ts')],
  bundle: true,
  minify: process.env.EXPLORER_MINIFY !== '0',
  sourcemap: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020'],
  outfile: join(out, 'explorer.js'),
  logLevel: 'warning',
});
cpSync(join(root, 'explorer', 'static'), out, { recursive: true });
