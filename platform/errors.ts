import type { GraphQLFormattedError } from 'graphql';
import { ConcurrencyError, ContentionError, EventStoreError, InvalidPositionError } from '../event-store/errors.js';

// Commands, sagas and tests catch the store's conflict by this name; it is the event store's class.
export { ConcurrencyError };

/** The API.md error codes. Domain code throws these; the GraphQL edge maps them to `extensions.code` once. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'INVALID_TRANSITION'
  | 'CONCURRENCY_CONFLICT'
  | 'CONFLICT'
  | 'NO_CAPACITY'
  | 'INSUFFICIENT_VOLUME'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'REAUTHENTICATION_REQUIRED'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'OPERATION_NOT_ALLOWED'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'INTERNAL_SERVER_ERROR';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadInputError extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('BAD_USER_INPUT', message, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('CONFLICT', message, details);
  }
}

/** No suitable place exists (not merely taken right now): waiting or retrying cannot help. */
export class NoCapacityError extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('NO_CAPACITY', message, details);
  }
}

/** Taking more than a sample holds, or from a sample whose volume was never recorded. */
export class InsufficientVolumeError extends DomainError {
  constructor(message: string, details: { requestedUl: number; remainingUl: number | null }) {
    super('INSUFFICIENT_VOLUME', message, details);
  }
}

export class InvalidTransitionError extends DomainError {
  constructor(readonly from: string, readonly to: string, subject = 'sample') {
    super('INVALID_TRANSITION', `${subject} cannot go from ${from} to ${to}`, { from, to });
  }
}

/** An action the subject's status does not allow, e.g. aliquoting a DISCARDED sample (no move is involved). */
export class StatusForbidsError extends DomainError {
  constructor(readonly from: string, readonly action: string, subject = 'sample') {
    super('INVALID_TRANSITION', `a ${from} ${subject} cannot be ${action}`, { from, action });
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'authentication required') {
    super('UNAUTHENTICATED', message);
  }
}

/** An act that needs a recent sign-in (an electronic signature) came with an older one: sign in again, then retry. */
export class ReauthenticationRequiredError extends DomainError {
  constructor(maxAgeSeconds: number, authTime: number | null) {
    super('REAUTHENTICATION_REQUIRED', `this needs an authentication at most ${maxAgeSeconds} seconds old: sign in again`, { maxAuthAgeSeconds: maxAgeSeconds, authTime });
  }
}

/**
 * The error as the API reports it: a DomainError as it is, an event-store error under its API code
 * (the store knows no API), null for anything else (a bug, a lost connection).
 */
export const asDomainError = (error: unknown): DomainError | null => {
  if (error instanceof DomainError) return error;
  if (!(error instanceof EventStoreError)) return null;
  if (error instanceof ConcurrencyError) {
    return new DomainError('CONCURRENCY_CONFLICT', error.message, { expectedVersion: error.expected, actualVersion: error.actual });
  }
  if (error instanceof InvalidPositionError) return new BadInputError(error.message);
  // Nothing was written and nothing the client sent is stale: sending it again may well pass.
  if (error instanceof ContentionError) return new ConflictError(`${error.message}; nothing was written, send it again`, { reason: 'CONTENDED' });
  return null;
};

/**
 * What `error` (as Apollo Server reports it, with the `code` it has so far) wraps when it is a fault
 * of ours, a bug or an outage, rather than the caller's: null for domain errors, input the database
 * refused, and GraphQL's own errors.
 */
export const unexpectedCause = (error: unknown, code: unknown): unknown => {
  const original = (error as { originalError?: unknown } | null)?.originalError ?? error;
  if (!original || asDomainError(original) || inputRefusedByDatabase(original)) return null;
  if ((original as { name?: string }).name === 'GraphQLError') return null;
  return code === undefined || code === 'INTERNAL_SERVER_ERROR' ? original : null;
};

/**
 * Apollo Server `formatError`: domain errors keep their code and details; anything unexpected
 * becomes INTERNAL_SERVER_ERROR with no driver message or stack unless in development.
 */
export const formatGraphQLError =
  (exposeDetails: boolean, onInternal?: (error: unknown) => void) =>
  (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // Duck-typed: two builds of graphql (CJS for Apollo's federation packages, ESM for ours) may
    // both be loaded, and instanceof fails across them.
    const original = (error as { originalError?: unknown } | null)?.originalError ?? error;
    const domain = asDomainError(original);
    if (domain) {
      return {
        ...formatted,
        message: domain.message,
        extensions: { ...domain.details, code: domain.code, ...devOnly(formatted, exposeDetails) },
      };
    }
    const refused = inputRefusedByDatabase(original);
    if (refused) {
      return {
        message: exposeDetails ? `${refused}: ${(original as Error).message}` : refused,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: 'BAD_USER_INPUT', ...devOnly(formatted, exposeDetails) },
      };
    }
    if (unexpectedCause(error, formatted.extensions?.code) !== null) {
      onInternal?.(original);
      return {
        message: exposeDetails ? formatted.message : 'Internal server error',
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR', ...devOnly(formatted, exposeDetails) },
      };
    }
    // Apollo Server's own refusals without a code (an APQ hash that does not match its text) would
    // read INTERNAL_SERVER_ERROR beside their 4xx status: a client error, not worth a retry.
    const refusedStatus = (original as { extensions?: { http?: { status?: unknown } } } | null)?.extensions?.http?.status;
    const clientError = formatted.extensions?.code === 'INTERNAL_SERVER_ERROR' && typeof refusedStatus === 'number' && refusedStatus >= 400 && refusedStatus < 500;
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    const kept = exposeDetails ? formatted.extensions : extensions;
    if (clientError) return { ...formatted, extensions: { ...kept, code: 'BAD_REQUEST' } };
    return exposeDetails ? formatted : { ...formatted, extensions };
  };

const devOnly = (formatted: GraphQLFormattedError, exposeDetails: boolean) =>
  exposeDetails && formatted.extensions?.stacktrace ? { stacktrace: formatted.extensions.stacktrace } : {};

/**
 * PostgreSQL's SQLSTATEs that mean "this value cannot be stored or compared", i.e. the caller's
 * input, not our fault: class 22 (data exception: invalid byte sequence, value too long, numeric
 * out of range, bad datetime, NUL in jsonb) and 54000 (e.g. an index row too large). The input
 * bounds (platform/graphql/input-bounds.ts) refuse such values before SQL; this is the backstop,
 * and its message names no table, column or driver.
 */
const INPUT_SQLSTATE = /^(22[0-9A-Z]{3}|54000)$/;

export const inputRefusedByDatabase = (error: unknown): string | null => {
  const candidate = error as { code?: unknown; severity?: unknown; routine?: unknown } | null;
  if (!candidate || typeof candidate !== 'object' || typeof candidate.code !== 'string') return null;
  // Duck-typed pg DatabaseError: SQLSTATE code plus the server's severity.
  if (typeof candidate.severity !== 'string' || !INPUT_SQLSTATE.test(candidate.code)) return null;
  return 'a value in this request cannot be stored or searched for (too long, out of range or not valid text)';
};
