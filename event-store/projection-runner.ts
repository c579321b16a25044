import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import { WakeSignal } from './bus/wake-signal.js';
import type { Logger } from '../platform/logger.js';
import { EVENTS_CHANNEL, type EventStore, type SqlRunner } from './event-store.js';
import type { PgListener } from './bus/pg-listener.js';
import { checkpointOf, checkpointOfRow, type Checkpoint } from './position.js';
import type { EventConsumer } from './projection.js';
import type { StoredEvent } from './types.js';
import { inEventTrace } from './trace-context.js';

export const CHECKPOINTS_CHANNEL = 'tracseq_checkpoints';

export interface ProjectionRunnerOptions {
  /** @default 500 */
  batchSize?: number;
  /** Attempts for one failing event before it goes to es.dead_letters. @default 3 */
  maxAttempts?: number;
  /** Re-read delay when committed events wait behind an older open transaction. @default 20 */
  horizonRetryMs?: number;
  /** Safety re-read when no notification came (e.g. lost during a reconnect). @default 5000 */
  idlePollMs?: number;
  logger?: Logger;
}

class ApplyError extends Error {
  constructor(readonly event: StoredEvent, override readonly cause: unknown) {
    super(`applying ${event.type} ${event.eventId}: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/**
 * Feeds one projection from the postgres event bus. One active runner per projection across all
 * processes (session advisory lock; others stand by). Each batch applies its events and advances the
 * checkpoint in one transaction, so a crash or restart neither loses nor repeats an event.
 * Woken by LISTEN/NOTIFY from appends, not by polling.
 */
export class ProjectionRunner {
  private stopped = false;
  private loop: Promise<void> | null = null;
  private readonly signal = new WakeSignal();
  private readonly failures = new Map<string, number>();
  private readonly deadLetter = new Map<string, string>();
  private readonly batchSize: number;
  private readonly maxAttempts: number;
  private readonly horizonRetryMs: number;
  private readonly idlePollMs: number;
  private readonly logger?: Logger;
  private readonly onNotify = () => this.signal.notify();
  /** Checkpoint after the last committed batch (for tests). */
  checkpoint: Checkpoint | null = null;
  active = false;

  constructor(
    private readonly db: Kysely<any>,
    private readonly store: EventStore,
    private readonly listener: PgListener,
    readonly projection: EventConsumer,
    options: ProjectionRunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.horizonRetryMs = options.horizonRetryMs ?? 20;
    this.idlePollMs = options.idlePollMs ?? 5000;
    this.logger = options.logger;
  }

  async start(): Promise<void> {
    this.listener.on(EVENTS_CHANNEL, this.onNotify);
    this.listener.on('reconnect', this.onNotify);
    await this.listener.listen(EVENTS_CHANNEL);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listener.off(EVENTS_CHANNEL, this.onNotify);
    this.listener.off('reconnect', this.onNotify);
    this.signal.notify();
    await this.loop;
  }

  private async run(): Promise<void> {
    const name = this.projection.name;
    while (!this.stopped) {
      try {
        await this.db.connection().execute(async (conn) => {
          const lock = sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(hashtext(${'projection:' + name})) AS locked`;
          while (!this.stopped && !(await lock.execute(conn)).rows[0]!.locked) await this.signal.sleep(1000);
          if (this.stopped) return;
          this.active = true;
          try {
            await sql`INSERT INTO es.checkpoints (consumer) VALUES (${name}) ON CONFLICT DO NOTHING`.execute(conn);
            while (!this.stopped) {
              const { applied, caughtUp } = await this.runBatch(conn);
              if (applied === this.batchSize) continue;
              await this.signal.sleep(caughtUp ? this.idlePollMs : this.horizonRetryMs);
            }
          } finally {
            this.active = false;
            await sql`SELECT pg_advisory_unlock(hashtext(${'projection:' + name}))`.execute(conn).catch(() => undefined);
          }
        });
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof ApplyError) {
          const attempts = (this.failures.get(error.event.eventId) ?? 0) + 1;
          this.failures.set(error.event.eventId, attempts);
          this.logger?.warn({ projection: name, eventId: error.event.eventId, attempts, err: error.cause }, 'projection failed to apply an event');
          if (attempts >= this.maxAttempts) this.deadLetter.set(error.event.eventId, String((error.cause as Error)?.message ?? error.cause));
          await this.signal.sleep(50 * 2 ** attempts);
        } else {
          this.logger?.error({ projection: name, err: error }, 'projection runner lost its connection; retrying');
          await this.signal.sleep(1000);
        }
      }
    }
  }

  private async runBatch(conn: Kysely<any>): Promise<{ applied: number; caughtUp: boolean }> {
    const name = this.projection.name;
    // The checkpoint row is locked for the batch, so a rebuild (which resets it) waits for the batch
    // and the batch never writes a checkpoint past a reset.
    return conn.transaction().execute(async (trx) => {
      const run: SqlRunner = async (text, params) => (await trx.executeQuery(CompiledQuery.raw(text, params))).rows;
      const row = (await sql<{ transaction_id: string; global_position: string }>`
        SELECT transaction_id::text, global_position::text FROM es.checkpoints WHERE consumer = ${name} FOR UPDATE`.execute(trx)).rows[0]!;
      const from: Checkpoint = checkpointOfRow(row);
      const events = await this.store.readAll(from, this.batchSize, run);
      if (events.length === 0) {
        const ahead = await sql`SELECT 1 FROM es.events WHERE (transaction_id, global_position) > (${from.transactionId.toString()}::text::xid8, ${from.globalPosition.toString()}::bigint) LIMIT 1`.execute(trx);
        return { applied: 0, caughtUp: ahead.rows.length === 0 };
      }
      for (const event of events) await this.applyOne(trx, event);
      const last = events[events.length - 1]!;
      await sql`UPDATE es.checkpoints SET transaction_id = ${last.transactionId}::text::xid8, global_position = ${last.globalPosition}::bigint, updated_at = now()
        WHERE consumer = ${name}`.execute(trx);
      await sql`SELECT pg_notify(${CHECKPOINTS_CHANNEL}, ${`${name} ${last.position}`})`.execute(trx);
      this.checkpoint = checkpointOf(last);
      return { applied: events.length, caughtUp: false };
    });
  }

  private async applyOne(trx: Transaction<any>, event: StoredEvent): Promise<void> {
    const poisoned = this.deadLetter.get(event.eventId);
    if (poisoned !== undefined) {
      await sql`INSERT INTO es.dead_letters (consumer, event_id, global_position, error)
        VALUES (${this.projection.name}, ${event.eventId}, ${event.globalPosition}::bigint, ${poisoned})`.execute(trx);
      this.deadLetter.delete(event.eventId);
      this.logger?.error({ projection: this.projection.name, eventId: event.eventId, position: event.position }, 'event dead-lettered');
      return;
    }
    if (!this.projection.handles.has(event.type)) return;
    try {
      await inEventTrace(this.projection.name, event, () => this.projection.apply(trx, event)); // tracing: joins the command's trace
    } catch (error) {
      throw new ApplyError(event, error);
    }
  }

}
