import {
  defaultFieldResolver,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { BadInputError } from '../errors.js';

/** What one argument or input field may hold. Strings never hold NUL, whatever their limit. */
export interface InputLimit {
  /** Longest string, in UTF-16 code units (what GraphQL and JavaScript count). */
  maxLength?: number;
  /** Most items in a list. */
  maxItems?: number;
  /** Inclusive numeric range. */
  min?: number;
  max?: number;
  /** Why this limit: the lab's reason, shown in docs/input-limits.md. */
  why: string;
}

/** Strings without an entry: long enough for any note, short enough to keep out of the way. */
export const DEFAULT_STRING_LENGTH = 1_000;
/** IDs without an entry: UUIDs are 36 characters. */
export const DEFAULT_ID_LENGTH = 64;
/** Lists without an entry. */
export const DEFAULT_LIST_ITEMS = 100;

const TEMPERATURE = { min: -273.15, max: 200, why: 'absolute zero to well above any incubator or autoclave log' };
const PERCENT = { min: 0, max: 100, why: 'a percentage' };

/**
 * Every documented bound, by argument or input field name. `<owner>.<name>` (owner: the field an
 * argument belongs to, or the input type a field belongs to) wins over a bare `<name>`, which
 * applies wherever that name appears. docs/input-limits.md is this table (a test keeps it so).
 */
export const INPUT_LIMITS: Readonly<Record<string, InputLimit>> = {
  barcode: { maxLength: 32, why: 'barcodes are 6–32 characters of A-Z, 0-9, - and _' },
  barcodePrefix: { maxLength: 32, why: 'a prefix of a barcode' },
  search: { maxLength: 100, why: 'a search term' },
  projectCode: { maxLength: 64, why: 'project codes' },
  submitter: { maxLength: 200, why: 'a person or group name' },
  name: { maxLength: 100, why: 'unit, job and API key names are 1–100 characters' },
  reason: { maxLength: 500, why: 'a sentence or two' },
  note: { maxLength: 500, why: 'a sentence or two' },
  notify: { maxLength: 200, why: 'an address to notify' },
  i7Index: { maxLength: 24, why: 'index reads are 6–24 bases' },
  i5Index: { maxLength: 24, why: 'index reads are 6–24 bases' },
  flowcellId: { maxLength: 40, why: 'flow cell ids are 4–40 characters' },
  readStructure: { maxLength: 40, why: 'e.g. 151T8B8B151T' },
  idempotencyKey: { maxLength: 128, why: 'a UUID or a saga step key' },
  after: { maxLength: 256, why: 'cursors this API issued' },
  sampleType: { maxLength: 32, why: 'a SampleType name' },
  'sagas.type': { maxLength: 100, why: 'a saga type name' },
  csv: { maxLength: 1_000_000, why: 'importSamples: 10,000 rows of a few dozen characters (the body limit is 1 MiB anyway)' },
  streamTypes: { maxItems: 20, maxLength: 100, why: 'stream type names, e.g. Sample' },
  eventTypes: { maxItems: 50, maxLength: 100, why: 'event type names, e.g. SampleReceived' },
  roles: { maxItems: 10, maxLength: 32, why: 'role names' },
  status: { maxItems: 20, why: 'a set of statuses' },
  first: { min: 1, max: 500, why: 'page size: API.md allows 1–500' },
  limit: { min: 1, max: 1000, why: 'temperature history: at most 1000 readings' },
  spread: { min: 1, max: 100, why: 'how many free positions to choose among' },
  expectedVersion: { min: 0, max: 2_147_483_647, why: 'an aggregate version' },
  // No `lane`: sequencing checks it against the run's or job's own flowcell, whose lane count its refusal names.
  rows: { min: 1, max: 26, why: 'a box has rows A–Z' },
  columns: { min: 1, max: 48, why: 'a box has at most 48 columns' },
  celsius: TEMPERATURE,
  minTempC: TEMPERATURE,
  maxTempC: TEMPERATURE,
  volumeUl: { min: 0, max: 1_000_000, why: 'µl: up to one litre' },
  concentrationNgUl: { min: 0, max: 1_000_000, why: 'ng/µl: up to 1 g/ml' },
  q30Percent: PERCENT,
  percentPf: PERCENT,
  clusterDensityKmm2: { min: 0, max: 100_000, why: 'K clusters/mm²: far above any flow cell' },
  yieldGb: { min: 0, max: 100_000, why: 'Gb per run: far above any instrument' },
};

const limitFor = (owner: string, name: string): InputLimit | undefined => INPUT_LIMITS[`${owner}.${name}`] ?? INPUT_LIMITS[name];

/**
 * Checks a field's arguments (already coerced by GraphQL) against the table: strings for NUL and
 * length, numbers for range, lists for length, recursively through input objects. Throws
 * BAD_USER_INPUT naming the argument path (e.g. `input.volumeUl`, `streamTypes[3]`).
 */
export const checkArguments = (fieldName: string, args: readonly GraphQLArgument[], values: Record<string, unknown>): void => {
  for (const argument of args) check(values[argument.name], argument.type, argument.name, fieldName, argument.name);
};

const check = (value: unknown, type: GraphQLInputType, path: string, owner: string, name: string): void => {
  if (value === null || value === undefined) return;
  const nullable = getNullableType(type);
  const limit = limitFor(owner, name);
  if (isListType(nullable)) {
    if (!Array.isArray(value)) return check(value, nullable.ofType, path, owner, name);
    const maxItems = limit?.maxItems ?? DEFAULT_LIST_ITEMS;
    if (value.length > maxItems) throw refuse(path, `has ${value.length} items, at most ${maxItems} allowed`, { maxItems });
    value.forEach((item, index) => check(item, nullable.ofType, `${path}[${index}]`, owner, name));
    return;
  }
  if (isInputObjectType(nullable)) {
    const fields = nullable.getFields();
    for (const [key, field] of Object.entries(fields)) check((value as Record<string, unknown>)[key], field.type, `${path}.${key}`, nullable.name, key);
    return;
  }
  if (isEnumType(nullable) || !isScalarType(nullable)) return;
  if (typeof value === 'string' && (nullable.name === 'String' || nullable.name === 'ID')) {
    if (value.includes('\u0000')) throw refuse(path, 'contains a NUL character', {});
    const maxLength = limit?.maxLength ?? (nullable.name === 'ID' ? DEFAULT_ID_LENGTH : DEFAULT_STRING_LENGTH);
    if (value.length > maxLength) throw refuse(path, `is ${value.length} characters long, at most ${maxLength} allowed`, { maxLength });
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw refuse(path, 'must be a finite number', {});
    if (limit?.min !== undefined && limit.max !== undefined && (value < limit.min || value > limit.max)) {
      throw refuse(path, `must be between ${limit.min} and ${limit.max}`, { min: limit.min, max: limit.max });
    }
  }
};

const refuse = (path: string, problem: string, limit: Record<string, number>) =>
  new BadInputError(`${path} ${problem}`, { field: path, ...limit });

/**
 * Applies the bounds at a subgraph's edge, for every field that takes arguments (queries,
 * mutations, subscriptions and nested fields such as `temperatureHistory`), before its resolver
 * runs. Federation's own fields (`_entities`, `_service`) are left alone: the gateway sends those.
 */
export const applyInputBounds = (schema: GraphQLSchema): GraphQLSchema => {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields()) as Array<GraphQLField<unknown, unknown>>) {
      if (field.args.length === 0 || field.name.startsWith('_')) continue;
      const guard =
        (resolve: GraphQLFieldResolver<unknown, unknown>): GraphQLFieldResolver<unknown, unknown> =>
        (source, args, context, info) => {
          checkArguments(field.name, field.args, args as Record<string, unknown>);
          return resolve(source, args, context, info);
        };
      // A subscription's arguments are checked once, when it starts, not again for every event.
      if (field.subscribe) field.subscribe = guard(field.subscribe);
      else field.resolve = guard(field.resolve ?? defaultFieldResolver);
    }
  }
  return schema;
};

/** docs/input-limits.md's table, from INPUT_LIMITS. */
export const inputLimitsTable = (): string => {
  const rows = Object.entries(INPUT_LIMITS).map(([name, limit]) => {
    const bound = [
      limit.maxLength !== undefined ? `≤ ${limit.maxLength.toLocaleString('en')} characters` : null,
      limit.maxItems !== undefined ? `≤ ${limit.maxItems} items` : null,
      limit.min !== undefined ? `${limit.min} … ${limit.max!.toLocaleString('en')}` : null,
    ].filter(Boolean);
    return `| \`${name}\` | ${bound.join(', ')} | ${limit.why} |`;
  });
  return ['| argument / input field | limit | why |', '| --- | --- | --- |', ...rows].join('\n');
};
