import { mkdirSync, mkdtempSync, chmodSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../platform/embedded-postgres.js';
import { freePort } from '../../platform/free-port.js';

/** Starts the embedded server under `dataDir`, runs one query through the URL it hands out, stops it. */
const urlAndAnswer = async (dataDir: string) => {
  const database = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
  try {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ answer: number }>('SELECT 41 + 1 AS answer');
      return { url: database.url, answer: rows[0]!.answer };
    } finally {
      await client.end();
    }
  } finally {
    await database.stop();
  }
};

describe('embedded PostgreSQL (npm start without DATABASE_URL)', () => {
  it('hands out a URL over its Unix socket, in the cluster folder, and one over TCP when that path is too long for a socket', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'tracseq-socket-'));
    chmodSync(root, 0o755);
    try {
      const near = await urlAndAnswer(path.join(root, 'short'));
      expect(near.answer).toBe(42);
      expect(decodeURIComponent(new URL(near.url).hostname)).toBe(path.join(root, 'short', 'pg'));
      // Linux keeps a socket's path to 107 bytes: a project this deep still starts, over TCP.
      const deep = path.join(root, 'a-lab-folder-nested-deep-enough-that-its-socket-path-would-not-fit'.repeat(2));
      mkdirSync(deep, { recursive: true });
      const far = await urlAndAnswer(deep);
      expect(far.answer).toBe(42);
      expect(new URL(far.url).hostname).toBe('127.0.0.1');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
