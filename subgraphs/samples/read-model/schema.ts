import type { MigrationSet } from '../../../event-store/migrations.js';

/** The samples read model: written only by its projection, read by the resolvers. */
export const samplesReadModelMigrations: MigrationSet = {
  module: 'samples-read-model',
  steps: [
    `CREATE SCHEMA IF NOT EXISTS samples_read;
     CREATE TABLE samples_read.samples (
       tenant_id text NOT NULL,
       id uuid NOT NULL,
       barcode text NOT NULL,
       sample_type text NOT NULL,
       status text NOT NULL,
       status_reason text,
       volume_ul double precision,
       concentration_ng_ul double precision,
       submitter text,
       project_code text,
       metadata jsonb,
       parent_id uuid,
       created_at timestamptz NOT NULL,
       updated_at timestamptz NOT NULL,
       version int NOT NULL,
       PRIMARY KEY (tenant_id, id)
     );
     CREATE UNIQUE INDEX samples_barcode ON samples_read.samples (tenant_id, barcode);
     CREATE INDEX samples_newest ON samples_read.samples (tenant_id, created_at DESC, id DESC);
     CREATE INDEX samples_status_newest ON samples_read.samples (tenant_id, status, created_at DESC, id DESC);
     CREATE INDEX samples_project ON samples_read.samples (tenant_id, project_code);`,
    // Lineage: how a child was derived, and its children found by parent (children, descendants).
    `ALTER TABLE samples_read.samples ADD COLUMN derivation_kind text, ADD COLUMN volume_taken_ul double precision;
     CREATE INDEX samples_children ON samples_read.samples (tenant_id, parent_id, created_at, id) WHERE parent_id IS NOT NULL;`,
  ],
};

export interface SamplesReadDB {
  'samples_read.samples': {
    tenant_id: string;
    id: string;
    barcode: string;
    sample_type: string;
    status: string;
    status_reason: string | null;
    volume_ul: number | null;
    concentration_ng_ul: number | null;
    submitter: string | null;
    project_code: string | null;
    metadata: unknown;
    parent_id: string | null;
    derivation_kind: string | null;
    volume_taken_ul: number | null;
    created_at: Date | string;
    updated_at: Date | string;
    version: number;
  };
}
