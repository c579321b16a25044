import { sql, type Kysely } from 'kysely';
import { checkpointOfRow, type Checkpoint } from './position.js';
import type { StoredEvent } from './types.js';

/** Where a consumer of the log is (es.checkpoints): created at the start of the log if new. */
export const ensureCheckpoint = async (db: Kysely<any>, consumer: string): Promise<void> => {
  await sql`INSERT INTO es.checkpoints (consumer) VALUES (${consumer}) ON CONFLICT DO NOTHING`.execute(db);
};

/** A consumer's checkpoint. */
export const readCheckpoint = async (db: Kysely<any>, consumer: string): Promise<Checkpoint> => {
  const { rows } = await sql<{ transaction_id: string; global_position: string }>`
    SELECT transaction_id::text, global_position::text FROM es.checkpoints WHERE consumer = ${consumer}`.execute(db);
  if (!rows[0]) throw new Error(`consumer ${consumer} has no checkpoint`);
  return checkpointOfRow(rows[0]);
};

/** Holds back every batch of `consumer` until the caller's transaction ends (see batchLockKey). */
export const lockCheckpoint = async (db: Kysely<any>, consumer: string): Promise<void> => {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${batchLockKey(consumer)}))`.execute(db);
};

/**
 * The advisory lock a consumer's batches take shared (EventStore.readBatch, to the end of the
 * batch's transaction) and its rebuild takes exclusively, so a rebuild waits for the batch in flight
 * and holds the next one back. An advisory lock rather than FOR UPDATE on the checkpoint row: a row
 * lock gives the batch a transaction id from its first statement, and every reader of the log waits
 * for transactions older than the events it reads (the commit horizon), so a batch that holds one
 * only while it writes holds the other readers back far less.
 */
export const batchLockKey = (consumer: string) => `checkpoint:${consumer}`;

/** A batch's checkpoint was reset (a rebuild) between its read and its save: the batch rolls back and reads again. */
export class CheckpointMovedError extends Error {
  constructor(readonly consumer: string) {
    super(`checkpoint of ${consumer} moved under its batch (a rebuild?)`);
  }
}

/**
 * Moves a consumer's checkpoint from `from` to the last event it has handled. Compare-and-set: a
 * rebuild that committed between the batch's read of the checkpoint and its lock fails the batch
 * (rolled back, read again) instead of being overwritten.
 */
export const saveCheckpoint = async (
  db: Kysely<any>,
  consumer: string,
  last: Pick<StoredEvent, 'transactionId' | 'globalPosition'>,
  from?: Checkpoint,
  notify?: { channel: string; payload: string },
): Promise<void> => {
  const result = await sql`UPDATE es.checkpoints SET transaction_id = ${last.transactionId}::text::xid8, global_position = ${last.globalPosition}::bigint, updated_at = now()
    WHERE consumer = ${consumer}
    ${from ? sql`AND transaction_id = ${String(from.transactionId)}::xid8 AND global_position = ${String(from.globalPosition)}::bigint` : sql``}
    ${notify ? sql`RETURNING (SELECT pg_notify(${notify.channel}, ${notify.payload})) IS NULL AS notified` : sql``}`.execute(db);
  if (from && result.numAffectedRows === 0n) throw new CheckpointMovedError(consumer);
};
