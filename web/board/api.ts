import { createClient, type Client } from 'graphql-ws';

declare const __BOARD_OPERATIONS__: Record<string, string>;

/** Operation name → manifest id, put in by web/build.ts from board.graphql. */
const OPERATIONS: Record<string, string> = __BOARD_OPERATIONS__;

export type OperationName =
  | 'BoardAlerts'
  | 'BoardFreezers'
  | 'BoardSagas'
  | 'BoardSaga'
  | 'BoardAcknowledgeAlert'
  | 'BoardAlertRaised'
  | 'BoardSagaUpdated'
  | 'BoardLabEvents';

/** What the person at the screen typed in; none in development. */
export type Credentials = { kind: 'token'; value: string } | { kind: 'apiKey'; value: string };

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const STORAGE_KEY = 'tracseq.board.credentials';

export const savedCredentials = (): Credentials | null => {
  try {
    const parsed = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Credentials | null;
    return parsed && (parsed.kind === 'token' || parsed.kind === 'apiKey') && typeof parsed.value === 'string' ? parsed : null;
  } catch {
    return null;
  }
};

export const saveCredentials = (credentials: Credentials | null) => {
  if (credentials) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
  else sessionStorage.removeItem(STORAGE_KEY);
};

/** Header names double as connection_init keys: the gateway reads both the same way. */
const authHeaders = (credentials: Credentials | null): Record<string, string> =>
  !credentials ? {} : credentials.kind === 'token' ? { authorization: `Bearer ${credentials.value}` } : { 'x-api-key': credentials.value };

const persisted = (name: OperationName) => {
  const id = OPERATIONS[name];
  if (!id) throw new ApiError(`${name} is not in the board's manifest`, 'PERSISTED_QUERY_NOT_FOUND');
  return { persistedQuery: { version: 1, sha256Hash: id } };
};

/** Roles in a bearer token, for showing what the person may do; the gateway decides, not this. */
export const tokenRoles = (credentials: Credentials | null): string[] | null => {
  if (credentials?.kind !== 'token') return null;
  try {
    const payload = JSON.parse(atob(credentials.value.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { roles?: unknown };
    return Array.isArray(payload.roles) ? payload.roles.filter((role): role is string => typeof role === 'string') : [];
  } catch {
    return [];
  }
};

export interface Api {
  /** Runs a manifest query or mutation by id over HTTP. */
  run<T>(name: OperationName, variables?: Record<string, unknown>): Promise<T>;
  /** Subscribes to a manifest subscription by id over graphql-ws; resubscribes after reconnecting. */
  subscribe<T>(name: OperationName, variables: Record<string, unknown>, onData: (data: T) => void, onError: (error: ApiError) => void): () => void;
  dispose(): void;
}

export interface ConnectionEvents {
  onConnected(reconnected: boolean): void;
  onDisconnected(): void;
  /** The gateway refused the credentials (4403) or has none to offer for this page. */
  onUnauthenticated(): void;
}

const errorOf = (errors: Array<{ message: string; extensions?: { code?: string } }> | undefined): ApiError | null => {
  const first = errors?.[0];
  return first ? new ApiError(first.message, first.extensions?.code ?? 'INTERNAL_SERVER_ERROR') : null;
};

export const createApi = (credentials: Credentials | null, events: ConnectionEvents): Api => {
  const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;
  let connectedBefore = false;
  const ws: Client = createClient({
    url: wsUrl,
    connectionParams: () => authHeaders(credentials),
    lazy: false,
    // The `closed` handler reports the connection's state on the page.
    onNonLazyError: () => undefined,
    keepAlive: 10_000,
    // A wall screen waits for the gateway as long as it takes, retrying every second or two.
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (event) => (event as CloseEvent | undefined)?.code !== 4403,
    retryWait: async (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(2000, 250 * 2 ** retries))),
    on: {
      connected: () => {
        events.onConnected(connectedBefore);
        connectedBefore = true;
      },
      closed: (event) => {
        if ((event as CloseEvent | undefined)?.code === 4403) events.onUnauthenticated();
        else events.onDisconnected();
      },
    },
  });
  return {
    async run<T>(name: OperationName, variables: Record<string, unknown> = {}): Promise<T> {
      let response: Response;
      try {
        response = await fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...authHeaders(credentials) },
          body: JSON.stringify({ operationName: name, variables, extensions: persisted(name) }),
        });
      } catch {
        throw new ApiError('the gateway cannot be reached', 'NETWORK_ERROR');
      }
      let body: { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
      try {
        body = await response.json();
      } catch {
        throw new ApiError(`the gateway answered ${response.status}`, 'NETWORK_ERROR');
      }
      const error = errorOf(body.errors);
      if (error) throw error;
      return body.data as T;
    },
    subscribe<T>(name: OperationName, variables: Record<string, unknown>, onData: (data: T) => void, onError: (error: ApiError) => void) {
      // graphql-ws requires a query string; an empty one with the id asks for the manifest's text.
      return ws.subscribe<T>(
        { query: '', operationName: name, variables, extensions: persisted(name) },
        {
          next: (result) => {
            const error = errorOf(result.errors as Array<{ message: string; extensions?: { code?: string } }> | undefined);
            if (error) onError(error);
            else if (result.data) onData(result.data as T);
          },
          // The gateway's refusal arrives as a list of GraphQL errors; a dropped socket is retried, not reported.
          error: (error) => onError(errorOf(Array.isArray(error) ? error : undefined) ?? new ApiError('subscription failed', 'SUBSCRIPTION_FAILED')),
          complete: () => undefined,
        },
      );
    },
    // A socket that never connected (refused credentials) rejects its dispose with the close event: nothing to do.
    dispose: () => void Promise.resolve(ws.dispose()).catch(() => undefined),
  };
};
