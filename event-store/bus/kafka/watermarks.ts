import { sql, type Kysely } from 'kysely';
import { CHECKPOINTS_CHANNEL } from '../../projection-runner.js';
import type { StoredEvent } from '../../types.js';

type Mark = Pick<StoredEvent, 'transactionId' | 'globalPosition'>;

/**
 * Relay, before it sends a batch: the furthest position it puts into each partition. Written first,
 * so a consumer can never have read a message its partition's mark does not cover yet.
 */
export const recordPlanned = async (db: Kysely<any>, marks: ReadonlyArray<{ topic: string; partition: number; event: Mark }>): Promise<void> => {
  if (marks.length === 0) return;
  await sql`
    INSERT INTO es.kafka_published (topic, partition, transaction_id, global_position)
    SELECT topic, partition, transaction_id::xid8, global_position
    FROM unnest(${marks.map((m) => m.topic)}::text[], ${marks.map((m) => m.partition)}::int[],
                ${marks.map((m) => m.event.transactionId)}::text[], ${marks.map((m) => m.event.globalPosition)}::bigint[])
      AS m(topic, partition, transaction_id, global_position)
    ON CONFLICT (topic, partition) DO UPDATE SET transaction_id = excluded.transaction_id, global_position = excluded.global_position
    WHERE (es.kafka_published.transaction_id, es.kafka_published.global_position) < (excluded.transaction_id, excluded.global_position)`.execute(db);
};

/**
 * Consumer, after finishing messages of one partition: records how far it got there, then derives
 * the position up to which it has seen every event of every partition and moves its checkpoint
 * there (read-your-writes waits on checkpoints, whichever bus feeds them).
 *
 * A partition it has read to its mark holds nothing older it has missed; in a partition it is
 * behind in, everything up to where it got is seen. So the gap-free position is the least of where
 * it got in the partitions it is behind in, capped by the furthest mark. Instances of one group
 * serialise here, so each sees the other's progress.
 */
export const recordConsumed = async (db: Kysely<any>, consumer: string, topics: readonly string[], at: { topic: string; partition: number; event: Mark }): Promise<void> => {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`kafka-progress:${consumer}`}))`.execute(trx);
    await sql`
      INSERT INTO es.kafka_consumed (consumer, topic, partition, transaction_id, global_position)
      VALUES (${consumer}, ${at.topic}, ${at.partition}, ${at.event.transactionId}::text::xid8, ${at.event.globalPosition}::bigint)
      ON CONFLICT (consumer, topic, partition) DO UPDATE SET transaction_id = excluded.transaction_id, global_position = excluded.global_position
      WHERE (es.kafka_consumed.transaction_id, es.kafka_consumed.global_position) < (excluded.transaction_id, excluded.global_position)`.execute(trx);
    const { rows } = await sql<{ transaction_id: string; global_position: string }>`
      WITH marks AS (
        SELECT p.transaction_id AS planned_tx, p.global_position AS planned_pos,
               COALESCE(c.transaction_id, '0'::xid8) AS seen_tx, COALESCE(c.global_position, 0) AS seen_pos
        FROM es.kafka_published p
        LEFT JOIN es.kafka_consumed c ON c.consumer = ${consumer} AND c.topic = p.topic AND c.partition = p.partition
        WHERE p.topic = ANY(${[...topics]}::text[])
      )
      SELECT bound.transaction_id::text, bound.global_position::text FROM (
        (SELECT seen_tx, seen_pos FROM marks WHERE (seen_tx, seen_pos) < (planned_tx, planned_pos) ORDER BY 1, 2 LIMIT 1)
        UNION ALL
        (SELECT planned_tx, planned_pos FROM marks ORDER BY 1 DESC, 2 DESC LIMIT 1)
      ) AS bound(transaction_id, global_position)
      -- by the xid8 and bigint columns: the text output columns would order '999' after '1000'
      ORDER BY bound.transaction_id, bound.global_position LIMIT 1`.execute(trx);
    const bound = rows[0];
    if (!bound) return;
    const moved = await sql`
      INSERT INTO es.checkpoints (consumer, transaction_id, global_position) VALUES (${consumer}, ${bound.transaction_id}::xid8, ${bound.global_position}::bigint)
      ON CONFLICT (consumer) DO UPDATE SET transaction_id = excluded.transaction_id, global_position = excluded.global_position, updated_at = now()
      WHERE (es.checkpoints.transaction_id, es.checkpoints.global_position) < (excluded.transaction_id, excluded.global_position)`.execute(trx);
    if (Number(moved.numAffectedRows ?? 0) > 0) {
      await sql`SELECT pg_notify(${CHECKPOINTS_CHANNEL}, ${`${consumer} ${bound.transaction_id}:${bound.global_position}`})`.execute(trx);
    }
  });
};

/** The furthest position the relay has planned into any partition: everything a consumer may have seen. */
export const furthestPlanned = async (db: Kysely<any>): Promise<Mark | null> => {
  const { rows } = await sql<{ transaction_id: string; global_position: string }>`
    SELECT transaction_id::text, global_position::text FROM es.kafka_published p ORDER BY p.transaction_id DESC, p.global_position DESC LIMIT 1`.execute(db);
  return rows[0] ? { transactionId: rows[0].transaction_id, globalPosition: rows[0].global_position } : null;
};
