import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from './graphql-handler.js';

export type Route = (req: IncomingMessage, res: ServerResponse, search: string) => Promise<void> | void;

export interface RunningServer {
  server: http.Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** A node:http server with exact-path routes; errors never leak past a 500 with a code. */
export const startHttpServer = async (options: { port: number; host?: string; routes: Record<string, Route>; name: string }): Promise<RunningServer> => {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = options.routes[url.pathname];
    if (!route) return sendJson(res, 404, { error: 'not found' });
    Promise.resolve(route(req, res, url.search)).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.end();
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
