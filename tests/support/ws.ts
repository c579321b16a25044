import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** A real graphql-ws client against the gateway, collecting what a subscription delivers. */
const open = new Set<{ client: Client; subscriptions: Collected[] }>();

export const wsClient = (gatewayUrl: string, connectionParams: Record<string, unknown> = {}): Client => {
  const client = createClient({ url: gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
  open.add({ client, subscriptions: [] });
  return client;
};

/** Stops every subscription and closes every client a test opened (also when it failed midway). */
export const closeAll = async (): Promise<void> => {
  const all = [...open];
  open.clear();
  for (const entry of all) for (const subscription of entry.subscriptions) subscription.stop();
  // dispose() waits for the close handshake; a closed-by-server socket may never finish it.
  await Promise.all(all.map(({ client }) => Promise.race([client.dispose(), new Promise((resolve) => setTimeout(resolve, 1000))])));
};

export interface Collected {
  results: any[];
  errors: unknown[];
  completed: boolean;
  stop: () => void;
}

export const collect = (client: Client, query: string, variables: Record<string, unknown> = {}): Collected => {
  const collected: Collected = { results: [], errors: [], completed: false, stop: () => undefined };
  collected.stop = client.subscribe({ query, variables }, {
    next: (message) => collected.results.push(message),
    error: (error) => collected.errors.push(error),
    complete: () => (collected.completed = true),
  });
  for (const entry of open) if (entry.client === client) entry.subscriptions.push(collected);
  return collected;
};
