import type { CommitSnapshot } from '../commit-snapshot.js';
import { EVENTS_CHANNEL, type EventStore } from '../event-store.js';
import { checkpointOf, START, type Checkpoint } from '../position.js';
import { HorizonBackoff } from './horizon-backoff.js';
import { LeaderLoop } from './leader-loop.js';
import type { FeedListener, LiveFeed } from './live-feed.js';
import type { PgListener } from './pg-listener.js';

const BATCH = 1000;

/**
 * The live tail of the global log for one process: one gap-safe read per wake-up (one statement,
 * which also tells whether events wait behind an older open transaction), whatever the
 * number of subscribers, each event handed to every listener in commit order, once. Starts at the
 * head of the log when the first listener arrives (subscriptions are about what happens next); each
 * listener gets the events committed after it subscribed, not those the tail had yet to read then.
 * Every process tails for itself: a LeaderLoop without a lock.
 */
export class LogTailFeed implements LiveFeed {
  private readonly listeners = new Map<FeedListener, CommitSnapshot>();
  private head: Checkpoint = START;
  private loop: LeaderLoop | null = null;
  private starting: Promise<void> | null = null;
  private readonly horizon: HorizonBackoff;

  constructor(
    private readonly store: EventStore,
    private readonly listener: PgListener,
    private readonly options: {
      /** Longest re-read delay while committed events wait behind an older open transaction (the first is 2 ms). @default 20 */
      horizonRetryMs?: number;
      /** Safety re-read when no notification came. @default 5000 */
      idlePollMs?: number;
    } = {},
  ) {
    this.horizon = new HorizonBackoff(options.horizonRetryMs ?? 20);
  }

  get size(): number {
    return this.listeners.size;
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {
    const loop = this.loop;
    this.loop = null;
    this.starting = null;
    await loop?.stop();
  }

  async subscribe(fn: FeedListener): Promise<() => void> {
    const before = await this.store.commitSnapshot();
    if (this.listeners.size === 0) this.head = await this.store.head();
    this.starting ??= (this.loop = new LeaderLoop(() => this.read(), {
      wake: { listener: this.listener, channels: [EVENTS_CHANNEL], reconnect: true },
      onFailure: () => 500,
    })).start();
    await this.starting;
    this.listeners.set(fn, before);
    // Events appended between reading the head and listening sent no notification this loop heard.
    this.loop?.wake();
    return () => void this.listeners.delete(fn);
  }

  /** Hands every readable event after the head to the listeners; says when to look again. */
  private async read(): Promise<number | null> {
    const idleMs = this.options.idlePollMs ?? 5000;
    for (;;) {
      if (this.listeners.size === 0) return idleMs;
      const { events, waiting } = await this.store.readTail(this.head, BATCH);
      if (events.length > 0) this.horizon.reset();
      for (const event of events) {
        this.head = checkpointOf(event);
        for (const [fn, before] of this.listeners) if (!before.holds(event.transactionId)) fn(event);
      }
      if (events.length === BATCH) continue;
      // Committed events behind an older open transaction are not safe to read yet: look again soon.
      return waiting ? this.horizon.delay() : idleMs;
    }
  }
}
