import type { Kysely } from 'kysely';
import type pg from 'pg';
import { lockCheckpoint } from '../../event-store/checkpoints.js';

/** Holds back every batch of `consumer` (its batch lock, in a transaction) until the returned release. */
export const holdBatches = async (db: Kysely<any>, consumer: string): Promise<() => Promise<void>> => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held!: () => void;
  const holding = new Promise<void>((resolve) => (held = resolve));
  const transaction = db.transaction().execute(async (trx) => {
    await lockCheckpoint(trx, consumer);
    held();
    await released;
  });
  await Promise.race([holding, transaction]);
  return async () => {
    release();
    await transaction;
  };
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
