import type { HeaderMap } from '@apollo/server';
import type { DocumentNode, GraphQLError, GraphQLSchema } from 'graphql';
import { formatCheckpoint, parsePosition } from '../event-store/position.js';
import { asDomainError } from '../platform/errors.js';
import type { Config } from '../platform/config.js';
import { DomainError } from '../platform/errors.js';
import { CONSISTENCY_HEADER } from '../platform/headers.js';
import { REQUEST_ID_HEADER } from '../platform/http/request-id.js';
import type { GatewayContext } from './gateway.js';
import type { Caller } from './use-identity.js';
import { checkOperationLimits } from './use-operation-limits.js';
import type { ManifestOperation, PersistedQueries } from './use-persisted-queries.js';
import type { useRateLimit } from './use-rate-limit.js';

export type PolicyRequest = { query?: string; variables?: Record<string, unknown>; operationName?: string | null; extensions?: Record<string, any> };
/** How the operation arrived: a GET may not run a mutation, and WebSocket has no APQ cache. */
export type Transport = 'http-post' | 'http-get' | 'ws';

export interface PolicyDecision {
  /** The text to run: the caller's, or the manifest operation's for a persisted id. */
  query?: string;
  operationName?: string;
  /** The manifest operation asked for by id. */
  manifest?: ManifestOperation;
  /** The caller's text, parsed, when it parsed and kept to the limits. */
  document?: DocumentNode;
  /** The caller's text does not parse (reported by whoever executes, like any syntax error). */
  syntaxError?: GraphQLError;
}

/**
 * One request policy for HTTP and WebSocket, decided before anything runs, in order: a manifest
 * operation asked for by id (within the caller's manifests; persistedOnly keys may run nothing
 * else: OPERATION_NOT_ALLOWED); the caller's rate limit (persisted operations have their own,
 * higher one); and the operation limits (graphql-armor's depth and alias rules, its token-limited
 * parser, our connection-aware cost) for text the caller sent. Who the caller is was settled
 * before (use-identity); roles and tenants are enforced by the subgraphs on the signed identity.
 */
export const useRequestPolicy = (options: { config: Config; schema: GraphQLSchema; manifests: PersistedQueries; rateLimit: ReturnType<typeof useRateLimit> }) => {
  const { config } = options;
  const decide = (caller: Caller, request: PolicyRequest, transport: Transport): PolicyDecision => {
    const hash = request.extensions?.persistedQuery?.sha256Hash;
    const manifest = typeof hash === 'string' && !request.query ? options.manifests.find(hash, caller.manifests) : undefined;
    if (caller.persistedOnly && !manifest) {
      throw new DomainError('OPERATION_NOT_ALLOWED', 'this API key may only run operations from its persisted-query manifests, sent by id');
    }
    const limited = options.rateLimit.take(caller.rateKey, manifest ? config.persistedRateLimitPerMinute : config.rateLimitPerMinute);
    if (!limited.ok) throw new DomainError('RATE_LIMITED', `rate limit exceeded; retry in ${limited.retryAfterSeconds} s`, { retryAfterSeconds: limited.retryAfterSeconds });
    if (manifest) {
      if (transport === 'http-get' && manifest.type === 'mutation') throw new DomainError('BAD_USER_INPUT', 'mutations must be sent with POST');
      return { query: manifest.body, operationName: request.operationName ?? manifest.name, manifest };
    }
    if (!request.query) {
      if (transport === 'ws' && typeof hash === 'string') throw new DomainError('PERSISTED_QUERY_NOT_FOUND', 'no manifest operation has this id; send the query text');
      return {};
    }
    const checked = checkOperationLimits(options.schema, request.query, request.variables, config.limits);
    if (checked.error?.extensions.code === 'QUERY_TOO_COMPLEX') throw new DomainError('QUERY_TOO_COMPLEX', checked.error.message);
    return { query: request.query, operationName: request.operationName ?? undefined, document: checked.document, syntaxError: checked.error };
  };

  /** The HTTP side: the decision, the request as Apollo Server should see it, and the context. */
  const http = async (
    identify: (headers: { get(name: string): string | undefined | null }) => Promise<Caller>,
    headers: HeaderMap,
    request: PolicyRequest,
    method: string,
  ): Promise<{ body?: unknown; context: GatewayContext }> => {
    const caller = await identify(headers);
    const consistency = headers.get(CONSISTENCY_HEADER);
    const context: GatewayContext = {
      identity: caller,
      // The request id (http-server made or checked it) is the correlation id of everything it causes.
      correlationId: headers.get(REQUEST_ID_HEADER) ?? caller.requestId,
      consistentWith: consistency ? formatCheckpoint(clientPosition(consistency)) : null,
    };
    const decision = decide(caller, request, method === 'GET' ? 'http-get' : 'http-post');
    if (decision.manifest) {
      // The manifest's text, without the APQ extension (the id is the manifest's, not Apollo's cache's).
      const { persistedQuery: _apq, ...extensions } = request.extensions ?? {};
      return { body: { ...request, query: decision.query, operationName: decision.operationName, extensions }, context };
    }
    return { context };
  };

  return { decide, http };
};

export type RequestPolicy = ReturnType<typeof useRequestPolicy>;

/** A position a client sent: one that is not refuses the request as bad input (the store's error knows no API code). */
const clientPosition = (text: string) => {
  try {
    return parsePosition(text);
  } catch (error) {
    throw asDomainError(error) ?? error;
  }
};
