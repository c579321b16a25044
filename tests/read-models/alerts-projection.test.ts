import type { Kysely } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionSpec, storedEvents } from '../../event-store/testing/projection-spec.js';
import { createKysely, createPool } from '../../platform/database.js';
import { runMigrations } from '../../event-store/migrations.js';
import { eventStoreMigrations } from '../../event-store/schema.js';
import type { AlertEvent } from '../../subgraphs/notifications/events.js';
import { alertsProjection } from '../../subgraphs/notifications/read-model/alerts-projection.js';
import { notificationsReadModelMigrations } from '../../subgraphs/notifications/read-model/schema.js';
import { createTestDatabase } from '../support/database.js';

const FREEZER = '6a1f0c3e-0000-4000-8000-000000000001';
const SAMPLE = '6a1f0c3e-0000-4000-8000-000000000002';
const A1 = '6a1f0c3e-0000-4000-8000-0000000000a1';
const A2 = '6a1f0c3e-0000-4000-8000-0000000000a2';
const A3 = '6a1f0c3e-0000-4000-8000-0000000000a3';
const RUN = '6a1f0c3e-0000-4000-8000-000000000003';
const SOURCE = '6a1f0c3e-0000-4000-8000-0000000000e1';

const on = (alertId: string, event: AlertEvent) => ({ ...event, streamId: `Alert-${alertId}` });
const raised = (alertId: string, severity: 'INFO' | 'WARNING' | 'CRITICAL', extra: { sampleId?: string; storageUnitId?: string } = {}) =>
  on(alertId, {
    type: 'AlertRaised',
    data: {
      alertId,
      kind: extra.sampleId ? 'SAMPLE_REJECTED' : 'TEMPERATURE_EXCURSION',
      severity,
      message: 'raised',
      sourceEventId: SOURCE,
      sampleId: extra.sampleId ?? null,
      storageUnitId: extra.storageUnitId ?? null,
      sequencingJobId: null,
      subjectId: extra.sampleId ?? extra.storageUnitId ?? alertId,
    },
  });

/** A lane QC alert about a sequencing run. */
const laneQcFailed = (alertId: string) =>
  on(alertId, {
    type: 'AlertRaised',
    data: { alertId, kind: 'QC_FAILED', severity: 'CRITICAL', message: 'lane 1', sourceEventId: SOURCE, sampleId: null, storageUnitId: null, sequencingJobId: null, sequencingRunId: RUN, subjectId: RUN },
  });

const rows = (db: Kysely<any>) =>
  db
    .selectFrom('notifications_read.alerts')
    .select(['id', 'kind', 'severity', 'severity_rank', 'status', 'message', 'sample_id', 'sample_barcode', 'storage_unit_id', 'sequencing_run_id', 'acknowledged_by', 'escalation_level', 'version'])
    .select((eb) => [eb('resolved_at', 'is not', null).as('resolved'), eb('acknowledged_at', 'is not', null).as('acknowledged'), eb('last_escalated_at', 'is not', null).as('escalated')])
    .orderBy('id')
    .execute();

/** A sample's registration in the log, as the samples context appends it. */
const registerSample = (pool: pg.Pool, tenantId: string, sampleId: string, barcode: string) =>
  pool.query(
    `INSERT INTO es.events (stream_id, stream_type, stream_version, event_id, event_type, data, metadata, tenant_id, occurred_at)
     VALUES ($1, 'Sample', 1, gen_random_uuid(), 'SampleRegistered', $2, '{}', $3, now())`,
    [`Sample-${sampleId}`, JSON.stringify({ sampleId, barcode, sampleType: 'DNA' }), tenantId],
  );

describe('alerts read model', () => {
  let db: Kysely<any>;
  beforeAll(async () => {
    const pool = createPool(await createTestDatabase(), 4);
    await runMigrations(pool, [eventStoreMigrations, notificationsReadModelMigrations]);
    // The sample the alerts are about, as the samples context registered it.
    await registerSample(pool, 'spec-tenant', SAMPLE, 'SPEC-0001');
    db = createKysely(pool);
  });
  afterAll(async () => db?.destroy());

  it('keeps one row per alert with its latest state, the same after every event is applied twice', async () => {
    const result = await projectionSpec(
      db,
      alertsProjection,
      storedEvents([
        raised(A1, 'WARNING', { storageUnitId: FREEZER }),
        on(A1, { type: 'AlertRepeated', data: { alertId: A1, severity: 'CRITICAL', message: 'warmer', sourceEventId: SOURCE } }),
        on(A1, { type: 'AlertEscalated', data: { alertId: A1, level: 1 } }),
        on(A1, { type: 'AlertAcknowledged', data: { alertId: A1, by: 'ada', note: 'door' } }),
        // Raised before alerts recorded the barcode: the read model finds it in the sample's registration.
        raised(A2, 'INFO', { sampleId: SAMPLE }),
        on(A2, { type: 'AlertResolved', data: { alertId: A2, by: 'ada', note: null } }),
        laneQcFailed(A3),
        on(A3, { type: 'AlertRepeated', data: { alertId: A3, severity: 'CRITICAL', message: 'lanes 1, 2', sourceEventId: SOURCE } }),
      ]),
      rows,
    );
    expect(result).toEqual([
      {
        id: A1, kind: 'TEMPERATURE_EXCURSION', severity: 'CRITICAL', severity_rank: 2, status: 'ACKNOWLEDGED', message: 'warmer', sample_id: null, sample_barcode: null,
        storage_unit_id: FREEZER, sequencing_run_id: null, acknowledged_by: 'ada', escalation_level: 1, version: 4, resolved: false, acknowledged: true, escalated: true,
      },
      {
        id: A2, kind: 'SAMPLE_REJECTED', severity: 'INFO', severity_rank: 0, status: 'RESOLVED', message: 'raised', sample_id: SAMPLE, sample_barcode: 'SPEC-0001',
        storage_unit_id: null, sequencing_run_id: null, acknowledged_by: null, escalation_level: 0, version: 2, resolved: true, acknowledged: false, escalated: false,
      },
      {
        id: A3, kind: 'QC_FAILED', severity: 'CRITICAL', severity_rank: 2, status: 'OPEN', message: 'lanes 1, 2', sample_id: null, sample_barcode: null,
        storage_unit_id: null, sequencing_run_id: RUN, acknowledged_by: null, escalation_level: 0, version: 2, resolved: false, acknowledged: false, escalated: false,
      },
    ]);
  });

  it('gains the run and barcode columns on a database that already holds alerts: no run, and the barcode of the sample an alert is about', async () => {
    const pool = createPool(await createTestDatabase(), 2);
    try {
      // The read model as it was before alerts could be about a run, with an alert in it.
      await runMigrations(pool, [eventStoreMigrations, { ...notificationsReadModelMigrations, steps: notificationsReadModelMigrations.steps.slice(0, 1) }]);
      await pool.query(`INSERT INTO notifications_read.alerts (tenant_id, id, kind, severity, severity_rank, status, message, storage_unit_id, raised_at, source_event_id, version)
        VALUES ('demo', $1, 'TEMPERATURE_EXCURSION', 'CRITICAL', 2, 'OPEN', 'too warm', $2, now(), $3, 1)`, [A1, FREEZER, SOURCE]);
      await pool.query(`INSERT INTO notifications_read.alerts (tenant_id, id, kind, severity, severity_rank, status, message, sample_id, raised_at, source_event_id, version)
        VALUES ('demo', $1, 'SAMPLE_REJECTED', 'INFO', 0, 'OPEN', 'rejected', $2, now(), $3, 1)`, [A2, SAMPLE, SOURCE]);
      await registerSample(pool, 'demo', SAMPLE, 'OLD-0001');
      expect(await runMigrations(pool, [notificationsReadModelMigrations])).toEqual([{ module: 'notifications-read-model', step: 1 }, { module: 'notifications-read-model', step: 2 }]);
      const { rows: kept } = await pool.query('SELECT id, message, storage_unit_id, sequencing_run_id, sample_barcode FROM notifications_read.alerts ORDER BY id');
      expect(kept).toEqual([
        { id: A1, message: 'too warm', storage_unit_id: FREEZER, sequencing_run_id: null, sample_barcode: null },
        // The sample's alert takes its barcode from the sample's registration in the log.
        { id: A2, message: 'rejected', storage_unit_id: null, sequencing_run_id: null, sample_barcode: 'OLD-0001' },
      ]);
    } finally {
      await pool.end();
    }
  });

  it('reads exactly the alert events (its handler map), and a rebuild empties it', async () => {
    expect([...alertsProjection.handles].sort()).toEqual(['AlertAcknowledged', 'AlertEscalated', 'AlertRaised', 'AlertRepeated', 'AlertResolved']);
    await alertsProjection.reset!(db);
    expect(await rows(db)).toEqual([]);
  });
});
