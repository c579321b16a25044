import { sql, type Kysely } from 'kysely';
import type { EventStore } from './event-store.js';
import { EVENTS_CHANNEL } from './event-store.js';
import type { EventConsumer } from './projection.js';

/**
 * Rebuilds a read model from the log: empties it and moves its checkpoint back to the start in one
 * transaction (waiting for any batch in flight); the active runner, wherever it runs, then replays
 * the log into it.
 */
export const rebuildProjection = async (db: Kysely<any>, projection: EventConsumer): Promise<void> => {
  if (!projection.reset) throw new Error(`${projection.name} cannot be rebuilt (it is a policy, or has no reset)`);
  await db.transaction().execute(async (trx) => {
    await sql`INSERT INTO es.checkpoints (consumer) VALUES (${projection.name}) ON CONFLICT DO NOTHING`.execute(trx);
    await sql`SELECT 1 FROM es.checkpoints WHERE consumer = ${projection.name} FOR UPDATE`.execute(trx);
    await projection.reset!(trx);
    await sql`UPDATE es.checkpoints SET transaction_id = '0', global_position = 0, updated_at = now() WHERE consumer = ${projection.name}`.execute(trx);
    await sql`SELECT pg_notify(${EVENTS_CHANNEL}, '')`.execute(trx);
  });
};

export interface DeadLetter {
  id: string;
  consumer: string;
  eventId: string;
  error: string;
  createdAt: Date;
}

export const listDeadLetters = async (db: Kysely<any>): Promise<DeadLetter[]> =>
  (await sql<{ id: string; consumer: string; event_id: string; error: string; created_at: Date }>`
    SELECT id, consumer, event_id, error, created_at FROM es.dead_letters WHERE replayed_at IS NULL ORDER BY id`.execute(db)).rows.map((row) => ({
    id: row.id, consumer: row.consumer, eventId: row.event_id, error: row.error, createdAt: row.created_at,
  }));

/**
 * Applies a consumer's dead-lettered events again (after the fix that made them fail), each in its
 * own transaction that also marks it replayed. One that still fails stays, with the new error.
 */
export const replayDeadLetters = async (
  db: Kysely<any>,
  store: EventStore,
  projection: EventConsumer,
  onProgress?: (done: number, total: number) => void,
): Promise<{ replayed: number; failed: number }> => {
  let replayed = 0;
  let failed = 0;
  const letters = (await listDeadLetters(db)).filter((l) => l.consumer === projection.name);
  for (const letter of letters) {
    const { rows } = await sql<{ global_position: string; transaction_id: string }>`
      SELECT global_position::text, transaction_id::text FROM es.events WHERE event_id = ${letter.eventId}`.execute(db);
    const row = rows[0];
    const [event] = row
      ? (await store.readAll({ transactionId: BigInt(row.transaction_id), globalPosition: BigInt(row.global_position) - 1n }, 1)).filter((e) => e.eventId === letter.eventId)
      : [];
    try {
      if (!event) throw new Error('event not found in the log');
      await db.transaction().execute(async (trx) => {
        await projection.apply(trx, event);
        await sql`UPDATE es.dead_letters SET replayed_at = now() WHERE id = ${letter.id}`.execute(trx);
      });
      replayed++;
    } catch (error) {
      await sql`UPDATE es.dead_letters SET error = ${String((error as Error).message ?? error)} WHERE id = ${letter.id}`.execute(db);
      failed++;
    }
    onProgress?.(replayed + failed, letters.length);
  }
  return { replayed, failed };
};
