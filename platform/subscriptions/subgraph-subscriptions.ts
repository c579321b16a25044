import type { Server } from 'node:http';
import { createSourceEventStream, execute, GraphQLError, parse, validate, type ExecutionArgs, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { ConsistencyWaiter } from '../../event-store/consistency.js';
import { ERROR_CODES, toGraphQLError } from '../error-codes.js';
import { DomainError } from '../errors.js';
import { IDENTITY_HEADER, verifyIdentity, type Identity } from '../identity.js';

export interface SubgraphSubscriptionOptions {
  server: Server;
  schema: GraphQLSchema;
  secret: string;
  consistency: ConsistencyWaiter;
  consistencyTimeoutMs: number;
  context(identity: Identity): object;
  /** The subgraph's HTTP error formatting (codes, no internals outside development), for WebSocket too. */
  formatError?: (error: GraphQLError) => GraphQLFormattedError;
}

/**
 * graphql-ws on a subgraph's /graphql, for the gateway. Each subscribe message carries the signed
 * identity in `extensions`; each event's result carries its event position in `extensions`, and is
 * resolved only once this subgraph's read models include that position, unless the subscription
 * said its selection is answered by the event alone (Delivery.needsReadModels).
 */
export const serveSubgraphSubscriptions = (options: SubgraphSubscriptionOptions) => {
  const wss = new WebSocketServer({ server: options.server, path: '/graphql' });
  const identities = new WeakMap<object, Identity>();
  /**
   * graphql's subscribe, mapped by hand rather than with an async generator: a generator parked on
   * the next event cannot be returned until that event comes, which would leak every closed
   * subscription; this iterator's return() ends the source at once.
   */
  const subscribe = async (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const identity = identities.get(args.contextValue as object)!;
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) return stream as ExecutionResult;
    const source = stream as AsyncIterableIterator<{ payload: unknown; position: string; needsReadModels?: boolean }>;
    const mapped: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        const item = await source.next();
        if (item.done) return { value: undefined, done: true };
        if (item.value.needsReadModels !== false) await options.consistency.waitFor(item.value.position, options.consistencyTimeoutMs);
        // A fresh context (and so fresh DataLoaders) per event: each event is its own read.
        const result = await execute({ ...args, rootValue: item.value, contextValue: options.context(identity) });
        return { value: { ...result, extensions: { ...result.extensions, position: item.value.position } }, done: false };
      },
      async return() {
        await source.return?.();
        return { value: undefined, done: true };
      },
      async throw(error) {
        await source.return?.();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return mapped;
      },
    };
    return mapped;
  };
  const disposable = useServer(
    {
      schema: options.schema,
      subscribe: (args) => subscribe(args),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors && options.formatError ? ({ ...result, errors: result.errors.map(options.formatError) } as unknown as ExecutionResult) : undefined,
      onError: (_ctx, _id, _payload, errors) => (options.formatError ? errors.map(options.formatError) : undefined),
      onSubscribe: (_ctx, _id, payload) => {
        let identity: Identity;
        try {
          identity = verifyIdentity(options.secret, payload.extensions?.[IDENTITY_HEADER] as string | undefined);
        } catch (error) {
          // verifyIdentity refuses with UnauthenticatedError; anything else it throws is a refusal too.
          return [error instanceof DomainError ? toGraphQLError(error) : new GraphQLError((error as Error).message, { extensions: { code: ERROR_CODES.UNAUTHENTICATED.extensionsCode } })];
        }
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(options.schema, document);
        if (errors.length > 0) return errors;
        const contextValue = options.context(identity);
        identities.set(contextValue, identity);
        return {
          schema: options.schema,
          document,
          operationName: payload.operationName ?? undefined,
          variableValues: payload.variables ?? undefined,
          contextValue,
        };
      },
    },
    wss,
  );
  return {
    wss,
    async close() {
      await disposable.dispose();
      wss.close();
    },
  };
};
