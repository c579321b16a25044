import { sql, type Kysely } from 'kysely';
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { DeadLetterPolicy, errorText } from '../../dead-letters.js';
import type { Logger } from '../../logger.js';
import type { EventConsumer } from '../../projection.js';
import { REACH_CHANNEL } from '../../projection-runner.js';
import { checkpointOf, compareCheckpoints, formatCheckpoint, type Checkpoint } from '../../position.js';
import type { StoredEvent } from '../../types.js';
import { inEventTrace, inEventsTrace } from '../../trace-context.js';
import { EVENT_TOPICS, TOPICS } from './topics.js';
import { recordConsumed } from './watermarks.js';
import { fromMessage } from './wire.js';

type Origin = { topic: string; partition: number };

/** Messages applied per transaction. */
const CHUNK = 500;

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
 * A projection or policy fed from Kafka: one consumer group per projection. Applying a chunk of a
 * partition's events and recording them (each stream's newest applied version) share one PostgreSQL
 * transaction; an event not newer than what is recorded is skipped, so redelivery after a crash or
 * rebalance changes nothing.
 * Offsets are committed after the transaction. A failing event is retried with backoff, then sent
 * to the dead-letter topic with the error and its original headers, and consumption carries on.
 * After each batch it records how far it got in the partition, which moves its gap-free checkpoint.
 */
export class KafkaProjectionConsumer {
  private consumer: Consumer | null = null;
  private deadLetters: Producer | null = null;
  private readonly topics: readonly string[];
  private readonly policy: DeadLetterPolicy;

  constructor(
    private readonly db: Kysely<any>,
    private readonly kafka: Kafka,
    readonly projection: EventConsumer,
    private readonly options: KafkaConsumerOptions = {},
  ) {
    this.topics = options.topics ?? EVENT_TOPICS;
    this.policy = new DeadLetterPolicy(projection.name, { maxAttempts: options.maxAttempts });
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
        for (let from = 0; from < batch.messages.length && isRunning() && !isStale(); from += CHUNK) {
          const chunk = batch.messages.slice(from, from + CHUNK);
          const reached = await this.consume(chunk, origin);
          resolveOffset(chunk[chunk.length - 1]!.offset);
          if (reached) await recordConsumed(this.db, this.projection.name, this.topics, { ...origin, event: reached });
          await heartbeat();
        }
        await commitOffsetsIfNecessary();
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.deadLetters?.disconnect();
  }

  /**
   * Consumes consecutive messages of one partition: applies the new ones it handles in one
   * transaction; if that fails, one at a time, so only the failing event is retried and then
   * dead-lettered. Returns the last event read, how far the partition is consumed.
   */
  private async consume(messages: readonly KafkaMessage[], origin: Origin): Promise<StoredEvent | null> {
    const readable: Array<{ message: KafkaMessage; event: StoredEvent }> = [];
    for (const message of messages) {
      try {
        readable.push({ message, event: fromMessage(message.value) });
      } catch (error) {
        await this.deadLetter(message, origin, null, error);
      }
    }
    const wanted = readable.filter(({ event }) => this.projection.handles.has(event.type));
    let applied: StoredEvent[];
    try {
      applied = await this.applyAll(wanted.map(({ event }) => event));
    } catch {
      applied = [];
      for (const { message, event } of wanted) {
        if (await this.applyWithRetries(message, origin, event)) applied.push(event);
      }
    }
    for (const event of applied) await this.options.afterCommit?.(event);
    return readable[readable.length - 1]?.event ?? null;
  }

  private async applyWithRetries(message: KafkaMessage, origin: Origin, event: StoredEvent): Promise<boolean> {
    for (;;) {
      try {
        const applied = (await this.applyAll([event])).length > 0;
        this.policy.succeeded(event.eventId);
        return applied;
      } catch (error) {
        const { giveUp, backoffMs } = this.policy.failed(event.eventId);
        if (giveUp) {
          await this.deadLetter(message, origin, event, error);
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    }
  }

  /**
   * One transaction: applies the events not older than what is recorded for their streams, and
   * records each stream's newest version. Returns the events applied now.
   */
  async applyAll(events: readonly StoredEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const name = this.projection.name;
    const applied = await this.db.transaction().execute(async (trx) => {
      await holdApplyLock(trx, name, 'shared');
      const streams = [...new Set(events.map((e) => e.streamId))];
      await lockStreams(trx, name, streams);
      const seen = await sql<{ stream_id: string; version: number }>`
        SELECT stream_id, version FROM es.kafka_applied WHERE consumer = ${name} AND stream_id = ANY(${streams}::text[])`.execute(trx);
      const versions = new Map(seen.rows.map((row) => [row.stream_id, row.version]));
      const applied: StoredEvent[] = [];
      for (const event of events) {
        if ((versions.get(event.streamId) ?? 0) >= event.streamVersion) continue;
        versions.set(event.streamId, event.streamVersion);
        applied.push(event);
      }
      // A projection that writes a batch at once gets the chunk's new events in one call, as on the
      // PostgreSQL bus (tracing: each event's trace shows it applied).
      if (applied.length > 0 && this.projection.applyBatch) await inEventsTrace(name, applied, () => this.projection.applyBatch!(trx, applied));
      else for (const event of applied) await inEventTrace(name, event, () => this.projection.apply(trx, event)); // tracing: joins the command's trace
      await recordApplied(trx, name, applied);
      return applied;
    });
    await announceReach(this.db, name, applied);
    return applied;
  }

  /**
   * Applies a dead-lettered event again, once: only while its es.dead_letters entry is pending, which
   * the same transaction closes. A later event of the stream may have been applied meanwhile, so the
   * version check of `apply` does not apply here.
   */
  async replay(event: StoredEvent): Promise<'replayed' | 'not-pending' | 'failed'> {
    const outcome = await this.policy.replay(this.db, event.eventId, async (trx) => {
      await holdApplyLock(trx, this.projection.name, 'shared');
      await this.projection.apply(trx, event);
      await recordApplied(trx, this.projection.name, [event]);
    });
    if (outcome === 'replayed') await announceReach(this.db, this.projection.name, [event]);
    return outcome;
  }

  /** Recorded in es.dead_letters first (what `dlq:list` shows and replay closes), then published. */
  private async deadLetter(message: KafkaMessage, origin: Origin, event: StoredEvent | null, error: unknown): Promise<void> {
    const reason = errorText(error);
    this.options.logger?.error({ consumer: this.projection.name, topic: origin.topic, offset: message.offset, err: error }, 'event sent to the dead-letter topic');
    if (event) await this.policy.record(this.db, event, error);
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
export const holdApplyLock = async (trx: Kysely<any>, consumer: string, mode: 'shared' | 'exclusive'): Promise<void> => {
  const key = applyLockKey(consumer);
  await (mode === 'shared' ? sql`SELECT pg_advisory_xact_lock_shared(hashtext(${key}))` : sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`).execute(trx);
};

/** A consumer's apply lock (one key), and the first half of its streams' locks (two keys: a space of their own). */
const applyLockKey = (consumer: string) => `kafka-apply:${consumer}`;

/**
 * Serialises applies of the same streams by this consumer (two members of a group during a
 * rebalance), in one order so two of them never deadlock. Advisory locks rather than FOR UPDATE on
 * es.kafka_applied: a row lock gives the transaction an id before the projection writes anything,
 * and the relay, like every reader of the log, waits for transactions older than what it reads (the
 * commit horizon). A projection stuck on a lock of its read model would hold back the whole log, for
 * every consumer and subscriber; this way it holds back nothing until it has written.
 */
const lockStreams = async (trx: Kysely<any>, consumer: string, streams: readonly string[]): Promise<void> => {
  // Volatile functions in the select list run after ORDER BY: the locks are taken in key order.
  await sql`SELECT pg_advisory_xact_lock(hashtext(${applyLockKey(consumer)}), k)
    FROM (SELECT DISTINCT hashtext(s) AS k FROM unnest(${streams}::text[]) AS s) AS keys ORDER BY k`.execute(trx);
};

/** Each stream's newest applied version; never moves back (a replayed dead letter may be older). */
export const recordApplied = async (trx: Kysely<any>, consumer: string, events: ReadonlyArray<Pick<StoredEvent, 'streamId' | 'streamVersion'>>): Promise<void> => {
  if (events.length === 0) return;
  const newest = new Map<string, number>();
  for (const event of events) newest.set(event.streamId, Math.max(newest.get(event.streamId) ?? 0, event.streamVersion));
  await sql`INSERT INTO es.kafka_applied (consumer, stream_id, version)
    SELECT ${consumer}, stream_id, version FROM unnest(${[...newest.keys()]}::text[], ${[...newest.values()]}::int[]) AS v(stream_id, version)
    ON CONFLICT (consumer, stream_id) DO UPDATE SET version = GREATEST(es.kafka_applied.version, excluded.version)`.execute(trx);
};

/**
 * Announces on REACH_CHANNEL the furthest of `events`, just applied by `consumer` and committed: its
 * read model shows them from now on, whatever its gap-free checkpoint says. Sent after the commit,
 * not by the transaction: a transaction that notifies holds a database-wide lock from before its
 * commit record until its WAL is flushed, which would make every consumer's applies flush one by
 * one (see APPEND_QUIET_SQL). An answer read between the commit and this arrival reports the reach
 * before it, as with any position learnt by NOTIFY. A lost one costs nothing a later one does not mend.
 */
export const announceReach = async (db: Kysely<any>, consumer: string, events: ReadonlyArray<Pick<StoredEvent, 'transactionId' | 'globalPosition'>>): Promise<void> => {
  const furthest = events.map((event) => checkpointOf(event)).reduce<Checkpoint | null>((max, at) => (!max || compareCheckpoints(at, max) > 0 ? at : max), null);
  if (!furthest) return;
  await sql`SELECT pg_notify(${REACH_CHANNEL}, ${`${consumer} ${formatCheckpoint(furthest)}`})`.execute(db).catch(() => undefined);
};
