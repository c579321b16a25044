import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

/** The refusal itself, the same over HTTP (the plugin below adds its 400) and WebSocket (use-subscriptions.ts). */
export const unresolvedOperation = (operationName: string | null | undefined, http?: { status: number }): GraphQLError =>
  new GraphQLError(operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.', {
    extensions: { code: 'OPERATION_RESOLUTION_FAILURE', ...(http ? { http } : {}) },
  });

/**
 * A document whose operation cannot be chosen (several operations and no `operationName`, or a name
 * it does not hold) refused as OPERATION_RESOLUTION_FAILURE, 400. Without a gateway Apollo Server
 * does this itself; with one, @apollo/gateway throws its own INVALID_GRAPHQL while executing, which
 * reached the caller as a 500: a client error presented as the server's.
 */
export const refuseUnresolvedOperation = <C extends object>(): ApolloServerPlugin<C> => ({
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, request }) {
        if (operation) return;
        throw unresolvedOperation(request.operationName, { status: 400 });
      },
    };
  },
});
