import type { MigrationSet } from '../../event-store/migrations.js';
import type { TraceCarrier } from '../../platform/tracing/propagation.js';
import { storageUnitsReplicaMigration } from '../subgraph/storage-units-replica.js';

/** Durable saga state: the orchestrator's own tables (progress is also recorded as events). */
export const sagaMigrations: MigrationSet = {
  module: 'sagas',
  steps: [
    `CREATE SCHEMA IF NOT EXISTS sagas;
     CREATE TABLE sagas.instances (
       id uuid PRIMARY KEY,
       tenant_id text NOT NULL,
       type text NOT NULL,
       status text NOT NULL,
       data jsonb NOT NULL,
       error text,
       current_step int NOT NULL DEFAULT 0,
       timed_out boolean NOT NULL DEFAULT false,
       next_run_at timestamptz NOT NULL DEFAULT now(),
       lease_owner text,
       lease_until timestamptz,
       deadline_at timestamptz NOT NULL,
       started_at timestamptz NOT NULL DEFAULT now(),
       finished_at timestamptz,
       idempotency_key text,
       actor text,
       correlation_id text NOT NULL,
       -- position of the saga's last write, so a resumed saga reads its own writes
       last_position text NOT NULL DEFAULT '0:0',
       started_position text NOT NULL DEFAULT '0:0'
     );
     CREATE UNIQUE INDEX instances_idempotency ON sagas.instances (tenant_id, type, idempotency_key) WHERE idempotency_key IS NOT NULL;
     CREATE INDEX instances_due ON sagas.instances (next_run_at) WHERE status IN ('RUNNING', 'COMPENSATING');
     CREATE INDEX instances_newest ON sagas.instances (tenant_id, started_at DESC, id DESC);
     CREATE TABLE sagas.steps (
       saga_id uuid NOT NULL REFERENCES sagas.instances (id),
       idx int NOT NULL,
       name text NOT NULL,
       status text NOT NULL,
       attempts int NOT NULL DEFAULT 0,
       undo_attempts int NOT NULL DEFAULT 0,
       last_error text,
       started_at timestamptz,
       finished_at timestamptz,
       PRIMARY KEY (saga_id, idx)
     );`,
    storageUnitsReplicaMigration,
    // Tracing: the W3C trace context of the request that started the saga; its steps continue that trace.
    `ALTER TABLE sagas.instances ADD COLUMN trace_context jsonb;`,
    // The API code of the failure that started compensation (e.g. NO_CAPACITY): compensations decide
    // by it, never by the error's text.
    `ALTER TABLE sagas.instances ADD COLUMN error_code text;`,
    // The start's position is its SagaStarted event's: the start is one statement, which cannot
    // update the row it inserts after the event's position is known.
    `ALTER TABLE sagas.instances DROP COLUMN started_position;`,
    // Steps are written only by the statements that write their instance (the start inserts both, a
    // transition updates both under the lease), so the foreign key checked nothing they do not
    // already guarantee. It cost six checks per start, each planned once per connection: planned
    // while sagas.instances was small, each check scanned every instance from then on.
    `ALTER TABLE sagas.steps DROP CONSTRAINT IF EXISTS steps_saga_id_fkey;`,
  ],
};

export interface SagaRow {
  id: string;
  tenant_id: string;
  type: string;
  status: string;
  data: Record<string, unknown>;
  error: string | null;
  /** The code of the step failure that started compensation, when the subgraph gave one. */
  error_code: string | null;
  current_step: number;
  timed_out: boolean;
  deadline_at: Date;
  started_at: Date;
  finished_at: Date | null;
  actor: string | null;
  correlation_id: string;
  last_position: string;
  trace_context: TraceCarrier | null;
}

export interface StepRow {
  saga_id: string;
  idx: number;
  name: string;
  status: string;
  attempts: number;
  undo_attempts: number;
  last_error: string | null;
  started_at: Date | null;
  finished_at: Date | null;
}
