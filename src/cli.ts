#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { NarsolveError } from './errors';
import { solveMaxflow, solveRoute } from './index';

const USAGE = `usage: narsolve route <request.json | ->
       narsolve maxflow <request.json | ->

Reads a request (the same JSON as the HTTP body; "-" reads stdin) and prints the answer as JSON.
Exit status: 0 answered, 1 the request was refused (the problem JSON is printed), 2 usage error.`;

/** The CLI: prints the answer, or the problem JSON with exit status 1. */
export async function runCli(args: string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const [command, file] = args;
  if ((command !== 'route' && command !== 'maxflow') || !file || args.length > 2) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (error) {
      process.stderr.write(`narsolve: cannot read ${file}: ${(error as Error).message}\n`);
      return 2;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new NarsolveError('InvalidInput', `the request is not valid JSON: ${(error as Error).message}`, { errors: [{ pointer: '', message: 'malformed JSON' }] });
    }
    const answer = command === 'route' ? await solveRoute(body as never) : await solveMaxflow(body as never);
    out(`${JSON.stringify(answer, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof NarsolveError)) throw error;
    out(`${JSON.stringify(error.toProblem(), null, 2)}\n`);
    return 1;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
