/** Runtime configuration, read once from the environment. Every variable is listed in the README. */
export interface Config {
  /** NODE_ENV; `development` unless set. Development enables Sandbox, stack traces and the demo identity. */
  env: string;
  /** development or test: the demo identity and `x-tracseq-tenant` are honoured. */
  isDevelopment: boolean;
  isProduction: boolean;
  /** Only NODE_ENV=development puts stack traces and raw internal messages into GraphQL errors. */
  exposeErrorDetails: boolean;
  /** DATABASE_URL; unset means an embedded PostgreSQL under DATA_DIR. */
  databaseUrl?: string;
  /** DATA_DIR, default `.data`. */
  dataDir: string;
  /** EMBEDDED_PG_PORT, default 54320. */
  embeddedPgPort: number;
  /** PORT of the gateway, default 4000. */
  port: number;
  /** SEED_DEMO, default true: seed an empty database with a demo lab. */
  seedDemo: boolean;
  /** SNAPSHOT_EVERY, default 50: events between aggregate snapshots. */
  snapshotEvery: number;
  /** CONSISTENCY_TIMEOUT_MS, default 2000: how long a read waits for `x-tracseq-consistent-with`. */
  consistencyTimeoutMs: number;
  /** INTERNAL_SECRET: HMAC key for gateway → subgraph identity. Required outside development. */
  internalSecret: string;
  /** ALERT_ESCALATION_MINUTES, default 15: an unacknowledged CRITICAL alert escalates after this long. */
  alertEscalationMinutes: number;
  /** SAMPLES_PORT / STORAGE_PORT / SEQUENCING_PORT / NOTIFICATIONS_PORT / SAGAS_PORT, default 4001–4005. */
  subgraphPorts: Record<string, number>;
  /** SAGA_LEASE_MS, default 30000: a crashed saga worker's sagas are resumed after this. */
  sagaLeaseMs: number;
  /** SAGA_CONCURRENCY, default 16: sagas one worker runs at once. */
  sagaConcurrency: number;
  /** SAGA_WORKER, default true: run a saga worker with the projections (false: this process only serves). */
  sagaWorker: boolean;
  /** SUBSCRIPTION_BUFFER, default 1000: undelivered events per subscriber before it is disconnected as too slow. */
  subscriptionBuffer: number;
  /** SINGLE_FLIGHT, default true: the gateway shares identical in-flight subgraph queries of one caller. */
  singleFlight: boolean;
  /** JWT_SECRET: HS256 key for people's tokens (a development default outside production). */
  jwtSecret?: string;
  /** JWKS_URL: verify RS256/ES256 tokens against this key set instead. */
  jwksUrl?: string;
  /** JWT_ISSUER / JWT_AUDIENCE, default tracseq: required `iss` and `aud` claims. */
  jwtIssuer: string;
  jwtAudience: string;
  /** CORS_ORIGINS: comma-separated allowed browser origins (default: any in development, none otherwise). */
  corsOrigins: string[];
  /** Operation limits (QUERY_TOO_COMPLEX): MAX_DEPTH 12, MAX_ALIASES 30, MAX_TOKENS 3000, MAX_COST 50000. */
  limits: { depth: number; aliases: number; tokens: number; cost: number };
  /** BODY_LIMIT_BYTES, default 1 MiB. */
  bodyLimitBytes: number;
  /** RATE_LIMIT_PER_MINUTE 600 per user / API key; PERSISTED_RATE_LIMIT_PER_MINUTE 3000 for manifest operations. */
  rateLimitPerMinute: number;
  persistedRateLimitPerMinute: number;
  /** PERSISTED_QUERIES_DIR, default schema/persisted-queries: partner manifests, reloaded on change. */
  persistedQueriesDir: string;
  /** KAFKA_BROKERS: comma-separated; when set, projections and policies consume Kafka (fed by the relay). */
  kafkaBrokers: string[];
  /**
   * KAFKA_FETCH_MAX_WAIT_MS, default 250: how long a consumer's fetch may wait for data. Brokers
   * answer as soon as data arrives; librdkafka's mock cluster (tests) waits the whole time.
   */
  kafkaFetchMaxWaitMs: number;
  /** LOG_LEVEL, default info (silent under vitest). */
  logLevel: string;
}

const int = (value: string | undefined, fallback: number): number => {
  if (value === undefined || value === '') return fallback;
  const parsed = Number.parseInt(value, 10);
  if (!Number.isFinite(parsed)) throw new Error(`expected an integer, got "${value}"`);
  return parsed;
};

const positive = (value: string | undefined, fallback: number): number => {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`expected a positive number, got "${value}"`);
  return parsed;
};

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const nodeEnv = env.NODE_ENV && env.NODE_ENV !== '' ? env.NODE_ENV : 'development';
  const isDevelopment = nodeEnv === 'development' || nodeEnv === 'test';
  const internalSecret = env.INTERNAL_SECRET ?? (isDevelopment ? 'tracseq-development-internal-secret' : '');
  if (!internalSecret) throw new Error('INTERNAL_SECRET must be set outside development');
  return {
    env: nodeEnv,
    isDevelopment,
    isProduction: nodeEnv === 'production',
    exposeErrorDetails: nodeEnv === 'development',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATA_DIR || '.data',
    embeddedPgPort: int(env.EMBEDDED_PG_PORT, 54320),
    port: int(env.PORT, 4000),
    seedDemo: (env.SEED_DEMO ?? 'true') !== 'false',
    snapshotEvery: int(env.SNAPSHOT_EVERY, 50),
    consistencyTimeoutMs: int(env.CONSISTENCY_TIMEOUT_MS, 2000),
    internalSecret,
    alertEscalationMinutes: positive(env.ALERT_ESCALATION_MINUTES, 15),
    subgraphPorts: {
      samples: int(env.SAMPLES_PORT, 4001),
      storage: int(env.STORAGE_PORT, 4002),
      sequencing: int(env.SEQUENCING_PORT, 4003),
      notifications: int(env.NOTIFICATIONS_PORT, 4004),
      sagas: int(env.SAGAS_PORT, 4005),
      access: int(env.ACCESS_PORT, 4006),
    },
    sagaLeaseMs: int(env.SAGA_LEASE_MS, 30_000),
    sagaConcurrency: int(env.SAGA_CONCURRENCY, 16),
    sagaWorker: (env.SAGA_WORKER ?? 'true') !== 'false',
    subscriptionBuffer: int(env.SUBSCRIPTION_BUFFER, 1000),
    singleFlight: (env.SINGLE_FLIGHT ?? 'true') !== 'false',
    jwtSecret: env.JWT_SECRET || (nodeEnv === 'production' ? undefined : 'tracseq-development-jwt-secret'),
    jwksUrl: env.JWKS_URL || undefined,
    jwtIssuer: env.JWT_ISSUER || 'tracseq',
    jwtAudience: env.JWT_AUDIENCE || 'tracseq',
    corsOrigins: env.CORS_ORIGINS ? env.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean) : isDevelopment ? ['*'] : [],
    limits: { depth: int(env.MAX_DEPTH, 12), aliases: int(env.MAX_ALIASES, 30), tokens: int(env.MAX_TOKENS, 3000), cost: int(env.MAX_COST, 50_000) },
    bodyLimitBytes: int(env.BODY_LIMIT_BYTES, 1_048_576),
    rateLimitPerMinute: int(env.RATE_LIMIT_PER_MINUTE, 600),
    persistedRateLimitPerMinute: int(env.PERSISTED_RATE_LIMIT_PER_MINUTE, 3000),
    persistedQueriesDir: env.PERSISTED_QUERIES_DIR || 'schema/persisted-queries',
    kafkaBrokers: env.KAFKA_BROKERS ? env.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean) : [],
    kafkaFetchMaxWaitMs: int(env.KAFKA_FETCH_MAX_WAIT_MS, 250),
    logLevel: env.LOG_LEVEL ?? (env.VITEST ? 'silent' : 'info'),
  };
};
