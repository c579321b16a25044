import type { IncomingMessage } from 'node:http';
import { GraphQLError, type DocumentNode, type ExecutionArgs } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { ERROR_CODES, toGraphQLError } from '../platform/error-codes.js';
import { DomainError } from '../platform/errors.js';
import { REQUEST_ID_HEADER, requestIdOf } from '../platform/http/request-id.js';
import type { Identity } from '../platform/identity.js';
import type { Caller, GatewayPlugin, GatewayServer, OperationRequest } from './plugin.js';
import type { FederatedSubscriptions } from './subscriptions/federated-subscriptions.js';
import { unresolvedOperation } from './operation-resolution.js';
import { operationOf } from './subscriptions/federated-subscriptions.js';
import { CheckedDocuments } from './subscriptions/checked-documents.js';
import { socketSubscriber } from './subscriptions/socket-subscriber.js';

/** Closes a subscriber that fell too far behind (RFC 6455 1013: try again later). */
export const SLOW_CONSUMER_CLOSE = 1013;

interface SocketContext {
  identity: Omit<Identity, 'expiresAt'>;
  correlationId: string;
  socket: WebSocket;
  /** The graphql-ws id of the subscription, for the frames written to the socket directly. */
  id: string;
}

/** graphql-js appends "Did you mean …?" naming schema members; outside development that stays hidden. */
const withoutSuggestions = (message: string) => message.replace(/ ?Did you mean .*\?$/, '');

export interface SubscriptionsOptions {
  /** Runs the subscriptions (federated over the subgraphs' graphql-ws servers). */
  subscriptions: FederatedSubscriptions;
  /** NODE_ENV=development: validation errors keep graphql-js's "did you mean" hints. @default false */
  exposeErrorDetails?: boolean;
}

/**
 * graphql-ws (subprotocol graphql-transport-ws) on the gateway's /graphql, beside HTTP, under the
 * same plugins: `onConnect` authenticates from connection_init's payload with the plugin that
 * identifies HTTP callers (connection params play the role of headers) and tells every plugin's
 * onConnect; every subscribe authenticates again (a key revoked since the connection opened starts
 * nothing), then runs every plugin's onOperation (persisted ids and persistedOnly, rate limit,
 * depth/alias/token/cost rules), validates against the API schema and runs onResolvedOperation
 * (variables, scalars); execution is federated (see FederatedSubscriptions).
 */
export const useSubscriptions = (options: SubscriptionsOptions): GatewayPlugin => {
  let close: () => Promise<void> = async () => undefined;
  return {
    name: 'subscriptions',
    onServerStart: (server) => {
      close = serve(options, server);
    },
    close: () => close(),
  };
};

/** The graphql-ws server on the gateway's HTTP server; returns how to close it. */
const serve = (options: SubscriptionsOptions, { http, hooks }: GatewayServer): (() => Promise<void>) => {
  const wss = new WebSocketServer({ server: http, path: '/graphql', perMessageDeflate: false /* socket-subscriber frames messages itself */ });
  const connections = new WeakMap<object, { params: Record<string, string | undefined>; requestId: string }>();
  const schema = options.subscriptions.apiSchema;
  const checked = new CheckedDocuments(schema);
  const identify = (params: Record<string, string | undefined>) => hooks.identify({ get: (name) => params[name] });
  const disposable = useServer<Record<string, unknown> | undefined, { socket: WebSocket; request: IncomingMessage }>(
    {
      schema,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        if (typeof params !== 'object' || Array.isArray(params) || Object.values(params).some((v) => v !== undefined && typeof v !== 'string')) {
          ctx.extra.socket.close(CloseCode.BadRequest, 'connection_init payload must be an object of strings');
          return false;
        }
        const connection = { params: params as Record<string, string | undefined>, requestId: requestIdOf(ctx.extra.request) };
        try {
          const caller = await identify({ ...connection.params, [REQUEST_ID_HEADER]: connection.requestId });
          connections.set(ctx, connection);
          hooks.connected({ caller, socket: ctx.extra.socket });
          return true;
        } catch (error) {
          const close = error instanceof DomainError ? ERROR_CODES[error.code].close : undefined;
          // Refused credentials: returning false is graphql-ws's own 4403 Forbidden (UNAUTHENTICATED's close code).
          if (close !== undefined && close !== ERROR_CODES.UNAUTHENTICATED.close) ctx.extra.socket.close(close, (error as Error).message);
          return false;
        }
      },
      onSubscribe: async (ctx, id, payload) => {
        const connection = connections.get(ctx)!;
        // One id per subscription, derived from the connection's: logs and events can tell them apart.
        const requestId = `${connection.requestId}:${id}`.slice(0, 128);
        let decision;
        let caller: Caller;
        const started = process.hrtime.bigint();
        try {
          caller = await identify({ ...connection.params, [REQUEST_ID_HEADER]: requestId });
          decision = hooks.operation(caller, payload as OperationRequest, 'ws');
        } catch (error) {
          if (error instanceof DomainError) hooks.refused({ error, request: payload as OperationRequest, transport: 'ws', started });
          return [toGraphQLError(error)];
        }
        let document: DocumentNode;
        try {
          document = decision.document ?? checked.parse(decision.query ?? '');
        } catch (error) {
          // The same code Apollo Server gives a syntax error over HTTP, so clients handle both alike.
          const syntax = error as GraphQLError;
          return [new GraphQLError(syntax.message, { nodes: syntax.nodes, source: syntax.source, positions: syntax.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const errors = checked.validate(document);
        if (errors.length > 0) {
          return errors.map((e) => new GraphQLError(options.exposeErrorDetails ? e.message : withoutSuggestions(e.message), { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
        }
        const operationName = decision.operationName ?? undefined;
        const operation = operationOf(document, operationName);
        if (!operation) return [unresolvedOperation(operationName)];
        if (operation.operation !== 'subscription') {
          return [new GraphQLError('only subscriptions are served over WebSocket; send queries and mutations over HTTP', { extensions: { code: 'BAD_USER_INPUT' } })];
        }
        const invalid = hooks.resolved({ schema, document, operation, variables: payload.variables });
        if (invalid) return [invalid];
        const context: SocketContext = { identity: caller, correlationId: requestId, socket: ctx.extra.socket, id };
        return {
          schema,
          document,
          operationName,
          variableValues: payload.variables ?? {},
          contextValue: context,
        } satisfies ExecutionArgs;
      },
      subscribe: (args) => {
        const context = args.contextValue as SocketContext;
        const subscriber = socketSubscriber(context.socket, context.id, options.subscriptions.bufferLimit, () =>
          context.socket.close(SLOW_CONSUMER_CLOSE, 'subscriber too slow: too many undelivered events'),
        );
        try {
          const leave = options.subscriptions.subscribe(
            args.document,
            args.operationName ?? undefined,
            (args.variableValues ?? {}) as Record<string, unknown>,
            { identity: context.identity, correlationId: context.correlationId },
            subscriber.member,
          );
          subscriber.joined(leave);
          return subscriber.iterator;
        } catch (error) {
          return { errors: [error instanceof GraphQLError ? error : new GraphQLError((error as Error).message, { extensions: { code: 'BAD_USER_INPUT' } })] };
        }
      },
    },
    wss,
  );
  return async () => {
    await disposable.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
};
