import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:long`: the fuzzer with every hostile value and every literal form (FUZZ_RUNS=0;
 * set FUZZ_RUNS / FUZZ_SEED to choose), outside `npm test`'s time budget.
 */
export default defineConfig({
  resolve: base.resolve,
  test: {
    globalSetup: base.test?.globalSetup,
    pool: 'forks',
    testTimeout: 1_800_000,
    hookTimeout: 120_000,
    include: ['tests/fuzz/**/*.test.ts'],
    env: { TRACSEQ_TEST_BUS: 'postgres', FUZZ_RUNS: process.env.FUZZ_RUNS ?? '0' },
  },
});
