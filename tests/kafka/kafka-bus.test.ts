import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { PgListener } from '../../event-store/bus/pg-listener.js';
import { KafkaProjectionConsumer } from '../../event-store/bus/kafka/consumer.js';
import { replayKafkaDeadLetters } from '../../event-store/bus/kafka/dead-letter-replay.js';
import { KafkaRelay } from '../../event-store/bus/kafka/relay.js';
import { EVENT_TOPICS, TOPICS, topicConfigs, topicFor, topicSettings } from '../../event-store/bus/kafka/topics.js';
import { headerText } from '../../event-store/bus/kafka/wire.js';
import type { EventStore } from '../../event-store/event-store.js';
import type { Projection } from '../../event-store/projection.js';
import { createKysely } from '../../platform/database.js';
import { meta, openEventStore } from '../support/event-store.js';
import { KAFKA_SKIP_MESSAGE, kafkaMockAvailable, startMockCluster, type MockCluster } from '../support/kafka-mock.js';
import { waitUntil } from '../support/wait.js';
import { labClient } from '../support/lab.js';
import { startTestSystem } from '../support/system.js';

const available = kafkaMockAvailable();
if (!available) {
  if (process.env.CI === 'true') throw new Error(KAFKA_SKIP_MESSAGE);
  console.warn(`\n${'!'.repeat(100)}\n${KAFKA_SKIP_MESSAGE}\n${'!'.repeat(100)}\n`);
}

let pool: pg.Pool;
let store: EventStore;
let db: Kysely<any>;
let listener: PgListener;
let cluster: MockCluster;
let relay: KafkaRelay;

beforeAll(async () => {
  if (!available) return;
  let url: string;
  ({ pool, store, url } = await openEventStore());
  db = createKysely(pool);
  listener = new PgListener(url);
  await pool.query('CREATE TABLE applied (projection text, event_id uuid, stream_id text, version int, seq bigserial)');
  cluster = await startMockCluster();
  relay = new KafkaRelay(db, store, listener, cluster.kafka('relay'));
  await relay.start();
}, 120_000);

afterAll(async () => {
  if (!available) return;
  await relay.stop();
  cluster.stop();
  await listener.close();
  await pool.end();
});

/** Logs each application without a unique key, so a duplicate would show as a second row. */
const logging = (name: string, options: { poison?: () => boolean } = {}): Projection => ({
  name,
  handles: new Set([`Tick-${name}`]),
  async apply(trx, event) {
    if ((event.data as { poison?: boolean }).poison && (options.poison?.() ?? true)) throw new Error('cannot digest this event');
    await sql`INSERT INTO applied (projection, event_id, stream_id, version) VALUES (${name}, ${event.eventId}, ${event.streamId}, ${event.streamVersion})`.execute(trx);
  },
});
const tick = (name: string, data: Record<string, unknown> = {}) => ({ type: `Tick-${name}`, data });
const applied = async (name: string) =>
  (await pool.query('SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM applied WHERE projection = $1', [name])).rows[0] as { total: number; distinct: number };
const appendTicks = (name: string, streams: number, perStream: number, prefix: string) =>
  Promise.all(Array.from({ length: streams }, async (_, s) => {
    for (let i = 0; i < perStream; i++) await store.append(`${prefix}-${s}`, i, [tick(name, { i })], meta());
  }));
/** Every message of a topic so far, read by a throwaway consumer group. */
const readTopic = async (topic: string, until = 0) => {
  const consumer = cluster.kafka('reader').consumer({ groupId: `reader-${crypto.randomUUID()}` });
  const messages: Array<{ key: string; value: string; headers: Record<string, any>; partition: number }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => void messages.push({ key: message.key!.toString(), value: message.value!.toString(), headers: message.headers ?? {}, partition }) });
  const deadline = Date.now() + 15_000;
  let last = -1;
  // Read until `until` messages arrived and nothing new came for a second.
  while (Date.now() < deadline && (messages.length < until || messages.length !== last)) {
    last = messages.length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  await consumer.disconnect();
  return messages;
};

describe.skipIf(!available)('kafka relay and consumers', () => {
  it('publishes the log in order per stream and completely, keyed by stream id, with its headers', async () => {
    const name = 'relay-order';
    await appendTicks(name, 8, 25, 'RO');
    await waitUntil(async () => {
      const { rows } = await pool.query(`SELECT 1 FROM es.checkpoints c WHERE consumer = 'kafka-relay'
        AND (transaction_id, global_position) >= (SELECT transaction_id, global_position FROM es.events ORDER BY transaction_id DESC, global_position DESC LIMIT 1)`);
      return rows.length === 1;
    }, 30_000, 'relay caught up');
    const messages = (await readTopic(topicFor('RO'), 200)).filter((m) => m.key.startsWith('RO-'));
    const events = messages.map((m) => JSON.parse(m.value));
    expect(new Set(events.map((e) => e.eventId)).size).toBe(200);
    for (let s = 0; s < 8; s++) {
      const stream = messages.filter((m) => m.key === `RO-${s}`);
      expect(new Set(stream.map((m) => m.partition)).size).toBe(1);
      expect(stream.map((m) => JSON.parse(m.value).streamVersion)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    }
    expect(headerText(messages[0]!.headers, 'event-type')).toBe('Tick-relay-order');
    expect(headerText(messages[0]!.headers, 'tenant-id')).toBe('lab-a');
    expect(headerText(messages[0]!.headers, 'event-id')).toBe(events[0].eventId);
  }, 90_000);

  it('changes nothing twice when a consumer crashes between its transaction and the offset commit', async () => {
    const name = 'crash-before-commit';
    let crashes = 0;
    const consumer = new KafkaProjectionConsumer(db, cluster.kafka(name), logging(name), {
      afterCommit: () => {
        if (crashes++ < 3) throw new Error('crash after the transaction, before the offset commit');
      },
    });
    await consumer.start();
    await appendTicks(name, 3, 10, 'CC');
    await waitUntil(async () => (await applied(name)).total >= 30, 30_000, 'all applied');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await consumer.stop();
    expect(crashes).toBeGreaterThanOrEqual(3);
    expect(await applied(name)).toEqual({ total: 30, distinct: 30 });
  }, 90_000);

  it('sends a poison event to the dead-letter topic with its headers and the error, and replays it after the fix', async () => {
    const name = 'dead-letter-replay';
    let broken = true;
    const projection = logging(name, { poison: () => broken });
    const consumer = new KafkaProjectionConsumer(db, cluster.kafka(name), projection, { maxAttempts: 2 });
    await consumer.start();
    await store.append('DL-1', 0, [tick(name, { poison: true })], meta());
    await store.append('DL-2', 0, [tick(name)], meta());
    await waitUntil(async () => (await applied(name)).total === 1, 30_000, 'healthy event applied');
    const dead = (await readTopic(TOPICS.deadLetter)).filter((m) => headerText(m.headers, 'dead-letter-consumer') === name);
    expect(dead).toHaveLength(1);
    expect(headerText(dead[0]!.headers, 'dead-letter-error')).toBe('cannot digest this event');
    expect(headerText(dead[0]!.headers, 'event-type')).toBe(`Tick-${name}`);
    expect(headerText(dead[0]!.headers, 'dead-letter-topic')).toBe(topicFor('DL'));
    broken = false;
    expect(await replayKafkaDeadLetters(cluster.kafka('replay'), consumer)).toEqual({ replayed: 1, skipped: 0, failed: 0 });
    expect(await applied(name)).toEqual({ total: 2, distinct: 2 });
    await consumer.stop();
  }, 90_000);

  // Under Kafka, partitions interleave: x-tracseq-consistent-with waits for each consumer's furthest
  // position (see README), and effects across contexts are awaited as any eventual effect is.
  it('runs the whole system on the Kafka bus: read models and cross-context policies', async () => {
    const system = await startTestSystem({ KAFKA_BROKERS: cluster.brokers.join(',') });
    try {
      const lab = labClient(system);
      const { positions } = await lab.freezerWithBox('Kafka', 'MINUS_80');
      const id = await lab.validatedSample('KAFKA-BUS-0001');
      await lab.mutate(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`, { s: id, p: positions.A1 });
      const sample = await lab.eventually(`query($id: ID!) { sample(id: $id) { status location { label } } }`, { id }, (d) => d.sample?.status === 'IN_STORAGE' && d.sample.location && d.sample, 'policy and storage read model over Kafka');
      expect(sample.location).toEqual({ label: 'A1' });
      const consumers = (await system.runtime.pool.query(`SELECT DISTINCT consumer FROM es.kafka_applied`)).rows.map((r) => r.consumer);
      expect(consumers).toEqual(expect.arrayContaining(['samples-read-model', 'storage-read-model', 'samples-status-from-lab-work']));
    } finally {
      await system.stop();
    }
  }, 120_000);

  it('configures every topic with 3 partitions and 7 days of retention by default', () => {
    const configs = topicConfigs(topicSettings({}));
    expect(configs.map((c) => c.topic).sort()).toEqual(Object.values(TOPICS).sort());
    for (const config of configs) {
      expect(config.numPartitions).toBe(3);
      expect(config.configEntries).toEqual([{ name: 'retention.ms', value: String(7 * 24 * 3_600_000) }]);
    }
    expect(topicConfigs(topicSettings({ KAFKA_PARTITIONS: '12', KAFKA_RETENTION_HOURS: '24' }))[0]).toMatchObject({ numPartitions: 12, configEntries: [{ value: String(86_400_000) }] });
    for (const type of ['Sample', 'StorageUnit', 'SequencingJob', 'Alert', 'Saga']) expect(EVENT_TOPICS).toContain(topicFor(type));
  });
});
