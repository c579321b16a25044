import type { PgListener } from '../../event-store/bus/pg-listener.js';
import { EVENTS_CHANNEL, type EventStore } from '../../event-store/event-store.js';
import { checkpointOf, START, type Checkpoint } from '../../event-store/position.js';
import type { FeedListener, LiveFeed } from './live-feed.js';

/**
 * The live tail of the global log for one process: one gap-safe read per wake-up, whatever the
 * number of subscribers, each event handed to every listener in commit order, once. Starts at the
 * head of the log when the first listener arrives (subscriptions are about what happens next).
 */
export class LogTailFeed implements LiveFeed {
  private readonly listeners = new Set<FeedListener>();
  private head: Checkpoint = START;
  private reading: Promise<void> | null = null;
  private again = false;
  private retry: NodeJS.Timeout | null = null;
  private readonly onNotify = () => void this.read();

  constructor(
    private readonly store: EventStore,
    private readonly listener: PgListener,
  ) {}

  get size(): number {
    return this.listeners.size;
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {}

  async subscribe(fn: FeedListener): Promise<() => void> {
    if (this.listeners.size === 0) {
      this.head = await this.store.head();
      this.listener.on(EVENTS_CHANNEL, this.onNotify);
      this.listener.on('reconnect', this.onNotify);
      await this.listener.listen(EVENTS_CHANNEL);
    }
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) {
        this.listener.off(EVENTS_CHANNEL, this.onNotify);
        this.listener.off('reconnect', this.onNotify);
        if (this.retry) clearTimeout(this.retry);
        this.retry = null;
      }
    };
  }

  private read(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        for (;;) {
          if (this.listeners.size === 0) return;
          const events = await this.store.readAll(this.head, 1000);
          for (const event of events) {
            this.head = checkpointOf(event);
            for (const fn of this.listeners) fn(event);
          }
          if (events.length < 1000) break;
        }
        // Committed events behind an older open transaction are not safe to read yet: look again soon.
        const ahead = await this.store.pool.query(
          `SELECT 1 FROM es.events WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint) LIMIT 1`,
          [this.head.transactionId.toString(), this.head.globalPosition.toString()],
        );
        if (ahead.rowCount && !this.retry) {
          this.retry = setTimeout(() => {
            this.retry = null;
            void this.read();
          }, 20);
        }
      } while (this.again);
    })()
      .catch(() => {
        this.retry ??= setTimeout(() => {
          this.retry = null;
          void this.read();
        }, 500);
      })
      .finally(() => {
        this.reading = null;
      });
    return this.reading;
  }
}
