import { sql, type Kysely } from 'kysely';
import { decodeCursor, encodeCursor, toConnection } from '../../platform/graphql/connection.js';
import { isUuid } from '../../platform/graphql/scalars.js';
import type { SagaRow, StepRow } from '../orchestrator/saga-schema.js';

export class SagaQueries {
  constructor(private readonly db: Kysely<any>) {}

  async byIds(tenantId: string, ids: readonly string[]): Promise<SagaRow[]> {
    return (await sql<SagaRow>`SELECT * FROM sagas.instances WHERE tenant_id = ${tenantId} AND id = ANY(${ids.filter(isUuid)}::uuid[])`.execute(this.db)).rows;
  }

  async stepsOf(sagaIds: readonly string[]): Promise<StepRow[]> {
    return (await sql<StepRow>`SELECT * FROM sagas.steps WHERE saga_id = ANY(${sagaIds as string[]}::uuid[]) ORDER BY idx`.execute(this.db)).rows;
  }

  async list(tenantId: string, filter: { status?: string[] | null; type?: string | null }, first: number, after: string | null | undefined) {
    const cursor = decodeCursor<[string, string]>(after, 2);
    const where = sql`tenant_id = ${tenantId}
      AND (${filter.status ?? null}::text[] IS NULL OR status = ANY(${filter.status ?? null}::text[]))
      AND (${filter.type ?? null}::text IS NULL OR type = ${filter.type ?? null})`;
    const page = cursor ? sql`AND (started_at, id) < (${cursor[0]}::timestamptz, ${cursor[1]}::uuid)` : sql``;
    const { rows } = await sql<SagaRow>`SELECT * FROM sagas.instances WHERE ${where} ${page} ORDER BY started_at DESC, id DESC LIMIT ${first + 1}`.execute(this.db);
    return toConnection(rows, first, (saga) => encodeCursor([saga.started_at.toISOString(), saga.id]), async () =>
      Number((await sql<{ n: string }>`SELECT count(*) AS n FROM sagas.instances WHERE ${where}`.execute(this.db)).rows[0]!.n),
    );
  }
}
