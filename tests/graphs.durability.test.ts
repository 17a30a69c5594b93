/**
 * An acknowledged observation is never lost: the server is killed with SIGKILL the moment it has
 * answered a batch, restarted on the same data folder, and must still hold every observation it
 * acknowledged, and answer the same route as before the kill.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../generators/net';
import { startServer } from './server';

jest.setTimeout(120_000);

async function post(port: number, path: string, body: unknown, method = 'POST') {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

test('every batch acknowledged before a kill -9 is there after the restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'narsolve-durable-'));
  const port = await freePort();
  const env = { PORT: String(port), NARSOLVE_DATA_DIR: dir };
  const first = startServer(env);
  expect(await first.listening).toBe(true);
  const edges = Array.from({ length: 200 }, (_, i) => ({ from: i, to: i + 1 }));
  expect((await post(port, '/graphs/line', { graph: { edges } }, 'PUT')).status).toBe(201);
  let acknowledged = 0;
  for (let batch = 0; batch < 5; batch++) {
    const rows = Array.from({ length: 2000 }, (_, i) => i % 200);
    const answer = await post(port, '/graphs/line/observations', { observations: { edge: rows, value: rows.map((e) => e + batch) } });
    expect(answer.status).toBe(200);
    acknowledged += answer.body.accepted;
  }
  const before = await post(port, '/graphs/line/route', { source: 0, target: 200, solver: 'classical' });
  // Nothing between the last answer and the kill: no shutdown hook can flush anything.
  first.child.kill('SIGKILL');
  await first.exited;

  const second = startServer(env);
  try {
    expect(await second.listening).toBe(true);
    const meta = await fetch(`http://127.0.0.1:${port}/graphs/line`).then((res) => res.json());
    expect(meta).toMatchObject({ version: 1, epoch: 5, observations: { count: acknowledged } });
    const after = await post(port, '/graphs/line/route', { source: 0, target: 200, solver: 'classical' });
    expect([after.body.distance, after.body.pathEdges, after.body.graph.epoch]).toEqual([before.body.distance, before.body.pathEdges, 5]);
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
});
