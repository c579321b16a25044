import { sql, type Kysely, type Transaction } from 'kysely';
import { projection } from '../../../event-store/projection.js';
import type { StoredEvent } from '../../../event-store/types.js';
import { isoOrNull } from '../../../platform/graphql/connection.js';
import { alertDecider, alertExists, type Alert } from '../domain/alert.js';
import { SEVERITIES, type AlertEvent } from '../events.js';

export const ALERTS_PROJECTION = 'notifications-read-model';

/** One row per alert: the decider's state after each event, written only when the event is newer. */
const applyAlertEvent = async (trx: Transaction<any> | Kysely<any>, event: StoredEvent, alertEvent: AlertEvent) => {
  const { alertId } = alertEvent.data;
  const { rows } = await sql<AlertRow>`SELECT * FROM notifications_read.alerts WHERE tenant_id = ${event.tenantId} AND id = ${alertId}`.execute(trx);
  const row = rows[0];
  if (row && row.version >= event.streamVersion) return;
  const state = alertDecider.evolve(row ? toAlert(row) : alertDecider.initialState(), { ...alertEvent, occurredAt: event.occurredAt, streamVersion: event.streamVersion });
  if (!alertExists(state)) return;
  // An alert raised before its events named the sample's barcode takes it from the sample's registration.
  const barcode = state.sampleBarcode ?? (state.sampleId
    ? sql`(SELECT data->>'barcode' FROM es.events WHERE tenant_id = ${event.tenantId} AND stream_id = ${`Sample-${state.sampleId}`} AND stream_version = 1 AND event_type = 'SampleRegistered')`
    : null);
  await sql`INSERT INTO notifications_read.alerts (tenant_id, id, kind, severity, severity_rank, status, message, sample_id, sample_barcode, storage_unit_id, sequencing_job_id,
      sequencing_run_id, raised_at, acknowledged_by, acknowledged_at, resolved_at, escalation_level, last_escalated_at, source_event_id, version)
    VALUES (${event.tenantId}, ${state.id}, ${state.kind}, ${state.severity}, ${SEVERITIES.indexOf(state.severity)}, ${state.status}, ${state.message},
      ${state.sampleId}, ${barcode}, ${state.storageUnitId}, ${state.sequencingJobId}, ${state.sequencingRunId}, ${state.raisedAt}, ${state.acknowledgedBy}, ${state.acknowledgedAt},
      ${state.resolvedAt}, ${state.escalationLevel}, ${state.lastEscalatedAt}, ${state.sourceEventId}, ${event.streamVersion})
    ON CONFLICT (tenant_id, id) DO UPDATE SET severity = excluded.severity, severity_rank = excluded.severity_rank, status = excluded.status,
      message = excluded.message, acknowledged_by = excluded.acknowledged_by, acknowledged_at = excluded.acknowledged_at,
      resolved_at = excluded.resolved_at, escalation_level = excluded.escalation_level, last_escalated_at = excluded.last_escalated_at,
      version = excluded.version`.execute(trx);
};

export const alertsProjection = projection<AlertEvent>(
  ALERTS_PROJECTION,
  {
    AlertRaised: (trx, event) => applyAlertEvent(trx, event, { type: event.type, data: event.data }),
    AlertRepeated: (trx, event) => applyAlertEvent(trx, event, { type: event.type, data: event.data }),
    AlertAcknowledged: (trx, event) => applyAlertEvent(trx, event, { type: event.type, data: event.data }),
    AlertResolved: (trx, event) => applyAlertEvent(trx, event, { type: event.type, data: event.data }),
    AlertEscalated: (trx, event) => applyAlertEvent(trx, event, { type: event.type, data: event.data }),
  },
  {
    async reset(trx) {
      await sql`TRUNCATE notifications_read.alerts`.execute(trx);
    },
  },
);

export interface AlertRow {
  id: string;
  kind: string;
  severity: string;
  status: string;
  message: string;
  sample_id: string | null;
  sample_barcode: string | null;
  storage_unit_id: string | null;
  sequencing_job_id: string | null;
  sequencing_run_id: string | null;
  raised_at: Date;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  escalation_level: number;
  last_escalated_at: Date | null;
  source_event_id: string;
  version: number;
}

const iso = isoOrNull;

export const toAlert = (row: AlertRow): Alert => ({
  id: row.id,
  kind: row.kind as Alert['kind'],
  severity: row.severity as Alert['severity'],
  status: row.status as Alert['status'],
  message: row.message,
  sampleId: row.sample_id,
  sampleBarcode: row.sample_barcode,
  storageUnitId: row.storage_unit_id,
  sequencingJobId: row.sequencing_job_id,
  sequencingRunId: row.sequencing_run_id,
  subjectId: row.sample_id ?? row.storage_unit_id ?? row.sequencing_job_id ?? row.sequencing_run_id ?? row.id,
  raisedAt: iso(row.raised_at)!,
  acknowledgedBy: row.acknowledged_by,
  acknowledgedAt: iso(row.acknowledged_at),
  resolvedAt: iso(row.resolved_at),
  escalationLevel: row.escalation_level,
  lastEscalatedAt: iso(row.last_escalated_at),
  sourceEventId: row.source_event_id,
});
