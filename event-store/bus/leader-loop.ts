import { sql, type Kysely } from 'kysely';
import type { PgListener } from './pg-listener.js';
import { WakeSignal } from './wake-signal.js';

/**
 * One step of a loop's work (on the connection that holds the lock, for a loop with one). Returns how
 * long to sleep before the next step (a notification cuts the sleep short), or null to go on at once.
 */
export type LoopStep<Args extends unknown[] = []> = (...args: Args) => Promise<number | null>;

export interface LoopLock {
  db: Kysely<any>;
  /** Advisory-lock key (hashed): one active loop per key across all processes. */
  key: string;
}

export interface LeaderLoopOptions {
  /**
   * Session advisory lock held, on a pinned connection, while stepping: the others stand by.
   * Without one, every instance steps.
   */
  lock?: LoopLock;
  /** Woken early by NOTIFY on these channels (and after the listener reconnected, if `reconnect`). */
  wake?: { listener: PgListener; channels: readonly string[]; reconnect?: boolean };
  /** Runs once each time this loop becomes the leader, before its first step. */
  onLead?: (db: Kysely<any>) => Promise<void>;
  /** A step threw or the connection went: how long to wait before trying again. */
  onFailure: (error: unknown) => number;
  /** How often a standby tries for the lock. @default 1000 */
  standbyMs?: number;
}

/**
 * The loop behind every reader of the log (projection runner, Kafka relay, live feed) and the saga
 * worker: leadership by advisory lock, wake-ups by NOTIFY with a sleep as the safety poll, failure
 * back-off, and a stop that waits for the step in flight.
 */
export class LeaderLoop {
  private stopped = false;
  private running: Promise<void> | null = null;
  private readonly signal = new WakeSignal();
  /** A standby's sleep: new work is the leader's, so only stop() cuts it short (not every NOTIFY). */
  private readonly standby = new WakeSignal();
  /** True while this loop holds its lock (always, once started, for a loop without one). */
  active = false;

  constructor(step: LoopStep<[conn: Kysely<any>]>, options: LeaderLoopOptions & { lock: LoopLock });
  constructor(step: LoopStep, options: LeaderLoopOptions & { lock?: undefined });
  constructor(
    private readonly step: LoopStep<[conn: Kysely<any>]>,
    private readonly options: LeaderLoopOptions,
  ) {}

  /** Wakes the loop now, or cuts its next sleep short if it is busy. */
  readonly wake = (): void => this.signal.notify();

  /** Resolves once the loop listens for its wake-ups; the loop runs from then on. */
  async start(): Promise<void> {
    const wake = this.options.wake;
    try {
      if (wake) {
        for (const channel of wake.channels) wake.listener.on(channel, this.wake);
        if (wake.reconnect) wake.listener.on('reconnect', this.wake);
        for (const channel of wake.channels) await wake.listener.listen(channel);
      }
    } finally {
      // Runs even if LISTEN failed: the safety poll covers it until the listener reconnects.
      if (!this.stopped) this.running = this.run();
    }
  }

  /** Ends the loop after the step in flight (releasing the lock). */
  async stop(): Promise<void> {
    this.stopped = true;
    const wake = this.options.wake;
    if (wake) {
      for (const channel of wake.channels) wake.listener.off(channel, this.wake);
      wake.listener.off('reconnect', this.wake);
    }
    this.signal.notify();
    this.standby.notify();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const lock = this.options.lock;
        if (lock === undefined) {
          this.active = true;
          await this.steps(undefined);
        } else {
          await lock.db.connection().execute((conn) => this.lead(conn, lock.key));
        }
      } catch (error) {
        if (this.stopped) break;
        await this.signal.sleep(this.options.onFailure(error));
      } finally {
        this.active = false;
      }
    }
  }

  private async lead(conn: Kysely<any>, key: string): Promise<void> {
    const lock = sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(hashtext(${key})) AS locked`;
    while (!this.stopped && !(await lock.execute(conn)).rows[0]!.locked) await this.standby.sleep(this.options.standbyMs ?? 1000);
    if (this.stopped) return;
    this.active = true;
    // What was announced while standing by is in the log the first step reads.
    this.signal.clear();
    try {
      await this.options.onLead?.(conn);
      await this.steps(conn);
    } finally {
      this.active = false;
      await sql`SELECT pg_advisory_unlock(hashtext(${key}))`.execute(conn).catch(() => undefined);
      // Settings onLead made for the session (a runner's synchronous_commit) stay with this loop.
      await sql`RESET ALL`.execute(conn).catch(() => undefined);
    }
  }

  /** `conn` is the pinned connection of a loop with a lock, and unused by the step of one without. */
  private async steps(conn: Kysely<any> | undefined): Promise<void> {
    while (!this.stopped) {
      const sleepMs = await this.step(conn!);
      if (sleepMs !== null && !this.stopped) await this.signal.sleep(sleepMs);
    }
  }
}
