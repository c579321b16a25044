import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Kind, print, type OperationDefinitionNode } from 'graphql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';

/**
 * How a frontend talks to TracSeq with the generated documents (examples/__generated__): typed
 * results and variables, persisted operations by id, read-your-writes, typed errors. About what a
 * real app's GraphQL client (Apollo Client, urql) does for you, in one small file. Browsers have
 * fetch and WebSocket built in; on Node pass `webSocketImpl` (the `ws` package).
 */
export interface PersistedQueryManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: Array<{ id: string; name: string; type: 'query' | 'mutation' | 'subscription'; body: string }>;
}

export interface TracSeqClientOptions {
  /** The gateway, e.g. http://localhost:4000/graphql (WebSocket: the same URL, ws://). */
  url: string;
  /** Authorization (Bearer JWT) or x-api-key; for WebSocket they travel in connection_init. */
  headers?: Record<string, string>;
  /** Send manifest operations by id (no query text) and fall back to Automatic Persisted Queries. */
  manifest?: PersistedQueryManifest;
  webSocketImpl?: unknown;
  /** A position to read at least as of from the first request: one kept across a page reload, or another client's last write. */
  consistentWith?: string;
}

export interface GraphQLErrorBody {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

/** A failed request: `code` is the first error's extensions.code (docs/errors.md lists them). */
export class TracSeqError extends Error {
  readonly code: string;
  constructor(
    readonly errors: GraphQLErrorBody[],
    readonly status: number,
  ) {
    super(errors.map((e) => e.message).join('; '));
    this.code = errors[0]?.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
  }
}

const operationOf = (document: TypedDocumentNode<any, any>): OperationDefinitionNode => {
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation?.name) throw new Error('name every operation: persisted queries and logs go by name');
  return operation;
};

/** Every mutation payload carries `position`; the newest one makes later reads include the write. */
const positionOf = (data: unknown): string | undefined => {
  for (const value of Object.values((data ?? {}) as Record<string, unknown>)) {
    const position = (value as { position?: unknown } | null)?.position;
    if (typeof position === 'string') return position;
  }
  return undefined;
};

/**
 * Positions are `transactionId:globalPosition`, ordered by transaction, then global position. Compared
 * here, not imported from the server's event-store/position.ts: this file is copied into frontend projects.
 */
const newest = (a: string | undefined, b: string | undefined): string | undefined => {
  if (!a || !b) return a ?? b;
  const [at, ag] = a.split(':').map(BigInt) as [bigint, bigint];
  const [bt, bg] = b.split(':').map(BigInt) as [bigint, bigint];
  return at > bt || (at === bt && ag >= bg) ? a : b;
};

export const createTracSeqClient = (options: TracSeqClientOptions) => {
  const byName = new Map(options.manifest?.operations.map((operation) => [operation.name, operation]) ?? []);
  let consistentWith: string | undefined = options.consistentWith;
  let ws: WsClient | undefined;

  const post = async (body: Record<string, unknown>) => {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers, ...(consistentWith ? { 'x-tracseq-consistent-with': consistentWith } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, result: (await response.json()) as { data?: unknown; errors?: GraphQLErrorBody[] } };
  };

  return {
    /** Runs a query or mutation; throws TracSeqError when the gateway answers with errors. */
    async request<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables): Promise<Result> {
      const name = operationOf(document).name!.value;
      const persisted = byName.get(name);
      const base = { operationName: name, variables };
      let answer = persisted
        ? await post({ ...base, extensions: { persistedQuery: { version: 1, sha256Hash: persisted.id } } })
        : await post({ ...base, query: print(document) });
      if (persisted && answer.result.errors?.[0]?.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND') {
        // Not in the gateway's manifests: register it as an APQ (the id is the sha256 of this exact text).
        answer = await post({ ...base, query: persisted.body, extensions: { persistedQuery: { version: 1, sha256Hash: persisted.id } } });
      }
      if (answer.result.errors?.length) throw new TracSeqError(answer.result.errors, answer.status);
      consistentWith = newest(consistentWith, positionOf(answer.result.data));
      return answer.result.data as Result;
    },

    /** Subscribes over graphql-ws; returns the unsubscribe function. */
    subscribe<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables, on: { next(data: Result): void; error?(error: unknown): void }): () => void {
      ws ??= createWsClient({ url: options.url.replace(/^http/, 'ws'), connectionParams: options.headers ?? {}, webSocketImpl: options.webSocketImpl, lazy: true });
      return ws.subscribe<Result>(
        { query: print(document), operationName: operationOf(document).name!.value, variables: variables as Record<string, unknown> },
        {
          next: (message) => {
            if (message.errors?.length) return on.error?.(new TracSeqError(message.errors as GraphQLErrorBody[], 200));
            // Each event comes with its position: later reads then include what was just delivered.
            const position = (message.extensions as { position?: unknown } | undefined)?.position;
            if (typeof position === 'string') consistentWith = newest(consistentWith, position);
            on.next(message.data as Result);
          },
          error: (error) => on.error?.(error),
          complete: () => undefined,
        },
      );
    },

    /** The newest position this client wrote or was sent an event at (header x-tracseq-consistent-with). */
    get consistentWith() {
      return consistentWith;
    },

    async close() {
      await ws?.dispose();
    },
  };
};
