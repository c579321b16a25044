import { readFileSync } from 'node:fs';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { execute, Kind, parse, type EnumTypeDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SAMPLE_TYPES } from '../../platform/lab-rules.js';
import type { StorageCommands } from './commands/storage-commands.js';
import { positionId } from './domain/storage-unit.js';
import { createStorageLoaders, storageLookups } from './read-model/loaders.js';
import type { CustodyRow, PositionRow, StorageQueries, UnitRow } from './read-model/queries.js';
import { storageResolvers } from './resolvers.js';

const TENANT = 'spec-tenant';
const [BOX1, BOX2] = ['00000000-0000-4000-8000-00000000b001', '00000000-0000-4000-8000-00000000b002'];
const SAMPLES = ['00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000c003'];
const at = (box: string, label: string) => positionId(box, label);

const unit = (id: string, name: string): UnitRow => ({
  id, name, kind: 'BOX', zone: 'MINUS_20', parent_id: null, rows: 1, columns: 2, min_temp_c: null, max_temp_c: null,
  capacity: 2, occupied: 0, reserved: 0, latest_celsius: null, latest_recorded_at: null, latest_in_range: null,
});
const position = (box: string, label: string): PositionRow => ({ id: at(box, label), unit_id: box, row: 1, col: Number(label.slice(1)), label, state: 'AVAILABLE', sample_id: null, zone: 'MINUS_20' });
const record = (sampleId: string, action: string, box: string, label: string, from?: [string, string]): CustodyRow => ({
  sample_id: sampleId, action, actor: 'tester', at: new Date('2026-01-01T00:00:00.000Z'), position_label: label,
  position_id: at(box, label), from_position_id: from ? at(...from) : null, note: null,
});

/** The read model as three samples' custody across two boxes, counting the statements each request would run. */
const readModel = () => {
  const calls: Record<string, string[][]> = { custodyOfSamples: [], positionsByIds: [], unitsByIds: [] };
  const custody = [
    record(SAMPLES[0]!, 'STORED', BOX1, 'A1'),
    record(SAMPLES[0]!, 'MOVED', BOX2, 'A1', [BOX1, 'A1']),
    record(SAMPLES[1]!, 'STORED', BOX1, 'A2'),
    record(SAMPLES[1]!, 'CHECKED_OUT', BOX1, 'A2'),
    record(SAMPLES[2]!, 'STORED', BOX2, 'A2'),
    record(SAMPLES[2]!, 'MOVED', BOX1, 'A1', [BOX2, 'A2']),
  ];
  const positions = [position(BOX1, 'A1'), position(BOX1, 'A2'), position(BOX2, 'A1'), position(BOX2, 'A2')];
  const units = [unit(BOX1, 'Box 1'), unit(BOX2, 'Box 2')];
  const queries = {
    custodyOfSamples: async (_tenant: string, ids: readonly string[]) => (calls.custodyOfSamples!.push([...ids]), custody.filter((c) => ids.includes(c.sample_id))),
    positionsByIds: async (_tenant: string, ids: readonly string[]) => (calls.positionsByIds!.push([...ids]), positions.filter((p) => ids.includes(p.id))),
    unitsByIds: async (_tenant: string, ids: readonly string[]) => (calls.unitsByIds!.push([...ids]), units.filter((u) => ids.includes(u.id))),
  } as unknown as StorageQueries;
  return { queries, calls };
};

describe('custody records through the storage subgraph', () => {
  it("resolves every record's position and the position a move left, with its box, in one query each for the whole request", async () => {
    const { queries, calls } = readModel();
    const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));
    const schema = buildSubgraphSchema([{ typeDefs, resolvers: storageResolvers({ queries, commands: {} as StorageCommands }) as GraphQLResolverMap<unknown> }]);
    const result = await execute({
      schema,
      document: parse(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Sample { custody { action positionLabel position { label unit { name } } fromPosition { label unit { name } } } } } }`),
      variableValues: { r: SAMPLES.map((id) => ({ __typename: 'Sample', id })) },
      contextValue: { tenantId: TENANT, storage: createStorageLoaders(queries, storageLookups(queries), TENANT) },
    });
    expect(result.errors).toBeUndefined();
    const where = (label: string, box: string) => ({ label, unit: { name: box } });
    expect((result.data as any)._entities.map((s: any) => s.custody)).toEqual([
      [
        { action: 'STORED', positionLabel: 'A1', position: where('A1', 'Box 1'), fromPosition: null },
        { action: 'MOVED', positionLabel: 'A1', position: where('A1', 'Box 2'), fromPosition: where('A1', 'Box 1') },
      ],
      [
        { action: 'STORED', positionLabel: 'A2', position: where('A2', 'Box 1'), fromPosition: null },
        { action: 'CHECKED_OUT', positionLabel: 'A2', position: where('A2', 'Box 1'), fromPosition: null },
      ],
      [
        { action: 'STORED', positionLabel: 'A2', position: where('A2', 'Box 2'), fromPosition: null },
        { action: 'MOVED', positionLabel: 'A1', position: where('A1', 'Box 1'), fromPosition: where('A2', 'Box 2') },
      ],
    ]);
    // No N+1: one statement for the custody of all samples, one for all their positions, one for the boxes.
    expect(calls.custodyOfSamples).toHaveLength(1);
    expect(calls.positionsByIds).toHaveLength(1);
    expect(new Set(calls.positionsByIds[0])).toEqual(new Set([at(BOX1, 'A1'), at(BOX1, 'A2'), at(BOX2, 'A1'), at(BOX2, 'A2')]));
    expect(calls.unitsByIds).toEqual([[BOX1, BOX2]]);
  });
});

describe('sample types storage accepts', () => {
  it('are the SampleType enum of the schema clients see (findFreePosition takes them as a String)', () => {
    const api = parse(readFileSync(new URL('../../schema/api.graphql', import.meta.url), 'utf8'));
    const sampleType = api.definitions.find((d): d is EnumTypeDefinitionNode => d.kind === Kind.ENUM_TYPE_DEFINITION && d.name.value === 'SampleType');
    expect(sampleType?.values?.map((v) => v.name.value)).toEqual([...SAMPLE_TYPES]);
  });
});
