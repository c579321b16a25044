import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaProjectionConsumer } from '../../event-store/bus/kafka/consumer.js';
import { replayKafkaDeadLetters } from '../../event-store/bus/kafka/dead-letter-replay.js';
import { KafkaRelay } from '../../event-store/bus/kafka/relay.js';
import { REACH_CHANNEL } from '../../event-store/projection-runner.js';
import { EVENT_TOPICS, TOPICS, topicConfigs, topicFor, topicSettings } from '../../event-store/bus/kafka/topics.js';
import { headerText } from '../../event-store/bus/kafka/wire.js';
import { meta } from '../support/event-store.js';
import { startMockCluster, type MockCluster } from '../support/kafka-mock.js';
import { openProjectionFixtures, type ProjectionFixtures } from '../support/projection-fixtures.js';
import { waitUntil } from '../support/wait.js';
import { holdWrites } from '../support/log-holds.js';
import { labClient } from '../support/lab.js';
import { startTestSystem } from '../support/system.js';

/** What only the Kafka bus has: the relay, offsets, the dead-letter topic, topic configuration. */
let fx: ProjectionFixtures;
let cluster: MockCluster;
let relay: KafkaRelay;

beforeAll(async () => {
  fx = await openProjectionFixtures();
  cluster = await startMockCluster();
  relay = new KafkaRelay(fx.db, fx.store, fx.listener, cluster.kafka('relay'));
  await relay.start();
});

afterAll(async () => {
  await relay?.stop();
  cluster?.stop();
  await fx?.close();
});

type TopicMessage = { key: string; value: string; headers: Record<string, any>; partition: number };

/** A topic's messages from the beginning, read by a throwaway consumer group until `done` holds. */
const readTopic = async (topic: string, done: (messages: TopicMessage[]) => boolean) => {
  const consumer = cluster.kafka('reader').consumer({ groupId: `reader-${crypto.randomUUID()}` });
  const messages: TopicMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void messages.push({ key: message.key!.toString(), value: message.value!.toString(), headers: message.headers ?? {}, partition }) });
    await waitUntil(() => done(messages), 30_000, `${topic}: the messages looked for`);
    return [...messages];
  } finally {
    await consumer.disconnect();
  }
};

describe('kafka relay and consumers', () => {
  it('publishes the log in order per stream and completely, keyed by stream id, with its headers', async () => {
    const name = 'relay-order';
    await fx.appendTicks(name, 8, 25, 'RO');
    await waitUntil(async () => {
      const { rows } = await fx.pool.query(`SELECT 1 FROM es.checkpoints c WHERE consumer = 'kafka-relay'
        AND (transaction_id, global_position) >= (SELECT transaction_id, global_position FROM es.events ORDER BY transaction_id DESC, global_position DESC LIMIT 1)`);
      return rows.length === 1;
    }, 30_000, 'relay caught up');
    // A marker per stream: a stream's messages share a partition, in order, so once its marker is
    // read nothing earlier of that stream is still to come.
    await fx.appendMarkers(name, fx.streamsOf('RO', 8));
    const markersRead = (all: TopicMessage[]) => all.filter((m) => m.key.startsWith('RO-') && JSON.parse(m.value).streamVersion === 26).length === 8;
    const messages = (await readTopic(topicFor('RO'), markersRead)).filter((m) => m.key.startsWith('RO-'));
    const events = messages.map((m) => JSON.parse(m.value));
    expect(events).toHaveLength(208);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(208);
    for (let s = 0; s < 8; s++) {
      const stream = messages.filter((m) => m.key === `RO-${s}`);
      expect(new Set(stream.map((m) => m.partition)).size).toBe(1);
      expect(stream.map((m) => JSON.parse(m.value).streamVersion)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
    }
    expect(headerText(messages[0]!.headers, 'event-type')).toBe('Tick-relay-order');
    expect(headerText(messages[0]!.headers, 'tenant-id')).toBe('lab-a');
    expect(headerText(messages[0]!.headers, 'event-id')).toBe(events[0].eventId);
  }, 90_000);

  it("keeps a lab's storage events in one partition in log order, so a box is never applied before its freezer", async () => {
    // Twelve unit streams per lab, appended one after another: keyed by stream, they spread over
    // the 3 partitions and a consumer could apply a box before the freezer it rolls up into.
    const labs = ['storage-order-a', 'storage-order-b'];
    const appended = new Map<string, string[]>();
    for (let i = 0; i < 12; i++) {
      for (const lab of labs) {
        const streamId = `StorageUnit-${crypto.randomUUID()}`;
        const { position } = await fx.store.append(streamId, 0, [{ type: 'StorageUnitCreated', data: { i } }], meta(lab));
        appended.set(lab, [...(appended.get(lab) ?? []), position]);
      }
    }
    const read = await readTopic(TOPICS.storage, (all) => labs.every((lab) => all.filter((m) => headerText(m.headers, 'tenant-id') === lab).length === 12));
    for (const lab of labs) {
      const messages = read.filter((m) => headerText(m.headers, 'tenant-id') === lab);
      expect(new Set(messages.map((m) => m.partition)).size).toBe(1);
      expect(messages.map((m) => headerText(m.headers, 'position'))).toEqual(appended.get(lab));
    }
  }, 90_000);

  it('changes nothing twice when a consumer crashes between its transaction and the offset commit', async () => {
    const name = 'crash-before-commit';
    let crashes = 0;
    const consumer = new KafkaProjectionConsumer(fx.db, cluster.kafka(name), fx.logging(name), {
      afterCommit: () => {
        if (crashes++ < 3) throw new Error('crash after the transaction, before the offset commit');
      },
    });
    await consumer.start();
    await fx.appendTicks(name, 3, 10, 'CC');
    await waitUntil(async () => (await fx.applied(name)).total >= 30, 30_000, 'all applied');
    const markers = await fx.settle(name, fx.streamsOf('CC', 3));
    await consumer.stop();
    expect(crashes).toBeGreaterThanOrEqual(3);
    expect(await fx.applied(name)).toEqual({ total: 30 + markers, distinct: 30 + markers });
  }, 90_000);

  it('announces, once they are committed, the furthest event a consumer applied', async () => {
    const name = 'announces-reach';
    const heard: string[] = [];
    const onReach = (payload: string) => void (payload.startsWith(`${name} `) && heard.push(payload.split(' ')[1]!));
    fx.listener.on(REACH_CHANNEL, onReach);
    await fx.listener.listen(REACH_CHANNEL);
    const consumer = new KafkaProjectionConsumer(fx.db, cluster.kafka(name), fx.logging(name));
    await consumer.start();
    try {
      const last = await fx.store.append(`Reach-${crypto.randomUUID()}`, 0, [fx.tick(name), fx.tick(name)], meta());
      // Heard only after the commit: the read model shows the events by then.
      await waitUntil(() => heard.includes(last.position), 30_000, 'the reach of the appended events');
      expect((await fx.applied(name)).total).toBeGreaterThanOrEqual(2);
    } finally {
      fx.listener.off(REACH_CHANNEL, onReach);
      await consumer.stop();
    }
  }, 60_000);

  it('holds back no other event while a consumer waits on a lock of its read model', async () => {
    const name = 'stuck-on-its-table';
    const consumer = new KafkaProjectionConsumer(fx.db, cluster.kafka(name), fx.logging(name));
    await consumer.start();
    try {
      await fx.appendTicks(name, 1, 1, 'SK');
      await waitUntil(async () => (await fx.applied(name)).total === 1, 30_000, 'first event applied');
      // The stream's second event: the consumer reads what it applied of the stream, then waits to write.
      const release = await holdWrites(fx.db, 'public.applied');
      try {
        await fx.store.append('SK-0', 1, [fx.tick(name)], meta());
        await waitUntil(async () => (await fx.pool.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO applied%'`)).rows.length > 0, 30_000, 'the consumer waiting on the table');
        // Everything appended meanwhile still reaches Kafka: the waiting transaction holds no id back.
        const { position } = await fx.store.append(`SK-other-${crypto.randomUUID()}`, 0, [fx.tick('someone-else')], meta());
        await waitUntil(async () => {
          const { rows } = await fx.pool.query(`SELECT (transaction_id, global_position) >= ($1::xid8, $2::bigint) AS reached FROM es.checkpoints WHERE consumer = 'kafka-relay'`, position.split(':'));
          return rows[0]?.reached === true;
        }, 10_000, 'the later event relayed');
      } finally {
        await release();
      }
      await waitUntil(async () => (await fx.applied(name)).total === 2, 30_000, 'the held event applied once released');
    } finally {
      await consumer.stop();
    }
  }, 90_000);

  it('sends a poison event to the dead-letter topic with its headers and the error, and replays it after the fix', async () => {
    const name = 'dead-letter-replay';
    let broken = true;
    const projection = fx.logging(name, { poison: () => broken });
    const consumer = new KafkaProjectionConsumer(fx.db, cluster.kafka(name), projection, { maxAttempts: 2 });
    await consumer.start();
    await fx.store.append('DL-1', 0, [fx.tick(name, { poison: true })], meta());
    await fx.store.append('DL-2', 0, [fx.tick(name)], meta());
    await waitUntil(async () => (await fx.applied(name)).total === 1, 30_000, 'healthy event applied');
    // The marker: a second poison event of the same stream, dead-lettered after the first under the
    // same key (so in the same partition, after it).
    await fx.store.append('DL-1', 1, [fx.tick(name, { poison: true })], meta());
    const ours = (all: TopicMessage[]) => all.filter((m) => headerText(m.headers, 'dead-letter-consumer') === name);
    const dead = ours(await readTopic(TOPICS.deadLetter, (all) => ours(all).some((m) => JSON.parse(m.value).streamVersion === 2)));
    expect(dead.map((m) => JSON.parse(m.value).streamVersion)).toEqual([1, 2]);
    expect(headerText(dead[0]!.headers, 'dead-letter-error')).toBe('cannot digest this event');
    expect(headerText(dead[0]!.headers, 'event-type')).toBe(`Tick-${name}`);
    expect(headerText(dead[0]!.headers, 'dead-letter-topic')).toBe(topicFor('DL'));
    broken = false;
    expect(await replayKafkaDeadLetters(cluster.kafka('replay'), consumer)).toEqual({ replayed: 2, skipped: 0, failed: 0 });
    expect(await fx.applied(name)).toEqual({ total: 3, distinct: 3 });
    await consumer.stop();
  }, 90_000);

  // Under Kafka, partitions interleave: x-tracseq-consistent-with waits for each consumer's furthest
  // position (see README), and effects across contexts are awaited as any eventual effect is.
  it('runs the whole system on the Kafka bus: read models and cross-context policies', async () => {
    // The run's bus is Kafka (this file belongs to the kafka project), so the system's workers are consumer groups.
    const system = await startTestSystem();
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
