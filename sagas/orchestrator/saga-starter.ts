import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { APPEND_PARAMETER_COUNT, appendSqlWith } from '../../event-store/append-statement.js';
import type { CommandContext } from '../../event-store/command-handler.js';
import type { EventStore } from '../../event-store/event-store.js';
import { formatPosition } from '../../event-store/position.js';
import { activeTraceContext } from '../../platform/tracing/propagation.js';
import type { SagaDefinition } from './saga-definition.js';
import type { SagaRow } from './saga-schema.js';

export const SAGAS_CHANNEL = 'tracseq_sagas';

const $ = (n: number) => `$${APPEND_PARAMETER_COUNT + n}`;

/**
 * The instance, its steps, SagaStarted on its stream and the NOTIFY that wakes workers (delivered at
 * commit) in one statement. A repeated idempotency key inserts nothing, so nothing is appended.
 */
const START_STATEMENT = {
  name: 'tracseq_saga_start',
  text: appendSqlWith({
    ctes: `inserted AS (
      INSERT INTO sagas.instances (id, tenant_id, type, status, data, deadline_at, started_at, idempotency_key, actor, correlation_id, trace_context)
      VALUES (${$(1)}, ${$(2)}, ${$(3)}, 'RUNNING', ${$(4)}::jsonb, ${$(5)}, ${$(6)}, ${$(7)}, ${$(8)}, ${$(9)}, ${$(10)}::jsonb)
      ON CONFLICT (tenant_id, type, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
      RETURNING id, pg_notify('${SAGAS_CHANNEL}', id::text)),
    steps_inserted AS (
      INSERT INTO sagas.steps (saga_id, idx, name, status)
      SELECT inserted.id, s.idx - 1, s.name, 'PENDING' FROM inserted, unnest(${$(11)}::text[]) WITH ORDINALITY AS s(name, idx))`,
    guard: 'EXISTS (SELECT 1 FROM inserted)',
  }),
};

/**
 * Starts a saga, atomically: see START_STATEMENT. A repeated idempotency key returns the saga it
 * started first, with the position of its start.
 */
export const startSaga = async <Data>(
  deps: { db: Kysely<any>; store: EventStore },
  definition: SagaDefinition<Data>,
  context: CommandContext,
  data: Data,
  idempotencyKey?: string | null,
): Promise<{ saga: SagaRow; position: string }> => {
  const id = randomUUID();
  const correlationId = context.correlationId ?? randomUUID();
  const trace = activeTraceContext(); // tracing: each step of the saga continues the trace that started it
  const now = new Date();
  const saga: SagaRow = {
    id, tenant_id: context.tenantId, type: definition.type, status: 'RUNNING', data: data as Record<string, unknown>, error: null, error_code: null,
    current_step: 0, timed_out: false, deadline_at: new Date(now.getTime() + definition.deadlineMs), started_at: now, finished_at: null,
    actor: context.actor, correlation_id: correlationId, last_position: '0:0', trace_context: trace.traceparent ? trace : null,
  };
  const { held, result } = await deps.store.appendWith(START_STATEMENT, {
    // A new random id: the start's guard is the instance insert (a repeated key inserts nothing).
    streams: [{ streamId: `Saga-${id}`, expectedVersion: null, events: [{ type: 'SagaStarted', data: { sagaId: id, sagaType: definition.type, status: 'RUNNING' } }] }],
    metadata: { tenantId: context.tenantId, actor: context.actor, correlationId, causationId: context.causationId ?? null, occurredAt: now.toISOString(), ...trace },
  }, [
    id, saga.tenant_id, saga.type, JSON.stringify(data), saga.deadline_at, now, idempotencyKey ?? null, saga.actor, correlationId,
    saga.trace_context ? JSON.stringify(trace) : null, definition.steps.map((step) => step.name),
  ]);
  if (held) return { saga, position: result!.position };
  const { rows } = await sql<SagaRow & { started_transaction_id: string; started_global_position: string }>`
    SELECT i.*, e.transaction_id::text AS started_transaction_id, e.global_position::text AS started_global_position
    FROM sagas.instances i JOIN es.events e ON e.stream_id = 'Saga-' || i.id AND e.stream_version = 1
    WHERE i.tenant_id = ${context.tenantId} AND i.type = ${definition.type} AND i.idempotency_key = ${idempotencyKey!}`.execute(deps.db);
  const { started_transaction_id: transactionId, started_global_position: globalPosition, ...first } = rows[0]!;
  return { saga: first, position: formatPosition(transactionId, globalPosition) };
};
