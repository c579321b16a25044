import type pg from 'pg';

export interface CatchUp {
  caughtUp: boolean;
  /** Consumers still behind when the wait ended, with how many positions. */
  behind: Array<{ consumer: string; lag: number }>;
}

const lagOf = async (pool: pg.Pool, consumers: readonly string[]) => {
  const { rows } = await pool.query<{ consumer: string; lag: string }>(
    `SELECT c.name AS consumer, coalesce((SELECT max(global_position) FROM es.events), 0) - coalesce(cp.global_position, 0) AS lag
     FROM unnest($1::text[]) AS c(name) LEFT JOIN es.checkpoints cp ON cp.consumer = c.name`,
    [consumers],
  );
  return rows.map((row) => ({ consumer: row.consumer, lag: Math.max(0, Number(row.lag)) })).filter((row) => row.lag > 0);
};

/**
 * Waits until every projection and policy has applied the whole log, twice in a row: a policy that
 * reacts appends new events, so one pass at the head is not yet caught up. Gives up after
 * `timeoutMs` and says who is behind (a start-up that never says "up" helps nobody).
 */
export const waitForCatchUp = async (pool: pg.Pool, consumers: readonly string[], options: { timeoutMs?: number; pollMs?: number } = {}): Promise<CatchUp> => {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let quietPasses = 0;
  for (;;) {
    const behind = await lagOf(pool, consumers);
    quietPasses = behind.length === 0 ? quietPasses + 1 : 0;
    if (quietPasses >= 2) return { caughtUp: true, behind: [] };
    if (Date.now() > deadline) return { caughtUp: false, behind };
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
};
