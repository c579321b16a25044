import { sql, type Kysely } from 'kysely';
import { sqlRunnerOf, type EventStore } from '../../event-store.js';
import { checkpointOf, compareCheckpoints, START } from '../../position.js';
import type { EventConsumer } from '../../projection.js';
import { holdApplyLock, recordApplied } from './consumer.js';
import { furthestPlanned } from './watermarks.js';

/**
 * Rebuilds a Kafka-fed read model from the event store, not from the topics: they keep days, the
 * log keeps everything. One transaction empties the model and replays every event the relay has
 * planned into Kafka (everything the consumer can have seen), recording each stream's version so the
 * consumer skips those when Kafka delivers them. Applies wait meanwhile (exclusive apply lock), and
 * readers see the old model until the new one is complete.
 */
export const rebuildFromLog = async (
  db: Kysely<any>,
  store: EventStore,
  projection: EventConsumer,
  batchSize = 1000,
  /** Called after each batch with the log position reached and the last one to replay. */
  onProgress?: (position: bigint, end: bigint) => void,
): Promise<{ replayed: number }> => {
  if (!projection.reset) throw new Error(`${projection.name} cannot be rebuilt (it is a policy, or has no reset)`);
  return db.transaction().execute(async (trx) => {
    await holdApplyLock(trx, projection.name, 'exclusive');
    await projection.reset!(trx);
    await sql`DELETE FROM es.kafka_applied WHERE consumer = ${projection.name}`.execute(trx);
    const end = await furthestPlanned(trx);
    if (!end) return { replayed: 0 };
    const until = checkpointOf(end);
    const run = sqlRunnerOf(trx);
    const versions = new Map<string, number>();
    let replayed = 0;
    for (let from = START; ; ) {
      const events = (await store.readAll(from, batchSize, run)).filter((e) => compareCheckpoints(checkpointOf(e), until) <= 0);
      for (const event of events) {
        if (!projection.handles.has(event.type)) continue;
        await projection.apply(trx, event);
        versions.set(event.streamId, event.streamVersion);
        replayed++;
      }
      if (events.length > 0) onProgress?.(checkpointOf(events[events.length - 1]!).globalPosition, until.globalPosition);
      if (events.length < batchSize) break;
      from = checkpointOf(events[events.length - 1]!);
    }
    await recordApplied(trx, projection.name, [...versions].map(([streamId, streamVersion]) => ({ streamId, streamVersion })));
    return { replayed };
  });
};
