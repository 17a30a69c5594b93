/**
 * GET /explorer and its assets: the page bundled at build time (scripts/build-explorer.mjs) into
 * dist/explorer, served from this process only. Its Content-Security-Policy lets the page talk to
 * this server and nothing else, so a drawn graph never leaves it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestHandler } from 'express';
import { NarsolveError } from '../errors';
import { packageRoot } from '../paths';

/** The files the page is made of, and their types; anything else under /explorer/ is a 404. */
const ASSETS: Record<string, string> = {
  'explorer.js': 'text/javascript; charset=utf-8',
  'explorer.js.map': 'application/json; charset=utf-8',
  'explorer.css': 'text/css; charset=utf-8',
  'aarhus-demo.json': 'application/json; charset=utf-8',
};

// The layout worker for big graphs is started from a blob: URL (graphology's FA2 supervisor).
const POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; worker-src blob:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'";

export function explorerHandlers(): { page: RequestHandler[]; asset: RequestHandler[] } {
  const dir = join(packageRoot(), 'dist', 'explorer');
  const missing = () => new NarsolveError('NotFound', 'the explorer is not built in this installation; run npm run build');
  return {
    page: [(_req, res, next) => {
      const file = join(dir, 'index.html');
      if (!existsSync(file)) return next(missing());
      res.locals.code = 'Ok';
      res.setHeader('Content-Security-Policy', POLICY);
      res.setHeader('Cache-Control', 'no-cache');
      res.type('text/html; charset=utf-8').sendFile(file);
    }],
    asset: [(req, res, next) => {
      const name = String(req.params.asset);
      const type = ASSETS[name];
      if (type === undefined) return next(new NarsolveError('NotFound', `no explorer asset ${JSON.stringify(name)}`));
      const file = join(dir, name);
      if (!existsSync(file)) return next(missing());
      res.locals.code = 'Ok';
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.type(type).sendFile(file);
    }],
  };
}
