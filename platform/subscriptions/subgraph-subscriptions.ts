import type { Server } from 'node:http';
import { createSourceEventStream, execute, GraphQLError, parse, validate, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { ConsistencyWaiter } from '../../event-store/consistency.js';
import { DomainError } from '../errors.js';
import { IDENTITY_HEADER, verifyIdentity, type Identity } from '../identity.js';

export interface SubgraphSubscriptionOptions {
  server: Server;
  schema: GraphQLSchema;
  secret: string;
  consistency: ConsistencyWaiter;
  consistencyTimeoutMs: number;
  context(identity: Identity): object;
}

/**
 * graphql-ws on a subgraph's /graphql, for the gateway. Each subscribe message carries the signed
 * identity in `extensions`; each event's result carries its event position in `extensions`, and is
 * resolved only once this subgraph's read models include that position.
 */
export const serveSubgraphSubscriptions = (options: SubgraphSubscriptionOptions) => {
  const wss = new WebSocketServer({ server: options.server, path: '/graphql' });
  const identities = new WeakMap<object, Identity>();
  const subscribe = async function* (args: ExecutionArgs): AsyncGenerator<ExecutionResult> {
    const identity = identities.get(args.contextValue as object)!;
    const stream = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in stream)) {
      yield stream as ExecutionResult;
      return;
    }
    for await (const source of stream as AsyncIterable<{ payload: unknown; position: string }>) {
      await options.consistency.waitFor(source.position, options.consistencyTimeoutMs);
      // A fresh context (and so fresh DataLoaders) per event: each event is its own read.
      const result = await execute({ ...args, rootValue: source, contextValue: options.context(identity) });
      yield { ...result, extensions: { ...result.extensions, position: source.position } };
    }
  };
  const disposable = useServer(
    {
      schema: options.schema,
      subscribe: (args) => subscribe(args),
      onSubscribe: (_ctx, _id, payload) => {
        let identity: Identity;
        try {
          identity = verifyIdentity(options.secret, payload.extensions?.[IDENTITY_HEADER] as string | undefined);
        } catch (error) {
          return [new GraphQLError((error as Error).message, { extensions: { code: (error as DomainError).code ?? 'UNAUTHENTICATED' } })];
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
