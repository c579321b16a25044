import DataLoader from 'dataloader';
import { groupBy, keyBy } from '../../../platform/graphql/batch.js';
import { coalesce } from '../../../platform/graphql/coalesce.js';
import type { SampleQueries, SampleView } from './queries.js';

type Relatives = (tenantId: string, ids: readonly string[], depth: number) => Promise<Array<SampleView & { root: string }>>;

/** One loader per depth asked for in the request, each batching every sample's relatives into one query. */
const byDepth = (find: Relatives, tenantId: string) => {
  const loaders = new Map<number, DataLoader<string, SampleView[]>>();
  return (depth: number) => {
    let loader = loaders.get(depth);
    if (!loader) {
      loader = new DataLoader<string, SampleView[]>(async (ids) => groupBy(ids, await find(tenantId, ids, depth), (relative) => relative.root));
      loaders.set(depth, loader);
    }
    return loader;
  };
};

/** Lookups by id and barcode shared by the process's concurrent requests (see coalesce): one per process. */
export const sampleLookups = (queries: SampleQueries) => ({
  byIds: coalesce((tenantId, ids) => queries.byIds(tenantId, ids), (sample) => sample.id),
  byBarcodes: coalesce((tenantId, barcodes) => queries.byBarcodes(tenantId, barcodes), (sample) => sample.barcode),
});

/** Per-request loaders: every sample lookup in one request becomes one SQL query per batch. */
export const createSampleLoaders = (queries: SampleQueries, lookups: ReturnType<typeof sampleLookups>, tenantId: string) => ({
  ancestorsOf: byDepth((t, ids, depth) => queries.ancestorsOf(t, ids, depth), tenantId),
  descendantsOf: byDepth((t, ids, depth) => queries.descendantsOf(t, ids, depth), tenantId),
  byId: new DataLoader<string, SampleView | null>(async (ids) => keyBy(ids, await lookups.byIds(tenantId, ids), (sample) => sample.id)),
  byBarcode: new DataLoader<string, SampleView | null>(async (barcodes) => keyBy(barcodes, await lookups.byBarcodes(tenantId, barcodes), (sample) => sample.barcode)),
});

export type SampleLoaders = ReturnType<typeof createSampleLoaders>;
