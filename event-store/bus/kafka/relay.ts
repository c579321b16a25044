import type { Kysely } from 'kysely';
import { Partitioners, type Kafka, type PartitionMetadata, type Producer } from 'kafkajs';
import { ensureCheckpoint, readCheckpoint, saveCheckpoint } from '../../checkpoints.js';
import { EVENTS_CHANNEL, type EventStore } from '../../event-store.js';
import type { Logger } from '../../logger.js';
import { LeaderLoop } from '../leader-loop.js';
import type { PgListener } from '../pg-listener.js';
import { EVENT_TOPICS, topicFor } from './topics.js';
import { recordPlanned } from './watermarks.js';
import { toMessage } from './wire.js';

export const RELAY_CONSUMER = 'kafka-relay';

/**
 * Publishes the event store's global log to Kafka in commit order (the gap-safe reader), one batch
 * at a time: idempotent producer, acks from all in-sync replicas, key = stream id (tenant for storage: topics.ts). The checkpoint
 * moves only after the broker acknowledged, so a restart resends at most the last batch (consumers
 * skip what they already applied). One active relay across processes (LeaderLoop: advisory lock).
 *
 * The relay picks each message's partition itself, with Kafka's default key hash, so it can record
 * before sending how far each partition will reach (read-your-writes, see watermarks.ts).
 */
export class KafkaRelay {
  private readonly loop: LeaderLoop;
  private producer: Producer | null = null;
  private partitions: Map<string, PartitionMetadata[]> | null = null;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly batchSize: number;
  /** Events acknowledged by the broker since start (for tests and benchmarks). */
  published = 0;

  constructor(
    db: Kysely<any>,
    private readonly store: EventStore,
    listener: PgListener,
    private readonly kafka: Kafka,
    options: { batchSize?: number; logger?: Logger } = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.loop = new LeaderLoop(async (conn) => {
      const sent = await this.relayBatch(conn);
      return sent === this.batchSize ? null : sent > 0 ? 0 : 1000;
    }, {
      lock: { db, key: RELAY_CONSUMER },
      wake: { listener, channels: [EVENTS_CHANNEL] },
      onLead: (conn) => ensureCheckpoint(conn, RELAY_CONSUMER),
      onFailure: (error) => {
        options.logger?.error({ err: error }, 'kafka relay failed; retrying');
        this.partitions = null;
        return 500;
      },
    });
  }

  async start(): Promise<void> {
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    await this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.producer?.disconnect();
  }

  private async relayBatch(conn: Kysely<any>): Promise<number> {
    const events = await this.store.readAll(await readCheckpoint(conn, RELAY_CONSUMER), this.batchSize);
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
    await saveCheckpoint(conn, RELAY_CONSUMER, last);
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
