import { sql, type Kysely } from 'kysely';
import type { Connection } from '../../../platform/graphql/connection.js';
import { newestFirstPage } from '../../../platform/graphql/keyset-page.js';
import { isUuid } from '../../../platform/graphql/scalars.js';
import type { Alert } from '../domain/alert.js';
import { SEVERITIES } from '../events.js';
import { toAlert, type AlertRow } from './alerts-projection.js';

/** A page of alerts as the resolvers return it (totalCount counted only when asked). */
export type AlertConnection = Connection<Alert>;

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
  list(tenantId: string, filter: { status?: string[] | null; minSeverity?: string | null }, first: number, after: string | null | undefined) {
    return newestFirstPage<AlertRow, Alert>(this.db, {
      connection: 'alerts',
      table: 'notifications_read.alerts',
      timeColumn: 'raised_at',
      where: sql`tenant_id = ${tenantId}
        AND (${filter.status ?? null}::text[] IS NULL OR status = ANY(${filter.status ?? null}::text[]))
        AND severity_rank >= ${filter.minSeverity ? SEVERITIES.indexOf(filter.minSeverity as never) : 0}`,
      first,
      after,
      map: toAlert,
    });
  }
}
