import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { lockCheckpoint } from '../../event-store/checkpoints.js';

/** Runs `take` in a transaction kept open, holding whatever it locked, until the returned release. */
const holdInTransaction = async (db: Kysely<any>, take: (trx: Kysely<any>) => Promise<unknown>): Promise<() => Promise<void>> => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held!: () => void;
  const holding = new Promise<void>((resolve) => (held = resolve));
  const transaction = db.transaction().execute(async (trx) => {
    await take(trx);
    held();
    await released;
  });
  await Promise.race([holding, transaction]);
  return async () => {
    release();
    await transaction;
  };
};

/** Holds back every batch of `consumer` (its batch lock, in a transaction) until the returned release. */
export const holdBatches = (db: Kysely<any>, consumer: string): Promise<() => Promise<void>> => holdInTransaction(db, (trx) => lockCheckpoint(trx, consumer));

/**
 * Holds back every write to `table` (reads go on) until the returned release: a read model that
 * applies nothing, on either bus (a Kafka consumer takes no checkpoint lock to hold).
 */
export const holdWrites = (db: Kysely<any>, table: string): Promise<() => Promise<void>> => {
  if (!/^[a-z_]+\.[a-z_]+$/.test(table)) throw new Error(`not a table name: ${table}`);
  return holdInTransaction(db, (trx) => sql.raw(`LOCK TABLE ${table} IN EXCLUSIVE MODE`).execute(trx));
};

/**
 * Runs `setUp` while `consumer`'s batches are held, starts the request it returns, gives it `settleMs`
 * to reach its wait, then releases the batches and returns its answer: for a request that must wait
 * for the read model instead of answering from where it was held.
 */
export const askWhileHeld = async <T>(db: Kysely<any>, consumer: string, setUp: () => Promise<() => Promise<T>>, settleMs = 300): Promise<T> => {
  const release = await holdBatches(db, consumer);
  try {
    const answer = (await setUp())();
    // Awaited below; until then a rejection must not count as unhandled.
    answer.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    await release();
    return await answer;
  } finally {
    await release();
  }
};

/**
 * An older open transaction holding a transaction id: events committed after it are not readable
 * (they lie beyond the commit horizon) until the returned release commits it.
 */
export const holdCommitHorizon = async (pool: pg.Pool): Promise<() => Promise<void>> => {
  const client = await pool.connect();
  await client.query('BEGIN');
  await client.query('SELECT pg_current_xact_id()');
  return async () => {
    try {
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  };
};
