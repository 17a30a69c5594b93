import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, loadServerConfig, DEFAULT_LIMITS, readApiKeys } from '../src/config';

describe('configuration', () => {
  test('defaults hold at least a million edges', () => {
    const { limits } = loadConfig({});
    expect(limits).toEqual(DEFAULT_LIMITS);
    expect(limits.maxEdges).toBeGreaterThanOrEqual(1_000_000);
    expect(limits.maxBodyBytes).toBeGreaterThanOrEqual(1_000_000 * 60);
  });

  test('environment variables override each limit and tolerance', () => {
    const config = loadConfig({
      NARSOLVE_MAX_EDGES: '10', NARSOLVE_MAX_NODES: '5', NARSOLVE_MAX_BODY_BYTES: '1_000', NARSOLVE_MAX_WORK: '99', NARSOLVE_MAX_OBSERVATIONS: '7', NARSOLVE_DEFAULT_TIMEOUT_MS: '500', NARSOLVE_MAX_TIMEOUT_MS: '2000', NARSOLVE_FLOW_REL_TOL: '1e-6',
      NARSOLVE_MAX_GRAPHS_PER_TENANT: '3', NARSOLVE_MAX_STORED_BYTES: '4096', NARSOLVE_MAX_OBSERVATION_BATCH: '50', NARSOLVE_MAX_RETAINED_OBSERVATIONS: '500', NARSOLVE_RETENTION_DAYS: '30',
      NARSOLVE_MAX_INFLATION_RATIO: '20', NARSOLVE_MAX_BODY_BYTES_IN_FLIGHT: '8000',
    });
    expect(config.limits).toEqual({
      maxEdges: 10, maxNodes: 5, maxBodyBytes: 1000, maxWork: 99, maxObservations: 7, defaultTimeoutMs: 500, maxTimeoutMs: 2000,
      maxGraphsPerTenant: 3, maxStoredBytes: 4096, maxObservationBatch: 50, maxRetainedObservations: 500, defaultRetentionDays: 30,
      maxInflationRatio: 20, maxBodyBytesInFlight: 8000,
    });
    expect(config.tolerances.flowRelative).toBe(1e-6);
  });

  test('a malformed limit stops start-up with a message naming the variable', () => {
    expect(() => loadConfig({ NARSOLVE_MAX_EDGES: 'lots' })).toThrow(/NARSOLVE_MAX_EDGES/);
    expect(() => loadConfig({ NARSOLVE_MAX_NODES: '-1' })).toThrow(/NARSOLVE_MAX_NODES/);
    expect(() => loadConfig({ NARSOLVE_DEFAULT_TIMEOUT_MS: '5000', NARSOLVE_MAX_TIMEOUT_MS: '1000' })).toThrow(/NARSOLVE_DEFAULT_TIMEOUT_MS=5000 is more than NARSOLVE_MAX_TIMEOUT_MS=1000/);
  });
});

describe('API keys', () => {
  test('NARSOLVE_API_KEYS reads tenant:key pairs; a malformed entry stops start-up naming its position, never the key', () => {
    expect(readApiKeys({ NARSOLVE_API_KEYS: 'acme:0123456789abcdef, globex:fedcba9876543210' })).toEqual([
      { tenant: 'acme', key: '0123456789abcdef' },
      { tenant: 'globex', key: 'fedcba9876543210' },
    ]);
    expect(readApiKeys({})).toEqual([]);
    expect(() => readApiKeys({ NARSOLVE_API_KEYS: 'acme:0123456789abcdef,globex:short-secret' })).toThrow(/entry 2 is not tenant:key/);
    expect(() => readApiKeys({ NARSOLVE_API_KEYS: 'acme:0123456789abcdef,globex:short-secret' })).not.toThrow(/short-secret/);
    expect(() => readApiKeys({ NARSOLVE_API_KEYS: 'no-colon-here-at-all' })).toThrow(/entry 1/);
  });

  test('NARSOLVE_API_KEYS_FILE reads one pair a line, with comments; a missing file names the variable', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'narsolve-keys-')), 'keys');
    writeFileSync(file, '# tenants\nacme:0123456789abcdef\n\nglobex:fedcba9876543210\n');
    expect(readApiKeys({ NARSOLVE_API_KEYS_FILE: file }).map((k) => k.tenant)).toEqual(['acme', 'globex']);
    expect(() => readApiKeys({ NARSOLVE_API_KEYS_FILE: file + '.missing' })).toThrow(/NARSOLVE_API_KEYS_FILE=.*cannot be read \(ENOENT\)/);
    expect(() => readApiKeys({ NARSOLVE_API_KEYS_FILE: file, NARSOLVE_API_KEYS: 'a:0123456789abcdef' })).toThrow(/not both/);
  });

  test('NARSOLVE_STORE is the embedded store by default, a redis:// URL for replicas, and anything else stops start-up naming it', () => {
    expect(loadServerConfig({}).store).toBeUndefined();
    expect(loadServerConfig({ NARSOLVE_STORE: 'embedded' }).store).toBeUndefined();
    expect(loadServerConfig({ NARSOLVE_STORE: 'redis://cache:6379/2' }).store).toBe('redis://cache:6379/2');
    expect(loadServerConfig({ NARSOLVE_STORE: 'rediss://user:secret@cache:6380' }).store).toBe('rediss://user:secret@cache:6380');
    expect(() => loadServerConfig({ NARSOLVE_STORE: 'postgres://db/1' })).toThrow(/^config: NARSOLVE_STORE=.* must be redis:\/\//);
    expect(() => loadServerConfig({ NARSOLVE_STORE: 'not a url' })).toThrow(/^config: NARSOLVE_STORE=.* is not a URL/);
    expect(() => loadServerConfig({ NARSOLVE_STORE: 'redis://cache:6379/zero' })).toThrow(/database number/);
    expect(() => loadServerConfig({ NARSOLVE_FIT_LEASE_MS: '10' })).toThrow(/NARSOLVE_FIT_LEASE_MS/);
  });
});
