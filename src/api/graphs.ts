/**
 * The /graphs endpoints: thin handlers over the stored-graph service, plus who may see what.
 * With API keys configured every /graphs request needs `Authorization: Bearer <key>`, which names
 * its tenant; a graph of another tenant is answered exactly as a missing one (404), so existence
 * never leaks. Without keys, one open tenant serves everyone (the quick start).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { NarsolveError } from '../errors';
import type { SolveContext } from '../services/context';
import type { StoredGraphs } from '../services/storedGraphs';
import { OPEN_TENANT, type Expected, type ObservationKind } from '../store/types';
import type { FitOptions } from '../services/fitting';
import { problemError, type Offload, type SolveOutcome, type StoredTask, type StoredWriteTask } from './offload';
import type { EndpointKey } from './routes';
import type { Turns } from './turns';

/** One API key and the tenant it names. */
export interface ApiKey {
  readonly tenant: string;
  readonly key: string;
}

export { OPEN_TENANT } from '../store/types';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The tenant of a request's bearer key, compared in constant time: every configured key's digest
 * is compared, whatever matched, so the time taken says nothing about which key or how much of it.
 */
export function authenticate(keys: readonly ApiKey[] | undefined): RequestHandler {
  if (!keys || keys.length === 0) {
    return (_req, res, next) => {
      res.locals.tenant = OPEN_TENANT;
      next();
    };
  }
  const digests = keys.map(({ tenant, key }) => ({ tenant, digest: digest(key) }));
  return (req, res, next) => {
    const match = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
    let tenant: string | undefined;
    if (match) {
      const given = digest(match[1]);
      for (const entry of digests) if (timingSafeEqual(given, entry.digest) && tenant === undefined) tenant = entry.tenant;
    }
    if (tenant === undefined) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="narsolve"');
      return next(new NarsolveError('Unauthorized', match ? 'the API key is not valid' : 'send an API key as Authorization: Bearer <key>'));
    }
    res.locals.tenant = tenant;
    next();
  };
}

/** A write's precondition from If-Match (a version, quoted or not; * for any) and If-None-Match: *. */
function expected(req: Request): Expected {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return { absent: true };
    throw new NarsolveError('InvalidInput', 'If-None-Match supports only * (create, never replace)', { errors: [{ pointer: '', message: 'If-None-Match must be *' }] });
  }
  const ifMatch = req.headers['if-match'];
  if (ifMatch === undefined) return undefined;
  if (ifMatch.trim() === '*') return { present: true };
  const version = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(ifMatch);
  // An If-Match that names no version of ours can match none: precondition failed, as RFC 9110 says.
  return { version: version ? Number(version[1]) : -1 };
}

const etag = (version: number) => `"${version}"`;

/**
 * The /graphs handlers, by endpoint (express 5 hands a handler's rejected promise to the problem
 * handler). `body` reads a JSON body; `writeBody` too, but leaves a big one unparsed (res.locals.rawBody)
 * for a stored-graph worker; `context` gives a solve its limits and cancellation.
 */
export function graphHandlers(
  graphs: StoredGraphs | undefined,
  guard: RequestHandler,
  { body, writeBody }: { body: RequestHandler[]; writeBody: RequestHandler[] },
  context: (req: Request, res: Response) => SolveContext,
  offload?: Offload,
  turns?: Turns,
): Record<Extract<EndpointKey, `${string} /graphs${string}`>, RequestHandler[]> {
  const service = (): StoredGraphs => {
    if (!graphs) throw new NarsolveError('NotFound', 'this server has no graph store (createApp was given none)');
    return graphs;
  };
  const tenant = (res: Response) => res.locals.tenant as string;
  const id = (req: Request) => String(req.params.graphId);
  const ok = (res: Response, code = 'Ok') => {
    res.locals.code = code;
  };
  /** Whether reading this graph (its history, above all) would hold the event loop: then the stored-graph worker reads it. */
  const big = async (req: Request, res: Response): Promise<boolean> => {
    const from = offload?.storedFrom;
    if (!from) return false;
    const size = await service().size(tenant(res), id(req));
    return size.edges >= from.edges || size.observations >= from.observations;
  };
  /** The stored-graph worker's answer, sent as the bytes it serialized. */
  const fromWorker = async (kind: StoredTask['kind'], req: Request, res: Response): Promise<SolveOutcome & { kind: 'answer' }> => {
    const outcome = await offload!.solveStored(kind, tenant(res), id(req), req.body, context(req, res));
    if (outcome.kind === 'problem') throw problemError(outcome);
    ok(res, outcome.code);
    return outcome;
  };
  /** A write whose big body a stored-graph worker parses, checks and stores: the service's result, or its problem. */
  const writtenThere = async <T>(kind: StoredWriteTask['kind'], req: Request, res: Response, expected?: Expected): Promise<T> => {
    const outcome = await offload!.writeStored({ kind, tenant: tenant(res), id: id(req), body: res.locals.rawBody as Uint8Array, expected });
    // Whatever the outcome, the graph may have changed there (a refused write may follow a stored one).
    service().writtenElsewhere(tenant(res), id(req));
    if (outcome.kind === 'problem') throw problemError(outcome);
    return outcome.value as T;
  };
  const sendBytes = (res: Response, bytes: Uint8Array) => res.type('application/json').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  /** A query by id: in the stored-graph worker when the graph is big enough to hold the event loop, else here. */
  const query = (kind: 'route' | 'maxflow'): RequestHandler => async (req: Request, res: Response) => {
    if (await big(req, res)) {
      const outcome = await fromWorker(kind, req, res);
      res.locals.solver = outcome.solver?.used;
      sendBytes(res, outcome.bytes);
      return;
    }
    const solveContext = context(req, res);
    await turns?.next();
    const answer = await (kind === 'route' ? service().route(tenant(res), id(req), req.body, solveContext) : service().maxflow(tenant(res), id(req), req.body, solveContext));
    ok(res, answer.code);
    res.locals.solver = answer.solver.used;
    res.json(answer);
  };
  return {
    'get /graphs': [guard, async (_req, res) => {
      const graphs = await service().list(tenant(res));
      ok(res);
      res.json({ code: 'Ok', graphs });
    }],
    'put /graphs/{graphId}': [guard, ...writeBody, async (req: Request, res: Response) => {
      const precondition = expected(req);
      type Registered = Awaited<ReturnType<StoredGraphs['register']>>;
      const { view, created } = res.locals.rawBody ? await writtenThere<Registered>('register', req, res, precondition) : await service().register(tenant(res), id(req), req.body, precondition);
      ok(res);
      res.status(created ? 201 : 200).setHeader('ETag', etag(view.version));
      if (created) res.setHeader('Location', `/graphs/${view.graphId}`);
      res.json(view);
    }],
    'get /graphs/{graphId}': [guard, async (req: Request, res: Response) => {
      const view = await service().describe(tenant(res), id(req));
      ok(res);
      // The ETag is the version that If-Match names, but this answer also carries the epoch and the
      // observation counts, which move without it: never a 304 (res.json would send one on If-None-Match).
      res.setHeader('ETag', etag(view.version)).setHeader('Cache-Control', 'no-cache').type('application/json').end(JSON.stringify(view));
    }],
    'get /graphs/{graphId}/edges': [guard, async (req: Request, res: Response) => {
      // No ETag: the version does not change when observations or a fitted model arrive, and this answer does.
      res.setHeader('Cache-Control', 'no-cache');
      if (await big(req, res)) return void sendBytes(res, (await fromWorker('edges', req, res)).bytes);
      const edges = await service().edges(tenant(res), id(req));
      ok(res);
      res.json(edges);
    }],
    'delete /graphs/{graphId}': [guard, async (req: Request, res: Response) => {
      await service().remove(tenant(res), id(req), expected(req));
      ok(res);
      res.status(204).end();
    }],
    'post /graphs/{graphId}/observations': [guard, ...writeBody, async (req: Request, res: Response) => {
      type Ingested = Awaited<ReturnType<StoredGraphs['ingest']>>;
      const answer = res.locals.rawBody ? await writtenThere<Ingested>('ingest', req, res) : await service().ingest(tenant(res), id(req), req.body);
      ok(res);
      res.json(answer);
    }],
    'post /graphs/{graphId}/route': [guard, ...body, query('route')],
    'post /graphs/{graphId}/fit': [guard, ...body, async (req: Request, res: Response) => {
      // A big graph's history is read (and copied into the fit's columns) in the stored-graph worker.
      const read = (await big(req, res)) ? (tenant: string, id: string, kind: ObservationKind, options: FitOptions) => offload!.readFitStored({ tenant, id, kind, options }) : undefined;
      const job = await service().fit(tenant(res), id(req), req.body, read);
      ok(res);
      res.status(202).setHeader('Location', `/graphs/${id(req)}/fit/${job.id}`);
      res.json({ code: 'Ok', job });
    }],
    'get /graphs/{graphId}/fit/{jobId}': [guard, async (req: Request, res: Response) => {
      const job = await service().fitJob(tenant(res), id(req), String(req.params.jobId));
      ok(res);
      res.json({ code: 'Ok', job });
    }],
    'get /graphs/{graphId}/model': [guard, async (req: Request, res: Response) => {
      const kind = typeof req.query.kind === 'string' ? req.query.kind : undefined;
      const card = await service().model(tenant(res), id(req), kind);
      ok(res);
      res.json(card);
    }],
    'post /graphs/{graphId}/maxflow': [guard, ...body, query('maxflow')],
  };
}
