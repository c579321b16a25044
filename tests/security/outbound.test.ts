import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES } from '../../schema/subgraphs.js';
import { createTestDatabase } from '../support/database.js';
import { postGraphQL } from '../support/system.js';
import { TEST_INTERNAL_SECRET, TEST_JWT_SECRET, bearer } from '../support/tokens.js';
import { waitUntil } from '../support/wait.js';
import { closeAll, collect, wsClient } from '../support/ws.js';

const GUARD = path.resolve('tests/security/outbound-guard.mjs');
type Entry = { pid: number; kind: string; host?: string; port?: number; argv?: string[]; where?: string };
const entries = (log: string): Entry[] => {
  try {
    return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Entry);
  } catch {
    return [];
  }
};
const freshLog = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'tracseq-outbound-')), 'outbound.jsonl');

/** Free ports for services that must know each other's addresses before they start. */
const freePorts = async (count: number): Promise<number[]> => {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve) => { const server = net.createServer(); server.listen(0, '127.0.0.1', () => resolve(server)); })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
};

const running: ChildProcess[] = [];
afterAll(async () => {
  await closeAll();
  await Promise.all(running.map((child) => stop(child)));
});
const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

describe('nothing leaves the lab network', () => {
  it('the guard sees a lookup and a connection to the outside (so silence below means something)', () => {
    const log = freshLog();
    const script = `require('node:dns').lookup('tracseq-guard-check.invalid', () => {}); require('node:net').connect(9, '192.0.2.1').on('error', () => {}).destroy();`;
    const result = spawnSync(process.execPath, ['--import', GUARD, '-e', script], { env: { ...process.env, OUTBOUND_GUARD_LOG: log } });
    expect(result.status).toBe(0);
    const kinds = entries(log).map((e) => `${e.kind} ${e.host}`);
    expect(kinds).toContain('dns.lookup tracseq-guard-check.invalid');
    expect(kinds).toContain('connect 192.0.2.1');
  });

  it('the guard sees @apollo/gateway probe cloud metadata endpoints once an operator opts in to its telemetry', async () => {
    const log = freshLog();
    const { APOLLO_TELEMETRY_DISABLED: _operatorsOwn, ...inherited } = process.env;
    const gateway = spawn(process.execPath, ['--import', 'tsx', '--import', GUARD, 'tests/security/fixtures/gateway-alone.ts'], {
      env: { ...inherited, NODE_ENV: 'test', PORT: '0', APOLLO_TELEMETRY_ENABLED: 'true', OUTBOUND_GUARD_LOG: log },
      stdio: 'ignore',
    });
    running.push(gateway);
    await waitUntil(() => entries(log).some((e) => e.kind === 'connect' && e.host === '169.254.169.254'), 60_000, 'a metadata probe');
    await stop(gateway);
  }, 120_000);

  it('a production session over separate processes (queries, mutations, a subscription, a saga) makes no outside connection or DNS lookup', async () => {
    const log = freshLog();
    const databaseUrl = await createTestDatabase();
    const names = SUBGRAPH_NAMES;
    const [gatewayPort, ...subgraphPorts] = await freePorts(names.length + 1);
    const ports = Object.fromEntries(names.map((name, i) => [`${name.toUpperCase()}_PORT`, String(subgraphPorts[i])]));
    const urls = Object.fromEntries(names.map((name, i) => [`${name.toUpperCase()}_URL`, `http://127.0.0.1:${subgraphPorts[i]}/graphql`]));
    const { APOLLO_TELEMETRY_DISABLED: _operatorsOwn, ...inherited } = process.env;
    const env = {
      ...inherited,
      NODE_ENV: 'production',
      INTERNAL_SECRET: TEST_INTERNAL_SECRET,
      JWT_SECRET: TEST_JWT_SECRET,
      DATABASE_URL: databaseUrl,
      PORT: String(gatewayPort),
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      ...ports,
      ...urls,
      // Every node process started from here loads the guard, including tsx's own children.
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${GUARD}`.trim(),
      OUTBOUND_GUARD_LOG: log,
    };
    const start = (role: string[], extra: Record<string, string> = {}) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bin/tracseq.ts', ...role], { env: { ...env, ...extra }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      child.once('exit', (code) => {
        if (code) console.error(`${role.join(' ')} exited ${code}: ${stderr}`);
      });
      running.push(child);
      return child;
    };
    const subgraphs = start(['subgraphs'], { SAGA_WORKER: 'false' });
    const ready = async (url: string) => fetch(url).then((r) => r.ok, () => false);
    await waitUntil(() => ready(`http://127.0.0.1:${subgraphPorts[0]}/ready`), 60_000, 'subgraphs ready');
    const sagaWorker = start(['projections', 'sagas']);
    const gateway = start(['gateway']);
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
    await waitUntil(() => ready(`http://127.0.0.1:${gatewayPort}/ready`), 60_000, 'gateway ready');

    const admin = await bearer({ sub: 'admin@lab-out', tenant: 'lab-out', roles: ['admin'] });
    const gql = async (query: string, variables?: Record<string, unknown>) => {
      const result = await postGraphQL(gatewayUrl, query, variables, admin);
      expect(result.errors, query).toBeUndefined();
      return result.data;
    };
    const site = await gql(`mutation { createStorageUnit(input: { name: "Site", kind: FACILITY }) { unit { id } } }`);
    const freezer = await gql(`mutation($p: ID!) { createStorageUnit(input: { name: "F1", kind: FREEZER, zone: MINUS_80, parentId: $p }) { unit { id } } }`, { p: site.createStorageUnit.unit.id });
    await gql(`mutation($p: ID!) { createStorageUnit(input: { name: "B1", kind: BOX, zone: MINUS_80, parentId: $p, rows: 2, columns: 2 }) { unit { id } } }`, { p: freezer.createStorageUnit.unit.id });
    const subscription = collect(wsClient(gatewayUrl, { authorization: admin.authorization }), 'subscription { sampleStatusChanged { to sample { barcode } } }');
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${gatewayPort}/metrics`).then((r) => r.text())).includes('tracseq_subscribers 1'), 10_000, 'subscribed');
    const saga = await gql(`mutation { submitSample(input: { sample: { barcode: "OUTBOUND-0001", sampleType: DNA }, zone: MINUS_80 }) { saga { id } } }`);
    await waitUntil(async () => (await gql(`query($id: ID!) { saga(id: $id) { status } }`, { id: saga.submitSample.saga.id })).saga?.status === 'COMPLETED', 60_000, 'saga completed');
    await waitUntil(async () => subscription.results.length > 0, 10_000, 'status change delivered');
    expect((await gql(`{ samples { totalCount } }`)).samples.totalCount).toBe(1);
    await closeAll();
    await Promise.all([gateway, sagaWorker, subgraphs].map((child) => stop(child)));

    const seen = entries(log);
    const roles = new Set(seen.filter((e) => e.kind === 'loaded').map((e) => e.argv?.join(' ')));
    for (const role of ['subgraphs', 'projections sagas', 'gateway']) expect([...roles].some((argv) => argv?.endsWith(role)), `guard loaded in "${role}"`).toBe(true);
    expect(seen.filter((e) => e.kind !== 'loaded')).toEqual([]);
  }, 240_000);
});
