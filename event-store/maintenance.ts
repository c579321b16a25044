import { sql, type Kysely } from 'kysely';
import type { EventStore } from './event-store.js';
import { EVENTS_CHANNEL } from './event-store.js';
import { ensureCheckpoint, lockCheckpoint } from './checkpoints.js';
import { DeadLetterPolicy, listDeadLetters } from './dead-letters.js';
import type { EventConsumer } from './projection.js';

/**
 * Rebuilds a read model from the log: empties it and moves its checkpoint back to the start in one
 * transaction (waiting for any batch in flight); the active runner, wherever it runs, then replays
 * the log into it.
 */
export const rebuildProjection = async (db: Kysely<any>, projection: EventConsumer): Promise<void> => {
  if (!projection.reset) throw new Error(`${projection.name} cannot be rebuilt (it is a policy, or has no reset)`);
  await db.transaction().execute(async (trx) => {
    await ensureCheckpoint(trx, projection.name);
    await lockCheckpoint(trx, projection.name);
    await projection.reset!(trx);
    await sql`UPDATE es.checkpoints SET transaction_id = '0', global_position = 0, updated_at = now() WHERE consumer = ${projection.name}`.execute(trx);
    await sql`SELECT pg_notify(${EVENTS_CHANNEL}, '')`.execute(trx);
  });
};

export { listDeadLetters, type DeadLetter } from './dead-letters.js';

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
  const policy = new DeadLetterPolicy(projection.name);
  let replayed = 0;
  let failed = 0;
  let done = 0;
  const letters = (await listDeadLetters(db)).filter((l) => l.consumer === projection.name);
  for (const letter of letters) {
    const event = await store.readEvent(letter.eventId);
    const outcome = await policy.replay(db, letter.eventId, async (trx) => {
      if (!event) throw new Error('event not found in the log');
      await projection.apply(trx, event);
    });
    if (outcome === 'replayed') replayed++;
    else if (outcome === 'failed') failed++;
    onProgress?.(++done, letters.length);
  }
  return { replayed, failed };
};
