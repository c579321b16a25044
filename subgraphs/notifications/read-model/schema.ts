import type { MigrationSet } from '../../../event-store/migrations.js';

export const notificationsReadModelMigrations: MigrationSet = {
  module: 'notifications-read-model',
  steps: [
    `CREATE SCHEMA IF NOT EXISTS notifications_read;
     CREATE TABLE notifications_read.alerts (
       tenant_id text NOT NULL,
       id uuid NOT NULL,
       kind text NOT NULL,
       severity text NOT NULL,
       severity_rank int NOT NULL,
       status text NOT NULL,
       message text NOT NULL,
       sample_id uuid,
       storage_unit_id uuid,
       sequencing_job_id uuid,
       raised_at timestamptz NOT NULL,
       acknowledged_by text,
       acknowledged_at timestamptz,
       resolved_at timestamptz,
       escalation_level int NOT NULL DEFAULT 0,
       last_escalated_at timestamptz,
       source_event_id uuid NOT NULL,
       version int NOT NULL,
       PRIMARY KEY (tenant_id, id)
     );
     CREATE INDEX alerts_newest ON notifications_read.alerts (tenant_id, raised_at DESC, id DESC);
     CREATE INDEX alerts_sample ON notifications_read.alerts (tenant_id, sample_id) WHERE sample_id IS NOT NULL;
     CREATE INDEX alerts_due ON notifications_read.alerts (status, severity) WHERE status = 'OPEN';`,
    // Lane QC alerts are about a sequencing run; no alert before this had one, so nothing to fill.
    `ALTER TABLE notifications_read.alerts ADD COLUMN sequencing_run_id uuid;`,
    // An alert about a sample answers its barcode (Alert.sample @provides it): earlier alerts take it
    // from the sample's registration in the log, as the projection does for their events.
    `ALTER TABLE notifications_read.alerts ADD COLUMN sample_barcode text;
     UPDATE notifications_read.alerts a SET sample_barcode = e.data->>'barcode'
       FROM es.events e
       WHERE a.sample_id IS NOT NULL AND e.tenant_id = a.tenant_id AND e.stream_id = 'Sample-' || a.sample_id
         AND e.stream_version = 1 AND e.event_type = 'SampleRegistered';`,
  ],
};
