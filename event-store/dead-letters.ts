import { sql, type Kysely } from 'kysely';
import type { StoredEvent } from './types.js';

export interface DeadLetterOptions {
  /** Attempts at one failing event before it is dead-lettered. @default 3 */
  maxAttempts?: number;
}

export const errorText = (error: unknown): string => String((error as Error)?.message ?? error);

/**
 * What every consumer of the log does with an event it cannot apply, whichever bus feeds it: tries
 * it again after a growing pause, gives up after `maxAttempts`, records it in es.dead_letters (what
 * `dlq:list` shows) and carries on; `replay` applies a recorded one again, once.
 */
export class DeadLetterPolicy {
  readonly maxAttempts: number;
  private readonly failures = new Map<string, number>();

  constructor(
    readonly consumer: string,
    options: DeadLetterOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 3;
  }

  /** Counts a failed attempt: whether to give up on the event, or how long to pause before the next. */
  failed(eventId: string): { attempts: number; giveUp: boolean; backoffMs: number } {
    const attempts = (this.failures.get(eventId) ?? 0) + 1;
    this.failures.set(eventId, attempts);
    return { attempts, giveUp: attempts >= this.maxAttempts, backoffMs: 50 * 2 ** attempts };
  }

  /** The event went through after failing: its count starts afresh. */
  succeeded(eventId: string): void {
    this.failures.delete(eventId);
  }

  /** Records the event as given up on (in the caller's transaction, if it passes one). */
  async record(db: Kysely<any>, event: Pick<StoredEvent, 'eventId' | 'globalPosition'>, error: unknown): Promise<void> {
    this.failures.delete(event.eventId);
    await sql`INSERT INTO es.dead_letters (consumer, event_id, global_position, error)
      VALUES (${this.consumer}, ${event.eventId}, ${event.globalPosition}::bigint, ${errorText(error)})`.execute(db);
  }

  /**
   * Applies a dead-lettered event again, once: only while its entry is pending, which the same
   * transaction closes. One that fails again stays pending with its new error.
   */
  async replay(db: Kysely<any>, eventId: string, apply: (trx: Kysely<any>) => Promise<void>): Promise<'replayed' | 'not-pending' | 'failed'> {
    try {
      return await db.transaction().execute(async (trx) => {
        const pending = await sql`UPDATE es.dead_letters SET replayed_at = now()
          WHERE consumer = ${this.consumer} AND event_id = ${eventId} AND replayed_at IS NULL RETURNING id`.execute(trx);
        if (pending.rows.length === 0) return 'not-pending';
        await apply(trx);
        return 'replayed';
      });
    } catch (error) {
      await sql`UPDATE es.dead_letters SET error = ${errorText(error)} WHERE consumer = ${this.consumer} AND event_id = ${eventId} AND replayed_at IS NULL`.execute(db);
      return 'failed';
    }
  }
}

export interface DeadLetter {
  id: string;
  consumer: string;
  eventId: string;
  error: string;
  createdAt: Date;
}

/** Every pending dead letter, oldest first. */
export const listDeadLetters = async (db: Kysely<any>): Promise<DeadLetter[]> =>
  (await sql<{ id: string; consumer: string; event_id: string; error: string; created_at: Date }>`
    SELECT id, consumer, event_id, error, created_at FROM es.dead_letters WHERE replayed_at IS NULL ORDER BY id`.execute(db)).rows.map((row) => ({
    id: row.id, consumer: row.consumer, eventId: row.event_id, error: row.error, createdAt: row.created_at,
  }));
