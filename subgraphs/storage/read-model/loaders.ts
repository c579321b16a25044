import DataLoader from 'dataloader';
import { groupBy, keyBy } from '../../../platform/graphql/batch.js';
import { coalesce } from '../../../platform/graphql/coalesce.js';
import type { CustodyRow, PositionRow, ReadingRow, StorageQueries, StoredSampleRow, UnitRow } from './queries.js';

/** The lookups every federated page of samples makes, shared by the process's concurrent requests (see coalesce). */
export const storageLookups = (queries: StorageQueries) => ({
  unitsByIds: coalesce((tenantId, ids) => queries.unitsByIds(tenantId, ids), (unit) => unit.id),
  locationsOfSamples: coalesce((tenantId, ids) => queries.locationsOfSamples(tenantId, ids), (position) => position.sample_id!),
});

/** Per-request loaders: one SQL statement per batch of keys, never one per entity. */
export const createStorageLoaders = (queries: StorageQueries, lookups: ReturnType<typeof storageLookups>, tenantId: string) => {
  const readings = new Map<string, DataLoader<string, ReadingRow[]>>();
  return {
    unit: new DataLoader<string, UnitRow | null>(async (ids) => keyBy(ids, await lookups.unitsByIds(tenantId, ids), (u) => u.id)),
    children: new DataLoader<string, UnitRow[]>(async (ids) => groupBy(ids, await queries.childrenOf(tenantId, ids), (u) => u.parent_id!)),
    position: new DataLoader<string, PositionRow | null>(async (ids) => keyBy(ids, await queries.positionsByIds(tenantId, ids), (p) => p.id)),
    positionsOfUnit: new DataLoader<string, PositionRow[]>(async (ids) => groupBy(ids, await queries.positionsOfUnits(tenantId, ids), (p) => p.unit_id)),
    locationOfSample: new DataLoader<string, PositionRow | null>(async (ids) => keyBy(ids, await lookups.locationsOfSamples(tenantId, ids), (p) => p.sample_id!)),
    storedSamplesOfUnit: new DataLoader<string, StoredSampleRow[]>(async (ids) => groupBy(ids, await queries.storedSamplesOfUnits(tenantId, ids), (s) => s.unit_id)),
    custodyOfSample: new DataLoader<string, CustodyRow[]>(async (ids) => groupBy(ids, await queries.custodyOfSamples(tenantId, ids), (c) => c.sample_id)),
    /** One loader per (since, limit), so a list of units asking the same history is one query. */
    readings(since: string | null, limit: number): DataLoader<string, ReadingRow[]> {
      const key = `${since}|${limit}`;
      let loader = readings.get(key);
      if (!loader) {
        loader = new DataLoader(async (ids) => groupBy(ids, await queries.readings(tenantId, ids, since, limit), (r) => r.unit_id));
        readings.set(key, loader);
      }
      return loader;
    },
  };
};

export type StorageLoaders = ReturnType<typeof createStorageLoaders>;
