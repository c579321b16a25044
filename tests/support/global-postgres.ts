import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../platform/embedded-postgres.js';
import { freePort } from '../../platform/free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

/** One real PostgreSQL for the whole run; each test file makes its own database in it. */
export default async function setup(project: TestProject) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracseq-test-'));
  fs.chmodSync(dataDir, 0o755);
  const database = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
  project.provide('adminDatabaseUrl', database.url.replace(/\/tracseq$/, '/postgres'));
  return async () => {
    await database.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
