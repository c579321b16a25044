/** The event bus topics (ARCHITECTURE.md), and which stream types each carries. */
export const TOPICS = {
  sample: 'laboratory.sample.events',
  storage: 'laboratory.storage.events',
  sequencing: 'laboratory.sequencing.events',
  notification: 'laboratory.notification.events',
  saga: 'laboratory.saga.events',
  access: 'laboratory.access.events',
  deadLetter: 'laboratory.dead-letter',
} as const;

const BY_STREAM_TYPE: Record<string, string> = {
  Sample: TOPICS.sample,
  SampleBarcode: TOPICS.sample,
  StorageUnit: TOPICS.storage,
  StoragePosition: TOPICS.storage,
  SampleCustody: TOPICS.storage,
  SequencingJob: TOPICS.sequencing,
  SampleRun: TOPICS.sequencing,
  Alert: TOPICS.notification,
  AlertSlot: TOPICS.notification,
  Saga: TOPICS.saga,
  ApiKey: TOPICS.access,
};

/** Unknown stream types go with samples' topic rather than nowhere. */
export const topicFor = (streamType: string): string => BY_STREAM_TYPE[streamType] ?? TOPICS.sample;

/**
 * Topics keyed by tenant instead of stream. Kafka orders messages only within a partition, and a
 * consumer applies partitions' batches in whatever order they arrive. The storage read model joins
 * streams: a box's capacity rolls up into its freezer's row, a position's state counts in its box's
 * row. Keyed by stream, a box's creation could be applied before its freezer's (the freezer then
 * shows capacity 0 for good) or a reservation before its box's positions exist. One partition per
 * lab keeps a tenant's storage events in log order; the other read models are per stream.
 */
const KEYED_BY_TENANT: ReadonlySet<string> = new Set([TOPICS.storage]);

/** The message key: the partition, and so the order a consumer sees, follows it. */
export const partitionKeyFor = (event: { streamType: string; streamId: string; tenantId: string }): string =>
  KEYED_BY_TENANT.has(topicFor(event.streamType)) ? `tenant:${event.tenantId}` : event.streamId;

export const EVENT_TOPICS: readonly string[] = Object.values(TOPICS).filter((topic) => topic !== TOPICS.deadLetter);

export interface TopicSettings {
  /** @default 3 (KAFKA_PARTITIONS) */
  partitions: number;
  /** @default 7 days (KAFKA_RETENTION_HOURS) */
  retentionMs: number;
  /** @default 1 (KAFKA_REPLICATION_FACTOR) */
  replicationFactor: number;
}

export const topicSettings = (env: NodeJS.ProcessEnv = process.env): TopicSettings => ({
  partitions: Number(env.KAFKA_PARTITIONS ?? 3),
  retentionMs: Number(env.KAFKA_RETENTION_HOURS ?? 168) * 3_600_000,
  replicationFactor: Number(env.KAFKA_REPLICATION_FACTOR ?? 1),
});

/** What `npm run kafka:topics` creates: every topic, same partitions and retention. */
export const topicConfigs = (settings: TopicSettings) =>
  Object.values(TOPICS).map((topic) => ({
    topic,
    numPartitions: settings.partitions,
    replicationFactor: settings.replicationFactor,
    configEntries: [{ name: 'retention.ms', value: String(settings.retentionMs) }],
  }));
