import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { GraphQLError, parse, validate, type DocumentNode, type ExecutionArgs } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { DomainError } from '../../platform/errors.js';
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

/**
 * graphql-ws (subprotocol graphql-transport-ws) on the gateway's /graphql, beside HTTP.
 * `onConnect` authenticates from connection_init's payload with the same rules as HTTP;
 * `onSubscribe` validates against the API schema; execution is federated (see FederatedSubscriptions).
 */
export const useSubscriptions = (options: {
  server: Server;
  subscriptions: FederatedSubscriptions;
  /** Same rules as the HTTP identity: connection params play the role of headers. */
  identify: (params: Record<string, string | undefined>) => Promise<Omit<Identity, 'expiresAt'>>;
  /** A manifest operation's text by id: a subscribe with an empty query and extensions.persistedQuery.sha256Hash runs it. */
  persisted?: (id: string) => string | undefined;
}) => {
  const wss = new WebSocketServer({ server: options.server, path: '/graphql' });
  const identities = new WeakMap<object, Omit<Identity, 'expiresAt'>>();
  const disposable = useServer<Record<string, unknown> | undefined, { socket: WebSocket }>(
    {
      schema: options.subscriptions.apiSchema,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        if (typeof params !== 'object' || Array.isArray(params) || Object.values(params).some((v) => v !== undefined && typeof v !== 'string')) {
          ctx.extra.socket.close(CloseCode.BadRequest, 'connection_init payload must be an object of strings');
          return false;
        }
        try {
          identities.set(ctx, await options.identify(params as Record<string, string | undefined>));
          return true;
        } catch (error) {
          if (error instanceof DomainError && error.code === 'BAD_USER_INPUT') ctx.extra.socket.close(CloseCode.BadRequest, error.message);
          return false; // 4403 Forbidden: credentials refused
        }
      },
      onSubscribe: (ctx, _id, payload) => {
        let document: DocumentNode;
        const hash = (payload.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
        const query = payload.query || (typeof hash === 'string' ? options.persisted?.(hash) : '');
        if (query === undefined) return [new GraphQLError('PersistedQueryNotFound', { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } })];
        try {
          document = parse(query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(options.subscriptions.apiSchema, document);
        if (errors.length > 0) return errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
        const operation = operationOf(document, payload.operationName);
        if (!operation) return [new GraphQLError('name the operation to run', { extensions: { code: 'BAD_USER_INPUT' } })];
        if (operation.operation !== 'subscription') {
          return [new GraphQLError('only subscriptions are served over WebSocket; send queries and mutations over HTTP', { extensions: { code: 'BAD_USER_INPUT' } })];
        }
        const invalid = checkOperationInput(options.subscriptions.apiSchema, document, operation, payload.variables);
        if (invalid) return [invalid];
        const context: SocketContext = { identity: identities.get(ctx)!, correlationId: randomUUID(), socket: ctx.extra.socket };
        return {
          schema: options.subscriptions.apiSchema,
          document,
          operationName: payload.operationName ?? undefined,
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
