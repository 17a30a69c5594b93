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
