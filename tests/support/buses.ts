import type { Kysely } from 'kysely';
import { KafkaProjectionConsumer } from '../../event-store/bus/kafka/consumer.js';
import { replayKafkaDeadLetters } from '../../event-store/bus/kafka/dead-letter-replay.js';
import { rebuildFromLog } from '../../event-store/bus/kafka/rebuild.js';
import { KafkaRelay } from '../../event-store/bus/kafka/relay.js';
import type { PgListener } from '../../event-store/bus/pg-listener.js';
import type { EventStore } from '../../event-store/event-store.js';
import { rebuildProjection, replayDeadLetters } from '../../event-store/maintenance.js';
import { ProjectionRunner } from '../../event-store/projection-runner.js';
import type { EventConsumer } from '../../event-store/projection.js';
import { KAFKA_MISSING, kafkaMockAvailable } from './kafka-availability.js';
import { startMockCluster, type MockCluster } from './kafka-mock.js';

export interface RunningConsumer {
  stop(): Promise<void>;
}

/** One event bus as the projection and policy suite drives it: the same projection code over either. */
export interface Bus {
  name: 'postgres' | 'kafka';
  /** Starts one instance of a projection's consumer (postgres: a runner; kafka: a group member). */
  start(projection: EventConsumer, options?: { maxAttempts?: number }): Promise<RunningConsumer>;
  rebuild(projection: EventConsumer): Promise<void>;
  replayDeadLetters(projection: EventConsumer): Promise<{ replayed: number }>;
  /** Environment for a whole system on this bus. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface BusDefinition {
  name: Bus['name'];
  /** False when this machine cannot run it (kafka without librdkafka-dev: said loudly, fails under CI). */
  available: boolean;
  open(parts: { db: Kysely<any>; store: EventStore; listener: PgListener }): Promise<Bus>;
  /** For suites that only need a system: the bus's environment, without opening the parts above. */
  system(): Promise<{ env: Record<string, string>; close(): Promise<void> }>;
  /** Rebuilds a read model from the log the way `npm run projection:rebuild` does on this bus. */
  rebuild(parts: { db: Kysely<any>; store: EventStore }, projection: EventConsumer): Promise<void>;
}

/** As `npm run projection:rebuild` does it on each bus. */
const rebuildOnPostgres: BusDefinition['rebuild'] = ({ db }, projection) => rebuildProjection(db, projection);
const rebuildOnKafka: BusDefinition['rebuild'] = async ({ db, store }, projection) => void (await rebuildFromLog(db, store, projection));

// The mock holds every fetch for its whole wait (a broker answers when data arrives): keep it short.
const kafkaEnv = (cluster: MockCluster) => ({ KAFKA_BROKERS: cluster.brokers.join(','), KAFKA_FETCH_MAX_WAIT_MS: '100' });

export const BUSES: readonly BusDefinition[] = [
  {
    name: 'postgres',
    available: true,
    async open({ db, store, listener }) {
      return {
        name: 'postgres',
        env: {},
        async start(projection, options = {}) {
          // A long idle poll: a runner that only caught up by polling would fail the suite's timeouts.
          const runner = new ProjectionRunner(db, store, listener, projection, { maxAttempts: options.maxAttempts ?? 2, batchSize: 50, idlePollMs: 60_000 });
          await runner.start();
          return runner;
        },
        rebuild: (projection) => rebuildOnPostgres({ db, store }, projection),
        replayDeadLetters: (projection) => replayDeadLetters(db, store, projection),
        close: async () => undefined,
      };
    },
    system: async () => ({ env: {}, close: async () => undefined }),
    rebuild: rebuildOnPostgres,
  },
  {
    name: 'kafka',
    available: kafkaMockAvailable(),
    async open({ db, store, listener }) {
      const cluster = await startMockCluster();
      const relay = new KafkaRelay(db, store, listener, cluster.kafka('relay'));
      await relay.start();
      return {
        name: 'kafka',
        env: kafkaEnv(cluster),
        async start(projection, options = {}) {
          const consumer = new KafkaProjectionConsumer(db, cluster.kafka(projection.name), projection, { maxAttempts: options.maxAttempts ?? 2 });
          await consumer.start();
          return consumer;
        },
        rebuild: (projection) => rebuildOnKafka({ db, store }, projection),
        replayDeadLetters: (projection) => replayKafkaDeadLetters(cluster.kafka('replay'), new KafkaProjectionConsumer(db, cluster.kafka('replay'), projection)),
        async close() {
          await relay.stop();
          cluster.stop();
        },
      };
    },
    async system() {
      const cluster = await startMockCluster();
      return { env: kafkaEnv(cluster), close: async () => cluster.stop() };
    },
    rebuild: rebuildOnKafka,
  },
];

/** The bus this test run uses: TRACSEQ_TEST_BUS, set per vitest project (see vitest.config.ts). */
export const runBus = (): BusDefinition => {
  const name = process.env.TRACSEQ_TEST_BUS ?? 'postgres';
  const bus = BUSES.find((b) => b.name === name);
  if (!bus) throw new Error(`TRACSEQ_TEST_BUS=${name}: no such bus`);
  if (!bus.available) throw new Error(`Kafka suites cannot run: ${KAFKA_MISSING}`);
  return bus;
};
