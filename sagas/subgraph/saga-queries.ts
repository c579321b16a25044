import { sql, type Kysely } from 'kysely';
import type { Connection } from '../../platform/graphql/connection.js';
import { newestFirstPage } from '../../platform/graphql/keyset-page.js';
import { formatPosition } from '../../event-store/position.js';
import { isUuid } from '../../platform/graphql/scalars.js';
import type { SagaRow, StepRow } from '../orchestrator/saga-schema.js';

/** A page of sagas as the resolvers return it (totalCount counted only when asked). */
export type SagaConnection = Connection<SagaRow>;

export class SagaQueries {
  constructor(private readonly db: Kysely<any>) {}

  async byIds(tenantId: string, ids: readonly string[]): Promise<SagaRow[]> {
    return (await sql<SagaRow>`SELECT * FROM sagas.instances WHERE tenant_id = ${tenantId} AND id = ANY(${ids.filter(isUuid)}::uuid[])`.execute(this.db)).rows;
  }

  /**
   * The saga as it is now and the position of the last event on its stream, read together. A
   * transition writes the row and its events in one statement, so the row reflects exactly the log
   * up to that event, save steps' attempts (recorded without events); a finished saga's last
   * transition always has one. '0:0' only for a row without events, which startSaga never leaves.
   */
  async current(tenantId: string, id: string): Promise<{ saga: SagaRow; position: string } | null> {
    if (!isUuid(id)) return null;
    const { rows } = await sql<SagaRow & { last_transaction_id: string | null; last_global_position: string | null }>`
      SELECT i.*, e.transaction_id::text AS last_transaction_id, e.global_position::text AS last_global_position
      FROM sagas.instances i
      LEFT JOIN LATERAL (SELECT transaction_id, global_position FROM es.events WHERE stream_id = 'Saga-' || i.id ORDER BY stream_version DESC LIMIT 1) e ON true
      WHERE i.tenant_id = ${tenantId} AND i.id = ${id}::uuid`.execute(this.db);
    const row = rows[0];
    if (!row) return null;
    const { last_transaction_id: transactionId, last_global_position: globalPosition, ...saga } = row;
    return { saga, position: transactionId && globalPosition ? formatPosition(transactionId, globalPosition) : '0:0' };
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
