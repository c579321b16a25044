import type { Kafka } from 'kafkajs';
import type { KafkaProjectionConsumer } from './consumer.js';
import { TOPICS } from './topics.js';
import { fromMessage, headerText } from './wire.js';

/**
 * Applies a consumer's dead-lettered events again (after the fix), reading the dead-letter topic up
 * to its current end. Each is applied at most once: only while its es.dead_letters entry is pending
 * (see KafkaProjectionConsumer.replay), so running the replay twice changes nothing. One that still
 * fails stays pending with its new error.
 */
export const replayKafkaDeadLetters = async (
  kafka: Kafka,
  target: KafkaProjectionConsumer,
  /** Called per dead-letter message read (any consumer's), against the messages the topic holds. */
  onProgress?: (read: number, total: number) => void,
): Promise<{ replayed: number; skipped: number; failed: number }> => {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(TOPICS.deadLetter);
  const ends = new Map(offsets.map((p) => [p.partition, BigInt(p.high)]));
  const total = offsets.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0);
  let read = 0;
  await admin.disconnect();
  const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([partition]) => partition));
  let replayed = 0;
  let skipped = 0;
  let failed = 0;
  if (pending.size === 0) return { replayed, skipped, failed };
  // A fresh group each time: the topic is read from its start, and es.dead_letters says what is still due.
  // A short fetch wait: the replay ends when it reaches the end, and an idle partition would hold each fetch that long.
  const consumer = kafka.consumer({ groupId: `${target.projection.name}.dead-letter-replay.${crypto.randomUUID()}`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.deadLetter, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            if (headerText(message.headers, 'dead-letter-consumer') === target.projection.name) {
              const outcome = await target.replay(fromMessage(message.value));
              if (outcome === 'replayed') replayed++;
              else if (outcome === 'failed') failed++;
              else skipped++;
            }
            onProgress?.(++read, total);
            if (BigInt(message.offset) + 1n >= ends.get(partition)!) pending.delete(partition);
            if (pending.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return { replayed, skipped, failed };
};
