#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { NarsolveError } from './errors';
import { openGraphs, solveMaxflow, solveRoute } from './library';

const USAGE = `usage: narsolve route <request.json | ->
       narsolve maxflow <request.json | ->
       narsolve graphs list
       narsolve graphs get <graphId>
       narsolve graphs put <graphId> <body.json | ->
       narsolve graphs delete <graphId>
       narsolve graphs observe <graphId> <observations.json | ->
       narsolve graphs route <graphId> <query.json | ->
       narsolve graphs maxflow <graphId> <query.json | ->
       narsolve graphs model <graphId>
       narsolve fit <graphId> [fit.json | -]

Reads a request (the same JSON as the HTTP body; "-" reads stdin) and prints the answer as JSON.
"graphs" works on the stored graphs in NARSOLVE_DATA_DIR (default ./narsolve-data), or in the Redis of NARSOLVE_STORE, as the server does.
Exit status: 0 answered, 1 the request was refused (the problem JSON is printed), 2 usage error.`;

/** What each graphs command takes after its name: an id, a body file, or both. */
const GRAPH_COMMANDS: Record<string, { id: boolean; body: boolean }> = {
  list: { id: false, body: false },
  get: { id: true, body: false },
  delete: { id: true, body: false },
  put: { id: true, body: true },
  observe: { id: true, body: true },
  route: { id: true, body: true },
  maxflow: { id: true, body: true },
  model: { id: true, body: false },
};

/** The CLI: prints the answer, or the problem JSON with exit status 1. */
export async function runCli(args: string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const [command, ...rest] = args;
  const graphCommand = command === 'graphs' ? GRAPH_COMMANDS[rest[0]] : undefined;
  const wellFormed =
    command === 'graphs'
      ? graphCommand !== undefined && rest.length === 1 + Number(graphCommand.id) + Number(graphCommand.body)
      : command === 'fit'
        ? rest.length === 1 || rest.length === 2
        : (command === 'route' || command === 'maxflow') && rest.length === 1;
  if (!wellFormed) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    const file = command === 'graphs' ? (graphCommand!.body ? rest[rest.length - 1] : undefined) : command === 'fit' ? rest[1] : rest[0];
    let body: unknown;
    if (file !== undefined) {
      let text: string;
      try {
        text = readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (error) {
        process.stderr.write(`narsolve: cannot read ${file}: ${(error as Error).message}\n`);
        return 2;
      }
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new NarsolveError('InvalidInput', `the request is not valid JSON: ${(error as Error).message}`, { errors: [{ pointer: '', message: 'malformed JSON' }] });
      }
    }
    const answer =
      command === 'graphs' ? await graphs(rest[0], rest[1], body) : command === 'fit' ? await graphs('fit', rest[0], body) : command === 'route' ? await solveRoute(body as never) : await solveMaxflow(body as never);
    out(`${JSON.stringify(answer, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof NarsolveError)) throw error;
    out(`${JSON.stringify(error.toProblem(), null, 2)}\n`);
    return 1;
  }
}

/** One graphs command on the data folder's store. */
async function graphs(command: string, id: string, body: unknown): Promise<unknown> {
  const store = await openGraphs();
  try {
    switch (command) {
      case 'list':
        return { code: 'Ok', graphs: await store.list() };
      case 'get':
        return await store.get(id);
      case 'delete':
        await store.delete(id);
        return { code: 'Ok', deleted: id };
      case 'put':
        return (await store.put(id, body)).view;
      case 'observe':
        return await store.observe(id, body);
      case 'route':
        return await store.route(id, body);
      case 'model':
        return await store.model(id);
      case 'fit': {
        // The fit runs in a worker as the server's does; the CLI waits for it and prints the job.
        const job = await store.fit(id, body ?? {});
        return { code: 'Ok', job };
      }
      default:
        return await store.maxflow(id, body);
    }
  } finally {
    await store.close();
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
