import type { Kysely } from 'kysely';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { CommandHandler } from '../event-store/command-handler.js';
import { eventBusFor, type EventBus } from '../event-store/bus/event-bus.js';
import type { LiveFeed } from '../event-store/bus/live-feed.js';
import type { PgListener } from '../event-store/bus/pg-listener.js';
import { EventStore } from '../event-store/event-store.js';
import { runMigrations, type MigrationSet } from '../event-store/migrations.js';
import { eventStoreMigrations } from '../event-store/schema.js';
import type { Config } from './config.js';
import { createKysely, createPool, createStorePool } from './database.js';
import type { Logger } from './logger.js';

/** The infrastructure one process shares between its subgraphs, projections and gateway. */
export interface Runtime {
  config: Config;
  logger: Logger;
  databaseUrl: string;
  pool: pg.Pool;
  db: Kysely<any>;
  store: EventStore;
  commands: CommandHandler;
  /** The event bus (event-store/bus): Kafka when KAFKA_BROKERS is set, the postgres log otherwise. */
  bus: EventBus;
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
  const storePool = createStorePool(databaseUrl, 10, (error) => logger.warn({ err: error }, 'database connection failed'));
  const store = new EventStore(storePool);
  const commands = new CommandHandler(store, {
    snapshotEvery: config.snapshotEvery,
    onSnapshotError: (error) => logger.warn({ err: error }, 'snapshot failed'),
  });
  const bus = eventBusFor(store, { databaseUrl, kafkaBrokers: config.kafkaBrokers, kafkaFetchMaxWaitMs: config.kafkaFetchMaxWaitMs, logger });
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
    bus,
    listener: bus.listener,
    kafka: bus.kafka,
    liveFeed: bus.liveFeed,
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
      await bus.close();
      await db.destroy();
      await storePool.end();
    },
  };
};
