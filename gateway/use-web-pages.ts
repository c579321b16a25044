import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendJson } from '../platform/http/graphql-handler.js';
import type { Route } from '../platform/http/http-server.js';
import type { Logger } from '../platform/logger.js';
import type { GatewayPlugin } from './plugin.js';

/** Where web/build.ts writes the pages. */
export const WEB_DIST = fileURLToPath(new URL('../web/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * Each page may load only from this gateway (its own files, and /graphql over HTTP and WebSocket),
 * so the browser itself refuses anything that would need the internet. GraphiQL's editor and React
 * set inline styles, and its fonts are inlined as data: URLs.
 */
const POLICY: Record<string, string> = {
  board: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  graphiql: "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

const PAGES = {
  board: ['index.html', 'board.js', 'board.css'],
  graphiql: ['index.html', 'graphiql.js', 'graphiql.css'],
} as const;

export interface WebPagesOptions {
  /** Also serve the GraphiQL explorer at /graphiql (development and test only). @default false */
  explorer?: boolean;
  /** Where the built pages are (`npm run build:web`). @default web/dist */
  dir?: string;
  logger?: Logger;
}

/**
 * Serves the built web pages: the lab board at /board always, the GraphiQL explorer at /graphiql
 * only with `explorer`. Files are read when asked for, so a rebuild shows without a restart; a page
 * that was never built answers 503 saying how to build it. GraphiQL introspects through /graphql
 * like any client (the depth limit does not count introspection).
 */
export const useWebPages = (options: WebPagesOptions = {}): GatewayPlugin => {
  const dir = options.dir ?? WEB_DIST;
  const serve = (page: keyof typeof PAGES, file: string): Route => async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: 'method not allowed' });
    }
    let body: Buffer;
    try {
      body = await readFile(path.join(dir, page, file));
    } catch {
      options.logger?.warn({ page, file }, 'web page not built: run npm run build:web');
      return sendJson(res, 503, { error: `the ${page} page is not built: run npm run build:web` });
    }
    res.setHeader('content-type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    res.setHeader('content-length', body.length);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    // Unhashed file names: always revalidate, so a rebuilt page is never mixed with an old script.
    res.setHeader('cache-control', 'no-cache');
    if (file === 'index.html') res.setHeader('content-security-policy', POLICY[page]!);
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const routes: Record<string, Route> = {};
  for (const page of Object.keys(PAGES) as Array<keyof typeof PAGES>) {
    if (page === 'graphiql' && !options.explorer) continue;
    routes[`/${page}`] = serve(page, 'index.html');
    routes[`/${page}/`] = serve(page, 'index.html');
    for (const file of PAGES[page]) routes[`/${page}/${file}`] = serve(page, file);
  }
  return { name: 'web-pages', routes };
};
