import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ConcurrencyError, ContentionError, InvalidPositionError } from '../event-store/errors.js';
import { ConflictError, formatGraphQLError, InvalidTransitionError } from './errors.js';

const formatted = (error: GraphQLError) => ({ message: error.message, path: ['x'], extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at secret.ts:1'] } });
const wrap = (original: Error) => new GraphQLError(original.message, { originalError: original });

describe('GraphQL error formatting', () => {
  it('gives domain errors their API code and details', () => {
    const error = wrap(new InvalidTransitionError('PENDING', 'ARCHIVED'));
    expect(formatGraphQLError(false)(formatted(error), error)).toEqual({
      message: 'sample cannot go from PENDING to ARCHIVED',
      path: ['x'],
      extensions: { code: 'INVALID_TRANSITION', from: 'PENDING', to: 'ARCHIVED' },
    });
  });

  it('gives the event store\'s errors their API codes (the store itself knows none)', () => {
    const conflict = wrap(new ConcurrencyError('Sample-1', 2, 3));
    expect(formatGraphQLError(false)(formatted(conflict), conflict)).toEqual({
      message: 'stream Sample-1 is at version 3, expected 2',
      path: ['x'],
      extensions: { code: 'CONCURRENCY_CONFLICT', expectedVersion: 2, actualVersion: 3 },
    });
    // Lost the race too often without an expected version: retryable, and nothing stale to report.
    const contended = wrap(new ContentionError(['Sample-1'], 50));
    expect(formatGraphQLError(false)(formatted(contended), contended).extensions).toEqual({ code: 'CONFLICT', reason: 'CONTENDED' });
    const position = wrap(new InvalidPositionError('not-a-position'));
    expect(formatGraphQLError(false)(formatted(position), position)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('hides unexpected errors behind INTERNAL_SERVER_ERROR with no driver message or stack', () => {
    const error = wrap(new Error('relation "samples_read.samples" does not exist'));
    const seen: unknown[] = [];
    const result = formatGraphQLError(false, (e) => seen.push(e))(formatted(error), error);
    expect(result).toEqual({ message: 'Internal server error', path: ['x'], locations: undefined, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(seen).toHaveLength(1);
  });

  it('keeps the stack trace only when asked to (NODE_ENV=development)', () => {
    const error = wrap(new ConflictError('position A1 is occupied'));
    expect(formatGraphQLError(true)(formatted(error), error).extensions).toMatchObject({ code: 'CONFLICT', stacktrace: ['at secret.ts:1'] });
    expect(formatGraphQLError(false)(formatted(error), error).extensions).not.toHaveProperty('stacktrace');
  });
});

describe('PostgreSQL refusing a value', () => {
  /** The shape node-postgres gives a server error (DatabaseError). */
  const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'ERROR', routine: 'report_invalid_encoding' });

  it.each([
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['22001', 'value too long for type character varying(64)'],
    ['22P05', 'unsupported Unicode escape sequence'],
    ['54000', 'index row size 9000 exceeds btree version 4 maximum 2704 for index "samples_barcode"'],
  ])('makes SQLSTATE %s a BAD_USER_INPUT with no database detail', (code, message) => {
    const error = wrap(pgError(code, message));
    const result = formatGraphQLError(false)(formatted(error), error);
    expect(result.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    expect(result.message).not.toContain(message);
    expect(JSON.stringify(result)).not.toMatch(/UTF8|varchar|varying|btree|index|secret\.ts/);
  });

  it('keeps other database failures INTERNAL_SERVER_ERROR', () => {
    const error = wrap(pgError('57P01', 'terminating connection due to administrator command'));
    expect(formatGraphQLError(false)(formatted(error), error)).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
});
