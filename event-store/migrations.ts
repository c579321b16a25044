import type pg from 'pg';

/** A module's schema changes, applied in order, each once, in its own transaction. */
export interface MigrationSet {
  module: string;
  steps: readonly string[];
}

const LOCK_KEY = 7_407_201; // one migrator at a time across processes

/** Applies what is missing and returns it, in the order applied (`migrate` prints it). */
export const runMigrations = async (pool: pg.Pool, sets: readonly MigrationSet[]): Promise<Array<{ module: string; step: number }>> => {
  const client = await pool.connect();
  const appliedNow: Array<{ module: string; step: number }> = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS public.schema_migrations (
      module text NOT NULL, step int NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (module, step))`);
    for (const set of sets) {
      const done = await client.query<{ step: number }>('SELECT step FROM public.schema_migrations WHERE module = $1', [set.module]);
      const applied = new Set(done.rows.map((row) => row.step));
      for (const [index, sql] of set.steps.entries()) {
        if (applied.has(index)) continue;
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO public.schema_migrations (module, step) VALUES ($1, $2)', [set.module, index]);
          await client.query('COMMIT');
          appliedNow.push({ module: set.module, step: index });
        } catch (error) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${set.module}#${index} failed: ${(error as Error).message}`);
        }
      }
    }
    return appliedNow;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
};
