/**
 * Solves on the event loop take turns: each starts in an iteration of the loop of its own, so what
 * became ready meanwhile (a probe's request, a timer) is served between two solves, not after all of them.
 */
import { Turns } from '../src/api/turns';

/** Holds the thread for `ms`, as a synchronous solve does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('a burst of solves lets a timer that falls due during the first run before the rest', async () => {
  const turns = new Turns();
  const order: string[] = [];
  const solves = Array.from({ length: 4 }, async (_, i) => {
    await turns.next();
    order.push(`solve ${i}`);
    busy(15);
  });
  const timer = new Promise<void>((resolve) => setTimeout(() => (order.push('timer'), resolve()), 1));
  await Promise.all([...solves, timer]);
  // Solved back to back (what an await-free burst does), the timer would come last.
  expect(order.indexOf('timer')).toBeLessThan(order.indexOf('solve 2'));
  expect(order.filter((entry) => entry.startsWith('solve'))).toEqual(['solve 0', 'solve 1', 'solve 2', 'solve 3']);
  expect(turns.queued).toBe(0);
});

test('solves take their turns in arrival order, and a turn after an idle spell starts at once', async () => {
  const turns = new Turns();
  const order: number[] = [];
  await Promise.all([0, 1, 2].map(async (i) => (await turns.next(), order.push(i))));
  await turns.next();
  order.push(3);
  expect(order).toEqual([0, 1, 2, 3]);
});
