/**
 * The store a stored-graph test runs on: a fresh embedded store in a temporary folder, or, when a
 * suite sets `sharedStore.url` (tests/redis.*.test.ts), a fresh key prefix in that Redis, so the
 * same stories check both stores.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../src/store/embedded';
import { RedisStore } from '../src/store/redis';
import type { GraphStore } from '../src/store/types';

export const sharedStore: { url?: string } = {};

export function freshStore(label: string): GraphStore {
  if (sharedStore.url) return new RedisStore(sharedStore.url, { prefix: `test:${randomUUID()}:` });
  return new EmbeddedStore(mkdtempSync(join(tmpdir(), `narsolve-${label}-`)));
}
