import { GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { DomainError, type ErrorCode } from './errors.js';

export interface ErrorCodeEntry {
  /** What clients branch on (API.md). */
  extensionsCode: string;
  /**
   * The HTTP status of a request refused with this error before anything runs (identity, policy,
   * request context). Errors raised while resolving are always HTTP 200 with `data`: Apollo Server
   * decides that, not this table.
   */
  status: number;
  /**
   * The WebSocket close code when this error refuses a connection (connection_init); without one,
   * the error only ends the subscription it concerns, and the connection stays open.
   */
  close?: number;
}

/**
 * THE table from our error codes (DomainError.code) to `extensions.code`, HTTP status and WebSocket
 * close code, used by the HTTP handler, the gateway's WebSocket server and the subgraphs'. Keyed by
 * ErrorCode: a new code without a row does not compile. docs/errors.md documents each row (a test
 * holds it to that).
 */
export const ERROR_CODES: Readonly<Record<ErrorCode, ErrorCodeEntry>> = {
  BAD_USER_INPUT: { extensionsCode: 'BAD_USER_INPUT', status: 400, close: CloseCode.BadRequest },
  // Raised only while resolving (HTTP 200); 400 should one ever refuse a request.
  NOT_FOUND: { extensionsCode: 'NOT_FOUND', status: 400 },
  INVALID_TRANSITION: { extensionsCode: 'INVALID_TRANSITION', status: 400 },
  CONCURRENCY_CONFLICT: { extensionsCode: 'CONCURRENCY_CONFLICT', status: 400 },
  CONFLICT: { extensionsCode: 'CONFLICT', status: 400 },
  NO_CAPACITY: { extensionsCode: 'NO_CAPACITY', status: 400 },
  INSUFFICIENT_VOLUME: { extensionsCode: 'INSUFFICIENT_VOLUME', status: 400 },
  // graphql-ws's 4403 ("Forbidden") is what its protocol sends for refused credentials (also a key revoked mid-connection).
  UNAUTHENTICATED: { extensionsCode: 'UNAUTHENTICATED', status: 401, close: CloseCode.Forbidden },
  FORBIDDEN: { extensionsCode: 'FORBIDDEN', status: 403 },
  // Raised while resolving a signature (HTTP 200); 401 as a refused request, since the cure is a new sign-in.
  REAUTHENTICATION_REQUIRED: { extensionsCode: 'REAUTHENTICATION_REQUIRED', status: 401 },
  // Apollo's APQ protocol: the client resends with the text, so the status must not look like a failure.
  PERSISTED_QUERY_NOT_FOUND: { extensionsCode: 'PERSISTED_QUERY_NOT_FOUND', status: 200 },
  OPERATION_NOT_ALLOWED: { extensionsCode: 'OPERATION_NOT_ALLOWED', status: 403 },
  RATE_LIMITED: { extensionsCode: 'RATE_LIMITED', status: 429 },
  QUERY_TOO_COMPLEX: { extensionsCode: 'QUERY_TOO_COMPLEX', status: 400 },
  INTERNAL_SERVER_ERROR: { extensionsCode: 'INTERNAL_SERVER_ERROR', status: 500 },
};

/** A DomainError's `extensions`: its details, then its code as clients see it. */
export const extensionsOf = (error: DomainError): Record<string, unknown> => ({ ...error.details, code: ERROR_CODES[error.code].extensionsCode });

/** The HTTP status of a request refused with this error before execution. */
export const statusOf = (error: DomainError): number => ERROR_CODES[error.code].status;

/**
 * Anything thrown where graphql-ws expects GraphQL errors: a DomainError keeps its code and
 * details; a GraphQLError stays as it is; anything else is INTERNAL_SERVER_ERROR with no message.
 */
export const toGraphQLError = (error: unknown): GraphQLError =>
  error instanceof DomainError
    ? new GraphQLError(error.message, { extensions: extensionsOf(error) })
    : error instanceof GraphQLError
      ? error
      : new GraphQLError('Internal server error', { extensions: { code: ERROR_CODES.INTERNAL_SERVER_ERROR.extensionsCode } });
