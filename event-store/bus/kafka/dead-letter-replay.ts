import type { Kafka } from 'kafkajs';
import type { KafkaProjectionConsumer } from './consumer.js';
import { TOPICS } from './topics.js';
import { fromMessage, headerText } from './wire.js';

/**
 * Applies a consumer's dead-lettered events again (after the fix), through the same transactional
 * apply, so an event applied meanwhile is skipped. Reads the dead-letter topic up to its current end.
 */
export const replayKafkaDeadLetters = async (kafka: Kafka, target: KafkaProjectionConsumer): Promise<{ replayed: number; skipped: number }> => {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(TOPICS.deadLetter)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([partition]) => partition));
  let replayed = 0;
  let skipped = 0;
  if (pending.size === 0) return { replayed, skipped };
  const consumer = kafka.consumer({ groupId: `${target.projection.name}.dead-letter-replay` });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.deadLetter, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          if (headerText(message.headers, 'dead-letter-consumer') === target.projection.name) {
            (await target.apply(fromMessage(message.value))) ? replayed++ : skipped++;
          }
          if (BigInt(message.offset) + 1n >= ends.get(partition)!) pending.delete(partition);
          if (pending.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return { replayed, skipped };
};
