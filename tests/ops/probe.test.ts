import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.js';

/** deploy/probe.mjs, run as the container runs it: a plain `node` process, judged by its exit code. */
const PROBE = fileURLToPath(new URL('../../deploy/probe.mjs', import.meta.url));
const probe = (args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [PROBE, ...args], { env: { PATH: process.env.PATH, ...env } }, (error, _stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stderr });
    });
  });

describe('deploy/probe.mjs (the containers\' health check)', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/ready') res.writeHead(200).end('{"status":"ready"}');
      else if (req.url === '/draining') res.writeHead(503).end();
      // /hang never answers: a wedged service.
      else if (req.url !== '/hang') res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('is healthy when /ready answers 2xx, on PORT by default', async () => {
    expect(await probe([`${base}/ready`])).toMatchObject({ code: 0 });
    expect(await probe([], { PORT: new URL(base).port })).toMatchObject({ code: 0 });
  });

  it('is unhealthy on 503, on a closed port, and on a service that never answers', async () => {
    expect(await probe([`${base}/draining`])).toMatchObject({ code: 1, stderr: expect.stringContaining('503') });
    expect(await probe(['http://127.0.0.1:1/ready'])).toMatchObject({ code: 1 });
    expect(await probe([`${base}/hang`], { PROBE_TIMEOUT_MS: '300' })).toMatchObject({ code: 1 });
  });

  it('checks the database for roles without an HTTP port', async () => {
    const url = await createTestDatabase();
    expect(await probe(['--database'], { DATABASE_URL: url })).toMatchObject({ code: 0 });
    const wrong = new URL(url);
    wrong.password = 'not-the-password';
    wrong.port = '1';
    expect(await probe(['--database'], { DATABASE_URL: wrong.toString() })).toMatchObject({ code: 1 });
    expect(await probe(['--database'])).toMatchObject({ code: 1, stderr: expect.stringContaining('DATABASE_URL') });
  });
});
