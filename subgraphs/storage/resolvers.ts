import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { BadInputError } from '../../platform/errors.js';
import { DateTimeScalar, isUuid } from '../../platform/graphql/scalars.js';
import { commandContext, type RequestContext } from '../../platform/subgraph-server.js';
import type { StorageCommandContext, StorageCommands } from './commands/storage-commands.js';
import type { StorageUnit } from './domain/storage-unit.js';
import type { StorageLoaders } from './read-model/loaders.js';
import type { CustodyRow, PositionRow, ReadingRow, StorageQueries, UnitRow } from './read-model/queries.js';

export interface StorageContext extends RequestContext {
  storage: StorageLoaders;
}

type Args<T> = Record<string, unknown> & T;

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

const reading = (row: ReadingRow) => ({ celsius: row.celsius, recordedAt: row.recorded_at, inRange: row.in_range });

export const storageResolvers = (deps: { queries: StorageQueries; commands: StorageCommands }): GraphQLResolverMap<StorageContext> => ({
  DateTime: DateTimeScalar,
  Query: {
    storageUnit: (_: unknown, { id }: Args<{ id: string }>, ctx: StorageContext) => (isUuid(id) ? ctx.storage.unit.load(id) : null),
    storageUnits: (_: unknown, args: Args<{ kind?: string; zone?: string; parentId?: string }>, ctx: StorageContext) => deps.queries.units(ctx.tenantId, args),
    findFreePosition: (_: unknown, args: Args<{ sampleType: string; underUnitId?: string | null; zone?: string | null; spread?: number | null }>, ctx: StorageContext) =>
      deps.commands.findFree(ctx.tenantId, args.sampleType, args.underUnitId ?? null, args.zone ?? null, args.spread ?? 1),
  },
  Mutation: {
    createStorageUnit: async (_: unknown, args: Args<{ input: any; idempotencyKey?: string }>, ctx: StorageContext) => {
      const { unit, position } = await deps.commands.createUnit(commandContext(ctx), args.input, args.idempotencyKey);
      return { unit: unitView(unit), position };
    },
    reservePosition: (_: unknown, a: Args<{ positionId: string; sampleId: string; idempotencyKey?: string }>, ctx: StorageContext) =>
      deps.commands.reserve(placement(ctx), a.positionId, a.sampleId, a.idempotencyKey),
    reserveFreePosition: (_: unknown, a: Args<{ sampleId: string; underUnitId?: string | null; zone?: string | null; idempotencyKey?: string }>, ctx: StorageContext) =>
      deps.commands.reserveFree(placement(ctx), a.sampleId, a.underUnitId ?? null, a.zone ?? null, a.idempotencyKey),
    releaseReservation: (_: unknown, a: Args<{ positionId: string; idempotencyKey?: string }>, ctx: StorageContext) => deps.commands.release(placement(ctx), a.positionId, a.idempotencyKey),
    storeSample: (_: unknown, a: Args<{ sampleId: string; positionId: string; idempotencyKey?: string }>, ctx: StorageContext) =>
      deps.commands.store(placement(ctx), a.sampleId, a.positionId, a.idempotencyKey),
    removeSampleFromStorage: (_: unknown, a: Args<{ sampleId: string; reason: string; idempotencyKey?: string }>, ctx: StorageContext) =>
      deps.commands.remove(placement(ctx), a.sampleId, a.reason, a.idempotencyKey),
    moveSample: (_: unknown, a: Args<{ sampleId: string; toPositionId: string }>, ctx: StorageContext) => deps.commands.move(placement(ctx), a.sampleId, a.toPositionId),
    checkOutSample: (_: unknown, a: Args<{ sampleId: string; reason: string }>, ctx: StorageContext) => deps.commands.checkOut(placement(ctx), a.sampleId, a.reason),
    checkInSample: (_: unknown, a: Args<{ sampleId: string }>, ctx: StorageContext) => deps.commands.checkIn(placement(ctx), a.sampleId),
    recordTemperature: (_: unknown, a: Args<{ unitId: string; celsius: number; recordedAt?: string }>, ctx: StorageContext) =>
      deps.commands.recordTemperature(commandContext(ctx), a.unitId, a.celsius, a.recordedAt),
  },
  StorageUnit: {
    __resolveReference: (ref: { id: string }, ctx: StorageContext) => (isUuid(ref.id) ? ctx.storage.unit.load(ref.id) : null),
    parent: (unit: UnitRow, _: unknown, ctx: StorageContext) => (unit.parent_id ? ctx.storage.unit.load(unit.parent_id) : null),
    children: (unit: UnitRow, _: unknown, ctx: StorageContext) => ctx.storage.children.load(unit.id),
    minTempC: (unit: UnitRow) => unit.min_temp_c,
    maxTempC: (unit: UnitRow) => unit.max_temp_c,
    utilization: (unit: UnitRow) => (unit.capacity === 0 ? 0 : unit.occupied / unit.capacity),
    positions: (unit: UnitRow, _: unknown, ctx: StorageContext) => (unit.kind === 'BOX' ? ctx.storage.positionsOfUnit.load(unit.id) : []),
    latestTemperature: (unit: UnitRow) =>
      unit.latest_recorded_at ? { celsius: unit.latest_celsius, recordedAt: unit.latest_recorded_at, inRange: unit.latest_in_range } : null,
    temperatureHistory: async (unit: UnitRow, args: Args<{ since?: string | null; limit?: number | null }>, ctx: StorageContext) => {
      const limit = args.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new BadInputError('limit must be between 1 and 1000', { field: 'limit' });
      return (await ctx.storage.readings(args.since ?? null, limit).load(unit.id)).map(reading);
    },
  },
  StoragePosition: {
    unit: (position: PositionRow, _: unknown, ctx: StorageContext) => ctx.storage.unit.load(position.unit_id),
    column: (position: PositionRow) => position.col,
    sample: (position: PositionRow) => (position.sample_id && position.state === 'OCCUPIED' ? { __typename: 'Sample', id: position.sample_id } : null),
  },
  Sample: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    location: (sample: { id: string }, _: unknown, ctx: StorageContext) => ctx.storage.locationOfSample.load(sample.id),
    custody: (sample: { id: string }, _: unknown, ctx: StorageContext) => ctx.storage.custodyOfSample.load(sample.id),
  },
  CustodyRecord: {
    positionLabel: (record: CustodyRow) => record.position_label,
  },
});
