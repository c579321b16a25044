import { sql, type Kysely } from 'kysely';
import { decodeCursor, encodeCursor, toConnection } from '../../../platform/graphql/connection.js';
import { isUuid } from '../../../platform/graphql/scalars.js';
import type { Alert } from '../domain/alert.js';
import { SEVERITIES } from '../domain/events.js';
import { toAlert, type AlertRow } from './alerts-projection.js';

export class AlertQueries {
  constructor(private readonly db: Kysely<any>) {}

  async byIds(tenantId: string, ids: readonly string[]): Promise<Alert[]> {
    const { rows } = await sql<AlertRow>`SELECT * FROM notifications_read.alerts WHERE tenant_id = ${tenantId} AND id = ANY(${ids.filter(isUuid)}::uuid[])`.execute(this.db);
    return rows.map(toAlert);
  }

  async ofSamples(tenantId: string, sampleIds: readonly string[]): Promise<Alert[]> {
    const { rows } = await sql<AlertRow>`SELECT * FROM notifications_read.alerts WHERE tenant_id = ${tenantId} AND sample_id = ANY(${sampleIds.filter(isUuid)}::uuid[])
      ORDER BY raised_at DESC`.execute(this.db);
    return rows.map(toAlert);
  }

  /** Newest first. */
  async list(tenantId: string, filter: { status?: string[] | null; minSeverity?: string | null }, first: number, after: string | null | undefined) {
    const cursor = decodeCursor<[string, string]>(after, 2);
    const where = sql`tenant_id = ${tenantId}
      AND (${filter.status ?? null}::text[] IS NULL OR status = ANY(${filter.status ?? null}::text[]))
      AND severity_rank >= ${filter.minSeverity ? SEVERITIES.indexOf(filter.minSeverity as never) : 0}`;
    const page = cursor ? sql`AND (raised_at, id) < (${cursor[0]}::timestamptz, ${cursor[1]}::uuid)` : sql``;
    const { rows } = await sql<AlertRow>`SELECT * FROM notifications_read.alerts WHERE ${where} ${page} ORDER BY raised_at DESC, id DESC LIMIT ${first + 1}`.execute(this.db);
    return toConnection(rows.map(toAlert), first, (alert) => encodeCursor([alert.raisedAt, alert.id]), async () =>
      Number((await sql<{ n: string }>`SELECT count(*) AS n FROM notifications_read.alerts WHERE ${where}`.execute(this.db)).rows[0]!.n),
    );
  }
}
