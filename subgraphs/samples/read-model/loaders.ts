import DataLoader from 'dataloader';
import { groupBy } from '../../../platform/graphql/batch.js';
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

/** Per-request loaders: every sample lookup in one request becomes one SQL query per batch. */
export const createSampleLoaders = (queries: SampleQueries, tenantId: string) => ({
  ancestorsOf: byDepth((t, ids, depth) => queries.ancestorsOf(t, ids, depth), tenantId),
  descendantsOf: byDepth((t, ids, depth) => queries.descendantsOf(t, ids, depth), tenantId),
  byId: new DataLoader<string, SampleView | null>(async (ids) => {
    const found = new Map((await queries.byIds(tenantId, ids)).map((sample) => [sample.id, sample]));
    return ids.map((id) => found.get(id) ?? null);
  }),
  byBarcode: new DataLoader<string, SampleView | null>(async (barcodes) => {
    const found = new Map((await queries.byBarcodes(tenantId, barcodes)).map((sample) => [sample.barcode, sample]));
    return barcodes.map((barcode) => found.get(barcode) ?? null);
  }),
});

export type SampleLoaders = ReturnType<typeof createSampleLoaders>;
