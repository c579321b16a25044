import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../platform/embedded-postgres.js';
import { freePort } from '../../platform/free-port.js';
import { TEST_WORKERS } from './workers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrls: string[];
  }
}

/**
 * One real PostgreSQL per test worker (VITEST_POOL_ID picks it); each test file makes its own
 * database in its worker's. Not one for all: which events are readable is cluster-wide (the oldest
 * open transaction's xid, see COMMIT_HORIZON), so a file that holds a transaction open on purpose
 * would hold back the log of the file running beside it.
 */
export default async function setup(project: TestProject) {
  const clusters = await Promise.all(
    Array.from({ length: TEST_WORKERS }, async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracseq-test-'));
      fs.chmodSync(dataDir, 0o755);
      // pg_stat_statements: tests/sagas/plan-stability.test.ts reads what each statement cost.
      const flags = ['-c', 'shared_preload_libraries=pg_stat_statements'];
      return { dataDir, database: await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false, flags }) };
    }),
  );
  project.provide('adminDatabaseUrls', clusters.map(({ database }) => database.url.replace(/\/tracseq$/, '/postgres')));
  return async () => {
    for (const { database, dataDir } of clusters) {
      await database.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
}
