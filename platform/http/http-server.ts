import { AsyncResource } from 'node:async_hooks';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withRequestId, type Logger } from '../logger.js';
import { sendJson } from './graphql-handler.js';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.js';

export type Route = (req: IncomingMessage, res: ServerResponse, search: string) => Promise<void> | void;

export interface RunningServer {
  server: http.Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Sent with every response: API answers are never sniffed as another type, never cached, and a
 * browser following a link from one sends no referrer.
 */
const HARDENING_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

/**
 * A node:http server with exact-path routes; errors never leak past a 500 with a code. Every request
 * gets an id (the caller's `x-request-id` or a new one), returned in the response and carried by
 * every log line written while serving it.
 */
export const startHttpServer = async (options: { port: number; host?: string; routes: Record<string, Route>; name: string; logger?: Logger }): Promise<RunningServer> => {
  const server = http.createServer((req, res) => {
    const requestId = requestIdOf(req);
    // Downstream code reads the id from the request like any header.
    req.headers[REQUEST_ID_HEADER] = requestId;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    for (const [name, value] of Object.entries(HARDENING_HEADERS)) res.setHeader(name, value);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = options.routes[url.pathname];
    if (!route) return sendJson(res, 404, { error: 'not found' });
    withRequestId(requestId, () => {
      const started = process.hrtime.bigint();
      res.once('finish', AsyncResource.bind(() => options.logger?.debug({ method: req.method, path: url.pathname, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request')));
      Promise.resolve(route(req, res, url.search)).catch((error: unknown) => {
        options.logger?.error({ err: error }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
        else res.end();
      });
    });
  });
  // Longer than typical proxy/agent idle timeouts, so pooled keep-alive sockets are not cut mid-request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      }),
  };
};
