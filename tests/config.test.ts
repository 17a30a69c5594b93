import { loadConfig, DEFAULT_LIMITS } from '../src/config';

describe('configuration', () => {
  test('defaults hold at least a million edges', () => {
    const { limits } = loadConfig({});
    expect(limits).toEqual(DEFAULT_LIMITS);
    expect(limits.maxEdges).toBeGreaterThanOrEqual(1_000_000);
    expect(limits.maxBodyBytes).toBeGreaterThanOrEqual(1_000_000 * 60);
  });

  test('environment variables override each limit and tolerance', () => {
    const config = loadConfig({ NARSOLVE_MAX_EDGES: '10', NARSOLVE_MAX_NODES: '5', NARSOLVE_MAX_BODY_BYTES: '1_000', NARSOLVE_MAX_WORK: '99', NARSOLVE_MAX_OBSERVATIONS: '7', NARSOLVE_DEFAULT_TIMEOUT_MS: '500', NARSOLVE_MAX_TIMEOUT_MS: '2000', NARSOLVE_FLOW_REL_TOL: '1e-6' });
    expect(config.limits).toEqual({ maxEdges: 10, maxNodes: 5, maxBodyBytes: 1000, maxWork: 99, maxObservations: 7, defaultTimeoutMs: 500, maxTimeoutMs: 2000 });
    expect(config.tolerances.flowRelative).toBe(1e-6);
  });

  test('a malformed limit stops start-up with a message naming the variable', () => {
    expect(() => loadConfig({ NARSOLVE_MAX_EDGES: 'lots' })).toThrow(/NARSOLVE_MAX_EDGES/);
    expect(() => loadConfig({ NARSOLVE_MAX_NODES: '-1' })).toThrow(/NARSOLVE_MAX_NODES/);
    expect(() => loadConfig({ NARSOLVE_DEFAULT_TIMEOUT_MS: '5000', NARSOLVE_MAX_TIMEOUT_MS: '1000' })).toThrow(/NARSOLVE_DEFAULT_TIMEOUT_MS=5000 is more than NARSOLVE_MAX_TIMEOUT_MS=1000/);
  });
});
