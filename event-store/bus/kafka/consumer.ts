import { sql, type Kysely, type Transaction } from 'kysely';
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from '../../../platform/logger.js';
import type { Projection } from '../../projection.js';
import type { StoredEvent } from '../../types.js';
import { EVENT_TOPICS, TOPICS } from './topics.js';
import { recordConsumed } from './watermarks.js';
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
 * After each batch it records how far it got in the partition, which moves its gap-free checkpoint.
 */
export class KafkaProjectionConsumer {
  private consumer: Consumer | null = null;
  private deadLetters: Producer | null = null;
  private readonly topics: readonly string[];

  constructor(
    private readonly db: Kysely<any>,
    private readonly kafka: Kafka,
    readonly projection: Projection,
    private readonly options: KafkaConsumerOptions = {},
  ) {
    this.topics = options.topics ?? EVENT_TOPICS;
  }

  async start(): Promise<void> {
    this.deadLetters = this.kafka.producer();
    await this.deadLetters.connect();
    this.consumer = this.kafka.consumer({ groupId: this.projection.name, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: this.options.maxWaitMs ?? 250 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.topics], fromBeginning: true });
    await this.consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
        const origin = { topic: batch.topic, partition: batch.partition };
        let reached: StoredEvent | null = null;
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) break;
          const { event, applied } = await this.handle(message, origin);
          if (applied) await this.options.afterCommit?.(applied);
          resolveOffset(message.offset);
          reached = event ?? reached;
          await heartbeat();
        }
        if (reached) await recordConsumed(this.db, this.projection.name, this.topics, { ...origin, event: reached });
        await commitOffsetsIfNecessary();
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.deadLetters?.disconnect();
  }

  /**
   * Applies one message, skips it (not handled, already applied) or dead-letters it. Returns the
   * event read from the message (null if unreadable) and, when it was applied now, that event.
   */
  async handle(message: KafkaMessage, origin: { topic: string; partition: number }): Promise<{ event: StoredEvent | null; applied: StoredEvent | null }> {
    let event: StoredEvent;
    try {
      event = fromMessage(message.value);
    } catch (error) {
      await this.deadLetter(message, origin, null, error);
      return { event: null, applied: null };
    }
    if (!this.projection.handles.has(event.type)) return { event, applied: null };
    const attempts = this.options.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return { event, applied: await this.apply(event) };
      } catch (error) {
        if (attempt >= attempts) {
          await this.deadLetter(message, origin, event, error);
          return { event, applied: null };
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  }

  /** One transaction: skip if already applied, else apply and record the stream's version. */
  async apply(event: StoredEvent): Promise<StoredEvent | null> {
    const name = this.projection.name;
    return this.db.transaction().execute(async (trx) => {
      await holdApplyLock(trx, name, 'shared');
      const seen = await sql<{ version: number }>`SELECT version FROM es.kafka_applied WHERE consumer = ${name} AND stream_id = ${event.streamId} FOR UPDATE`.execute(trx);
      if (seen.rows[0] && seen.rows[0].version >= event.streamVersion) return null;
      await this.projection.apply(trx, event);
      await recordApplied(trx, name, event);
      return event;
    });
  }

  /**
   * Applies a dead-lettered event again, once: only while its es.dead_letters entry is pending, which
   * the same transaction closes. A later event of the stream may have been applied meanwhile, so the
   * version check of `apply` does not apply here.
   */
  async replay(event: StoredEvent): Promise<'replayed' | 'not-pending' | 'failed'> {
    const name = this.projection.name;
    try {
      return await this.db.transaction().execute(async (trx) => {
        await holdApplyLock(trx, name, 'shared');
        const pending = await sql`UPDATE es.dead_letters SET replayed_at = now() WHERE consumer = ${name} AND event_id = ${event.eventId} AND replayed_at IS NULL RETURNING id`.execute(trx);
        if (pending.rows.length === 0) return 'not-pending';
        await this.projection.apply(trx, event);
        await recordApplied(trx, name, event);
        return 'replayed';
      });
    } catch (error) {
      await sql`UPDATE es.dead_letters SET error = ${String((error as Error)?.message ?? error)} WHERE consumer = ${name} AND event_id = ${event.eventId} AND replayed_at IS NULL`.execute(this.db);
      return 'failed';
    }
  }

  /** Recorded in es.dead_letters first (what `dlq:list` shows and replay closes), then published. */
  private async deadLetter(message: KafkaMessage, origin: { topic: string; partition: number }, event: StoredEvent | null, error: unknown): Promise<void> {
    const reason = (error as Error)?.message ?? String(error);
    this.options.logger?.error({ consumer: this.projection.name, topic: origin.topic, offset: message.offset, err: error }, 'event sent to the dead-letter topic');
    if (event) {
      await sql`INSERT INTO es.dead_letters (consumer, event_id, global_position, error)
        VALUES (${this.projection.name}, ${event.eventId}, ${event.globalPosition}::bigint, ${reason})`.execute(this.db);
    }
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

/**
 * Applies take this lock shared, a rebuild exclusively: a rebuild waits for applies in flight and
 * none starts while it replays.
 */
export const holdApplyLock = async (trx: Transaction<any>, consumer: string, mode: 'shared' | 'exclusive'): Promise<void> => {
  const key = `kafka-apply:${consumer}`;
  await (mode === 'shared' ? sql`SELECT pg_advisory_xact_lock_shared(hashtext(${key}))` : sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`).execute(trx);
};

/** The stream's newest applied version; never moves back (a replayed dead letter may be older). */
export const recordApplied = async (trx: Transaction<any>, consumer: string, event: Pick<StoredEvent, 'streamId' | 'streamVersion'>): Promise<void> => {
  await sql`INSERT INTO es.kafka_applied (consumer, stream_id, version) VALUES (${consumer}, ${event.streamId}, ${event.streamVersion})
    ON CONFLICT (consumer, stream_id) DO UPDATE SET version = GREATEST(es.kafka_applied.version, excluded.version)`.execute(trx);
};
