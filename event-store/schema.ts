import type { MigrationSet } from './migrations.js';

export const eventStoreMigrations: MigrationSet = {
  module: 'event-store',
  steps: [
    `CREATE SCHEMA IF NOT EXISTS es;
     CREATE TABLE es.events (
       global_position bigserial PRIMARY KEY,
       -- assigned by the writing transaction; readers use it with pg_snapshot_xmin to never skip
       -- an event whose transaction commits after a later-numbered one
       transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
       stream_id text NOT NULL,
       stream_type text NOT NULL,
       stream_version int NOT NULL,
       event_id uuid NOT NULL,
       event_type text NOT NULL,
       schema_version int NOT NULL DEFAULT 1,
       data jsonb NOT NULL,
       metadata jsonb NOT NULL,
       tenant_id text NOT NULL,
       occurred_at timestamptz NOT NULL,
       UNIQUE (stream_id, stream_version)
     );
     CREATE UNIQUE INDEX events_event_id ON es.events (event_id);
     CREATE INDEX events_commit_order ON es.events (transaction_id, global_position);
     CREATE TABLE es.snapshots (
       stream_id text PRIMARY KEY,
       tenant_id text NOT NULL,
       version int NOT NULL,
       state_schema int NOT NULL,
       state jsonb NOT NULL,
       taken_at timestamptz NOT NULL DEFAULT now()
     );
     CREATE TABLE es.idempotency_keys (
       tenant_id text NOT NULL,
       scope text NOT NULL,
       key text NOT NULL,
       result jsonb,
       created_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (tenant_id, scope, key)
     );
     CREATE TABLE es.checkpoints (
       consumer text PRIMARY KEY,
       transaction_id xid8 NOT NULL DEFAULT '0',
       global_position bigint NOT NULL DEFAULT 0,
       updated_at timestamptz NOT NULL DEFAULT now()
     );
     CREATE TABLE es.dead_letters (
       id bigserial PRIMARY KEY,
       consumer text NOT NULL,
       event_id uuid NOT NULL,
       global_position bigint NOT NULL,
       error text NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(),
       replayed_at timestamptz
     );`,
    // A key points at the last event its append wrote: the replayed position is read from there,
    // so the claim and the events can be written by one statement.
    `ALTER TABLE es.idempotency_keys ADD COLUMN event_id uuid`,
    // Kafka consumers: the newest version of each stream a consumer applied. Kafka redelivers after
    // a crash or rebalance; an event not newer than this is skipped.
    `CREATE TABLE es.kafka_applied (
       consumer text NOT NULL,
       stream_id text NOT NULL,
       version int NOT NULL,
       PRIMARY KEY (consumer, stream_id)
     )`,
    // Read-your-writes over Kafka. Partitions interleave, so a consumer's newest applied position says
    // nothing about older events in other partitions. The relay records, before sending, the furthest
    // position it puts in each partition; each consumer records how far it got in each. Together they
    // give a gap-free position per consumer (see bus/kafka/watermarks.ts).
    `CREATE TABLE es.kafka_published (
       topic text NOT NULL,
       partition int NOT NULL,
       transaction_id xid8 NOT NULL,
       global_position bigint NOT NULL,
       PRIMARY KEY (topic, partition)
     );
     CREATE TABLE es.kafka_consumed (
       consumer text NOT NULL,
       topic text NOT NULL,
       partition int NOT NULL,
       transaction_id xid8 NOT NULL,
       global_position bigint NOT NULL,
       PRIMARY KEY (consumer, topic, partition)
     );
     CREATE INDEX dead_letters_pending ON es.dead_letters (consumer, event_id) WHERE replayed_at IS NULL;`,
  ],
};
