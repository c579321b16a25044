import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from '../logger.js';
import { sendJson } from './graphql-handler.js';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id.js';

export type Route = (req: IncomingMessage, res: ServerResponse, search: string) => Promise<void> | void;

export interface RunningServer {
  server: http.Server;
  port: number;
  url: string;
  /**
   * First step of a graceful stop: /ready answers 503 so load balancers and Kubernetes stop
   * sending, while everything else is still served for `drainDelayMs`. Idempotent.
   */
  drain(): Promise<void>;
  /** Drains, stops accepting connections, lets in-flight requests finish, and cuts what is left at `shutdownTimeoutMs`. */
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

export interface ShutdownSettings {
  /**
   * How long /ready says 503 before the listener closes (SHUTDOWN_DELAY_MS; set ~5000 behind a load balancer).
   * @default 0
   */
  drainDelayMs: number;
  /**
   * How long in-flight requests may take to finish once the listener is closed (SHUTDOWN_TIMEOUT_MS).
   * @default 10000
   */
  shutdownTimeoutMs: number;
}

export const DEFAULT_SHUTDOWN: ShutdownSettings = { drainDelayMs: 0, shutdownTimeoutMs: 10_000 };

/** Which setting moves a role's port, for the message when the port is taken. */
const portSetting = (name: string) => (name === 'gateway' ? 'PORT' : `${name.toUpperCase()}_PORT`);

/** Why a listener could not open, in words an operator can act on. */
export const listenError = (name: string, host: string, port: number, error: NodeJS.ErrnoException, setting = portSetting(name)): Error => {
  const where = `${name} cannot listen on ${host}:${port}`;
  if (error.code === 'EADDRINUSE') return new Error(`${where}: port ${port} is already in use. Stop what listens there (\`ss -ltnp 'sport = :${port}'\` shows it) or set ${setting} to a free port.`);
  if (error.code === 'EACCES') return new Error(`${where}: ports below 1024 need privileges. Set ${setting} to a port above 1024.`);
  return new Error(`${where}: ${error.message}`);
};

/**
 * A node:http server with exact-path routes; errors never leak past a 500 with a code. Every request
 * gets an id (the caller's `x-request-id` or a new one), returned in the response and carried by
 * every log line written while serving it.
 */
export const startHttpServer = async (
  options: {
    port: number;
    host?: string;
    routes: Record<string, Route>;
    name: string;
    /** The setting that moves this port, named when it is taken. @default PORT for the gateway, else <NAME>_PORT */
    portSetting?: string;
    logger?: Logger;
  } & Partial<ShutdownSettings>,
): Promise<RunningServer> => {
  const settings: ShutdownSettings = { drainDelayMs: options.drainDelayMs ?? DEFAULT_SHUTDOWN.drainDelayMs, shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN.shutdownTimeoutMs };
  let draining = false;
  let closing = false;
  const server = http.createServer((req, res) => {
    const requestId = requestIdOf(req);
    // Downstream code reads the id from the request like any header.
    req.headers[REQUEST_ID_HEADER] = requestId;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    for (const [name, value] of Object.entries(HARDENING_HEADERS)) res.setHeader(name, value);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (draining) {
      // The client's next request should open a new connection, to an instance that stays.
      res.setHeader('connection', 'close');
      if (url.pathname === '/ready') return sendJson(res, 503, { status: 'shutting down', service: options.name });
    }
    // A response finished while closing leaves an idle keep-alive connection that server.close waits for.
    res.once('close', () => closing && setImmediate(() => server.closeIdleConnections()));
    const route = options.routes[url.pathname];
    if (!route) return sendJson(res, 404, { error: 'not found' });
    if (options.logger?.isLevelEnabled('debug')) {
      const started = process.hrtime.bigint();
      res.once('finish', () => options.logger?.debug({ requestId, method: req.method, path: url.pathname, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request'));
    }
    Promise.resolve(route(req, res, url.search)).catch((error: unknown) => {
      options.logger?.error({ err: error, requestId }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.end();
    });
  });
  // Upgraded sockets (WebSocket) leave node:http's connection list; the hard timeout must still reach them.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Longer than typical proxy/agent idle timeouts, so pooled keep-alive sockets are not cut mid-request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError(options.name, host, options.port, error, options.portSetting)));
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let drained: Promise<void> | null = null;
  let closed: Promise<void> | null = null;
  const drain = () =>
    (drained ??= new Promise<void>((resolve) => {
      draining = true;
      if (settings.drainDelayMs === 0) resolve();
      else setTimeout(resolve, settings.drainDelayMs).unref();
    }));
  return {
    server,
    port,
    url: `http://localhost:${port}`,
    drain,
    close: () =>
      (closed ??= drain().then(
        () =>
          new Promise<void>((resolve) => {
            closing = true;
            const hardStop = setTimeout(() => {
              server.closeAllConnections();
              for (const socket of sockets) socket.destroy();
            }, settings.shutdownTimeoutMs);
            hardStop.unref();
            server.close(() => {
              clearTimeout(hardStop);
              resolve();
            });
            // Keep-alive connections with no request in flight go now; busy ones after their response.
            server.closeIdleConnections();
          }),
      )),
  };
};
