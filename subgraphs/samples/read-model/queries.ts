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
  derivation: row.derivation_kind ? { kind: row.derivation_kind as 'ALIQUOT' | 'EXTRACT', volumeTakenUl: row.volume_taken_ul! } : null,
  createdAt: iso(row.created_at),
  updatedAt: iso(row.updated_at),
  version: row.version,
});

/** Sample.lineage before its fields resolve: whose lineage, and how many generations each way. */
export interface LineageView {
  sampleId: string;
  depth: number;
}

/** A relative found by a lineage query: the sample asked about (`root`) and how many generations away. */
type RelativeRow = Row & { root: string; generation: number };

/**
 * `column = ANY($1)`: one array parameter, so the statement's text is the same for any number of
 * values and its prepared plan serves them all (a spelled-out IN list is a new statement per length).
 */
const anyOf = (column: 'id' | 'barcode' | 'status' | 'sample_type', values: readonly string[], type: 'uuid' | 'text') =>
  sql<boolean>`${sql.ref(column)} = ANY(${values}::${sql.raw(type)}[])`;

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

export class SampleQueries {
  constructor(private readonly db: Kysely<SamplesReadDB>) {}

  async byIds(tenantId: string, ids: readonly string[]): Promise<SampleView[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    const rows = await this.db.selectFrom('samples_read.samples').selectAll().where('tenant_id', '=', tenantId).where(anyOf('id', valid, 'uuid')).execute();
    return rows.map(toView);
  }

  async byBarcodes(tenantId: string, barcodes: readonly string[]): Promise<SampleView[]> {
    if (barcodes.length === 0) return [];
    const rows = await this.db.selectFrom('samples_read.samples').selectAll().where('tenant_id', '=', tenantId).where(anyOf('barcode', barcodes, 'text')).execute();
    return rows.map(toView);
  }

  /** The direct children of each parent, oldest first: the first generation of descendantsOf. */
  childrenOf(tenantId: string, parentIds: readonly string[]): Promise<Array<SampleView & { root: string }>> {
    return this.descendantsOf(tenantId, parentIds, 1);
  }

  /** Parent, grandparent, … of each sample, up to `depth` generations, nearest first: one recursive query for all. */
  async ancestorsOf(tenantId: string, ids: readonly string[], depth: number): Promise<Array<SampleView & { root: string }>> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    const { rows } = await sql<RelativeRow>`
      WITH RECURSIVE up (root, id, generation) AS (
        SELECT s.id, s.parent_id, 1 FROM samples_read.samples s
        WHERE s.tenant_id = ${tenantId} AND s.id = ANY(${valid}::uuid[]) AND s.parent_id IS NOT NULL
        UNION ALL
        SELECT up.root, s.parent_id, up.generation + 1 FROM up
        JOIN samples_read.samples s ON s.tenant_id = ${tenantId} AND s.id = up.id
        WHERE s.parent_id IS NOT NULL AND up.generation < ${depth}
      )
      SELECT s.*, up.root, up.generation FROM up JOIN samples_read.samples s ON s.tenant_id = ${tenantId} AND s.id = up.id
      ORDER BY up.root, up.generation`.execute(this.db);
    return rows.map((row) => ({ ...toView(row), root: row.root }));
  }

  /** Children, grandchildren, … of each sample, up to `depth` generations, generation by generation, oldest first within one. */
  async descendantsOf(tenantId: string, ids: readonly string[], depth: number): Promise<Array<SampleView & { root: string }>> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    const { rows } = await sql<RelativeRow>`
      WITH RECURSIVE down (root, id, generation) AS (
        SELECT s.parent_id, s.id, 1 FROM samples_read.samples s
        WHERE s.tenant_id = ${tenantId} AND s.parent_id = ANY(${valid}::uuid[])
        UNION ALL
        SELECT down.root, s.id, down.generation + 1 FROM down
        JOIN samples_read.samples s ON s.tenant_id = ${tenantId} AND s.parent_id = down.id
        WHERE down.generation < ${depth}
      )
      SELECT s.*, down.root, down.generation FROM down JOIN samples_read.samples s ON s.tenant_id = ${tenantId} AND s.id = down.id
      ORDER BY down.root, down.generation, s.created_at, s.id`.execute(this.db);
    return rows.map((row) => ({ ...toView(row), root: row.root }));
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(tenantId: string, filter: SampleFilter, first: number, after: string | null | undefined): Promise<Connection<SampleView>> {
    let query = this.db.selectFrom('samples_read.samples').where('tenant_id', '=', tenantId);
    // A list filter keeps what is one of its values: [] keeps nothing, as in every list of the API.
    if (filter.status) query = query.where(anyOf('status', filter.status, 'text'));
    if (filter.sampleType) query = query.where(anyOf('sample_type', filter.sampleType, 'text'));
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
    const cursor = decodeCursor<[string, string]>(after, 'samples', 2);
    const page = cursor
      ? query.where(sql<boolean>`(created_at, id) < (${cursor[0]}::timestamptz, ${cursor[1]}::uuid)`)
      : query;
    const rows = await page.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(first + 1).execute();
    return toConnection(rows.map(toView), first, (sample) => encodeCursor('samples', [sample.createdAt, sample.id]), async () => {
      const counted = await query.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
      return Number(counted.count);
    });
  }
}
