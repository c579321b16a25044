import type { Kysely } from 'kysely';
import type pg from 'pg';
import { CommandHandler } from '../event-store/command-handler.js';
import { EventStore } from '../event-store/event-store.js';
import { PgListener } from '../event-store/bus/pg-listener.js';
import { eventStoreMigrations } from '../event-store/schema.js';
import type { Config } from './config.js';
import { createKysely, createPool } from './database.js';
import type { Logger } from './logger.js';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaFeed } from './subscriptions/kafka-feed.js';
import type { LiveFeed } from './subscriptions/live-feed.js';
import { LogTailFeed } from './subscriptions/log-tail-feed.js';
import { runMigrations, type MigrationSet } from './migrations.js';

/** The infrastructure one process shares between its subgraphs, projections and gateway. */
export interface Runtime {
  config: Config;
  logger: Logger;
  databaseUrl: string;
  pool: pg.Pool;
  db: Kysely<any>;
  store: EventStore;
  commands: CommandHandler;
  listener: PgListener;
  /** The Kafka client when KAFKA_BROKERS is set: the event bus is Kafka. */
  kafka: Kafka | null;
  /** What subgraph subscriptions read, from the configured bus. */
  liveFeed: LiveFeed;
  /** A Kysely for one subgraph's read side that counts its SQL statements (tests, /metrics). */
  subgraphDb(name: string): Kysely<any>;
  sqlStatements: Map<string, number>;
  close(): Promise<void>;
}

export const createRuntime = async (config: Config, logger: Logger, databaseUrl: string, migrations: readonly MigrationSet[] = []): Promise<Runtime> => {
  const pool = createPool(databaseUrl, 20, (error) => logger.warn({ err: error }, 'database connection failed'));
  await runMigrations(pool, [eventStoreMigrations, ...migrations]);
  const db = createKysely<any>(pool);
  const store = new EventStore(pool);
  const commands = new CommandHandler(store, {
    snapshotEvery: config.snapshotEvery,
    onSnapshotError: (error) => logger.warn({ err: error }, 'snapshot failed'),
  });
  const listener = new PgListener(databaseUrl);
  const kafka = config.kafkaBrokers.length > 0 ? new Kafka({ brokers: config.kafkaBrokers, clientId: 'tracseq', logLevel: logLevel.ERROR }) : null;
  const liveFeed = kafka ? new KafkaFeed(kafka, store, { logger, maxWaitMs: config.kafkaFetchMaxWaitMs }) : new LogTailFeed(store, listener);
  const sqlStatements = new Map<string, number>();
  const subgraphDbs = new Map<string, Kysely<any>>();
  return {
    config,
    logger,
    databaseUrl,
    pool,
    db,
    store,
    commands,
    listener,
    kafka,
    liveFeed,
    sqlStatements,
    subgraphDb(name) {
      let counted = subgraphDbs.get(name);
      if (!counted) {
        sqlStatements.set(name, 0);
        counted = createKysely<any>(pool, () => sqlStatements.set(name, (sqlStatements.get(name) ?? 0) + 1));
        subgraphDbs.set(name, counted);
      }
      return counted;
    },
    async close() {
      await liveFeed.close();
      await listener.close();
      await db.destroy();
    },
  };
};
