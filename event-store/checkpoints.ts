import { sql, type Kysely } from 'kysely';
import { checkpointOfRow, type Checkpoint } from './position.js';
import type { StoredEvent } from './types.js';

/** Where a consumer of the log is (es.checkpoints): created at the start of the log if new. */
export const ensureCheckpoint = async (db: Kysely<any>, consumer: string): Promise<void> => {
  await sql`INSERT INTO es.checkpoints (consumer) VALUES (${consumer}) ON CONFLICT DO NOTHING`.execute(db);
};

/**
 * A consumer's checkpoint. `forUpdate` locks the row to the end of the caller's transaction, so a
 * rebuild (which resets it) waits for the batch and no batch writes a checkpoint past a reset.
 */
export const readCheckpoint = async (db: Kysely<any>, consumer: string, options: { forUpdate?: boolean } = {}): Promise<Checkpoint> => {
  const { rows } = await sql<{ transaction_id: string; global_position: string }>`
    SELECT transaction_id::text, global_position::text FROM es.checkpoints WHERE consumer = ${consumer}
    ${options.forUpdate ? sql`FOR UPDATE` : sql``}`.execute(db);
  if (!rows[0]) throw new Error(`consumer ${consumer} has no checkpoint`);
  return checkpointOfRow(rows[0]);
};

/** Moves a consumer's checkpoint to the last event it has handled. */
export const saveCheckpoint = async (db: Kysely<any>, consumer: string, last: Pick<StoredEvent, 'transactionId' | 'globalPosition'>): Promise<void> => {
  await sql`UPDATE es.checkpoints SET transaction_id = ${last.transactionId}::text::xid8, global_position = ${last.globalPosition}::bigint, updated_at = now()
    WHERE consumer = ${consumer}`.execute(db);
};
