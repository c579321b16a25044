import { GraphQLError } from 'graphql';
import type { SubgraphReply } from './subgraph-transport.js';

/**
 * What a subgraph said, made into errors a client can act on. @apollo/gateway turns any non-2xx
 * answer into `"<status>: <statusText>"` (with undici an empty status text, so "400: ") with no code,
 * losing the subgraph's own errors; and a body that is not JSON, or no answer at all, into an
 * uncoded error. Here:
 * - an answer in GraphQL's response shape, whatever its HTTP status, is handed on as a 200, so
 *   the gateway passes each error on with its message, code and path;
 * - an answer in any other shape is `BAD_GATEWAY`;
 * - no answer (refused, reset, timed out) is `SUBGRAPH_UNAVAILABLE` (thrown by the data source).
 */
export const SUBGRAPH_UNAVAILABLE = 'SUBGRAPH_UNAVAILABLE';
export const BAD_GATEWAY = 'BAD_GATEWAY';

export const unavailable = (subgraph: string) =>
  new GraphQLError(`the ${subgraph} service did not answer; try again`, { extensions: { code: SUBGRAPH_UNAVAILABLE, serviceName: subgraph } });

export const badGateway = (subgraph: string, what: string) =>
  new GraphQLError(`the ${subgraph} service answered ${what}`, { extensions: { code: BAD_GATEWAY, serviceName: subgraph } });

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A GraphQL response body: `data` and/or a list of `{ message }` errors. */
export const isGraphQLResponse = (body: unknown): body is { data?: unknown; errors?: Array<{ message: string }> } => {
  if (!isRecord(body)) return false;
  if (body.errors !== undefined && !(Array.isArray(body.errors) && body.errors.every((e) => isRecord(e) && typeof e.message === 'string'))) return false;
  return 'data' in body || Array.isArray(body.errors);
};

/** A subgraph's answer, parsed once, as the GraphQL response the query plan continues with. */
export const subgraphResponse = (subgraph: string, { status, body: text }: SubgraphReply): { data?: Record<string, unknown> | null; errors?: Array<{ message: string }>; extensions?: Record<string, unknown> } => {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badGateway(subgraph, `HTTP ${status} with a body that is not JSON`);
  }
  if (!isGraphQLResponse(body)) throw badGateway(subgraph, `HTTP ${status} with JSON that is not a GraphQL response`);
  if (status >= 300 && !body.errors?.length) throw badGateway(subgraph, `HTTP ${status} without errors`);
  return body as { data?: Record<string, unknown> | null; errors?: Array<{ message: string }>; extensions?: Record<string, unknown> };
};

/**
 * A graphql-ws subscription's failure from a subgraph: its error messages (already formatted by the
 * subgraph) keep their code and path; a closed or failed connection is SUBGRAPH_UNAVAILABLE.
 */
export const subscriptionErrors = (subgraph: string, failure: unknown): GraphQLError[] => {
  const list = Array.isArray(failure) ? failure : isRecord(failure) && Array.isArray(failure.errors) ? failure.errors : null;
  if (!list || list.length === 0) return [unavailable(subgraph)];
  return list.map((error) => {
    if (!isRecord(error) || typeof error.message !== 'string') return badGateway(subgraph, 'a subscription error that is not a GraphQL error');
    const extensions = isRecord(error.extensions) ? error.extensions : {};
    return new GraphQLError(error.message, {
      path: Array.isArray(error.path) ? (error.path as Array<string | number>) : undefined,
      extensions: { ...extensions, code: typeof extensions.code === 'string' ? extensions.code : 'DOWNSTREAM_SERVICE_ERROR' },
    });
  });
};
