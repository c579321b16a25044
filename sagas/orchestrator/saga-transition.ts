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
 * The instance rows (each only while this worker holds its lease), their step rows and the sagas'
 * events, for any number of sagas' transitions in one statement: atomic without a transaction, one
 * round trip and one commit for every transition ready at once (BEGIN, two writes and COMMIT per
 * transition before). A saga whose lease is gone has nothing written, the others are. The text is
 * constant, so it is prepared once per connection.
 */
export const TRANSITIONS_STATEMENT = {
  name: 'tracseq_saga_transitions',
  text: appendSqlWith({
    ctes: `moved AS (
      SELECT * FROM ROWS FROM (unnest(${$(1)}::uuid[]), unnest(${$(2)}::text[]), unnest(${$(3)}::int[]), jsonb_array_elements(${$(4)}::jsonb),
          unnest(${$(5)}::text[]), unnest(${$(6)}::text[]), unnest(${$(7)}::text[]), unnest(${$(8)}::boolean[]), unnest(${$(9)}::timestamptz[]),
          unnest(${$(10)}::timestamptz[]), unnest(${$(11)}::text[]), unnest(${$(12)}::timestamptz[]))
        WITH ORDINALITY AS x(id, status, current_step, data, last_position, error, error_code, timed_out, finished_at, next_run_at, lease_owner, lease_until, n)),
    owned AS (
      UPDATE sagas.instances i SET status = x.status, current_step = x.current_step, data = x.data, last_position = x.last_position, error = x.error,
        error_code = x.error_code, timed_out = x.timed_out, finished_at = x.finished_at, next_run_at = coalesce(x.next_run_at, i.next_run_at),
        lease_owner = x.lease_owner, lease_until = x.lease_until
      -- i.id = ANY(...): without it the generic plan scanned every instance for the lease owner's.
      FROM moved x WHERE i.id = ANY(${$(1)}::uuid[]) AND i.id = x.id AND i.lease_owner = ${$(13)} RETURNING i.id, x.n - 1 AS unit),
    steps_written AS (
      UPDATE sagas.steps s SET status = y.status, attempts = y.attempts, undo_attempts = y.undo_attempts, last_error = y.last_error,
        started_at = y.started_at, finished_at = y.finished_at
      FROM unnest(${$(14)}::uuid[], ${$(15)}::int[], ${$(16)}::text[], ${$(17)}::int[], ${$(18)}::int[], ${$(19)}::text[], ${$(20)}::timestamptz[], ${$(21)}::timestamptz[])
        AS y(saga_id, idx, status, attempts, undo_attempts, last_error, started_at, finished_at)
      WHERE s.saga_id = ANY(${$(14)}::uuid[]) AND s.saga_id = y.saga_id AND s.idx = y.idx AND y.saga_id IN (SELECT id FROM owned) RETURNING s.idx)`,
    held: 'SELECT unit FROM owned',
  }),
};

/** One saga's transition as TRANSITIONS_STATEMENT writes it: its append unit and its rows. */
export interface PersistedTransition {
  unit: AppendUnit;
  saga: SagaRow;
  steps: readonly StepRow[];
  nextRunAt: Date | null;
  lease: { owner: string | null; until: Date | null };
}

/** The transition's append unit and rows, as TRANSITIONS_STATEMENT takes them. */
export const persisted = (
  after: { saga: SagaRow; steps: readonly StepRow[] },
  transition: Transition,
  lease: { owner: string; until: Date },
): PersistedTransition => {
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
    saga,
    steps,
    nextRunAt: transition.saga.next_run_at ?? null,
    lease: released ? { owner: null, until: null } : lease,
  };
};

/** TRANSITIONS_STATEMENT's own parameters ($17 …) for transitions of sagas this worker (`owner`) holds. */
export const transitionParameters = (transitions: readonly PersistedTransition[], owner: string): unknown[] => {
  const sagas = transitions.map((t) => t.saga);
  const steps = transitions.flatMap((t) => t.steps.map((step) => ({ sagaId: t.saga.id, step })));
  return [
    sagas.map((s) => s.id), sagas.map((s) => s.status), sagas.map((s) => s.current_step), JSON.stringify(sagas.map((s) => s.data)),
    sagas.map((s) => s.last_position), sagas.map((s) => s.error), sagas.map((s) => s.error_code), sagas.map((s) => s.timed_out),
    sagas.map((s) => s.finished_at), transitions.map((t) => t.nextRunAt), transitions.map((t) => t.lease.owner), transitions.map((t) => t.lease.until),
    owner,
    steps.map((s) => s.sagaId), steps.map((s) => s.step.idx), steps.map((s) => s.step.status), steps.map((s) => s.step.attempts),
    steps.map((s) => s.step.undo_attempts), steps.map((s) => s.step.last_error), steps.map((s) => s.step.started_at), steps.map((s) => s.step.finished_at),
  ];
};
