import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
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
