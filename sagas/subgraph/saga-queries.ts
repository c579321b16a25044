import { sql, type Kysely } from 'kysely';
import type { Connection } from '../../platform/graphql/connection.js';
import { newestFirstPage } from '../../platform/graphql/keyset-page.js';
import { isUuid } from '../../platform/graphql/scalars.js';
import type { SagaRow, StepRow } from '../orchestrator/saga-schema.js';

/** A page of sagas as the resolvers return it (totalCount counted only when asked). */
export type SagaConnection = Connection<SagaRow>;

export class SagaQueries {
  constructor(private readonly db: Kysely<any>) {}

  async byIds(tenantId: string, ids: readonly string[]): Promise<SagaRow[]> {
    return (await sql<SagaRow>`SELECT * FROM sagas.instances WHERE tenant_id = ${tenantId} AND id = ANY(${ids.filter(isUuid)}::uuid[])`.execute(this.db)).rows;
  }

  async stepsOf(sagaIds: readonly string[]): Promise<StepRow[]> {
    return (await sql<StepRow>`SELECT * FROM sagas.steps WHERE saga_id = ANY(${sagaIds as string[]}::uuid[]) ORDER BY idx`.execute(this.db)).rows;
  }

  list(tenantId: string, filter: { status?: string[] | null; type?: string | null }, first: number, after: string | null | undefined) {
    return newestFirstPage<SagaRow, SagaRow>(this.db, {
      connection: 'sagas',
      table: 'sagas.instances',
      timeColumn: 'started_at',
      where: sql`tenant_id = ${tenantId}
        AND (${filter.status ?? null}::text[] IS NULL OR status = ANY(${filter.status ?? null}::text[]))
        AND (${filter.type ?? null}::text IS NULL OR type = ${filter.type ?? null})`,
      first,
      after,
      map: (row) => row,
    });
  }
}
