import { randomUUID } from 'node:crypto';
import type { HeaderMap } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { formatCheckpoint, parsePosition } from '../event-store/position.js';
import type { Config } from '../platform/config.js';
import { DomainError } from '../platform/errors.js';
import { CONSISTENCY_HEADER, CORRELATION_HEADER } from '../platform/headers.js';
import type { GatewayContext } from './gateway.js';
import type { Caller } from './use-identity.js';
import { checkOperationLimits } from './use-operation-limits.js';
import type { usePersistedQueries } from './use-persisted-queries.js';
import type { useRateLimit } from './use-rate-limit.js';

type Request = { query?: string; variables?: Record<string, unknown>; operationName?: string; extensions?: Record<string, any> };

/**
 * What the gateway decides before Apollo Server runs an operation, in order: who calls; whether a
 * manifest operation is asked for by id (then its text is used; persistedOnly keys may run nothing
 * else); the caller's rate limit (persisted operations have their own, higher one); and the
 * operation limits for text the caller sent. APQ (hash, then hash + text) passes on to Apollo Server.
 */
export const useRequestPolicy = (options: {
  config: Config;
  schema: GraphQLSchema;
  identify: (headers: { get(name: string): string | undefined | null }) => Promise<Caller>;
  manifests: ReturnType<typeof usePersistedQueries>;
  rateLimit: ReturnType<typeof useRateLimit>;
}) => async (headers: HeaderMap, request: Request): Promise<{ body?: unknown; context: GatewayContext }> => {
  const { config } = options;
  const caller = await options.identify(headers);
  const consistency = headers.get(CONSISTENCY_HEADER);
  const context: GatewayContext = {
    identity: caller,
    correlationId: headers.get(CORRELATION_HEADER) ?? randomUUID(),
    consistentWith: consistency ? formatCheckpoint(parsePosition(consistency)) : null,
  };
  const hash = request.extensions?.persistedQuery?.sha256Hash as string | undefined;
  const manifest = hash && !request.query ? options.manifests.byId(hash) : undefined;
  if (caller.persistedOnly && !manifest) {
    throw new DomainError('OPERATION_NOT_ALLOWED', 'this API key may only run operations from its persisted-query manifest, sent by id');
  }
  const limited = options.rateLimit.take(caller.rateKey, manifest ? config.persistedRateLimitPerMinute : config.rateLimitPerMinute);
  if (!limited.ok) throw new DomainError('RATE_LIMITED', `rate limit exceeded; retry in ${limited.retryAfterSeconds} s`, { retryAfterSeconds: limited.retryAfterSeconds });
  if (manifest) {
    // The manifest's text, without the APQ extension (the id is the manifest's, not Apollo's cache's).
    const { persistedQuery: _apq, ...extensions } = request.extensions ?? {};
    return { body: { ...request, query: manifest.body, operationName: request.operationName ?? manifest.name, extensions }, context };
  }
  if (request.query) {
    const tooComplex = checkOperationLimits(options.schema, request.query, request.variables, config.limits);
    if (tooComplex) throw new DomainError('QUERY_TOO_COMPLEX', tooComplex.message);
  }
  return { context };
};
