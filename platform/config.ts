import { z } from 'zod';
import { SUBGRAPHS, SUBGRAPH_NAMES, settingPrefix } from '../schema/subgraphs.js';
import { DEFAULT_ZONE_RULES, parseZoneRules, type ZoneRules } from './lab-rules.js';

/** Runtime configuration, read once from the environment. Every variable is listed in `.env.example` and the README. */
export interface Config {
  /** NODE_ENV: development (default), test or production; anything else refuses to start. */
  env: 'development' | 'test' | 'production';
  /** development or test: the demo identity and `x-tracseq-tenant` are honoured. */
  isDevelopment: boolean;
  isProduction: boolean;
  /** Only NODE_ENV=development puts stack traces, raw internal messages and "did you mean" hints into GraphQL errors. */
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
  /** INTERNAL_SECRET: HMAC key for gateway → subgraph identity. Required (≥ 32 characters) outside development/test. */
  internalSecret: string;
  /** ALERT_ESCALATION_MINUTES, default 15: an unacknowledged CRITICAL alert escalates after this long. */
  alertEscalationMinutes: number;
  /** SIGNATURE_MAX_AUTH_AGE, default 300: seconds since the signer's last authentication (`auth_time`) within which an electronic signature is accepted. */
  signatureMaxAuthAgeSeconds: number;
  /** SAMPLES_PORT / STORAGE_PORT / SEQUENCING_PORT / NOTIFICATIONS_PORT / SAGAS_PORT / ACCESS_PORT / AUDIT_PORT, default 4001–4007. */
  subgraphPorts: Record<string, number>;
  /** The all-in-one start's subgraph ports: `<NAME>_PORT` when set, else 0 (a free port; the gateway reaches them in-process). */
  allInOnePorts: Record<string, number>;
  /** SAMPLES_URL … AUDIT_URL: where the gateway finds each subgraph when they run apart (default: the composed URL). */
  subgraphUrls: Record<string, string | undefined>;
  /** METRICS_PORT: where a `projections <name>` role serves /health, /ready and /metrics (unset: no HTTP at all). */
  metricsPort?: number;
  /**
   * SHUTDOWN_DELAY_MS, default 0: how long /ready says 503 before a listener closes (set ~5000 behind a load balancer).
   * SHUTDOWN_TIMEOUT_MS, default 10000: how long in-flight requests may take to finish once it is closed.
   */
  shutdown: { drainDelayMs: number; shutdownTimeoutMs: number };
  /** ZONE_RULES: JSON sample type → allowed temperature zones, over the defaults of platform/lab-rules.ts. */
  zoneRules: ZoneRules;
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
  /** SUBGRAPH_EXECUTOR, default jit: subgraphs run operations compiled by graphql-jit; graphql-js: as graphql-js executes them. */
  subgraphExecutor: SubgraphExecutor;
  /** JWT_SECRET: HS256 key for people's tokens (≥ 32 characters; a development default in development/test only). */
  jwtSecret?: string;
  /** JWKS_URL: verify RS256/ES256 tokens against this key set instead. */
  jwksUrl?: string;
  /** JWT_ISSUER / JWT_AUDIENCE, default tracseq: required `iss` and `aud` claims. */
  jwtIssuer: string;
  jwtAudience: string;
  /** CORS_ORIGINS: comma-separated allowed browser origins (default: any in development/test, none otherwise). */
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
  /**
   * APOLLO_TELEMETRY_ENABLED, default false: lets @apollo/gateway send its anonymous usage metrics
   * to Apollo (and probe cloud metadata endpoints to describe the host). Off unless an operator opts in.
   */
  apolloTelemetry: boolean;
  /** LOG_LEVEL, default info (silent under vitest). */
  logLevel: string;
  /** SEQUENCING_LAB_CONFIG: JSON of the lab's sequencing rules (QC thresholds, index check levels); its shape is checked by the sequencing subgraph at start. */
  sequencingLabConfig?: string;
}

/** Every problem with the environment, reported together. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export const SUBGRAPH_EXECUTORS = ['jit', 'graphql-js'] as const;
export type SubgraphExecutor = (typeof SUBGRAPH_EXECUTORS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const DAY_MS = 86_400_000;

/** An empty variable counts as unset (a blank line in an env file must not become 0 or ""). */
const unsetIfBlank = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(unsetIfBlank, schema.optional());

const wholeNumber = (min: number, max: number) =>
  z.coerce.number({ error: 'must be an integer' }).int('must be an integer').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);
const integer = (min: number, max: number, fallback: number) => z.preprocess(unsetIfBlank, wholeNumber(min, max).default(fallback));
/** A positive number, fractions allowed (tests escalate alerts after 0.005 minutes). */
const positive = (fallback: number, max: number) =>
  z.preprocess(unsetIfBlank, z.coerce.number({ error: 'must be a number' }).positive('must be greater than 0').max(max, `must be at most ${max}`).default(fallback));
const count = (fallback: number, max = 1_000_000_000) => integer(1, max, fallback);
const duration = (fallback: number, max = DAY_MS) => integer(1, max, fallback);
/** Port 0 (any free port) is for tests; checked in crossChecks. */
const port = (fallback: number) => integer(0, 65_535, fallback);
const flag = (fallback: boolean) =>
  z.preprocess(unsetIfBlank, z.enum(['true', 'false'], { error: 'must be true or false' }).default(fallback ? 'true' : 'false').transform((v) => v === 'true'));
const list = z.preprocess(unsetIfBlank, z.string().optional()).transform((v) => (v ? v.split(',').map((item) => item.trim()).filter(Boolean) : []));
const url = (protocols: readonly string[]) =>
  optional(z.string().refine((value) => URL.canParse(value) && protocols.includes(new URL(value).protocol), `must be a ${protocols.join(' or ').replace(/:/g, '')} URL`));
const secret = optional(z.string().min(32, 'must be at least 32 characters'));

const schema = z
  .object({
    NODE_ENV: z.preprocess(unsetIfBlank, z.enum(NODE_ENVS, { error: (issue) => `must be one of ${NODE_ENVS.join(', ')} (got "${String(issue.input)}")` }).default('development')),
    DATABASE_URL: url(['postgres:', 'postgresql:']),
    DATA_DIR: optional(z.string()),
    EMBEDDED_PG_PORT: port(54320),
    PORT: port(4000),
    ...Object.fromEntries(SUBGRAPHS.map((subgraph) => [`${settingPrefix(subgraph.name)}_PORT`, port(subgraph.port)])),
    ...Object.fromEntries(SUBGRAPHS.map((subgraph) => [`${settingPrefix(subgraph.name)}_URL`, url(['http:', 'https:'])])),
    METRICS_PORT: optional(wholeNumber(0, 65_535)),
    SEED_DEMO: flag(true),
    SNAPSHOT_EVERY: count(50),
    CONSISTENCY_TIMEOUT_MS: duration(2000, 60_000),
    INTERNAL_SECRET: secret,
    ALERT_ESCALATION_MINUTES: positive(15, 7 * 24 * 60),
    // 21 CFR Part 11 §11.200: a signature needs a fresh authentication; a day is the most a lab could mean by fresh.
    SIGNATURE_MAX_AUTH_AGE: integer(1, 86_400, 300),
    ZONE_RULES: optional(
      z.string().transform((value, ctx) => {
        try {
          return parseZoneRules(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      }),
    ),
    SAGA_LEASE_MS: duration(30_000),
    SAGA_CONCURRENCY: count(16, 10_000),
    SAGA_WORKER: flag(true),
    SUBSCRIPTION_BUFFER: count(1000),
    SINGLE_FLIGHT: flag(true),
    SUBGRAPH_EXECUTOR: z.preprocess(unsetIfBlank, z.enum(SUBGRAPH_EXECUTORS, { error: `must be one of ${SUBGRAPH_EXECUTORS.join(', ')}` }).default('jit')),
    JWT_SECRET: secret,
    JWKS_URL: url(['http:', 'https:']),
    JWT_ISSUER: optional(z.string()),
    JWT_AUDIENCE: optional(z.string()),
    CORS_ORIGINS: list,
    MAX_DEPTH: count(12, 1000),
    MAX_ALIASES: count(30, 10_000),
    MAX_TOKENS: count(3000),
    MAX_COST: count(50_000),
    BODY_LIMIT_BYTES: count(1_048_576, 1_073_741_824),
    RATE_LIMIT_PER_MINUTE: count(600),
    PERSISTED_RATE_LIMIT_PER_MINUTE: count(3000),
    PERSISTED_QUERIES_DIR: optional(z.string()),
    KAFKA_BROKERS: list,
    KAFKA_FETCH_MAX_WAIT_MS: duration(250, 60_000),
    // Read by the topics command (event-store/bus/kafka/topics.ts); validated here with the rest.
    KAFKA_PARTITIONS: count(3, 10_000),
    KAFKA_RETENTION_HOURS: count(168, 100_000),
    KAFKA_REPLICATION_FACTOR: count(1, 100),
    SHUTDOWN_DELAY_MS: integer(0, DAY_MS, 0),
    SHUTDOWN_TIMEOUT_MS: integer(0, DAY_MS, 10_000),
    APOLLO_TELEMETRY_ENABLED: flag(false),
    LOG_LEVEL: optional(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })),
    SEQUENCING_LAB_CONFIG: optional(z.string()),
  });

/**
 * The command-line client's settings (`tracseq import-samples`): it talks to a gateway like any
 * other client, so these are not the services' and are parsed only by the commands that use them.
 */
const cliSchema = z.object({
  GATEWAY_URL: url(['http:', 'https:']),
  TRACSEQ_TOKEN: optional(z.string()),
  TRACSEQ_API_KEY: optional(z.string()),
  IMPORT_CHUNK_ROWS: integer(1, 10_000, 500),
});

/** Every variable the configuration reads, services' and CLI's (`.env.example` lists them all; a test holds it to that). */
export const CONFIG_VARIABLES: readonly string[] = [...Object.keys(schema.shape), ...Object.keys(cliSchema.shape)];

export interface CliConfig {
  /** GATEWAY_URL, default http://localhost:<PORT>/graphql. */
  gatewayUrl: string;
  /** TRACSEQ_TOKEN (a bearer token) and/or TRACSEQ_API_KEY, sent with every request. */
  headers: Record<string, string>;
  /** IMPORT_CHUNK_ROWS, default 500 (1–10000): rows per registerSamples call. */
  importChunkRows: number;
}

/** Reads the CLI's settings; throws a ConfigError listing every problem. */
export const loadCliConfig = (config: Pick<Config, 'port'>, env: NodeJS.ProcessEnv = process.env): CliConfig => {
  const parsed = cliSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`));
  const v = parsed.data;
  const headers: Record<string, string> = {};
  if (v.TRACSEQ_TOKEN) headers.authorization = `Bearer ${v.TRACSEQ_TOKEN}`;
  if (v.TRACSEQ_API_KEY) headers['x-api-key'] = v.TRACSEQ_API_KEY;
  return { gatewayUrl: v.GATEWAY_URL ?? `http://localhost:${config.port}/graphql`, headers, importChunkRows: v.IMPORT_CHUNK_ROWS };
};

/**
 * Rules across variables, on the raw environment so they are reported with every single-variable
 * problem at once (zod skips object-level refinements once a field failed).
 */
const crossChecks = (env: NodeJS.ProcessEnv): string[] => {
  const problems: string[] = [];
  const set = (name: string) => (unsetIfBlank(env[name]) as string | undefined) !== undefined;
  // Test suites start production-mode systems too, on free ports.
  if (env.NODE_ENV !== 'test' && !process.env.VITEST) {
    for (const name of ['PORT', 'EMBEDDED_PG_PORT', 'METRICS_PORT', ...SUBGRAPH_NAMES.map((name) => `${settingPrefix(name)}_PORT`)]) {
      if (set(name) && Number(env[name]) === 0) problems.push(`${name} must be 1–65535 (0, any free port, is for NODE_ENV=test and the test runner)`);
    }
  }
  if (env.NODE_ENV === 'production') {
    if (!set('INTERNAL_SECRET')) problems.push('INTERNAL_SECRET is required in production (at least 32 characters)');
    if (!set('JWT_SECRET') && !set('JWKS_URL')) problems.push('JWT_SECRET or JWKS_URL is required in production (JWT_SECRET: at least 32 characters)');
  }
  return problems;
};

/** The only secrets with defaults, and only in development and test: public in the repository, so never trusted elsewhere. */
const DEVELOPMENT_INTERNAL_SECRET = 'tracseq-development-internal-secret';
const DEVELOPMENT_JWT_SECRET = 'tracseq-development-jwt-secret-0000';

/** Reads and checks the environment once; throws a ConfigError listing every problem. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const parsed = schema.safeParse(env);
  const problems = [...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`)), ...crossChecks(env)];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const v = parsed.data as typeof parsed.data & Record<string, any>;
  const nodeEnv = v.NODE_ENV;
  const isDevelopment = nodeEnv !== 'production';
  return {
    env: nodeEnv,
    isDevelopment,
    isProduction: nodeEnv === 'production',
    exposeErrorDetails: nodeEnv === 'development',
    databaseUrl: v.DATABASE_URL,
    dataDir: v.DATA_DIR ?? '.data',
    embeddedPgPort: v.EMBEDDED_PG_PORT,
    port: v.PORT,
    seedDemo: v.SEED_DEMO,
    snapshotEvery: v.SNAPSHOT_EVERY,
    consistencyTimeoutMs: v.CONSISTENCY_TIMEOUT_MS,
    internalSecret: v.INTERNAL_SECRET ?? DEVELOPMENT_INTERNAL_SECRET,
    alertEscalationMinutes: v.ALERT_ESCALATION_MINUTES,
    signatureMaxAuthAgeSeconds: v.SIGNATURE_MAX_AUTH_AGE,
    subgraphPorts: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, v[`${settingPrefix(name)}_PORT`] as number])),
    subgraphUrls: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, v[`${settingPrefix(name)}_URL`] as string | undefined])),
    allInOnePorts: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, unsetIfBlank(env[`${settingPrefix(name)}_PORT`]) === undefined ? 0 : (v[`${settingPrefix(name)}_PORT`] as number)])),
    metricsPort: v.METRICS_PORT,
    shutdown: { drainDelayMs: v.SHUTDOWN_DELAY_MS, shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS },
    zoneRules: v.ZONE_RULES ?? DEFAULT_ZONE_RULES,
    sagaLeaseMs: v.SAGA_LEASE_MS,
    sagaConcurrency: v.SAGA_CONCURRENCY,
    sagaWorker: v.SAGA_WORKER,
    subscriptionBuffer: v.SUBSCRIPTION_BUFFER,
    singleFlight: v.SINGLE_FLIGHT,
    subgraphExecutor: v.SUBGRAPH_EXECUTOR,
    // With JWKS_URL set, no shared-secret tokens are accepted, not even the development ones.
    jwtSecret: v.JWT_SECRET ?? (isDevelopment && !v.JWKS_URL ? DEVELOPMENT_JWT_SECRET : undefined),
    jwksUrl: v.JWKS_URL,
    jwtIssuer: v.JWT_ISSUER ?? 'tracseq',
    jwtAudience: v.JWT_AUDIENCE ?? 'tracseq',
    corsOrigins: v.CORS_ORIGINS.length > 0 ? v.CORS_ORIGINS : isDevelopment ? ['*'] : [],
    limits: { depth: v.MAX_DEPTH, aliases: v.MAX_ALIASES, tokens: v.MAX_TOKENS, cost: v.MAX_COST },
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    rateLimitPerMinute: v.RATE_LIMIT_PER_MINUTE,
    persistedRateLimitPerMinute: v.PERSISTED_RATE_LIMIT_PER_MINUTE,
    persistedQueriesDir: v.PERSISTED_QUERIES_DIR ?? 'schema/persisted-queries',
    kafkaBrokers: v.KAFKA_BROKERS,
    kafkaFetchMaxWaitMs: v.KAFKA_FETCH_MAX_WAIT_MS,
    apolloTelemetry: v.APOLLO_TELEMETRY_ENABLED,
    logLevel: v.LOG_LEVEL ?? (env.VITEST ? 'silent' : 'info'),
    sequencingLabConfig: v.SEQUENCING_LAB_CONFIG,
  };
};

/** For entry points: every problem on stderr, then exit 1, before anything starts. */
export const loadConfigOrExit = (env: NodeJS.ProcessEnv = process.env): Config => {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`TracSeq cannot start: ${error.message}\n`);
    process.exit(1);
  }
};
