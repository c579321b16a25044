import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, parse, validate, type DocumentNode, type ExecutionArgs } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { DomainError } from '../../platform/errors.js';
import { REQUEST_ID_HEADER, requestIdOf } from '../../platform/http/request-id.js';
import type { Caller } from '../use-identity.js';
import type { PolicyRequest, RequestPolicy } from '../use-request-policy.js';
import type { Identity } from '../../platform/identity.js';
import type { FederatedSubscriptions } from './federated-subscriptions.js';
import { operationOf } from './federated-subscriptions.js';
import { checkOperationInput } from '../use-scalar-validation.js';

/** Closes a subscriber that fell too far behind (RFC 6455 1013: try again later). */
export const SLOW_CONSUMER_CLOSE = 1013;

interface SocketContext {
  identity: Omit<Identity, 'expiresAt'>;
  correlationId: string;
  socket: WebSocket;
}

/** graphql-js appends "Did you mean …?" naming schema members; outside development that stays hidden. */
const withoutSuggestions = (message: string) => message.replace(/ ?Did you mean .*\?$/, '');

const asGraphQLError = (error: unknown): GraphQLError =>
  error instanceof DomainError
    ? new GraphQLError(error.message, { extensions: { ...error.details, code: error.code } })
    : error instanceof GraphQLError
      ? error
      : new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });

/**
 * graphql-ws (subprotocol graphql-transport-ws) on the gateway's /graphql, beside HTTP, under the
 * same request policy: `onConnect` authenticates from connection_init's payload with the HTTP
 * identity rules; every subscribe authenticates again (a key revoked since the connection opened
 * starts nothing), then goes through the policy (persisted ids and persistedOnly, rate limit,
 * depth/alias/token/cost rules) and validates against the API schema; execution is federated
 * (see FederatedSubscriptions).
 */
export const useSubscriptions = (options: {
  server: Server;
  subscriptions: FederatedSubscriptions;
  policy: RequestPolicy;
  /** NODE_ENV=development: validation errors keep graphql-js's "did you mean" hints. */
  exposeErrorDetails: boolean;
  /** Same rules as the HTTP identity: connection params play the role of headers. */
  identify: (params: Record<string, string | undefined>) => Promise<Caller>;
  /** Calls back with the id of each API key revoked anywhere (pushed to every replica). */
  onKeyRevoked?: (listener: (keyId: string) => void) => void;
}) => {
  const wss = new WebSocketServer({ server: options.server, path: '/graphql' });
  const connections = new WeakMap<object, { params: Record<string, string | undefined>; requestId: string }>();
  // A revoked key's live subscriptions end at once, not when the partner next subscribes.
  const socketsByKey = new Map<string, Set<WebSocket>>();
  options.onKeyRevoked?.((keyId) => {
    for (const socket of socketsByKey.get(`apikey:${keyId}`) ?? []) socket.close(CloseCode.Forbidden, 'API key revoked');
    socketsByKey.delete(`apikey:${keyId}`);
  });
  const schema = options.subscriptions.apiSchema;
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
          const caller = await options.identify({ ...connection.params, [REQUEST_ID_HEADER]: connection.requestId });
          connections.set(ctx, connection);
          if (caller.subject.startsWith('apikey:')) {
            const socket = ctx.extra.socket;
            const sockets = socketsByKey.get(caller.subject) ?? new Set();
            socketsByKey.set(caller.subject, sockets.add(socket));
            socket.once('close', () => {
              sockets.delete(socket);
              if (sockets.size === 0 && socketsByKey.get(caller.subject) === sockets) socketsByKey.delete(caller.subject);
            });
          }
          return true;
        } catch (error) {
          if (error instanceof DomainError && error.code === 'BAD_USER_INPUT') ctx.extra.socket.close(CloseCode.BadRequest, error.message);
          return false; // 4403 Forbidden: credentials refused
        }
      },
      onSubscribe: async (ctx, id, payload) => {
        const connection = connections.get(ctx)!;
        // One id per subscription, derived from the connection's: logs and events can tell them apart.
        const requestId = `${connection.requestId}:${id}`.slice(0, 128);
        let decision;
        let caller: Caller;
        try {
          caller = await options.identify({ ...connection.params, [REQUEST_ID_HEADER]: requestId });
          decision = options.policy.decide(caller, payload as PolicyRequest, 'ws');
        } catch (error) {
          return [asGraphQLError(error)];
        }
        let document: DocumentNode;
        try {
          document = decision.document ?? parse(decision.query ?? '');
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) {
          return errors.map((e) => new GraphQLError(options.exposeErrorDetails ? e.message : withoutSuggestions(e.message), { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
        }
        const operationName = decision.operationName ?? undefined;
        const operation = operationOf(document, operationName);
        if (!operation) return [new GraphQLError('name the operation to run', { extensions: { code: 'BAD_USER_INPUT' } })];
        if (operation.operation !== 'subscription') {
          return [new GraphQLError('only subscriptions are served over WebSocket; send queries and mutations over HTTP', { extensions: { code: 'BAD_USER_INPUT' } })];
        }
        const invalid = checkOperationInput(schema, document, operation, payload.variables);
        if (invalid) return [invalid];
        const context: SocketContext = { identity: caller, correlationId: requestId, socket: ctx.extra.socket };
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
        try {
          return options.subscriptions.subscribe(args.document, args.operationName ?? undefined, (args.variableValues ?? {}) as Record<string, unknown>, {
            identity: context.identity,
            correlationId: context.correlationId,
            onOverflow: () => context.socket.close(SLOW_CONSUMER_CLOSE, 'subscriber too slow: too many undelivered events'),
          });
        } catch (error) {
          return { errors: [error instanceof GraphQLError ? error : new GraphQLError((error as Error).message, { extensions: { code: 'BAD_USER_INPUT' } })] };
        }
      },
    },
    wss,
  );
  return {
    wss,
    async close() {
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
};
