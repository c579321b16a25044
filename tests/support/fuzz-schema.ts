import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';

/**
 * Hostile operations built from a schema (its introspection), seeded so that a failure names a run
 * anyone can repeat: for every root field with arguments, each argument in turn gets hostile values
 * (empty, 100,000-character and NUL strings, ±1e308, malformed ids and dates, deep JSON, huge
 * lists, wrong types) while the others get plausible ones.
 */

export interface FuzzCase {
  label: string;
  kind: 'query' | 'mutation' | 'subscription';
  field: string;
  query: string;
  variables: Record<string, unknown>;
}

/** mulberry32: tiny, fast, and the same sequence for the same seed everywhere. */
export const seeded = (seed: number) => {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (below: number) => Math.floor(next() * below),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
};
export type Random = ReturnType<typeof seeded>;

const uuid = (random: Random) => {
  const hex = Array.from({ length: 32 }, () => random.int(16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[random.int(4)]!;
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

const deepJson = (depth: number): unknown => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { d: value };
  return value;
};

const LONG = 'x'.repeat(100_000);

/** Values no lab would send, by named input type. */
const HOSTILE_SCALARS: Record<string, (random: Random) => unknown[]> = {
  String: () => ['', LONG, '\u0000', 'SMP\u0000001', '\ud800', "'; DROP TABLE events; --", "=cmd|' /C calc'!A0", '%s%n%x', '😀'.repeat(2000), 'A'.repeat(33), ' ', 12345, { an: 'object' }],
  ID: (random) => ['', 'not-a-uuid', '\u0000', LONG, '00000000-0000-0000-0000-000000000000', uuid(random), '-1', `${uuid(random)}\u0000`, 1e308, ['a']],
  Int: () => [0, -1, 2147483647, -2147483648, 2147483648, 1.5, 1e308, '5', true],
  Float: () => [1e308, -1e308, 0, -0, 5e-324, 9007199254740993, 'NaN', '1e308', { x: 1 }],
  Boolean: () => ['true', 0, null],
  DateTime: () => ['A1', '', '2026-02-30', '2026-11-21T10:00:00', '9999-12-31T23:59:59Z', '0001-01-01', 1234, '\u0000', LONG, '2026-11-21T10:00:00+99:99', { iso: true }],
  JSON: () => [deepJson(1000), { '\u0000': 1 }, { note: 'a\u0000b' }, LONG, 1e308, Array.from({ length: 20_000 }, () => 0), [], null, { nested: { long: LONG } }],
};

/** What a reasonable client would send, by named input type. */
const plausibleScalar = (name: string, argument: string, random: Random): unknown => {
  switch (name) {
    case 'ID':
      return uuid(random);
    case 'Int':
      return argument === 'expectedVersion' ? 1 : 2;
    case 'Float':
      return 4.5;
    case 'Boolean':
      return true;
    case 'DateTime':
      return '2026-11-21T10:00:00Z';
    case 'JSON':
      return { fuzz: true };
    default:
      if (argument === 'csv') return `barcode,sampleType\nFZ${random.int(1e9)},DNA\n`;
      return `FUZZ-${random.int(1e9)}`;
  }
};

export const plausible = (type: GraphQLInputType, name: string, random: Random): unknown => {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [plausible(nullable.ofType, name, random)];
  if (isEnumType(nullable)) return nullable.getValues()[0]!.name;
  if (isInputObjectType(nullable)) {
    return Object.fromEntries(
      Object.values(nullable.getFields())
        .filter((field) => isNonNullType(field.type))
        .map((field) => [field.name, plausible(field.type, field.name, random)]),
    );
  }
  return plausibleScalar(nullable.name, name, random);
};

/** Hostile values for one argument or input field, structure included. */
export const hostile = (type: GraphQLInputType, name: string, random: Random): unknown[] => {
  const nullable = getNullableType(type);
  const wrongShape = [null, 'a string', 42, { unexpected: true }];
  if (isListType(nullable)) {
    const item = plausible(nullable.ofType, name, random);
    const bad = random.pick(hostile(nullable.ofType, name, random));
    return [[], Array.from({ length: 10_000 }, () => item), [null], [item, bad], ...wrongShape];
  }
  if (isEnumType(nullable)) return ['NOPE', '', nullable.getValues()[0]!.name.toLowerCase(), ...wrongShape];
  if (isInputObjectType(nullable)) {
    const base = plausible(nullable, name, random) as Record<string, unknown>;
    const fields = Object.values(nullable.getFields());
    const perField = fields.flatMap((field) => hostile(field.type, field.name, random).map((value) => ({ ...base, [field.name]: value })));
    return [{}, { ...base, notAField: 1 }, ...wrongShape, ...perField];
  }
  return [...(HOSTILE_SCALARS[nullable.name]?.(random) ?? ['', LONG, '\u0000']), ...(isNonNullType(type) ? [null] : [])];
};

/** A small selection of what a field returns: leaves without required arguments, two levels deep. */
export const selection = (type: GraphQLOutputType, depth = 0): string => {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named) || depth > 1) return '{ __typename }';
  const fields = (Object.values(named.getFields()) as Array<GraphQLField<unknown, unknown>>).filter((field) => field.args.every((arg) => !isNonNullType(arg.type)));
  const parts = fields.slice(0, 12).map((field) => `${field.name} ${selection(field.type, depth + 1)}`.trim());
  return `{ __typename ${parts.join(' ')} }`;
};

/** Every root field with arguments, each argument hostile in turn; `runs` picks per argument (all when 0). */
export const fuzzCases = (schema: GraphQLSchema, options: { seed: number; runs: number }): FuzzCase[] => {
  const random = seeded(options.seed);
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const;
  const cases: FuzzCase[] = [];
  for (const [kind, root] of roots) {
    if (!root) continue;
    for (const field of Object.values(root.getFields()) as Array<GraphQLField<unknown, unknown>>) {
      if (field.name.startsWith('_') || field.args.length === 0) continue;
      for (const target of field.args) {
        const values = hostile(target.type, target.name, random);
        const chosen = options.runs > 0 ? Array.from({ length: Math.min(options.runs, values.length) }, () => values.splice(random.int(values.length), 1)[0]) : values;
        for (const value of chosen) {
          cases.push(caseFor(kind, field, target, value, random));
        }
      }
    }
  }
  return cases;
};

const caseFor = (kind: FuzzCase['kind'], field: GraphQLField<unknown, unknown>, target: GraphQLArgument, value: unknown, random: Random): FuzzCase => {
  const variables: Record<string, unknown> = {};
  for (const argument of field.args) {
    if (argument === target) variables[argument.name] = value;
    else if (isNonNullType(argument.type) || random.next() < 0.5) variables[argument.name] = plausible(argument.type, argument.name, random);
  }
  const used = field.args.filter((argument) => argument.name in variables);
  const definitions = used.map((argument) => `$${argument.name}: ${String(argument.type)}`).join(', ');
  const args = used.map((argument) => `${argument.name}: $${argument.name}`).join(', ');
  const query = `${kind} Fuzz${definitions ? `(${definitions})` : ''} { ${field.name}${args ? `(${args})` : ''} ${selection(field.type)} }`;
  return { label: `${field.name}(${target.name}: ${preview(value)})`, kind, field: field.name, query, variables };
};

/**
 * The same case with the hostile argument written into the document as a literal (GraphQL syntax),
 * or null when it has no literal form (non-finite numbers, keys that are not names, huge values).
 */
export const asLiteral = (fuzz: FuzzCase, field: GraphQLField<unknown, unknown>, target: string): FuzzCase | null => {
  const literal = toLiteral(fuzz.variables[target], isEnumType(getNamedType(field.args.find((a) => a.name === target)!.type)));
  if (literal === null || literal.length > 2_000) return null;
  const { [target]: _, ...variables } = fuzz.variables;
  const query = fuzz.query
    .replace(new RegExp(`\\$${target}: [^,)]+(, )?`), '')
    .replace('()', '')
    .replace(`${target}: $${target}`, `${target}: ${literal}`);
  return { ...fuzz, label: `${fuzz.label} as a literal`, query, variables };
};

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const toLiteral = (value: unknown, enumLike: boolean): string | null => {
  if (value === null) return 'null';
  if (typeof value === 'string') return enumLike && NAME.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const items = value.map((item) => toLiteral(item, enumLike));
    return items.every((item) => item !== null) ? `[${items.join(', ')}]` : null;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) => {
      const literal = NAME.test(key) ? toLiteral(item, false) : null;
      return literal === null ? null : `${key}: ${literal}`;
    });
    return entries.every((entry) => entry !== null) ? `{${entries.join(', ')}}` : null;
  }
  return null;
};

const preview = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…(${text.length} chars)` : text;
};
