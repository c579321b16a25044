import { readFileSync } from 'node:fs';
import { buildSchema, graphql, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { formatGraphQLError } from '../errors.js';
import { applyInputBounds, DEFAULT_ID_LENGTH, inputLimitsTable } from './input-bounds.js';

/** A schema shaped like the subgraphs', executed by graphql itself, with the bounds applied. */
const schema: GraphQLSchema = applyInputBounds(
  buildSchema(`
    input RunMetricsInput { q30Percent: Float yieldGb: Float }
    type Reading { celsius: Float }
    type Unit { id: ID temperatureHistory(limit: Int): [Reading] }
    type Query {
      sampleByBarcode(barcode: String!): String
      storageUnit(id: ID!): Unit
      labEvents(streamTypes: [String!]): String
    }
    type Mutation {
      recordTemperature(unitId: ID!, celsius: Float!): String
      recordRunMetrics(jobId: ID!, metrics: RunMetricsInput!): String
    }
  `),
);
const root = {
  sampleByBarcode: () => 'found',
  storageUnit: () => ({ id: 'u', temperatureHistory: () => [] }),
  labEvents: () => 'ok',
  recordTemperature: () => 'recorded',
  recordRunMetrics: () => 'recorded',
};

const run = async (source: string, variableValues?: Record<string, unknown>) => {
  const result = await graphql({ schema, source, rootValue: root, variableValues });
  const error = result.errors?.[0];
  return error ? formatGraphQLError(false)(error.toJSON(), error) : result.data;
};

describe('input bounds at the subgraph edge', () => {
  it('refuses sampleByBarcode(barcode: "\\u0000") before it reaches PostgreSQL', async () => {
    expect(await run('query($b: String!) { sampleByBarcode(barcode: $b) }', { b: '\u0000' })).toMatchObject({
      message: 'barcode contains a NUL character',
      path: ['sampleByBarcode'],
      extensions: { code: 'BAD_USER_INPUT', field: 'barcode' },
    });
  });

  it('refuses a 100,000-character unit id', async () => {
    expect(await run('query($id: ID!) { storageUnit(id: $id) { id } }', { id: 'u'.repeat(100_000) })).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'id', maxLength: DEFAULT_ID_LENGTH },
    });
  });

  it('refuses a temperature of 1e308 °C and accepts a freezer reading', async () => {
    expect(await run('mutation { recordTemperature(unitId: "u", celsius: 1e308) }')).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'celsius', min: -273.15, max: 200 } });
    expect(await run('mutation { recordTemperature(unitId: "u", celsius: -80.5) }')).toEqual({ recordTemperature: 'recorded' });
  });

  it('names the path inside an input object', async () => {
    expect(await run('mutation { recordRunMetrics(jobId: "j", metrics: { q30Percent: 101 }) }')).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'metrics.q30Percent' } });
  });

  it('bounds list lengths and the items in them', async () => {
    expect(await run('query($t: [String!]) { labEvents(streamTypes: $t) }', { t: Array.from({ length: 21 }, () => 'Sample') })).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'streamTypes', maxItems: 20 } });
    expect(await run('query($t: [String!]) { labEvents(streamTypes: $t) }', { t: ['Sample', 'x\u0000'] })).toMatchObject({ extensions: { field: 'streamTypes[1]' } });
  });

  it('checks arguments of nested fields too', async () => {
    expect(await run('{ storageUnit(id: "u") { temperatureHistory(limit: 100000) { celsius } } }')).toMatchObject({
      path: ['storageUnit', 'temperatureHistory'],
      extensions: { code: 'BAD_USER_INPUT', field: 'limit' },
    });
  });

  it('is what docs/input-limits.md documents', () => {
    expect(readFileSync(new URL('../../docs/input-limits.md', import.meta.url), 'utf8')).toContain(inputLimitsTable());
  });
});
