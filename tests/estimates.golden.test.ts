/**
 * The classical estimates are written twice, in TypeScript (src/graph/estimates.ts, what the service
 * serves) and in Python (training/narsolve_train/noisy_routes_data.py, what the training evaluations
 * compare against); this golden file, written by the Python side, pins the two together.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESTIMATES, ESTIMATE_NAMES } from '../src/graph/estimates';

const golden = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'estimates_golden.json'), 'utf8')) as { cases: ({ values: number[] } & Record<string, number>)[] };

test.each(ESTIMATE_NAMES)('the %s of every golden list is what numpy computed, to 1e-12 relative', (name) => {
  expect(golden.cases.length).toBeGreaterThanOrEqual(50);
  for (const c of golden.cases) {
    const x = ESTIMATES[name](Float64Array.from(c.values));
    expect(Math.abs(x - c[name])).toBeLessThanOrEqual(1e-12 * Math.abs(c[name]));
  }
});
