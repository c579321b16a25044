/**
 * Saga throughput: completed submitSample sagas per second and end-to-end duration (submit →
 * COMPLETED), with 1 and with 4 saga worker processes against the same subgraphs.
 *   npm run bench:sagas       BENCH_SAGAS=100 for a quick look (sagas per run, default 300)
 */
import pg from 'pg';
import { loadConfig } from '../platform/config.js';
import { signIdentity } from '../platform/identity.js';
import { benchPostgres, percentile, spawnService, table, waitReady } from './support.js';

const total = Number(process.env.BENCH_SAGAS ?? '300');
const PORTS = { samples: 4201, storage: 4202, sequencing: 4203, notifications: 4204, sagas: 4205 };
const url = (name: keyof typeof PORTS) => `http://localhost:${PORTS[name]}/graphql`;

const run = async (workers: number, databaseUrl: string) => {
  const env = {
    ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'error',
    SAMPLES_PORT: String(PORTS.samples), STORAGE_PORT: String(PORTS.storage), SEQUENCING_PORT: String(PORTS.sequencing),
    NOTIFICATIONS_PORT: String(PORTS.notifications), SAGAS_PORT: String(PORTS.sagas),
    SAMPLES_URL: url('samples'), STORAGE_URL: url('storage'),
  };
  const services = [spawnService(['bin/tracseq.ts', 'subgraphs'], { ...env, SAGA_WORKER: 'false' })];
  try {
    await waitReady(Object.keys(PORTS).map((name) => url(name as keyof typeof PORTS).replace('/graphql', '/ready')));
    for (let i = 0; i < workers; i++) services.push(spawnService(['bin/tracseq.ts', 'projections', 'sagas'], { ...env, SAGA_CONCURRENCY: '16' }));
    const identity = signIdentity(loadConfig(env).internalSecret, { tenantId: 'bench', subject: 'bench', roles: ['admin'], requestId: 'bench' });
    let position = '0:0';
    const call = async (target: string, query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', 'x-tracseq-identity': identity, 'x-tracseq-consistent-with': position }, body: JSON.stringify({ query, variables }) });
      const body = (await response.json()) as { data?: any; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      const payload = Object.values(body.data)[0] as { position?: string };
      if (payload?.position) position = payload.position;
      return payload as any;
    };
    const site = (await call(url('storage'), `mutation { createStorageUnit(input: { name: "Site", kind: FACILITY }) { position unit { id } } }`)).unit.id;
    const freezer = (await call(url('storage'), `mutation($p: ID) { createStorageUnit(input: { name: "F", kind: FREEZER, zone: MINUS_80, parentId: $p }) { position unit { id } } }`, { p: site })).unit.id;
    for (let b = 0; b < Math.ceil(total / 480); b++) {
      await call(url('storage'), `mutation($p: ID) { createStorageUnit(input: { name: "Box ${b}", kind: BOX, rows: 20, columns: 24, parentId: $p }) { position unit { id } } }`, { p: freezer });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    const ids: string[] = [];
    // Submitted in waves, as a lab's intake would, not all at once.
    for (let i = 0; i < total; i += 20) {
      const wave = await Promise.all(Array.from({ length: Math.min(20, total - i) }, (_, j) =>
        call(url('sagas'), `mutation($i: SubmitSampleInput!) { submitSample(input: $i) { position saga { id } } }`, {
          i: { sample: { barcode: `SAGA-BENCH-${workers}-${String(i + j).padStart(5, '0')}`, sampleType: 'DNA' }, storageUnitId: freezer },
        })));
      ids.push(...wave.map((p) => p.saga.id));
    }
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    for (;;) {
      const { rows } = await db.query(`SELECT count(*) FILTER (WHERE status IN ('RUNNING','COMPENSATING'))::int AS open FROM sagas.instances`);
      if (rows[0].open === 0) break;
      if (Date.now() - started > 600_000) throw new Error('sagas did not finish in 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { rows } = await db.query(`SELECT status, error, extract(epoch FROM finished_at - started_at) * 1000 AS ms, finished_at FROM sagas.instances`);
    await db.end();
    // Why a saga did not complete is part of the result, not a footnote.
    for (const row of rows.filter((r) => r.status !== 'COMPLETED')) console.log(`  ${workers} workers: ${row.status}: ${row.error}`);
    const completed = rows.filter((r) => r.status === 'COMPLETED');
    const durations = completed.map((r) => Number(r.ms)).sort((a, b) => a - b);
    const seconds = (Math.max(...rows.map((r) => r.finished_at.getTime())) - started) / 1000;
    return { workers, completed: completed.length, other: rows.length - completed.length, rate: completed.length / seconds, p50: percentile(durations, 50), p95: percentile(durations, 95) };
  } finally {
    for (const service of services) service.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
};

const main = async () => {
  const database = await benchPostgres();
  try {
    const rows = [];
    for (const workers of [1, 4]) {
      const result = await run(workers, await database.createDatabase(`bench_sagas_${workers}`));
      rows.push([`${workers} worker${workers > 1 ? 's' : ''} (16 sagas each at once)`, result.completed, result.other, result.rate.toFixed(1), result.p50.toFixed(0), result.p95.toFixed(0)]);
      console.log(`done: ${workers} workers`);
    }
    console.log(`\n${total} submitSample sagas per run (6 steps each, submitted in waves of 20), 2 cores\n`);
    console.log(table(['workers', 'completed', 'not completed', 'sagas/s', 'p50 ms', 'p95 ms'], rows));
  } finally {
    await database.stop();
  }
};

await main();
