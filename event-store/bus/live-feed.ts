import type { StoredEvent } from '../types.js';

export type FeedListener = (event: StoredEvent) => void;

/**
 * What subgraph subscriptions read: the events appended from now on, each handed to every listener
 * once. On the postgres bus the event store's log (log-tail-feed.ts), on Kafka the event topics
 * (kafka-feed.ts).
 */
export interface LiveFeed {
  /** Subscriptions listening right now (background listeners not counted). */
  readonly size: number;
  /**
   * Resolves once the listener receives every event appended after it resolved. `background`: the
   * process's own listener (a live policy), not a subscription: left out of `size`.
   */
  subscribe(listener: FeedListener, options?: { background?: boolean }): Promise<() => void>;
  /** Gets ready ahead of the first subscriber (a Kafka group join takes seconds). */
  start(): Promise<void>;
  close(): Promise<void>;
}
