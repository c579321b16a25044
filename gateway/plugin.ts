import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { WebSocket } from 'ws';
import { ERROR_CODES } from '../platform/error-codes.js';
import { DomainError, type ErrorCode } from '../platform/errors.js';
import type { Route } from '../platform/http/http-server.js';
import type { Identity } from '../platform/identity.js';
import type { SubgraphFetch } from './subgraph-transport.js';
import type { ManifestOperation } from './use-persisted-queries.js';

/**
 * Why a contract of our own rather than Apollo Server plugins: most of the gateway's policy runs
 * where Apollo Server is not. Identity, rate limits, persisted-only keys and operation limits refuse
 * an HTTP request before Apollo Server parses it (with the status of platform/error-codes.ts), the
 * graphql-ws server has its own lifecycle (connection_init, subscribe, close) that Apollo never
 * sees, and CORS, the web pages and /metrics are plain HTTP. So a gateway concern is one
 * `GatewayPlugin`: hooks for HTTP, for every operation whatever its transport, for the WebSocket
 * server, plus an `apollo` slot for what only Apollo's request lifecycle can do (timing executed
 * operations, the landing page). The same `onOperation` and `onResolvedOperation` hooks run for
 * HTTP and WebSocket, which is what keeps the policy identical on both.
 */

/** Who is calling: the identity forwarded to subgraphs, plus what the gateway itself enforces. */
export type Caller = Omit<Identity, 'expiresAt'> & {
  /** An API key that may only run persisted (manifest) operations. */
  persistedOnly: boolean;
  /** Rate-limit bucket: one per user or API key. */
  rateKey: string;
  /** The persisted-query manifests an API key may run operations from; null: any. */
  manifests: string[] | null;
};

export interface GatewayContext extends BaseContext {
  identity: Omit<Identity, 'expiresAt'>;
  correlationId: string;
  consistentWith: string | null;
}

export type Headers = { get(name: string): string | undefined | null };

/** A GraphQL request as the client sent it (POST body, GET parameters, or a graphql-ws subscribe payload). */
export type OperationRequest = { query?: string; variables?: Record<string, unknown>; operationName?: string | null; extensions?: Record<string, any> };

/** How the operation arrived: a GET may not run a mutation, and WebSocket has no APQ cache. */
export type Transport = 'http-post' | 'http-get' | 'ws';

/** One operation on its way in: what the client sent, and what plugins settled about what runs. */
export interface Operation {
  readonly caller: Caller;
  readonly transport: Transport;
  readonly request: OperationRequest;
  /** The text to run: the caller's, or a manifest operation's for a persisted id. */
  query?: string;
  operationName?: string;
  /** The manifest operation asked for by id. */
  manifest?: ManifestOperation;
  /** The caller's text, parsed, when it parsed and kept to the limits. */
  document?: DocumentNode;
  /** The caller's text does not parse (reported by whoever executes, like any syntax error). */
  syntaxError?: GraphQLError;
}

/** An operation once validated against the API schema and picked from its document. */
export interface ResolvedOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown> | null | undefined;
}

/** An operation refused before it ran (by `identify` or `onOperation`). */
export interface Refusal {
  error: DomainError;
  request: OperationRequest;
  transport: Transport;
  /** process.hrtime.bigint() when the request arrived. */
  started: bigint;
}


/** What a plugin may see of the running gateway once its HTTP server listens. */
export interface GatewayServer {
  http: Server;
  hooks: PluginHooks;
}

export interface GatewayPlugin {
  /** Names the plugin in logs and errors. */
  name: string;
  /** Plain HTTP routes served beside /graphql (exact paths). */
  routes?: Record<string, Route>;
  /** Every HTTP request to /graphql, first; returns true when it answered the request itself. */
  onHttpRequest?(req: IncomingMessage, res: ServerResponse): boolean;
  /** Establishes the caller from headers (HTTP) or connection_init's payload (WebSocket). Exactly one plugin has it. */
  identify?(headers: Headers): Promise<Caller>;
  /** Every operation, HTTP or WebSocket, before it runs, in plugin order: refuses by throwing a DomainError, or settles what runs. */
  onOperation?(operation: Operation): void;
  /** Every operation once resolved against the API schema, HTTP or WebSocket: an error refuses it (HTTP 400 / a subscription error). */
  onResolvedOperation?(resolved: ResolvedOperation): GraphQLError | null;
  /** An operation was refused before it ran. */
  onRefused?(refusal: Refusal): void;
  /** A WebSocket connection was accepted for this caller; the function returned, if any, runs when it closes. */
  onConnect?(connection: { caller: Caller; socket: WebSocket }): void | (() => void);
  /** Wraps the HTTP fetches to one subgraph. */
  wrapFetcher?(subgraph: string, fetch: SubgraphFetch): SubgraphFetch;
  /** Apollo Server's own lifecycle (operations over HTTP). */
  apollo?: ApolloServerPlugin<GatewayContext>;
  /** The gateway's HTTP server is listening. */
  onServerStart?(server: GatewayServer): void;
  /** The gateway is stopping (in plugin order, after /ready turned 503). */
  close?(): Promise<void> | void;
}

/** Every plugin's hooks, run in plugin order: what the HTTP handler, Apollo Server and the WebSocket server call. */
export interface PluginHooks {
  routes(): Record<string, Route>;
  onHttpRequest(req: IncomingMessage, res: ServerResponse): boolean;
  identify(headers: Headers): Promise<Caller>;
  /** Runs every onOperation hook; the result says what to run. */
  operation(caller: Caller, request: OperationRequest, transport: Transport): Operation;
  resolved(resolved: ResolvedOperation): GraphQLError | null;
  refused(refusal: Refusal): void;
  connected(connection: { caller: Caller; socket: WebSocket }): void;
  wrapFetcher(subgraph: string, fetch: SubgraphFetch): SubgraphFetch;
  /** Apollo Server's plugins: each plugin's own, then onResolvedOperation for HTTP operations. */
  apolloPlugins(): ApolloServerPlugin<GatewayContext>[];
  started(http: Server): void;
  close(): Promise<void>;
}

/** Statuses and codes come from the one table, also for errors built as GraphQLErrors. */
const statusOfCode = (code: unknown): number => ERROR_CODES[code as ErrorCode]?.status ?? 400;

export const pluginHooks = (plugins: readonly GatewayPlugin[]): PluginHooks => {
  const identifiers = plugins.filter((plugin) => plugin.identify);
  if (identifiers.length !== 1) throw new Error(`exactly one gateway plugin must identify callers, got ${identifiers.map((p) => p.name).join(', ') || 'none'}`);
  const identifier = identifiers[0]!;
  const hooks: PluginHooks = {
    routes: (): Record<string, Route> => Object.assign({}, ...plugins.map((plugin) => plugin.routes ?? {})),
    onHttpRequest: (req: IncomingMessage, res: ServerResponse): boolean => plugins.some((plugin) => plugin.onHttpRequest?.(req, res) ?? false),
    identify: (headers: Headers): Promise<Caller> => identifier.identify!(headers),
    operation(caller: Caller, request: OperationRequest, transport: Transport): Operation {
      const operation: Operation = { caller, transport, request, query: request.query || undefined, operationName: request.operationName ?? undefined };
      for (const plugin of plugins) plugin.onOperation?.(operation);
      return operation;
    },
    resolved(resolved: ResolvedOperation): GraphQLError | null {
      for (const plugin of plugins) {
        const error = plugin.onResolvedOperation?.(resolved);
        if (error) return error;
      }
      return null;
    },
    refused: (refusal: Refusal): void => plugins.forEach((plugin) => plugin.onRefused?.(refusal)),
    connected(connection: { caller: Caller; socket: WebSocket }): void {
      for (const plugin of plugins) {
        const closed = plugin.onConnect?.(connection);
        if (closed) connection.socket.once('close', closed);
      }
    },
    wrapFetcher: (subgraph: string, fetch: SubgraphFetch): SubgraphFetch => plugins.reduce((wrapped, plugin) => plugin.wrapFetcher?.(subgraph, wrapped) ?? wrapped, fetch),
    apolloPlugins(): ApolloServerPlugin<GatewayContext>[] {
      const resolved = (operation: ResolvedOperation) => hooks.resolved(operation);
      return [
        ...plugins.flatMap((plugin) => (plugin.apollo ? [plugin.apollo] : [])),
        {
          async requestDidStart() {
            return {
              async didResolveOperation({ schema, document, operation, request }) {
                if (!operation) return;
                const error = resolved({ schema, document, operation, variables: request.variables });
                if (error) throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: statusOfCode(error.extensions.code) } } });
              },
            };
          },
        },
      ];
    },
    started: (http: Server): void => plugins.forEach((plugin) => plugin.onServerStart?.({ http, hooks })),
    async close(): Promise<void> {
      for (const plugin of plugins) await plugin.close?.();
    },
  };
  return hooks;
};
