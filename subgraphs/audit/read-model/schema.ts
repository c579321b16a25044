import type { MigrationSet } from '../../../event-store/migrations.js';

export const auditReadModelMigrations: MigrationSet = {
  module: 'audit-read-model',
  steps: [
    // entries: which events are about which record, with the event's commit order (es.events holds the event).
    // links: containment (a job holds its samples, a saga the sample it submitted).
    `CREATE SCHEMA IF NOT EXISTS audit_read;
     CREATE TABLE audit_read.entries (
       tenant_id text NOT NULL,
       subject_id text NOT NULL,
       event_id uuid NOT NULL,
       transaction_id xid8 NOT NULL,
       global_position bigint NOT NULL,
       PRIMARY KEY (subject_id, event_id)
     );
     CREATE INDEX entries_trail ON audit_read.entries (tenant_id, subject_id, transaction_id, global_position);
     CREATE TABLE audit_read.links (
       tenant_id text NOT NULL,
       container_id text NOT NULL,
       member_id text NOT NULL,
       PRIMARY KEY (container_id, member_id)
     );`,
    // A link ends (a sample taken off a job) at its event's position: the container's events from
    // there on do not reach the member. `added` false: the end was seen before the link (Kafka).
    `ALTER TABLE audit_read.links ADD COLUMN added boolean NOT NULL DEFAULT true, ADD COLUMN ended_tx xid8, ADD COLUMN ended_pos bigint;`,
    // Every change of a link at its event's position (a sample put on a job, taken off, put back): a
    // link holds for an event when its latest change at or before the event is not an end. Replaces
    // ended_tx/ended_pos, which held one end only (a sample put back stayed unlinked); they are left
    // for processes of the previous version during a rolling deploy, and their ends carried over.
    `CREATE TABLE audit_read.link_changes (
       tenant_id text NOT NULL,
       container_id text NOT NULL,
       member_id text NOT NULL,
       transaction_id xid8 NOT NULL,
       global_position bigint NOT NULL,
       made boolean NOT NULL,
       PRIMARY KEY (container_id, member_id, transaction_id, global_position)
     );
     INSERT INTO audit_read.link_changes (tenant_id, container_id, member_id, transaction_id, global_position, made)
       SELECT tenant_id, container_id, member_id, ended_tx, ended_pos, false FROM audit_read.links WHERE ended_tx IS NOT NULL;`,
  ],
};
