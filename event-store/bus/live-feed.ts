import type { StoredEvent } from '../types.js';

export type FeedListener = (event: StoredEvent) => void;

/**
 * What subgraph subscriptions read: the events appended from now on, each handed to every listener
 * once. On the postgres bus the event store's log (log-tail-feed.ts), on Kafka the event topics
 * (kafka-feed.ts).
 */
export interface LiveFeed {
  /** Listeners right now. */
  readonly size: number;
  /** Resolves once the listener receives every event appended after it resolved. */
  subscribe(listener: FeedListener): Promise<() => void>;
  /** Gets ready ahead of the first subscriber (a Kafka group join takes seconds). */
  start(): Promise<void>;
  close(): Promise<void>;
}
