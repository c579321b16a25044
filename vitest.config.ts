import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node resolves `import 'graphql'` to its CommonJS build (graphql 16 has no exports map), as do
    // Apollo's packages; vite would pick the ESM build and load graphql twice. Match Node.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    include: ['tests/**/*.test.ts', 'subgraphs/**/*.test.ts', 'event-store/**/*.test.ts', 'gateway/**/*.test.ts', 'platform/**/*.test.ts'],
    globalSetup: ['tests/support/global-postgres.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
