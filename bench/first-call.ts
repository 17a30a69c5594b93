/**
 * npm run bench:first-call [-- --runs 5]
 *
 * What a fresh process pays for its first 100-edge route (classical): the library call in a new
 * Node process (require, then the first solveRoute: validation, solve, answer), and the CLI's whole
 * run (`narsolve route file`, process start to exit, with solver classical and with the default auto),
 * next to bare Node's start to exit (an empty script), taken in turns in the same run; each the median of `runs` fresh processes,
 * next to the same process's second call. The build compiles the request validators ahead of time
 * (src/services/prebuildValidators.ts). Not a test: nothing asserts a time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg } from './args';
import { median } from './stats';

const ROOT = join(__dirname, '..', '..');
// What the package ships: its main and its bin (the bundles of scripts/build-bundles.mjs).
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; bin: { narsolve: string } };
const MAIN = join(ROOT, PACKAGE.main);
const CLI = join(ROOT, PACKAGE.bin.narsolve);

function main(): void {
  const runs = Number(arg('runs', '5'));
  const edges = Array.from({ length: 100 }, (_, i) => ({ from: i % 50, to: (i * 7 + 1) % 50, weight: 1 + (i % 5) }));
  const body = { graph: { edges }, source: 0, solver: 'classical' };
  const file = join(mkdtempSync(join(tmpdir(), 'narsolve-first-')), 'route.json');
  writeFileSync(file, JSON.stringify(body));
  const script = `
    const t0 = performance.now();
    const { solveRoute, learnedDisabled } = require(${JSON.stringify(MAIN)});
    const t1 = performance.now();
    const body = require(${JSON.stringify(file)});
    solveRoute(body, { learned: learnedDisabled() }).then(async () => {
      const t2 = performance.now();
      await solveRoute(body, { learned: learnedDisabled() });
      console.log(JSON.stringify({ require: t1 - t0, first: t2 - t1, second: performance.now() - t2 }));
    });`;
  const library = Array.from({ length: runs }, () => JSON.parse(execFileSync(process.execPath, ['-e', script]).toString()));
  const wall = (args: string[]) => {
    const started = performance.now();
    execFileSync(process.execPath, args);
    return performance.now() - started;
  };
  // The same body with the default solver (auto): answered classically as the served spec says, without loading the models.
  const autoFile = file.replace(/route\.json$/, 'auto.json');
  writeFileSync(autoFile, JSON.stringify({ ...body, solver: undefined }));
  // The baseline: Node itself running an empty script (as it runs the CLI's), start to exit.
  const emptyFile = file.replace(/route\.json$/, 'empty.js');
  writeFileSync(emptyFile, '');
  // Taken in turns, so a slow minute of this shared machine weighs on all three alike.
  const cli: number[] = [];
  const cliAuto: number[] = [];
  const bare: number[] = [];
  for (let r = 0; r < runs; r++) {
    cli.push(wall([CLI, 'route', file]));
    cliAuto.push(wall([CLI, 'route', autoFile]));
    bare.push(wall([emptyFile]));
  }
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log('| measure | median |\n|---|---|');
  console.log(`| library: require('narsolve') | ${ms(median(library.map((r) => r.require)))} |`);
  console.log(`| library: first solveRoute (100 edges) | ${ms(median(library.map((r) => r.first)))} |`);
  console.log(`| library: second solveRoute, same process | ${ms(median(library.map((r) => r.second)))} |`);
  console.log(`| CLI: narsolve route (solver classical), process start to exit | ${ms(median(cli))} (${ms(median(cli) - median(bare))} over bare Node) |`);
  console.log(`| CLI: narsolve route (solver auto), process start to exit | ${ms(median(cliAuto))} (${ms(median(cliAuto) - median(bare))} over bare Node) |`);
  console.log(`| baseline: node on an empty script, process start to exit | ${ms(median(bare))} |`);
}

main();
