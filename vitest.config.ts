import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'subgraphs/**/*.test.ts', 'event-store/**/*.test.ts', 'gateway/**/*.test.ts', 'platform/**/*.test.ts'],
    globalSetup: ['tests/support/global-postgres.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
