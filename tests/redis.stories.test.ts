/**
 * The stored-graph stories of tests/graphs.test.ts and tests/fit.test.ts, told again on the shared
 * store: a real redis-server on a loopback port of its own, each app on a fresh key prefix. CI
 * installs redis-server (scripts/redis-deps.sh) and must run these; elsewhere a missing server
 * skips them, loudly.
 */
import { redisAvailable, startRedis, type LocalRedis } from '../generators/redis';
import { sharedStore } from './stores';

const required = process.env.NARSOLVE_REQUIRE_REDIS === '1';
if (!redisAvailable() && !required) {
  console.warn('redis stories skipped: no redis-server (apt-get install redis-server, or set NARSOLVE_REDIS_SERVER)');
  test.skip('redis-server is not installed', () => undefined);
} else {
  let redis: LocalRedis;
  beforeAll(async () => {
    redis = await startRedis();
    sharedStore.url = redis.url;
  });
  require('./graphs.test');
  require('./fit.test');
  // After the suites' own hooks, which close their stores while Redis still answers.
  afterAll(async () => {
    sharedStore.url = undefined;
    await redis?.stop();
  });
}
