/**
 * The serving policy's choice (src/solvers/learned/policy.ts), on made-up validation records: which
 * classical estimate a band shows, and when the encoder serves.
 */
import { choosePolicy, type PolicyCandidate, type PolicyRecord } from '../src/solvers/learned/policy';

const model = { name: 'noisy_routes', version: '0.0.0', sha256: 'x' };

/** Ten requests of one source in one band, each with one route per candidate at these regrets. */
function source(data: string, real: boolean, band: string, regret: Record<PolicyCandidate, number>): PolicyRecord[] {
  return Array.from({ length: 10 }, () => ({ data, real, band, regret: Object.fromEntries(Object.entries(regret).map(([k, v]) => [k, [v]])) as unknown as PolicyRecord['regret'] }));
}

// Where the mean is best on the real days and the median on the generated heavy tails.
const realDays = { mean: 0.030, median: 0.034, trimmed: 0.031, huber: 0.033, learned: 0.027 };
const heavyTails = { mean: 0.090, median: 0.025, trimmed: 0.060, huber: 0.024, learned: 0.014 };

describe('which classical estimate a band shows beside the encoder', () => {
  test('where a band has real data, only the real data picks it, and the encoder must still beat it in every source', () => {
    const policy = choosePolicy(model, 'test', [...source('city', true, 'moderate-several', realDays), ...source('synthetic', false, 'moderate-several', heavyTails)]);
    expect(policy.bands['moderate-several']).toMatchObject({ estimate: 'mean', serve: 'learned' });
    expect(policy.bands['moderate-several'].sources.map((s) => [s.data, s.real])).toEqual([['city', true], ['synthetic', false]]);
  });

  test('a band with generated data only is picked on that data', () => {
    const policy = choosePolicy(model, 'test', source('synthetic', false, 'high-several', heavyTails));
    // Huber is best; the median is within the margin and simpler, so it is shown.
    expect(policy.bands['high-several'].estimate).toBe('median');
  });

  test('the encoder does not serve where it fails to beat the band\'s estimate by the margin in any one source', () => {
    const close = { ...realDays, learned: 0.029 };
    const policy = choosePolicy(model, 'test', [...source('city', true, 'moderate-several', close), ...source('synthetic', false, 'moderate-several', heavyTails)]);
    expect(policy.bands['moderate-several']).toMatchObject({ estimate: 'mean', serve: 'mean' });
  });

  test('a band no validation request fell in falls back to the estimate best over all the data, real or not', () => {
    const policy = choosePolicy(model, 'test', [...source('city', true, 'moderate-several', realDays), ...source('synthetic', false, 'high-several', heavyTails), ...source('synthetic', false, 'moderate-several', heavyTails)]);
    expect(policy.bands['low-few']).toBeUndefined();
    expect(policy.fallback).toBe('median');
  });
});
