import type { GraphiQLProps } from 'graphiql';
import { Kind, parse, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

type Fetcher = GraphiQLProps['fetcher'];
type Params = Parameters<Fetcher>[0];

const isSubscription = (params: Params): boolean => {
  try {
    const operations = parse(params.query).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const chosen = params.operationName ? operations.find((o) => o.name?.value === params.operationName) : operations[0];
    return chosen?.operation === 'subscription';
  } catch {
    return false; // let the gateway say what is wrong with it
  }
};

/**
 * Queries and mutations over HTTP POST, subscriptions over graphql-ws on the same /graphql, both
 * with the headers editor's headers (on WebSocket they go in connection_init, as the gateway reads them).
 */
export const createFetcher = (origin: URL): Fetcher => {
  const http = new URL('/graphql', origin).toString();
  const ws = `${origin.protocol === 'https:' ? 'wss:' : 'ws:'}//${origin.host}/graphql`;
  // One socket per set of headers: connection_init is the only place a socket's identity is set.
  const sockets = new Map<string, Client>();
  const socketFor = (headers: Record<string, string>): Client => {
    const key = JSON.stringify(headers);
    let client = sockets.get(key);
    if (!client) {
      client = createClient({ url: ws, connectionParams: headers, retryAttempts: 3 });
      sockets.set(key, client);
    }
    return client;
  };
  return (params, options) => {
    const headers = Object.fromEntries(Object.entries(options?.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
    if (isSubscription(params)) {
      // GraphiQL only displays the results, so JSON-shaped errors serve as well as GraphQLError objects.
      return socketFor(headers).iterate({ query: params.query, operationName: params.operationName ?? undefined, variables: params.variables ?? undefined }) as AsyncIterable<ExecutionResult>;
    }
    return fetch(http, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(params) }).then((response) => response.json());
  };
};
