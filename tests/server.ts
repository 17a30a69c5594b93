import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The built server, as `npm start` runs it. */
export const SERVER = join(__dirname, '..', 'dist', 'src', 'server.js');

/** Starts the built server and resolves once it logs that it is listening (or exits). */
export function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, [SERVER], { env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env } });
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<boolean>((resolve) => {
    child.stdout.on('data', () => log.includes('narsolve listening') && resolve(true));
    exited.then(() => resolve(false));
  });
  return { child, exited, listening, log: () => log };
}
