import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';
import { KAFKA_MISSING, kafkaMockAvailable } from './tests/support/kafka-availability.js';
import { TEST_WORKERS } from './tests/support/workers.js';
import { CHROMIUM_MISSING, chromiumAvailable } from './tests/browser/chromium-availability.js';

const require = createRequire(import.meta.url);

/**
 * The projection, policy, whole-system and saga suites, and the traced mutation, run once per event bus: the `postgres`
 * project, then the `kafka` project against librdkafka's mock cluster (TRACSEQ_TEST_BUS picks the
 * bus in tests/support/buses.ts). Without librdkafka-dev the kafka project is left out, loudly; under CI it runs
 * and fails.
 */
const KAFKA_ONCE = ['tests/kafka/**/*.test.ts'];
const PER_BUS = ['tests/projections/**/*.test.ts', 'tests/e2e/**/*.test.ts', 'tests/sagas/**/*.test.ts', 'tests/tracing/mutation-trace.test.ts'];
/**
 * The `production` project runs the security suites, and the attacker, role-matrix and policy tests
 * of auth.test.ts, and the electronic signatures, against systems started with NODE_ENV=production and secrets generated per run
 * (TRACSEQ_TEST_MODE, read by tests/support/tokens.ts and system.ts).
 */
const PRODUCTION = ['tests/security/**/*.test.ts', 'tests/e2e/auth.test.ts', 'tests/e2e/signatures.test.ts'];
const SECURITY_ONLY = ['tests/security/**/*.test.ts'];
/**
 * Pushes more data through than the mock cluster retains per partition: see the file. Plan stability
 * is about the statements PostgreSQL plans for the saga path, whichever bus feeds the read models.
 */
const POSTGRES_ONLY = ['tests/e2e/subscription-backpressure.test.ts', 'tests/sagas/plan-stability.test.ts'];
const kafkaRuns = kafkaMockAvailable() || process.env.CI === 'true';
if (!kafkaRuns) {
  console.warn(`\n${'!'.repeat(100)}\nKafka project NOT RUN: ${KAFKA_MISSING}\n${'!'.repeat(100)}\n`);
}
// tests/browser skip without chromium (and fail under CI, where .ci/run installs it).
if (!chromiumAvailable() && process.env.CI !== 'true') {
  console.warn(`\n${'!'.repeat(100)}\nBrowser tests NOT RUN: ${CHROMIUM_MISSING}\n${'!'.repeat(100)}\n`);
}

export default defineConfig({
  resolve: {
    // Node resolves `import 'graphql'` to its CommonJS build (graphql 16 has no exports map), as do
    // Apollo's packages; vite would pick the ESM build and load graphql twice. Match Node.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    globalSetup: ['tests/support/global-postgres.ts'],
    // What bin/process-settings.ts does for a real process; tests start gateways in-process.
    env: { APOLLO_TELEMETRY_DISABLED: 'true' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Each worker has its own PostgreSQL (tests/support/global-postgres.ts).
    maxWorkers: TEST_WORKERS,
    projects: [
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['tests/**/*.test.ts', 'subgraphs/**/*.test.ts', 'event-store/**/*.test.ts', 'gateway/**/*.test.ts', 'platform/**/*.test.ts'],
          exclude: [...KAFKA_ONCE, ...SECURITY_ONLY],
          env: { TRACSEQ_TEST_BUS: 'postgres' },
        },
      },
      {
        extends: true,
        test: {
          name: 'production',
          include: PRODUCTION,
          env: { TRACSEQ_TEST_BUS: 'postgres', TRACSEQ_TEST_MODE: 'production' },
        },
      },
      ...(kafkaRuns
        ? [{
            extends: true as const,
            test: {
              name: 'kafka',
              include: [...PER_BUS, ...KAFKA_ONCE],
              exclude: POSTGRES_ONLY,
              env: { TRACSEQ_TEST_BUS: 'kafka' },
            },
          }]
        : []),
    ],
  },
});
