import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { envName, resolveConfig, type Config, type Limits, type Tolerances } from '../config';
import { NarsolveError, type Problem } from '../errors';
import { RequestCancelled, type SolveContext } from '../services/context';
import { warmUp } from '../services/validation';
import { learnedDisabled, SOLVER_NAMES, type LearnedSolvers } from '../solvers/learned';
import { BodyBudget, parseJsonBody } from './body';
import { Turns } from './turns';
import { createMetrics, type AppMetrics } from './metrics';
import { problemError, SOLVES, type Offload, type SolvePath } from './offload';
import { buildOpenApi } from './openapi';
import { explorerHandlers } from './explorer';
import { authenticate, graphHandlers, type ApiKey } from './graphs';
import { allowedMethods, ENDPOINTS, expressPath, type EndpointKey, type EndpointPath } from './routes';
import type { StoredGraphs } from '../services/storedGraphs';
import { version } from '../version';

/** What an embedder may inject; everything has a default. */
export interface AppOptions {
  limits?: Partial<Limits>;
  tolerances?: Partial<Tolerances>;
  /** Learned-solver readiness, from loadLearnedSolvers(); defaults to disabled. */
  learned?: LearnedSolvers;
  /** A pino logger; defaults to JSON lines on stdout at level info. */
  logger?: Logger;
  /** Whether /metrics includes process-level default metrics (default true). */
  defaultMetrics?: boolean;
  /** Solve workers for big requests, from createOffload(); without it every request is solved on the event loop. */
  offload?: Offload;
  /** Stored graphs, from createStoredGraphs(store, config); without it the /graphs endpoints answer 404. */
  graphs?: StoredGraphs;
  /** API keys for /graphs; without any, one open tenant serves every caller. */
  apiKeys?: readonly ApiKey[];
}

/**
 * createApp: the narsolve express app, not listening, so tests and other services can mount it.
 * Its endpoints are the table in routes.ts: logging and metrics → bodies → handlers → problems.
 */
export function createApp(options: AppOptions = {}): express.Express {
  const config: Config = resolveConfig(options);
  const learned = options.learned ?? learnedDisabled();
  const logger = options.logger ?? pino({ name: 'narsolve' });
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true, learned });
  // Compile the request schemas now so the first request does not pay for it.
  warmUp('route-request.json');
  warmUp('maxflow-request.json');

  const app = express();
  app.disable('x-powered-by');
  // Answers can be tens of megabytes; hashing them for an ETag costs more than it saves.
  app.set('etag', false);
  // One spelling per resource: /ROUTE and /route/ are 404s, not aliases of /route.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.use(requestLog(logger), requestMetrics(metrics));
  const budget = new BodyBudget(config.limits);
  const body = [requireJson, jsonBody(budget, options.offload)];
  // Solves on the event loop take turns with the I/O that is ready, probes included.
  const turns = new Turns();
  const solve = solveHandler({ config, learned }, metrics, options.offload, turns);
  const explorer = explorerHandlers();
  const handlers: Record<EndpointKey, RequestHandler[]> = {
    'post /route': [...body, solve('/route')],
    'post /maxflow': [...body, solve('/maxflow')],
    ...graphHandlers(options.graphs, authenticate(options.apiKeys), {
      body: [requireJson, jsonBody(budget, undefined)],
      // A big registration or batch is left unparsed for a stored-graph worker, where there is one.
      writeBody: [requireJson, jsonBody(budget, options.offload?.storedFrom ? options.offload : undefined)],
    }, (_req, res) => requestContext({ config, learned }, res), options.offload, turns),
    ...probeHandlers(config, learned, metrics, options.graphs),
    'get /explorer': explorer.page,
    'get /explorer/{asset}': explorer.asset,
  };
  for (const endpoint of ENDPOINTS) app[endpoint.method](expressPath(endpoint.path), ...handlers[`${endpoint.method} ${endpoint.path}` as EndpointKey]);
  app.use(unmatched);
  app.use(problemHandler(logger));
  return app;
}

/** One JSON log line per request, with its id (the client's X-Request-Id when sane), answer code and solver. */
function requestLog(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customProps: (_req, res) => ({ code: res.locals?.code, solver: res.locals?.solver }),
    // Request bodies can be hundreds of megabytes: log their shape, never their content.
    serializers: {
      req: (req) => ({ id: req.id, method: req.method, url: req.url, length: req.headers?.['content-length'] }),
      res: (res) => ({ statusCode: res.statusCode }),
    },
  });
}

/** Counts and times every request by route and answer code; marks its arrival for the deadline. */
function requestMetrics(metrics: AppMetrics): RequestHandler {
  return (req, res, next) => {
    res.locals.receivedAt = performance.now();
    const stop = metrics.duration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ?? (res.statusCode === 404 ? 'unmatched' : req.path);
      stop({ route });
      metrics.requests.inc({ route, method: req.method, code: res.locals.code ?? String(res.statusCode) });
    });
    next();
  };
}

function requireJson(req: Request, _res: Response, next: NextFunction): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (!req.is(['application/json', 'application/*+json'])) {
    next(new NarsolveError('UnsupportedMediaType', `send the body as application/json (got ${req.headers['content-type'] ?? 'no Content-Type'})`));
  } else if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    // JSON between systems is UTF-8 (RFC 8259); decoding anything else silently invites surprises.
    next(new NarsolveError('UnsupportedMediaType', `send JSON as UTF-8 (got charset=${charset})`));
  } else next();
}

/** Reads the body as bytes (decompressed, within the budget's limits) and parses it; big ones are left unparsed for a solve worker. */
function jsonBody(budget: BodyBudget, offload: Offload | undefined): RequestHandler {
  return async (req, res, next) => {
    try {
      // The body's bytes count against the budget until its answer is sent (or the client leaves).
      const bytes = await budget.read(req, (release) => res.once('close', release));
      if (offload && bytes.length >= offload.thresholdBytes) {
        res.locals.rawBody = bytes;
        req.body = undefined;
        return next();
      }
      req.body = parseJsonBody(bytes);
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** The handler of a solve endpoint: the service on this thread, or a solve worker for an unparsed big body. */
function solveHandler(context: SolveContext, metrics: AppMetrics, offload: Offload | undefined, turns: Turns) {
  const answered = (route: string, res: Response, code: string, used: string, algorithm: string): void => {
    res.locals.code = code;
    res.locals.solver = used;
    metrics.solverUsed.inc({ route, solver: used, algorithm });
  };
  return (route: SolvePath) => async (req: Request, res: Response): Promise<void> => {
    const solveContext = requestContext(context, res);
    if (res.locals.rawBody) {
      const outcome = await offload!.solve(route, res.locals.rawBody, solveContext);
      if (outcome.kind === 'problem') throw problemError(outcome);
      answered(route, res, outcome.code, outcome.solver!.used, outcome.solver!.algorithm);
      res.type('application/json').send(Buffer.from(outcome.bytes.buffer, outcome.bytes.byteOffset, outcome.bytes.byteLength));
      return;
    }
    await turns.next();
    const response = await SOLVES[route](req.body, solveContext);
    answered(route, res, response.code, response.solver.used, response.solver.algorithm);
    res.json(response);
  };
}

/** A request's solve context: the deadline counts from arrival, and a client that leaves cancels the learned work it queued. */
function requestContext(context: SolveContext, res: Response): SolveContext {
  const cancel = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) cancel.abort(new RequestCancelled());
  });
  return { ...context, signal: cancel.signal, receivedAt: res.locals.receivedAt as number };
}

/** Liveness, readiness (which solvers can answer, the limits and their variables), OpenAPI and metrics. */
function probeHandlers(config: Config, learned: LearnedSolvers, metrics: AppMetrics, graphs: StoredGraphs | undefined): Record<`get ${Exclude<EndpointPath, SolvePath | `/graphs${string}` | `/explorer${string}`>}`, RequestHandler[]> {
  const openapi = buildOpenApi(version);
  const ok = (res: Response, code = 'Ok'): void => {
    res.locals.code = code;
  };
  return {
    'get /healthz': [
      (_req, res) => {
        ok(res);
        res.json({ code: 'Ok', status: 'up', version });
      },
    ],
    'get /readyz': [
      (_req, res) => {
        // A shared store that cannot be reached makes the replica not ready: a load balancer sends stored-graph traffic elsewhere.
        const store = graphs?.health();
        if (store && !store.ready) {
          ok(res, 'StoreUnavailable');
          const problem = new NarsolveError('StoreUnavailable', `not ready: the graph store cannot be reached (${store.reason ?? 'unknown'}); /route and /maxflow with a whole body still answer`, { extensions: { status: 'not ready', store } }).toProblem();
          res.status(503).setHeader('Retry-After', '1').type('application/problem+json').send(JSON.stringify(problem));
          return;
        }
        ok(res);
        res.json({
          code: 'Ok',
          status: 'ready',
          ...(store && { store }),
          solvers: {
            classical: { route: { ready: true }, maxflow: { ready: true } },
            learned: Object.fromEntries(SOLVER_NAMES.map((name) => [name, learned[name].readiness])),
          },
          limits: Object.fromEntries(Object.entries(config.limits).map(([k, v]) => [k, { value: v, env: envName(k as keyof Limits) }])),
        });
      },
    ],
    'get /openapi.json': [
      (_req, res) => {
        ok(res);
        res.json(openapi);
      },
    ],
    'get /metrics': [
      async (_req, res) => {
        ok(res);
        res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      },
    ],
  };
}

/** 405 with Allow on a known path, else 404. */
function unmatched(req: Request, res: Response, next: NextFunction): void {
  const allow = allowedMethods(req.path);
  if (allow) {
    res.setHeader('Allow', allow);
    next(new NarsolveError('MethodNotAllowed', `${req.method} is not allowed on ${req.path}; use ${allow}`));
  } else next(new NarsolveError('NotFound', `no resource at ${req.path}; see /openapi.json`));
}

/** Every error as problem+json with the request's id; a client that left gets nothing (nobody is listening). */
function problemHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (error instanceof RequestCancelled) {
      req.log?.info('the client closed the connection; its queued learned work was dropped');
      return;
    }
    // A problem that says when to come back (Overloaded) says it in the standard header too.
    if (error instanceof NarsolveError && typeof error.extensions.retryAfterSeconds === 'number') res.setHeader('Retry-After', String(error.extensions.retryAfterSeconds));
    const problem = toProblem(error, req, logger);
    res.locals.code = problem.code;
    res.status(problem.status).type('application/problem+json').send(JSON.stringify({ ...problem, instance: req.originalUrl, requestId: req.id }));
  };
}

/** Maps anything thrown while answering to a problem; unknown errors are logged in full and answered as Internal. */
function toProblem(error: unknown, req: Request, logger: Logger): Problem {
  if (error instanceof NarsolveError) {
    if (error.code === 'Internal') req.log?.error({ err: error }, 'internal error');
    return error.toProblem();
  }
  (req.log ?? logger).error({ err: error }, 'unexpected error');
  return new NarsolveError('Internal', 'an unexpected error occurred; the request id in this answer finds it in the logs').toProblem();
}
