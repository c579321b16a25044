import type { MigrationSet } from '../../../event-store/migrations.js';
import { sampleReplicaMigration } from '../../../platform/replicas/sample-replica.js';

export const storageReadModelMigrations: MigrationSet = {
  module: 'storage-read-model',
  steps: [
    `CREATE SCHEMA IF NOT EXISTS storage_read;
     CREATE TABLE storage_read.units (
       tenant_id text NOT NULL,
       id uuid NOT NULL,
       name text NOT NULL,
       kind text NOT NULL,
       zone text,
       parent_id uuid,
       ancestors uuid[] NOT NULL,
       rows int,
       columns int,
       min_temp_c double precision,
       max_temp_c double precision,
       capacity int NOT NULL DEFAULT 0,
       occupied int NOT NULL DEFAULT 0,
       reserved int NOT NULL DEFAULT 0,
       -- highest capacity threshold (0, 80, 95) currently crossed; rises emit an event
       capacity_level int NOT NULL DEFAULT 0,
       latest_celsius double precision,
       latest_recorded_at timestamptz,
       latest_in_range boolean,
       created_at timestamptz NOT NULL,
       PRIMARY KEY (tenant_id, id)
     );
     CREATE INDEX units_parent ON storage_read.units (tenant_id, parent_id);
     CREATE INDEX units_kind ON storage_read.units (tenant_id, kind, zone);
     CREATE TABLE storage_read.positions (
       tenant_id text NOT NULL,
       id uuid NOT NULL,
       unit_id uuid NOT NULL,
       row int NOT NULL,
       col int NOT NULL,
       label text NOT NULL,
       state text NOT NULL,
       sample_id uuid,
       version int NOT NULL DEFAULT 0,
       PRIMARY KEY (tenant_id, id)
     );
     CREATE INDEX positions_unit ON storage_read.positions (tenant_id, unit_id, row, col);
     CREATE INDEX positions_sample ON storage_read.positions (tenant_id, sample_id) WHERE sample_id IS NOT NULL;
     CREATE TABLE storage_read.readings (
       event_id uuid PRIMARY KEY,
       tenant_id text NOT NULL,
       unit_id uuid NOT NULL,
       celsius double precision NOT NULL,
       recorded_at timestamptz NOT NULL,
       in_range boolean NOT NULL
     );
     CREATE INDEX readings_unit ON storage_read.readings (tenant_id, unit_id, recorded_at DESC);
     CREATE TABLE storage_read.custody (
       tenant_id text NOT NULL,
       sample_id uuid NOT NULL,
       seq int NOT NULL,
       action text NOT NULL,
       actor text,
       at timestamptz NOT NULL,
       position_label text,
       note text,
       PRIMARY KEY (tenant_id, sample_id, seq)
     );
     ${sampleReplicaMigration('storage_read')}`,
    // Free-position searches (one per reservation) walk the boxes in scope and, per box, only its
    // AVAILABLE positions in (row, col) order: they read neither filled positions nor the tenant's
    // other boxes. The state is a key column, not a partial index's predicate: next to
    // positions_unit a partial index lost the plan to it while the statistics still showed the boxes
    // empty, and that walk reads a box's filled positions too. Listing all of a unit's positions now
    // sorts them (at most 26 x 48). units_ancestors finds the boxes under a unit at any depth; it
    // has no pending list since a unit's ancestors never change (with one, the planner priced the
    // index above reading every unit of the tenant).
    `DROP INDEX storage_read.positions_unit;
     CREATE INDEX positions_unit_state ON storage_read.positions (tenant_id, unit_id, state, row, col);
     CREATE INDEX units_ancestors ON storage_read.units USING gin (ancestors) WITH (fastupdate = off);`,
    // A custody record names its position by id (its label alone does not say which box), and a
    // move the position it left. Records from before take them from their events in the log: a
    // record is its sample's custody stream's event number seq (the projection writes seq from the
    // stream version), which (stream_id, stream_version) finds.
    `ALTER TABLE storage_read.custody ADD COLUMN position_id uuid, ADD COLUMN from_position_id uuid;
     UPDATE storage_read.custody c SET position_id = (e.data->>'positionId')::uuid, from_position_id = (e.data->>'fromPositionId')::uuid
       FROM es.events e
       WHERE e.stream_id = 'SampleCustody-' || c.sample_id AND e.stream_version = c.seq AND e.tenant_id = c.tenant_id
         AND e.event_type LIKE 'Custody%';`,
  ],
};
