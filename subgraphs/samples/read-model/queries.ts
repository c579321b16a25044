import { sql, type Kysely } from 'kysely';
import { decodeCursor, encodeCursor, isoOrNull, toConnection, type Connection } from '../../../platform/graphql/connection.js';
import { BadInputError } from '../../../platform/errors.js';
import { isUuid } from '../../../platform/graphql/scalars.js';
import type { Sample } from '../domain/sample.js';
import type { SamplesReadDB } from './schema.js';

/** A sample as the API shows it, from either the read model or the write side. */
export type SampleView = Sample & { version: number };
/** A page of samples; `totalCount` may be a function, which GraphQL calls only when it is asked for. */
export type SampleConnectionView = Connection<SampleView>;

export interface SampleFilter {
  status?: string[] | null;
  sampleType?: string[] | null;
  projectCode?: string | null;
  barcodePrefix?: string | null;
  search?: string | null;
  createdAfter?: string | null;
  createdBefore?: string | null;
}

type Row = SamplesReadDB['samples_read.samples'];

const iso = (value: Date | string): string => isoOrNull(value)!;

export const toView = (row: Row): SampleView => ({
  id: row.id,
  barcode: row.barcode,
  sampleType: row.sample_type as SampleView['sampleType'],
  status: row.status as SampleView['status'],
  statusReason: row.status_reason,
  volumeUl: row.volume_ul,
  concentrationNgUl: row.concentration_ng_ul,
  submitter: row.submitter,
  projectCode: row.project_code,
  metadata: row.metadata,
  parentId: row.parent_id,
  createdAt: iso(row.created_at),
  updatedAt: iso(row.updated_at),
  version: row.version,
});

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

export class SampleQueries {
  constructor(private readonly db: Kysely<SamplesReadDB>) {}

  async byIds(tenantId: string, ids: readonly string[]): Promise<SampleView[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    const rows = await this.db.selectFrom('samples_read.samples').selectAll().where('tenant_id', '=', tenantId).where('id', 'in', valid).execute();
    return rows.map(toView);
  }

  async byBarcodes(tenantId: string, barcodes: readonly string[]): Promise<SampleView[]> {
    if (barcodes.length === 0) return [];
    const rows = await this.db.selectFrom('samples_read.samples').selectAll().where('tenant_id', '=', tenantId).where('barcode', 'in', barcodes).execute();
    return rows.map(toView);
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(tenantId: string, filter: SampleFilter, first: number, after: string | null | undefined): Promise<Connection<SampleView>> {
    let query = this.db.selectFrom('samples_read.samples').where('tenant_id', '=', tenantId);
    if (filter.status?.length) query = query.where('status', 'in', filter.status);
    if (filter.sampleType?.length) query = query.where('sample_type', 'in', filter.sampleType);
    if (filter.projectCode) query = query.where('project_code', '=', filter.projectCode);
    if (filter.barcodePrefix) query = query.where('barcode', 'like', `${escapeLike(filter.barcodePrefix)}%`);
    if (filter.search) {
      const pattern = `%${escapeLike(filter.search)}%`;
      query = query.where((eb) => eb.or([eb('barcode', 'ilike', pattern), eb('submitter', 'ilike', pattern), eb('project_code', 'ilike', pattern)]));
    }
    if (filter.createdAfter) query = query.where('created_at', '>', filter.createdAfter);
    if (filter.createdBefore) query = query.where('created_at', '<', filter.createdBefore);
    if (filter.createdAfter && filter.createdBefore && filter.createdAfter >= filter.createdBefore) {
      throw new BadInputError('createdAfter must be before createdBefore', { field: 'filter' });
    }
    const cursor = decodeCursor<[string, string]>(after, 2);
    const page = cursor
      ? query.where(sql<boolean>`(created_at, id) < (${cursor[0]}::timestamptz, ${cursor[1]}::uuid)`)
      : query;
    const rows = await page.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(first + 1).execute();
    return toConnection(rows.map(toView), first, (sample) => encodeCursor([sample.createdAt, sample.id]), async () => {
      const counted = await query.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
      return Number(counted.count);
    });
  }
}
