import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { appendWithin } from '../../event-store/append-within.js';
import type { CommandContext } from '../../event-store/command-handler.js';
import { activeTraceContext } from '../../platform/tracing/propagation.js';
import type { SagaDefinition } from './saga-definition.js';
import type { SagaRow } from './saga-schema.js';

export const SAGAS_CHANNEL = 'tracseq_sagas';

/**
 * Starts a saga in one transaction: the instance, its steps, SagaStarted on its stream and a NOTIFY
 * that wakes workers (delivered at commit). A repeated idempotency key returns the saga it started first.
 */
export const startSaga = async <Data>(
  deps: { db: Kysely<any> },
  definition: SagaDefinition<Data>,
  context: CommandContext,
  data: Data,
  idempotencyKey?: string | null,
): Promise<{ saga: SagaRow; position: string }> => {
  const id = randomUUID();
  const correlationId = context.correlationId ?? randomUUID();
  const names = definition.steps.map((step) => step.name);
  const trace = activeTraceContext(); // tracing: each step of the saga continues the trace that started it
  const started = await deps.db.transaction().execute(async (trx) => {
    const { rows } = await sql<SagaRow>`WITH inserted AS (
        INSERT INTO sagas.instances (id, tenant_id, type, status, data, deadline_at, idempotency_key, actor, correlation_id, trace_context)
        VALUES (${id}, ${context.tenantId}, ${definition.type}, 'RUNNING', ${JSON.stringify(data)}, now() + make_interval(secs => ${definition.deadlineMs / 1000}),
          ${idempotencyKey ?? null}, ${context.actor}, ${correlationId}, ${trace.traceparent ? JSON.stringify(trace) : null})
        ON CONFLICT (tenant_id, type, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING *),
      steps AS (
        INSERT INTO sagas.steps (saga_id, idx, name, status)
        SELECT inserted.id, s.idx - 1, s.name, 'PENDING' FROM inserted, unnest(${names}::text[]) WITH ORDINALITY AS s(name, idx))
      SELECT * FROM inserted`.execute(trx);
    const saga = rows[0];
    if (!saga) return null;
    const appended = await appendWithin((text, params) => trx.executeQuery(CompiledQuery.raw(text, params)).then((result) => result.rows), {
      streams: [{ streamId: `Saga-${id}`, expectedVersion: 0, events: [{ type: 'SagaStarted', data: { sagaId: id, sagaType: definition.type, status: 'RUNNING' } }] }],
      metadata: { tenantId: context.tenantId, actor: context.actor, correlationId, causationId: context.causationId ?? null, occurredAt: new Date().toISOString(), ...trace },
    });
    await sql`UPDATE sagas.instances SET started_position = ${appended.position} WHERE id = ${id}
      RETURNING (SELECT pg_notify(${SAGAS_CHANNEL}, ${id})) IS NULL AS notified`.execute(trx);
    return { saga: { ...saga, started_position: appended.position }, position: appended.position };
  });
  if (started) return started;
  const { rows } = await sql<SagaRow>`SELECT * FROM sagas.instances WHERE tenant_id = ${context.tenantId} AND type = ${definition.type} AND idempotency_key = ${idempotencyKey!}`.execute(deps.db);
  return { saga: rows[0]!, position: rows[0]!.started_position };
};
