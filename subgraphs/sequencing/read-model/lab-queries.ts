import { sql, type Kysely } from 'kysely';
import { isUuid } from '../../../platform/graphql/scalars.js';
import type { IndexKitState } from '../domain/index-kit.js';
import type { Library } from '../domain/library.js';
import type { Pool } from '../domain/pool.js';
import type { Run } from '../domain/run.js';
import type { InstrumentModel } from '../domain/instruments.js';
import type { PoolMember } from '../events.js';

export type IndexKitView = Extract<IndexKitState, { status: 'IMPORTED' }>;
export type LibraryView = Library;
export type PoolView = Pool;
export type RunView = Run & { status: 'PLANNED' | 'COMPLETED' };
export type InstrumentModelView = InstrumentModel;
export type PoolMemberView = PoolMember;
export type RunLaneView = Run['loaded'][number];

const uuids = (ids: readonly string[]) => ids.filter(isUuid);

/** Reads of the index-kit, library, pool and run rows (each row is its aggregate's state). */
export class LabQueries {
  constructor(private readonly db: Kysely<any>) {}

  private async states<T>(table: string, tenantId: string, ids: readonly string[]): Promise<T[]> {
    const { rows } = await sql<{ state: T }>`SELECT state FROM ${sql.table(`sequencing_read.${table}`)} WHERE tenant_id = ${tenantId} AND id = ANY(${uuids(ids)}::uuid[])`.execute(this.db);
    return rows.map((row) => row.state);
  }

  kits = (tenantId: string, ids: readonly string[]) => this.states<IndexKitView>('index_kits', tenantId, ids);
  libraries = (tenantId: string, ids: readonly string[]) => this.states<LibraryView>('libraries', tenantId, ids);
  pools = (tenantId: string, ids: readonly string[]) => this.states<PoolView>('pools', tenantId, ids);
  runs = (tenantId: string, ids: readonly string[]) => this.states<RunView>('runs', tenantId, ids);

  async allKits(tenantId: string): Promise<IndexKitView[]> {
    const { rows } = await sql<{ state: IndexKitView }>`SELECT state FROM sequencing_read.index_kits WHERE tenant_id = ${tenantId} ORDER BY name, id LIMIT 500`.execute(this.db);
    return rows.map((row) => row.state);
  }

  async librariesOfSamples(tenantId: string, sampleIds: readonly string[]): Promise<LibraryView[]> {
    const { rows } = await sql<{ state: LibraryView }>`SELECT state FROM sequencing_read.libraries WHERE tenant_id = ${tenantId} AND sample_id = ANY(${uuids(sampleIds)}::uuid[])
      ORDER BY state->>'preparedAt', id`.execute(this.db);
    return rows.map((row) => row.state);
  }

  /** Pools holding any of the libraries, with the library each row matched. */
  async poolsOfLibraries(tenantId: string, libraryIds: readonly string[]): Promise<Array<{ libraryId: string; pool: PoolView }>> {
    const { rows } = await sql<{ library_id: string; state: PoolView }>`SELECT m->>'libraryId' AS library_id, p.state FROM sequencing_read.pools p, jsonb_array_elements(p.state->'members') m
      WHERE p.tenant_id = ${tenantId} AND m->>'libraryId' = ANY(${uuids(libraryIds)}::text[]) ORDER BY p.state->>'createdAt', p.id`.execute(this.db);
    return rows.map((row) => ({ libraryId: row.library_id, pool: row.state }));
  }

  async runsOfPools(tenantId: string, poolIds: readonly string[]): Promise<Array<{ poolId: string; run: RunView }>> {
    const { rows } = await sql<{ pool_id: string; state: RunView }>`SELECT DISTINCT ON (r.id, l->>'poolId') l->>'poolId' AS pool_id, r.state FROM sequencing_read.runs r, jsonb_array_elements(r.state->'loaded') l
      WHERE r.tenant_id = ${tenantId} AND l->>'poolId' = ANY(${uuids(poolIds)}::text[])`.execute(this.db);
    return rows.map((row) => ({ poolId: row.pool_id, run: row.state }));
  }
}
