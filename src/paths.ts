import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The package root (where schemas/ and models/ live), found by walking up from this file so it
 * works from src/ under ts-jest and from dist/src/ after a build.
 */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`packageRoot: no package.json with schemas/ above ${__dirname}`);
    dir = parent;
  }
}

/**
 * A worker's compiled file: beside the caller once built, or under dist/src/ (`relative` from
 * there) when the caller runs as TypeScript under ts-jest, since worker threads need JavaScript.
 */
export function compiledWorker(callerDir: string, relative: string): string {
  const beside = join(callerDir, relative.split('/').pop()!);
  if (existsSync(beside)) return beside;
  return join(packageRoot(), 'dist', 'src', ...relative.split('/'));
}
