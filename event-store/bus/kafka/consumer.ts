import { sql, type Kysely } from 'kysely';
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from '../../../platform/logger.js';
import { CHECKPOINTS_CHANNEL } from '../../projection-runner.js';
import type { Projection } from '../../projection.js';
import type { StoredEvent } from '../../types.js';
import { EVENT_TOPICS, TOPICS } from './topics.js';
import { fromMessage } from './wire.js';

export interface KafkaConsumerOptions {
  /** @default every event topic */
  topics?: readonly string[];
  /** Tries for one event before it goes to the dead-letter topic. @default 3 */
  maxAttempts?: number;
  logger?: Logger;
  /**
   * Longest a fetch waits for new data. A real broker answers as soon as data arrives; librdkafka's
   * mock cluster waits the whole time, so tests keep it short.
   * @default 250
   */
  maxWaitMs?: number;
  /** Test hook: runs after an event's transaction committed, before its offset is. */
  afterCommit?: (event: StoredEvent) => void | Promise<void>;
}

/**
 * A projection or policy fed from Kafka: one consumer group per projection. Applying an event and
 * recording it (the stream's newest applied version) share one PostgreSQL transaction; an event not
 * newer than what is recorded is skipped, so redelivery after a crash or rebalance changes nothing.
 * Offsets are committed after the transaction. A failing event is retried with backoff, then sent
 * to the dead-letter topic with the error and its original headers, and consumption carries on.
 */
export class KafkaProjectionConsumer {
  private consumer: Consumer | null = null;
  private deadLetters: Producer | null = null;

  constructor(
    private readonly db: Kysely<any>,
    private readonly kafka: Kafka,
    readonly projection: Projection,
    private readonly options: KafkaConsumerOptions = {},
  ) {}

  async start(): Promise<void> {
    this.deadLetters = this.kafka.producer();
    await this.deadLetters.connect();
    this.consumer = this.kafka.consumer({ groupId: this.projection.name, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: this.options.maxWaitMs ?? 250 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...(this.options.topics ?? EVENT_TOPICS)], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const event = await this.handle(message, { topic, partition });
        if (event) await this.options.afterCommit?.(event);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.deadLetters?.disconnect();
  }

  /** Applies one message (or skips or dead-letters it); returns the event when it was applied now. */
  async handle(message: KafkaMessage, origin: { topic: string; partition: number }): Promise<StoredEvent | null> {
    let event: StoredEvent;
    try {
      event = fromMessage(message.value);
    } catch (error) {
      await this.deadLetter(message, origin, error);
      return null;
    }
    if (!this.projection.handles.has(event.type)) return null;
    const attempts = this.options.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.apply(event);
      } catch (error) {
        if (attempt >= attempts) {
          await this.deadLetter(message, origin, error);
          return null;
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }

  /** One transaction: skip if already applied, else apply and record (plus the furthest position, for read-your-writes). */
  async apply(event: StoredEvent): Promise<StoredEvent | null> {
    const name = this.projection.name;
    return this.db.transaction().execute(async (trx) => {
      const seen = await sql<{ version: number }>`SELECT version FROM es.kafka_applied WHERE consumer = ${name} AND stream_id = ${event.streamId} FOR UPDATE`.execute(trx);
      if (seen.rows[0] && seen.rows[0].version >= event.streamVersion) return null;
      await this.projection.apply(trx, event);
      await sql`INSERT INTO es.kafka_applied (consumer, stream_id, version) VALUES (${name}, ${event.streamId}, ${event.streamVersion})
        ON CONFLICT (consumer, stream_id) DO UPDATE SET version = excluded.version`.execute(trx);
      // Partitions interleave, so this is the furthest position applied, not a gap-free one.
      await sql`INSERT INTO es.checkpoints (consumer, transaction_id, global_position) VALUES (${name}, ${event.transactionId}::text::xid8, ${event.globalPosition}::bigint)
        ON CONFLICT (consumer) DO UPDATE SET transaction_id = excluded.transaction_id, global_position = excluded.global_position, updated_at = now()
        WHERE (es.checkpoints.transaction_id, es.checkpoints.global_position) < (excluded.transaction_id, excluded.global_position)`.execute(trx);
      await sql`SELECT pg_notify(${CHECKPOINTS_CHANNEL}, ${`${name} ${event.position}`})`.execute(trx);
      return event;
    });
  }

  private async deadLetter(message: KafkaMessage, origin: { topic: string; partition: number }, error: unknown): Promise<void> {
    const reason = (error as Error)?.message ?? String(error);
    this.options.logger?.error({ consumer: this.projection.name, topic: origin.topic, offset: message.offset, err: error }, 'event sent to the dead-letter topic');
    await this.deadLetters!.send({
      topic: TOPICS.deadLetter,
      acks: -1,
      messages: [{
        key: message.key,
        value: message.value,
        headers: {
          ...(message.headers ?? {}),
          'dead-letter-consumer': this.projection.name,
          'dead-letter-error': reason,
          'dead-letter-topic': origin.topic,
          'dead-letter-partition': String(origin.partition),
          'dead-letter-offset': message.offset,
        },
      }],
    });
  }
}
