import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { EVENT_TOPICS } from './topics.js';
import { fromMessage } from './wire.js';
import type { EventStore } from '../../event-store.js';
import type { CommitSnapshot } from '../../commit-snapshot.js';
import type { StoredEvent } from '../../types.js';
import type { Logger } from '../../logger.js';
import type { FeedListener, LiveFeed } from '../live-feed.js';

/** Event ids remembered to drop the relay's resends after a restart. */
const RECENT = 10_000;

/**
 * The live feed on the Kafka bus: one consumer per process, in a group of its own so it reads every
 * partition, from the newest offsets, never committing. A listener gets the events committed after it
 * subscribed, as on the postgres bus (Kafka may still deliver older ones after that: they are dropped).
 * Events arrive in order per stream; streams in different partitions interleave. A relay restart
 * may resend its last batch: recently seen event ids are dropped.
 */
export class KafkaFeed implements LiveFeed {
  private readonly listeners = new Map<FeedListener, CommitSnapshot>();
  private readonly recent = new Set<string>();
  private consumer: Consumer | null = null;
  private ready: Promise<void> | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly store: EventStore,
    private readonly options: { logger?: Logger; maxWaitMs?: number } = {},
  ) {}

  get size(): number {
    return this.listeners.size;
  }

  async subscribe(fn: FeedListener): Promise<() => void> {
    await this.start();
    this.listeners.set(fn, await this.store.commitSnapshot());
    return () => void this.listeners.delete(fn);
  }

  start(): Promise<void> {
    this.ready ??= this.connect().catch((error) => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    this.ready = null;
    await consumer?.disconnect();
  }

  private async connect(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: `tracseq-live-${randomUUID()}`, maxWaitTimeInMs: this.options.maxWaitMs ?? 250 });
    this.consumer = consumer;
    // The first fetch comes after every assigned partition's offset was resolved to its end: from
    // then on, an event appended is one this consumer will read.
    const fetched = new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.FETCH, () => {
        off();
        resolve();
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...EVENT_TOPICS], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          let event: StoredEvent;
          try {
            event = fromMessage(message.value);
          } catch (error) {
            this.options.logger?.warn({ err: error, topic: batch.topic, offset: message.offset }, 'unreadable message skipped by the live feed');
            continue;
          }
          if (!this.remember(event.eventId)) continue;
          for (const [listener, before] of this.listeners) if (!before.holds(event.transactionId)) listener(event);
        }
      },
    });
    await fetched;
  }

  /** False if the event was seen lately. */
  private remember(eventId: string): boolean {
    if (this.recent.has(eventId)) return false;
    this.recent.add(eventId);
    if (this.recent.size > RECENT) this.recent.delete(this.recent.values().next().value!);
    return true;
  }
}
