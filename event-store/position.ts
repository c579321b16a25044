import { InvalidPositionError } from './errors.js';

/** A point in the gap-safe global order: (commit transaction, global position). */
export interface Checkpoint {
  transactionId: bigint;
  globalPosition: bigint;
}

export const START: Checkpoint = { transactionId: 0n, globalPosition: 0n };

export const formatPosition = (transactionId: string | bigint, globalPosition: string | bigint): string =>
  `${transactionId}:${globalPosition}`;

export const parsePosition = (position: string): Checkpoint => {
  const match = /^(\d{1,20}):(\d{1,20})$/.exec(position.trim());
  if (!match) throw new InvalidPositionError(position);
  return { transactionId: BigInt(match[1]!), globalPosition: BigInt(match[2]!) };
};

export const compareCheckpoints = (a: Checkpoint, b: Checkpoint): number =>
  a.transactionId !== b.transactionId
    ? a.transactionId < b.transactionId ? -1 : 1
    : a.globalPosition === b.globalPosition ? 0 : a.globalPosition < b.globalPosition ? -1 : 1;

/** The checkpoint of an event (or anything carrying its two ids). */
export const checkpointOf = (at: { transactionId: string | bigint; globalPosition: string | bigint }): Checkpoint => ({
  transactionId: BigInt(at.transactionId),
  globalPosition: BigInt(at.globalPosition),
});

/** The checkpoint in a row read with `transaction_id::text, global_position::text`. */
export const checkpointOfRow = (row: { transaction_id: string; global_position: string }): Checkpoint => ({
  transactionId: BigInt(row.transaction_id),
  globalPosition: BigInt(row.global_position),
});

export const formatCheckpoint = (checkpoint: Checkpoint): string => formatPosition(checkpoint.transactionId, checkpoint.globalPosition);
