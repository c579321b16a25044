import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped, type ValueNode } from 'graphql';

/**
 * The custom scalars, one implementation for the gateway and every subgraph: the gateway checks
 * arguments with these same functions before planning (gateway/use-scalar-validation.ts), so the
 * two can never disagree on what is valid. A refusal is a GraphQLError with BAD_USER_INPUT.
 */

const refuse = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/**
 * ISO-8601: a date (`2026-11-21`, midnight UTC) or a date and time with an explicit offset
 * (`2026-11-21T10:00:00Z`, `…T10:00+01:00`, up to nine fraction digits). A time without an offset
 * is refused: its meaning would depend on the server's time zone.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2}))?$/;
const MAX_DATE_TIME_LENGTH = 40;

export const parseDateTime = (value: unknown): string => {
  const text = typeof value === 'string' && value.length <= MAX_DATE_TIME_LENGTH ? value : null;
  const match = text === null ? null : DATE_TIME.exec(text);
  if (!match) throw refuse(`DateTime must be an ISO-8601 date or date-time with an offset (e.g. 2026-11-21T10:00:00Z), got ${describe(value)}`);
  const [, year, month, day, hour = '00', minute = '00', second = '00', , offset] = match;
  if (match[4] !== undefined && !offset) throw refuse(`DateTime ${describe(value)} needs an offset (Z or ±HH:MM)`);
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  // Date rolls 2026-02-30 over to March; a calendar check refuses it instead.
  const calendar = new Date(0);
  calendar.setUTCFullYear(y, mo - 1, d);
  if (y < 1 || calendar.getUTCFullYear() !== y || calendar.getUTCMonth() !== mo - 1 || calendar.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw refuse(`DateTime ${describe(value)} is not a real date and time`);
  }
  if (offset && !/^[Zz]$/.test(offset) && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(-2)) > 59)) throw refuse(`DateTime ${describe(value)} has an impossible offset`);
  const fraction = (match[7] ?? '').padEnd(3, '0').slice(0, 3);
  const zone = !offset || /^[Zz]$/.test(offset) ? 'Z' : `${offset.slice(0, 3)}:${offset.slice(-2)}`;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}.${fraction}${zone}`);
  if (Number.isNaN(date.getTime())) throw refuse(`DateTime ${describe(value)} is not a real date and time`);
  return date.toISOString();
};

const serializeDateTime = (value: unknown): string => {
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw new TypeError(`cannot serialize ${describe(value)} as a DateTime`);
  return date.toISOString();
};

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'ISO-8601 date, or date and time with an offset (UTC `Z` in answers)',
  serialize: serializeDateTime,
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : literalText(ast)),
});

/**
 * Deepest nesting a JSON value may have. PostgreSQL's jsonb and JSON.stringify both recurse, and
 * no lab's metadata needs more.
 */
export const MAX_JSON_DEPTH = 32;
/** Most keys and array items in one JSON value, all levels together. */
export const MAX_JSON_NODES = 10_000;
/** Longest string (key or value) inside a JSON value. */
export const MAX_JSON_STRING = 10_000;

/**
 * Any JSON a jsonb column can store: finite numbers, no NUL in any string or key (PostgreSQL
 * refuses `\u0000` in jsonb), bounded depth, size and string length.
 */
export const parseJson = (value: unknown): unknown => {
  let nodes = 0;
  const walk = (node: unknown, depth: number, path: string): void => {
    if (++nodes > MAX_JSON_NODES) throw refuse(`JSON has more than ${MAX_JSON_NODES} values`);
    if (node === null || typeof node === 'boolean') return;
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) throw refuse(`JSON number at ${path} is not finite`);
      return;
    }
    if (typeof node === 'string') return checkJsonString(node, path);
    if (depth >= MAX_JSON_DEPTH) throw refuse(`JSON is nested more than ${MAX_JSON_DEPTH} levels deep`);
    if (Array.isArray(node)) {
      node.forEach((item, index) => walk(item, depth + 1, `${path}[${index}]`));
      return;
    }
    if (typeof node === 'object' && Object.getPrototypeOf(node) === Object.prototype) {
      for (const [key, item] of Object.entries(node)) {
        checkJsonString(key, `${path} (a key)`);
        walk(item, depth + 1, `${path}.${key.slice(0, 40)}`);
      }
      return;
    }
    throw refuse(`JSON at ${path} is not a JSON value`);
  };
  walk(value, 0, '$');
  return value;
};

const checkJsonString = (text: string, path: string) => {
  if (text.length > MAX_JSON_STRING) throw refuse(`JSON string at ${path} is longer than ${MAX_JSON_STRING} characters`);
  if (text.includes('\u0000')) throw refuse(`JSON string at ${path} contains a NUL character`);
};

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value (at most 32 levels deep, no NUL characters)',
  serialize: (value) => value,
  parseValue: parseJson,
  parseLiteral: (ast, variables) => parseJson(valueFromASTUntyped(ast, variables)),
});

/**
 * Every custom scalar of the API by name. A scalar added to any subgraph's SDL must be added here:
 * the gateway refuses to start with one it cannot check.
 */
export const CUSTOM_SCALARS: Readonly<Record<string, GraphQLScalarType>> = { DateTime: DateTimeScalar, JSON: JSONScalar };

/** Checks one argument value against a custom scalar: a variable's JSON value or a literal. */
export const checkCustomScalar = (name: string, value: { literal: ValueNode } | { value: unknown }): void => {
  const scalar = CUSTOM_SCALARS[name];
  if (!scalar) throw refuse(`no validation for scalar ${name}`);
  if ('literal' in value) scalar.parseLiteral(value.literal, undefined);
  else scalar.parseValue(value.value);
};

const literalText = (ast: ValueNode): unknown => ('value' in ast ? ast.value : ast.kind);

const describe = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a${Array.isArray(value) ? 'n array' : typeof value === 'object' ? 'n object' : ` ${typeof value}`}`;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

/**
 * The one spelling of an id this system keeps: a UUID in lower case, or null when `value` is no
 * UUID. A UUID is case-insensitive (RFC 9562: `3F2504E0-…` and `3f2504e0-…` are one id), but
 * stream ids (`Sample-<id>`), idempotency scopes, DataLoader keys and live-feed filters compare ids
 * as text, and every id we create or read back from PostgreSQL is lower case. So every id a client
 * sends goes through this before a lookup, a command or a subscription filter; what each field
 * does with a non-UUID (null, `[]`, `BAD_USER_INPUT`) stays its own.
 */
export const canonicalUuid = (value: string): string | null => (UUID.test(value) ? value.toLowerCase() : null);
