import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { CommandContext } from '../../event-store/command-handler.js';
import type { EventStore } from '../../event-store/event-store.js';
import type { SagaDefinition } from './saga-definition.js';
import type { SagaRow } from './saga-schema.js';

export const SAGAS_CHANNEL = 'tracseq_sagas';

/**
 * Starts a saga: the instance and its steps in one transaction (with a NOTIFY that wakes workers),
 * then SagaStarted on its stream. A repeated idempotency key returns the saga it started first.
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
  const inserted = await deps.db.transaction().execute(async (trx) => {
    const { rows } = await sql<SagaRow>`INSERT INTO sagas.instances (id, tenant_id, type, status, data, deadline_at, idempotency_key, actor, correlation_id)
      VALUES (${id}, ${context.tenantId}, ${definition.type}, 'RUNNING', ${JSON.stringify(data)}, now() + make_interval(secs => ${definition.deadlineMs / 1000}),
        ${idempotencyKey ?? null}, ${context.actor}, ${correlationId})
      ON CONFLICT (tenant_id, type, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
      RETURNING *`.execute(trx);
    if (!rows[0]) return null;
    const names = definition.steps.map((step) => step.name);
    await sql`INSERT INTO sagas.steps (saga_id, idx, name, status)
      SELECT ${id}, idx - 1, name, 'PENDING' FROM unnest(${names}::text[]) WITH ORDINALITY AS s(name, idx)`.execute(trx);
    await sql`SELECT pg_notify(${SAGAS_CHANNEL}, ${id})`.execute(trx);
    return rows[0];
  });
  if (!inserted) {
    const { rows } = await sql<SagaRow>`SELECT * FROM sagas.instances WHERE tenant_id = ${context.tenantId} AND type = ${definition.type} AND idempotency_key = ${idempotencyKey!}`.execute(deps.db);
    return { saga: rows[0]!, position: rows[0]!.started_position };
  }
  const appended = await deps.store.append(`Saga-${id}`, 0, [{ type: 'SagaStarted', data: { sagaId: id, sagaType: definition.type, status: 'RUNNING' } }], {
    tenantId: context.tenantId,
    actor: context.actor,
    correlationId,
    causationId: context.causationId ?? null,
    occurredAt: new Date().toISOString(),
  });
  await sql`UPDATE sagas.instances SET started_position = ${appended.position} WHERE id = ${id}`.execute(deps.db);
  return { saga: inserted, position: appended.position };
};
