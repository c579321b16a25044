import DataLoader from 'dataloader';
import type { SampleQueries, SampleView } from './queries.js';

/** Per-request loaders: every sample lookup in one request becomes one SQL query per batch. */
export const createSampleLoaders = (queries: SampleQueries, tenantId: string) => ({
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
