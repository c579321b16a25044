import type { Kysely } from 'kysely';
import { Kafka, logLevel } from 'kafkajs';
import type { EventStore } from '../event-store.js';
import type { Logger } from '../logger.js';
import { ProjectionRunner } from '../projection-runner.js';
import type { EventConsumer } from '../projection.js';
import { rebuildProjection, replayDeadLetters } from '../maintenance.js';
import { KafkaProjectionConsumer } from './kafka/consumer.js';
import { replayKafkaDeadLetters } from './kafka/dead-letter-replay.js';
import { rebuildFromLog } from './kafka/rebuild.js';
import { KafkaFeed } from './kafka/kafka-feed.js';
import { KafkaRelay } from './kafka/relay.js';
import type { LiveFeed } from './live-feed.js';
import { LogTailFeed } from './log-tail-feed.js';
import { PgListener } from './pg-listener.js';

/** Plain options: what the bus needs to know, from whatever configuration the caller has. */
export interface EventBusOptions {
  databaseUrl: string;
  /** Kafka brokers: none, and the postgres log is the bus. */
  kafkaBrokers?: readonly string[];
  /** Longest a Kafka fetch waits for data. @default 250 */
  kafkaFetchMaxWaitMs?: number;
  logger?: Logger;
}

/** What feeds consumers, started by `EventBus.feed`. */
export interface FedConsumers {
  /** The postgres bus's runners (none on Kafka). */
  runners: ProjectionRunner[];
  stop(): Promise<void>;
}

/** The event bus of one process: its wake-ups, its live feed and how it feeds projections and policies. */
export interface EventBus {
  readonly kind: 'postgres' | 'kafka';
  /** The process's one LISTEN connection (wake-ups and read-your-writes, on either bus). */
  readonly listener: PgListener;
  /** The Kafka client on the Kafka bus. */
  readonly kafka: Kafka | null;
  /** What subscriptions read. */
  readonly liveFeed: LiveFeed;
  /**
   * Starts feeding these consumers: on postgres a runner each; on Kafka the relay (every process
   * offers, the advisory lock keeps one active) and a consumer group each.
   */
  feed(db: Kysely<any>, consumers: readonly EventConsumer[]): Promise<FedConsumers>;
  /**
   * Rebuilds a read model from the log. Postgres: empties and rewinds it, and its runner (wherever it
   * runs) replays the log: `replayed` is null. Kafka: replays the log into it here, with progress.
   */
  rebuild(db: Kysely<any>, projection: EventConsumer, onProgress?: (done: number, total: number) => void): Promise<{ replayed: number | null }>;
  /**
   * Applies a consumer's dead letters again, each at most once (postgres: es.dead_letters; Kafka: the
   * dead-letter topic read to its end), with progress; `skipped`: no longer pending.
   */
  replayDeadLetters(db: Kysely<any>, projection: EventConsumer, onProgress?: (done: number, total: number) => void): Promise<{ replayed: number; skipped: number; failed: number }>;
  close(): Promise<void>;
}

/** The bus for these options: Kafka when brokers are given, the postgres log otherwise. */
export const eventBusFor = (store: EventStore, options: EventBusOptions): EventBus => {
  const { logger } = options;
  const listener = new PgListener(options.databaseUrl);
  const brokers = options.kafkaBrokers ?? [];
  const kafka = brokers.length > 0 ? new Kafka({ brokers: [...brokers], clientId: 'tracseq', logLevel: logLevel.ERROR }) : null;
  const liveFeed = kafka ? new KafkaFeed(kafka, store, { logger, maxWaitMs: options.kafkaFetchMaxWaitMs }) : new LogTailFeed(store, listener);
  return {
    kind: kafka ? 'kafka' : 'postgres',
    listener,
    kafka,
    liveFeed,
    async feed(db, consumers) {
      const relay = kafka ? new KafkaRelay(db, store, listener, kafka, { logger }) : null;
      const runners = kafka ? [] : consumers.map((consumer) => new ProjectionRunner(db, store, listener, consumer, { logger }));
      const groups = kafka ? consumers.map((consumer) => new KafkaProjectionConsumer(db, kafka, consumer, { logger, maxWaitMs: options.kafkaFetchMaxWaitMs })) : [];
      await relay?.start();
      await Promise.all([...runners, ...groups].map((runner) => runner.start()));
      return {
        runners,
        async stop() {
          await Promise.all([...runners, ...groups].map((runner) => runner.stop()));
          await relay?.stop();
        },
      };
    },
    async rebuild(db, projection, onProgress) {
      if (!kafka) {
        await rebuildProjection(db, projection);
        return { replayed: null };
      }
      return rebuildFromLog(db, store, projection, 1000, (position, end) => onProgress?.(Number(position), Number(end)));
    },
    async replayDeadLetters(db, projection, onProgress) {
      if (kafka) return replayKafkaDeadLetters(kafka, new KafkaProjectionConsumer(db, kafka, projection), onProgress);
      return { ...(await replayDeadLetters(db, store, projection, onProgress)), skipped: 0 };
    },
    async close() {
      await liveFeed.close();
      await listener.close();
    },
  };
};
