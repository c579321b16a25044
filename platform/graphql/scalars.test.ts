import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { canonicalUuid, DateTimeScalar, JSONScalar, MAX_JSON_DEPTH, parseDateTime, parseJson } from './scalars.js';

const code = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof GraphQLError ? error.extensions.code : `not a GraphQLError: ${String(error)}`;
  }
  return 'accepted';
};

describe('DateTime', () => {
  it.each([
    ['2026-11-21', '2026-11-21T00:00:00.000Z'],
    ['2026-11-21T10:00:00Z', '2026-11-21T10:00:00.000Z'],
    ['2026-11-21T10:00Z', '2026-11-21T10:00:00.000Z'],
    ['2026-11-21T10:00:00.123456789+01:00', '2026-11-21T09:00:00.123Z'],
    ['2026-11-21 10:00:00-0530', '2026-11-21T15:30:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
  ])('accepts %s as %s', (input, iso) => {
    expect(parseDateTime(input)).toBe(iso);
  });

  // The recordTemperature(recordedAt: "A1") and friends: each is BAD_USER_INPUT.
  it.each(['A1', '', '2026-02-30', '2025-02-29T00:00:00Z', '2026-13-01', '2026-11-21T24:00:00Z', '2026-11-21T10:00:00', '2026-11-21T10:00:00+25:00',
    '2026-11-21T10:00:00Zjunk', '0000-01-01', '2026-11-21\u0000', `2026-11-21T10:00:00Z${' '.repeat(100_000)}`, '+275760-09-13T00:00:00Z'])('refuses %j', (input) => {
    expect(code(() => parseDateTime(input))).toBe('BAD_USER_INPUT');
  });

  it.each([12345, null, true, {}, ['2026-11-21']])('refuses the non-string %j', (input) => {
    expect(code(() => DateTimeScalar.parseValue(input))).toBe('BAD_USER_INPUT');
  });

  it('serializes stored times as UTC ISO strings and refuses to invent one', () => {
    expect(DateTimeScalar.serialize(new Date('2026-11-21T10:00:00+01:00'))).toBe('2026-11-21T09:00:00.000Z');
    expect(DateTimeScalar.serialize('2026-11-21T10:00:00.000Z')).toBe('2026-11-21T10:00:00.000Z');
    expect(() => DateTimeScalar.serialize('not a time')).toThrow(TypeError);
  });
});

describe('JSON', () => {
  const nest = (depth: number): unknown => (depth === 0 ? 1 : { a: nest(depth - 1) });

  it('accepts ordinary metadata', () => {
    const metadata = { tube: 'A', volumes: [1, 2.5, null], nested: { ok: true } };
    expect(JSONScalar.parseValue(metadata)).toEqual(metadata);
  });

  it.each([
    ['a NUL in a value', { note: 'a\u0000b' }],
    ['a NUL in a key', { 'a\u0000': 1 }],
    ['nesting deeper than the limit', nest(MAX_JSON_DEPTH + 1)],
    ['a 100,000-character string', { note: 'x'.repeat(100_000) }],
    ['too many values', Array.from({ length: 20_000 }, () => 0)],
    ['a non-finite number', { x: Number.POSITIVE_INFINITY }],
  ])('refuses %s', (_what, value) => {
    expect(code(() => parseJson(value))).toBe('BAD_USER_INPUT');
  });

  it('accepts nesting up to the limit', () => {
    expect(code(() => parseJson(nest(MAX_JSON_DEPTH - 1)))).toBe('accepted');
  });
});

describe('canonicalUuid', () => {
  it.each([
    ['3f2504e0-4f89-11d3-9a0c-0305e82c3301', '3f2504e0-4f89-11d3-9a0c-0305e82c3301'],
    ['3F2504E0-4F89-11D3-9A0C-0305E82C3301', '3f2504e0-4f89-11d3-9a0c-0305e82c3301'],
    ['3F2504e0-4f89-11D3-9a0C-0305e82c3301', '3f2504e0-4f89-11d3-9a0c-0305e82c3301'],
  ])('spells %s as %s', (input, canonical) => {
    expect(canonicalUuid(input)).toBe(canonical);
  });

  it.each(['', 'not-a-uuid', '3f2504e04f8911d39a0c0305e82c3301', '{3f2504e0-4f89-11d3-9a0c-0305e82c3301}', ' 3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    '3f2504e0-4f89-11d3-9a0c-0305e82c3301\n', '3f2504e0-4f89-11d3-9a0c-0305e82c3301\u0000', 'urn:uuid:3f2504e0-4f89-11d3-9a0c-0305e82c3301', 'LABEL-DNA-0001'])('is null for %j', (input) => {
    expect(canonicalUuid(input)).toBeNull();
  });
});
