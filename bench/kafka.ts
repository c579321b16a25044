/**
 * The event bus end to end: events/s from append to a projection's table, and p95 from append to
 * visibility, over the postgres adapter and over Kafka (relay → librdkafka mock cluster → consumer
 * group), in one run. Needs Debian's librdkafka-dev (the tests' mock cluster).
 *   npm run bench:kafka        BENCH_EVENTS sets the count (default 3000)
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { PgListener } from '../event-store/bus/pg-listener.js';
import { KafkaProjectionConsumer } from '../event-store/bus/kafka/consumer.js';
import { KafkaRelay } from '../event-store/bus/kafka/relay.js';
import { EventStore } from '../event-store/event-store.js';
import { eventStoreMigrations } from '../event-store/schema.js';
import { ProjectionRunner } from '../event-store/projection-runner.js';
import type { EventConsumer } from '../event-store/projection.js';
import { createKysely, createPool, createStorePool } from '../platform/database.js';
import { runMigrations } from '../event-store/migrations.js';
import { KAFKA_MISSING, kafkaMockAvailable } from '../tests/support/kafka-availability.js';
import { startMockCluster } from '../tests/support/kafka-mock.js';
import { benchPostgres, percentile, table } from './support.js';

const total = Number(process.env.BENCH_EVENTS ?? '3000');
const writers = 8;

const visible: EventConsumer = {
  name: 'bench-visibility',
  handles: new Set(['BenchTick']),
  apply: async (trx, event) => void (await sql`INSERT INTO seen (event_id, at) VALUES (${event.eventId}, clock_timestamp()) ON CONFLICT DO NOTHING`.execute(trx)),
};

const run = async (adapter: 'postgres' | 'kafka', url: string, brokers: () => Promise<{ kafka: () => any; stop: () => void }>) => {
  const pool = createPool(url, 20);
  await runMigrations(pool, [eventStoreMigrations]);
  await pool.query('CREATE TABLE seen (event_id uuid PRIMARY KEY, at timestamptz NOT NULL)');
  const db = createKysely<any>(pool);
  // As deployed: the event store on its own pool (platform/runtime.ts).
  const storePool = createStorePool(url, 10);
  const store = new EventStore(storePool);
  const listener = new PgListener(url);
  const cluster = adapter === 'kafka' ? await brokers() : null;
  const relay = cluster ? new KafkaRelay(db, store, listener, cluster.kafka()) : null;
  const consumer = cluster ? new KafkaProjectionConsumer(db, cluster.kafka(), visible, { maxWaitMs: 50 }) : new ProjectionRunner(db, store, listener, visible);
  await relay?.start();
  await consumer.start();
  if (cluster) {
    // Let the consumer group settle before the clock starts.
    await store.append(`Warm-${randomUUID()}`, 0, [{ type: 'BenchTick', data: {} }], { tenantId: 'bench', actor: 'bench', correlationId: randomUUID(), occurredAt: new Date().toISOString() });
    while (Number((await pool.query('SELECT count(*) FROM seen')).rows[0].count) === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    await pool.query('TRUNCATE seen');
  }
  const appendedAt = new Map<string, number>();
  const started = Date.now();
  await Promise.all(Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; i < total / writers; i++) {
      const eventId = randomUUID();
      await store.append(`Bench-${w}`, i, [{ type: 'BenchTick', data: { i } }], { eventId, tenantId: 'bench', actor: 'bench', correlationId: randomUUID(), occurredAt: new Date().toISOString() });
      appendedAt.set(eventId, Date.now());
    }
  }));
  while (Number((await pool.query('SELECT count(*) FROM seen')).rows[0].count) < total) await new Promise((resolve) => setTimeout(resolve, 50));
  const { rows } = await pool.query<{ event_id: string; at: Date }>('SELECT event_id, at FROM seen');
  const latencies = rows.map((row) => row.at.getTime() - appendedAt.get(row.event_id)!).sort((a, b) => a - b);
  const seconds = (Math.max(...rows.map((r) => r.at.getTime())) - started) / 1000;
  await consumer.stop();
  await relay?.stop();
  cluster?.stop();
  await listener.close();
  await db.destroy();
  await storePool.end();
  return [adapter === 'kafka' ? 'Kafka (relay → mock cluster → consumer group)' : 'postgres (LISTEN/NOTIFY, gap-safe log)', total, Math.round(total / seconds), percentile(latencies, 50), percentile(latencies, 95)];
};

const main = async () => {
  if (!kafkaMockAvailable()) throw new Error(`bench:kafka cannot run: ${KAFKA_MISSING}`);
  const database = await benchPostgres();
  try {
    const rows = [];
    for (const adapter of ['postgres', 'kafka'] as const) {
      rows.push(await run(adapter, await database.createDatabase(`bench_bus_${adapter}`), async () => {
        const cluster = await startMockCluster();
        return { kafka: () => cluster.kafka('bench'), stop: cluster.stop };
      }));
      console.log(`done: ${adapter}`);
    }
    console.log(`\n${total} events from ${writers} writers into one projection, 2 cores\n`);
    console.log(table(['bus', 'events', 'events/s (append → projected)', 'p50 ms', 'p95 ms'], rows));
  } finally {
    await database.stop();
  }
};

await main();
