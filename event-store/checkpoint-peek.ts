import { CompiledQuery, type Kysely } from 'kysely';
import { COMMIT_HORIZON } from './event-store.js';

export interface Peek {
  /** Events after the consumer's checkpoint can be read now (below the commit horizon). */
  readable: boolean;
  /** Events after it exist, readable or still behind an older open transaction. */
  waiting: boolean;
}

/**
 * Each consumer's first event after its checkpoint, in commit order: `waiting` if there is one,
 * `readable` if it lies below the commit horizon (the index is ordered by transaction id, so the
 * first event after the checkpoint has the lowest; if it is not below the horizon, none after it is).
 * Written as an ordered LIMIT 1 so it walks the commit-order index from the checkpoint and stops: as
 * `EXISTS (… WHERE (transaction_id, global_position) > checkpoint)` the planner expected a third of
 * the log to match and scanned the table from its start, the newest events being at its end.
 */
export const PEEK_SQL = `
  SELECT c.consumer,
         next.transaction_id IS NOT NULL AND next.transaction_id < ${COMMIT_HORIZON} AS readable,
         next.transaction_id IS NOT NULL AS waiting
  FROM es.checkpoints c
  LEFT JOIN LATERAL (
    SELECT e.transaction_id FROM es.events e
    WHERE (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)
    ORDER BY e.transaction_id, e.global_position LIMIT 1) next ON true
  WHERE c.consumer = ANY($1::text[])`;

/**
 * Whether consumers have anything to read, for every consumer asking in the same tick in one
 * statement: one append wakes every runner of a process at once, and most find nothing yet.
 */
class CheckpointPeeker {
  private pending: Map<string, Array<(peek: Peek) => void>> | null = null;

  constructor(private readonly db: Kysely<any>) {}

  peek(consumer: string): Promise<Peek> {
    return new Promise((resolve) => {
      if (!this.pending) {
        this.pending = new Map();
        setImmediate(() => void this.flush());
      }
      const waiters = this.pending.get(consumer);
      if (waiters) waiters.push(resolve);
      else this.pending.set(consumer, [resolve]);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending!;
    this.pending = null;
    try {
      const { rows } = await this.db.executeQuery<{ consumer: string } & Peek>(CompiledQuery.raw(PEEK_SQL, [[...batch.keys()]]));
      const found = new Map(rows.map((row) => [row.consumer, row]));
      // No checkpoint row (removed under a running runner): the batch itself reports it.
      for (const [consumer, waiters] of batch) for (const resolve of waiters) resolve(found.get(consumer) ?? { readable: true, waiting: true });
    } catch {
      // Each runner then opens its batch, which meets the failure and goes through its own retry.
      for (const waiters of batch.values()) for (const resolve of waiters) resolve({ readable: true, waiting: true });
    }
  }
}

const peekers = new WeakMap<Kysely<any>, CheckpointPeeker>();

/** The peeker shared by every runner on one database handle. */
export const checkpointPeeker = (db: Kysely<any>): CheckpointPeeker => {
  let peeker = peekers.get(db);
  if (!peeker) peekers.set(db, (peeker = new CheckpointPeeker(db)));
  return peeker;
};
