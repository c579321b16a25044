import { WakeSignal } from '../wake-signal.js';
import { sql, type Kysely } from 'kysely';
import { Partitioners, type Kafka, type PartitionMetadata, type Producer } from 'kafkajs';
import type { Logger } from '../../../platform/logger.js';
import { EVENTS_CHANNEL, type EventStore } from '../../event-store.js';
import { checkpointOfRow } from '../../position.js';
import type { PgListener } from '../pg-listener.js';
import { EVENT_TOPICS, topicFor } from './topics.js';
import { recordPlanned } from './watermarks.js';
import { toMessage } from './wire.js';

export const RELAY_CONSUMER = 'kafka-relay';

/**
 * Publishes the event store's global log to Kafka in commit order (the gap-safe reader), one batch
 * at a time: idempotent producer, acks from all in-sync replicas, key = stream id. The checkpoint
 * moves only after the broker acknowledged, so a restart resends at most the last batch (consumers
 * skip what they already applied). One active relay across processes (advisory lock).
 *
 * The relay picks each message's partition itself, with Kafka's default key hash, so it can record
 * before sending how far each partition will reach (read-your-writes, see watermarks.ts).
 */
export class KafkaRelay {
  private stopped = false;
  private loop: Promise<void> | null = null;
  private readonly signal = new WakeSignal();
  private producer: Producer | null = null;
  private partitions: Map<string, PartitionMetadata[]> | null = null;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly onNotify = () => this.signal.notify();
  /** Events acknowledged by the broker since start (for tests and benchmarks). */
  published = 0;

  constructor(
    private readonly db: Kysely<any>,
    private readonly store: EventStore,
    private readonly listener: PgListener,
    private readonly kafka: Kafka,
    private readonly options: { batchSize?: number; logger?: Logger } = {},
  ) {}

  async start(): Promise<void> {
    this.listener.on(EVENTS_CHANNEL, this.onNotify);
    await this.listener.listen(EVENTS_CHANNEL);
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listener.off(EVENTS_CHANNEL, this.onNotify);
    this.signal.notify();
    await this.loop;
    await this.producer?.disconnect();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.db.connection().execute(async (conn) => {
          const lock = sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(hashtext(${RELAY_CONSUMER})) AS locked`;
          while (!this.stopped && !(await lock.execute(conn)).rows[0]!.locked) await this.signal.sleep(1000);
          if (this.stopped) return;
          try {
            await sql`INSERT INTO es.checkpoints (consumer) VALUES (${RELAY_CONSUMER}) ON CONFLICT DO NOTHING`.execute(conn);
            while (!this.stopped) {
              const sent = await this.relayBatch(conn);
              if (sent < (this.options.batchSize ?? 500)) await this.signal.sleep(sent > 0 ? 0 : 1000);
            }
          } finally {
            await sql`SELECT pg_advisory_unlock(hashtext(${RELAY_CONSUMER}))`.execute(conn).catch(() => undefined);
          }
        });
      } catch (error) {
        if (this.stopped) break;
        this.options.logger?.error({ err: error }, 'kafka relay failed; retrying');
        this.partitions = null;
        await this.signal.sleep(500);
      }
    }
  }

  private async relayBatch(conn: Kysely<any>): Promise<number> {
    const row = (await sql<{ transaction_id: string; global_position: string }>`
      SELECT transaction_id::text, global_position::text FROM es.checkpoints WHERE consumer = ${RELAY_CONSUMER}`.execute(conn)).rows[0]!;
    const events = await this.store.readAll(checkpointOfRow(row), this.options.batchSize ?? 500);
    if (events.length === 0) return 0;
    const partitions = await this.partitionMetadata();
    const byTopic = new Map<string, Array<ReturnType<typeof toMessage> & { partition: number }>>();
    const marks = new Map<string, { topic: string; partition: number; event: (typeof events)[number] }>();
    for (const event of events) {
      const topic = topicFor(event.streamType);
      const message = toMessage(event);
      const partitionMetadata = partitions.get(topic);
      if (!partitionMetadata?.length) throw new Error(`topic ${topic} has no partitions: run npm run kafka:topics`);
      const partition = this.partitioner({ topic, partitionMetadata, message });
      const batch = byTopic.get(topic) ?? [];
      batch.push({ ...message, partition });
      byTopic.set(topic, batch);
      marks.set(`${topic}\u0000${partition}`, { topic, partition, event });
    }
    await recordPlanned(conn, [...marks.values()]);
    for (const topicMessages of produceRequests(byTopic)) await this.producer!.sendBatch({ acks: -1, topicMessages });
    const last = events[events.length - 1]!;
    await sql`UPDATE es.checkpoints SET transaction_id = ${last.transactionId}::text::xid8, global_position = ${last.globalPosition}::bigint, updated_at = now()
      WHERE consumer = ${RELAY_CONSUMER}`.execute(conn);
    this.published += events.length;
    return events.length;
  }

  private async partitionMetadata(): Promise<Map<string, PartitionMetadata[]>> {
    if (this.partitions) return this.partitions;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...EVENT_TOPICS] });
      this.partitions = new Map(topics.map((t) => [t.name, t.partitions]));
      return this.partitions;
    } finally {
      await admin.disconnect();
    }
  }
}

/**
 * Splits a batch into produce requests of at most about REQUEST_BYTES of values, in order: a broker
 * refuses a record batch above its message.max.bytes (1 MB by default), and kafkajs does not split.
 */
export const REQUEST_BYTES = 900_000;
export const produceRequests = <M extends { value: string }>(byTopic: ReadonlyMap<string, M[]>) => {
  const out: Array<Array<{ topic: string; messages: M[] }>> = [];
  let current: Array<{ topic: string; messages: M[] }> = [];
  let bytes = 0;
  for (const [topic, messages] of byTopic) {
    let entry: { topic: string; messages: M[] } | null = null;
    for (const message of messages) {
      const size = Buffer.byteLength(message.value);
      if (bytes > 0 && bytes + size > REQUEST_BYTES) {
        out.push(current);
        current = [];
        entry = null;
        bytes = 0;
      }
      if (!entry) current.push((entry = { topic, messages: [] }));
      entry.messages.push(message);
      bytes += size;
    }
  }
  if (current.length > 0) out.push(current);
  return out;
};
