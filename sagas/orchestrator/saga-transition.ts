import { APPEND_PARAMETER_COUNT, appendSqlWith } from '../../event-store/append-statement.js';
import type { TraceCarrier } from '../../event-store/trace-context.js';
import type { AppendUnit } from '../../event-store/types.js';
import type { SagaRow, StepRow } from './saga-schema.js';

/** What a transition changes on the instance row (lease columns: see `persisted`). */
export type SagaChange = Partial<Pick<SagaRow, 'status' | 'current_step' | 'data' | 'last_position' | 'error' | 'error_code' | 'timed_out' | 'finished_at'>> & {
  next_run_at?: Date;
  /** null releases the saga (finished, or waiting for a retry); otherwise the worker's lease is renewed. */
  lease_owner?: null;
};

export interface SagaEvent {
  type: string;
  /** Functions are evaluated just before the statement is sent (a step's timings include the write's preparation). */
  data?: Record<string, unknown>;
  /** The saga's status this event reports. @default the status after the whole transition */
  status?: string;
}

/**
 * One durable step of a saga: its instance row, the step rows it touches and its events, written by
 * one statement. Several events may share one (a step completed, the steps after it that do not
 * apply skipped, the saga completed).
 */
export interface Transition {
  saga: SagaChange;
  steps?: ReadonlyArray<{ index: number; change: Partial<StepRow> }>;
  events?: readonly SagaEvent[];
}

/** The rows after a transition, decided in memory: under its lease the worker is their only writer. */
export const applyTransition = (saga: SagaRow, steps: readonly StepRow[], transition: Transition) => {
  const { next_run_at: _, lease_owner: __, ...columns } = transition.saga;
  const next: SagaRow = { ...saga, ...columns };
  const changed = (transition.steps ?? []).map(({ index, change }) => ({ ...steps[index]!, ...change }));
  return { saga: next, steps: changed };
};

/** A step's next attempt, as a step-row change. */
export const attemptOf = (row: StepRow, counter: 'attempts' | 'undo_attempts', now: Date): Partial<StepRow> => ({
  status: counter === 'attempts' ? 'RUNNING' : 'COMPENSATING',
  [counter]: row[counter] + 1,
  started_at: row.started_at ?? now,
});

const $ = (n: number) => `$${APPEND_PARAMETER_COUNT + n}`;

const traceOf = ({ trace_context: trace }: SagaRow): TraceCarrier =>
  trace?.traceparent ? { traceparent: trace.traceparent, ...(trace.tracestate ? { tracestate: trace.tracestate } : {}) } : {};

/**
 * The instance row (only while this worker holds the lease), the step rows and the saga's events in
 * one statement: atomic without a transaction, one round trip per transition (BEGIN, two writes and
 * COMMIT before). The text is constant, so it is prepared once per connection.
 */
export const TRANSITION_STATEMENT = {
  name: 'tracseq_saga_transition',
  text: appendSqlWith({
    ctes: `owned AS (
      UPDATE sagas.instances SET status = ${$(1)}, current_step = ${$(2)}, data = ${$(3)}::jsonb, last_position = ${$(4)}, error = ${$(5)},
        error_code = ${$(6)}, timed_out = ${$(7)}, finished_at = ${$(8)}, next_run_at = coalesce(${$(9)}, next_run_at),
        lease_owner = ${$(10)}, lease_until = ${$(11)}
      WHERE id = ${$(12)} AND lease_owner = ${$(13)} RETURNING id),
    steps_written AS (
      UPDATE sagas.steps s SET status = x.status, attempts = x.attempts, undo_attempts = x.undo_attempts, last_error = x.last_error,
        started_at = x.started_at, finished_at = x.finished_at
      FROM unnest(${$(14)}::int[], ${$(15)}::text[], ${$(16)}::int[], ${$(17)}::int[], ${$(18)}::text[], ${$(19)}::timestamptz[], ${$(20)}::timestamptz[])
        AS x(idx, status, attempts, undo_attempts, last_error, started_at, finished_at)
      WHERE s.saga_id = (SELECT id FROM owned) AND s.idx = x.idx RETURNING s.idx)`,
    guard: 'EXISTS (SELECT 1 FROM owned)',
  }),
};

/** The transition's append unit and the statement's own parameters ($17 …). */
export const persisted = (
  after: { saga: SagaRow; steps: readonly StepRow[] },
  transition: Transition,
  lease: { owner: string; until: Date },
): { unit: AppendUnit; values: unknown[] } => {
  const { saga, steps } = after;
  const released = transition.saga.lease_owner === null;
  const events = (transition.events ?? []).map((event) => ({
    type: event.type,
    data: {
      sagaId: saga.id,
      sagaType: saga.type,
      status: event.status ?? saga.status,
      ...Object.fromEntries(Object.entries(event.data ?? {}).map(([key, value]) => [key, typeof value === 'function' ? value() : value])),
    },
  }));
  return {
    unit: {
      streams: events.length > 0 ? [{ streamId: `Saga-${saga.id}`, expectedVersion: null, events }] : [],
      // In the trace of the request that submitted the saga, as its steps are: what reacts to the
      // saga's events (the SAGA_FAILED alert, the audit trail) joins that trace too.
      metadata: { tenantId: saga.tenant_id, actor: saga.actor, correlationId: saga.correlation_id, occurredAt: new Date().toISOString(), ...traceOf(saga) },
    },
    values: [
      saga.status, saga.current_step, JSON.stringify(saga.data), saga.last_position, saga.error, saga.error_code, saga.timed_out, saga.finished_at,
      transition.saga.next_run_at ?? null, released ? null : lease.owner, released ? null : lease.until, saga.id, lease.owner,
      steps.map((s) => s.idx), steps.map((s) => s.status), steps.map((s) => s.attempts), steps.map((s) => s.undo_attempts),
      steps.map((s) => s.last_error), steps.map((s) => s.started_at), steps.map((s) => s.finished_at),
    ],
  };
};
