import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './paths';

/** The package version, read once from package.json. */
export const version: string = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version;
