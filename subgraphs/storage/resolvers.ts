import { BadInputError } from '../../platform/errors.js';
import { canonicalUuid, DateTimeScalar } from '../../platform/graphql/scalars.js';
import { commandContext, type RequestContext } from '../../platform/subgraph-server.js';
import type { StorageCommandContext, StorageCommands } from './commands/storage-commands.js';
import type { StorageUnit } from './domain/storage-unit.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import type { StorageLoaders } from './read-model/loaders.js';
import type { ReadingRow, StorageQueries, UnitRow } from './read-model/queries.js';
import { unitLabels } from './unit-labels.js';

export interface StorageContext extends RequestContext {
  storage: StorageLoaders;
}

/** A sample as storage knows it: by reference from the samples subgraph. */
export interface SampleReference {
  id: string;
}

/** A temperature reading as the read model holds it (the latest one's columns are nullable). */
export interface ReadingView {
  celsius: number | null;
  recordedAt: Date | string;
  inRange: boolean | null;
}

/** A placement may target a box created just before: the command is given the way to wait for it, if it must. */
const placement = (ctx: StorageContext): StorageCommandContext => ({ ...commandContext(ctx), readModelsAt: () => ctx.readModelsAt() });

/** A freshly created unit, from the write side, shaped like a read-model row (no counts yet but its own). */
const unitView = (unit: StorageUnit): UnitRow => ({
  id: unit.id,
  name: unit.name,
  kind: unit.kind,
  zone: unit.zone,
  parent_id: unit.parentId,
  rows: unit.rows,
  columns: unit.columns,
  min_temp_c: unit.minTempC,
  max_temp_c: unit.maxTempC,
  capacity: unit.kind === 'BOX' ? unit.rows! * unit.columns! : 0,
  occupied: 0,
  reserved: 0,
  latest_celsius: null,
  latest_recorded_at: null,
  latest_in_range: null,
});

const reading = (row: ReadingRow): ReadingView => ({ celsius: row.celsius, recordedAt: row.recorded_at, inRange: row.in_range });

export const storageResolvers = (deps: { queries: StorageQueries; commands: StorageCommands }): Resolvers<StorageContext> => ({
  DateTime: DateTimeScalar,
  Query: {
    // A unit's label carries its id upper case (scanners read it so): ids are the same in any case.
    storageUnit: (_, { id }, ctx) => {
      const unitId = canonicalUuid(id);
      return unitId ? ctx.storage.unit.load(unitId) : null;
    },
    storageUnits: (_, args, ctx) => deps.queries.units(ctx.tenantId, args),
    findFreePosition: (_, args, ctx) =>
      deps.commands.findFree(ctx.tenantId, args.sampleType, args.underUnitId ?? null, args.zone ?? null, args.spread ?? 1),
  },
  Mutation: {
    createStorageUnit: async (_, args, ctx) => {
      const { unit, position } = await deps.commands.createUnit(commandContext(ctx), args.input, args.idempotencyKey);
      return { unit: unitView(unit), position };
    },
    reservePosition: (_, a, ctx) =>
      deps.commands.reserve(placement(ctx), a.positionId, a.sampleId, a.idempotencyKey),
    reserveFreePosition: (_, a, ctx) =>
      deps.commands.reserveFree(placement(ctx), a.sampleId, a.underUnitId ?? null, a.zone ?? null, a.idempotencyKey),
    releaseReservation: (_, a, ctx) => deps.commands.release(placement(ctx), a.positionId, a.idempotencyKey),
    storeSample: (_, a, ctx) =>
      deps.commands.store(placement(ctx), a.sampleId, a.positionId, a.idempotencyKey),
    removeSampleFromStorage: (_, a, ctx) =>
      deps.commands.remove(placement(ctx), a.sampleId, a.reason, a.idempotencyKey),
    moveSample: (_, a, ctx) => deps.commands.move(placement(ctx), a.sampleId, a.toPositionId),
    checkOutSample: (_, a, ctx) => deps.commands.checkOut(placement(ctx), a.sampleId, a.reason),
    checkInSample: (_, a, ctx) => deps.commands.checkIn(placement(ctx), a.sampleId),
    recordTemperature: (_, a, ctx) =>
      deps.commands.recordTemperature(commandContext(ctx), a.unitId, a.celsius, a.recordedAt),
  },
  StorageUnit: {
    __resolveReference: (ref, ctx) => {
      const unitId = canonicalUuid(ref.id);
      return unitId ? ctx.storage.unit.load(unitId) : null;
    },
    parent: (unit, _, ctx) => (unit.parent_id ? ctx.storage.unit.load(unit.parent_id) : null),
    children: (unit, _, ctx) => ctx.storage.children.load(unit.id),
    minTempC: (unit) => unit.min_temp_c,
    maxTempC: (unit) => unit.max_temp_c,
    utilization: (unit) => (unit.capacity === 0 ? 0 : unit.occupied / unit.capacity),
    positions: (unit, _, ctx) => (unit.kind === 'BOX' ? ctx.storage.positionsOfUnit.load(unit.id) : []),
    latestTemperature: (unit) =>
      unit.latest_recorded_at ? { celsius: unit.latest_celsius, recordedAt: unit.latest_recorded_at, inRange: unit.latest_in_range } : null,
    temperatureHistory: async (unit, args, ctx) => {
      const limit = args.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new BadInputError('limit must be between 1 and 1000', { field: 'limit' });
      return (await ctx.storage.readings(args.since ?? null, limit).load(unit.id)).map(reading);
    },
    labels: async (unit, args, ctx) =>
      unitLabels(unit, unit.kind === 'BOX' ? await ctx.storage.storedSamplesOfUnit.load(unit.id) : [], args.format ?? 'ZPL', args.symbology ?? 'CODE128'),
  },
  StoragePosition: {
    // A position's box is in the same read model; a missing one fails the field with GraphQL's non-null error, as always.
    unit: async (position, _, ctx) => (await ctx.storage.unit.load(position.unit_id)) as UnitRow,
    column: (position) => position.col,
    sample: (position) => (position.sample_id && position.state === 'OCCUPIED' ? { __typename: 'Sample', id: position.sample_id } : null),
  },
  Sample: {
    // A malformed id stays as it is: it matches no position and no custody record.
    __resolveReference: (ref) => ({ id: canonicalUuid(ref.id) ?? ref.id }),
    location: (sample, _, ctx) => ctx.storage.locationOfSample.load(sample.id),
    custody: (sample, _, ctx) => ctx.storage.custodyOfSample.load(sample.id),
  },
  CustodyRecord: {
    positionLabel: (record) => record.position_label,
    // Through the request's position loader: a sample's whole custody, or many samples', is one query.
    position: (record, _, ctx) => (record.position_id ? ctx.storage.position.load(record.position_id) : null),
    fromPosition: (record, _, ctx) => (record.from_position_id ? ctx.storage.position.load(record.from_position_id) : null),
  },
});
