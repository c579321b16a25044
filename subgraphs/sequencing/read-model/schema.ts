import type { MigrationSet } from '../../../event-store/migrations.js';
import { sampleReplicaMigration } from '../../../platform/replicas/sample-replica.js';

export const sequencingReadModelMigrations: MigrationSet = {
  module: 'sequencing-read-model',
  steps: [
    `CREATE SCHEMA IF NOT EXISTS sequencing_read;
     CREATE TABLE sequencing_read.jobs (
       tenant_id text NOT NULL,
       id uuid NOT NULL,
       name text NOT NULL,
       platform text NOT NULL,
       priority text NOT NULL,
       status text NOT NULL,
       read_structure text,
       flowcell_id text,
       metrics jsonb,
       qc_verdict text,
       created_at timestamptz NOT NULL,
       started_at timestamptz,
       completed_at timestamptz,
       failure_reason text,
       version int NOT NULL,
       PRIMARY KEY (tenant_id, id)
     );
     CREATE INDEX jobs_newest ON sequencing_read.jobs (tenant_id, created_at DESC, id DESC);
     CREATE TABLE sequencing_read.job_samples (
       tenant_id text NOT NULL,
       job_id uuid NOT NULL,
       sample_id uuid NOT NULL,
       lane int,
       i7_index text NOT NULL,
       i5_index text,
       added_version int NOT NULL,
       PRIMARY KEY (tenant_id, job_id, sample_id)
     );
     CREATE INDEX job_samples_sample ON sequencing_read.job_samples (tenant_id, sample_id);
     ${sampleReplicaMigration('sequencing_read')}`,
    // Index kits, libraries, pools and runs: each row holds its decider's state (jsonb) at `version`.
    `CREATE TABLE sequencing_read.index_kits (tenant_id text NOT NULL, id uuid NOT NULL, name text NOT NULL, state jsonb NOT NULL, version int NOT NULL, PRIMARY KEY (tenant_id, id));
     CREATE TABLE sequencing_read.libraries (tenant_id text NOT NULL, id uuid NOT NULL, sample_id uuid, state jsonb NOT NULL, version int NOT NULL, PRIMARY KEY (tenant_id, id));
     CREATE INDEX libraries_sample ON sequencing_read.libraries (tenant_id, sample_id);
     CREATE TABLE sequencing_read.pools (tenant_id text NOT NULL, id uuid NOT NULL, state jsonb NOT NULL, version int NOT NULL, PRIMARY KEY (tenant_id, id));
     CREATE INDEX pools_members ON sequencing_read.pools USING gin ((state -> 'members') jsonb_path_ops);
     CREATE TABLE sequencing_read.runs (tenant_id text NOT NULL, id uuid NOT NULL, state jsonb NOT NULL, version int NOT NULL, PRIMARY KEY (tenant_id, id));
     CREATE INDEX runs_loaded ON sequencing_read.runs USING gin ((state -> 'loaded') jsonb_path_ops);`,
    // A job's flowcell type (QC thresholds may depend on it); null for jobs created without one.
    `ALTER TABLE sequencing_read.jobs ADD COLUMN flowcell_type text;`,
  ],
};
