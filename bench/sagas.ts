/**
 * Saga throughput and latency: completed submitSample sagas per second and submission → COMPLETED
 * durations, with 1 and with 4 saga worker processes against the same subgraphs, side by side; a
 * single saga at a time on an otherwise idle system; and where each step's time goes.
 *   npm run bench:sagas       BENCH_SAGAS=100 for a quick look (sagas per run, default 300)
 * Each configuration first runs BENCH_WARM_UP_SAGAS (default 100) unmeasured sagas.
 * BENCH_SAGA_WORKERS=1 runs only the 1-worker configuration (default "1,4"); BENCH_CPU_PROF=<dir>
 * writes a CPU profile of every spawned service there. Besides the wall-clock rate it prints the CPU
 * seconds each process role used and the CPU per saga: on a machine shared with other work the rate
 * moves with the load, the CPU per saga much less. Ports 4201-4207.
 * BENCH_ANALYZE=1 analyses every table after the warm-up, just after the saga tables were emptied:
 * the statistics a retention job or an early autovacuum leaves, which once made the worker's claim
 * walk every instance once per due saga (docs/performance.md, round thirteen).
 */
import pg from 'pg';
import { loadConfig } from '../platform/config.js';
import { signIdentity } from '../platform/identity.js';
import { benchPostgres, cpuSeconds, percentile, postgresCpuSeconds, spawnService, statementProfile, table, waitReady } from './support.js';

const total = Number(process.env.BENCH_SAGAS ?? '300');
const IDLE_SAGAS = Number(process.env.BENCH_IDLE_SAGAS ?? '20');
/** Sagas run (not measured) before each configuration's measured run: every process past its JIT warm-up. */
const WARM_UP_SAGAS = Number(process.env.BENCH_WARM_UP_SAGAS ?? '100');
/** Worker counts to run, e.g. BENCH_SAGA_WORKERS=1 while profiling one configuration. */
const WORKER_COUNTS = (process.env.BENCH_SAGA_WORKERS ?? '1,4').split(',').map(Number);
const PORTS = { samples: 4201, storage: 4202, sequencing: 4203, notifications: 4204, sagas: 4205 };
const url = (name: keyof typeof PORTS) => `http://localhost:${PORTS[name]}/graphql`;
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);

interface StepTimings {
  waitMs: number;
  callMs: number;
  dbMs: number;
}

const stepTimings = async (db: pg.Client, sagaIds: string[]) =>
  (await db.query(`SELECT e.data->>'step' AS step, e.data->'timings' AS timings FROM es.events e
    WHERE e.event_type = 'SagaStepCompleted' AND e.data ? 'timings' AND e.stream_id = ANY($1::text[])`, [sagaIds.map((id) => `Saga-${id}`)])).rows as Array<{ step: string; timings: StepTimings }>;

const run = async (workers: number, databaseUrl: string, postmaster: number | null) => {
  const env = {
    ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'error',
    SAMPLES_PORT: String(PORTS.samples), STORAGE_PORT: String(PORTS.storage), SEQUENCING_PORT: String(PORTS.sequencing),
    NOTIFICATIONS_PORT: String(PORTS.notifications), SAGAS_PORT: String(PORTS.sagas),
    // Subgraphs the sagas do not call still listen: off the default ports, which other benches use.
    ACCESS_PORT: '4206', AUDIT_PORT: '4207',
    SAMPLES_URL: url('samples'), STORAGE_URL: url('storage'),
  };
  const services = [spawnService(['bin/tracseq.ts', 'subgraphs'], { ...env, SAGA_WORKER: 'false' })];
  const db = new pg.Client({ connectionString: databaseUrl });
  try {
    await waitReady(Object.keys(PORTS).map((name) => url(name as keyof typeof PORTS).replace('/graphql', '/ready')));
    for (let i = 0; i < workers; i++) services.push(spawnService(['bin/tracseq.ts', 'projections', 'sagas'], { ...env, SAGA_CONCURRENCY: '16' }));
    await db.connect();
    // Measured from when every worker is up and idle (its idle query shows on a connection), not from its spawn.
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%min(greatest(next_run_at%' AND pid <> pg_backend_pid()`);
      if (rows[0].n >= workers) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const identity = signIdentity(loadConfig(env).internalSecret, { tenantId: 'bench', subject: 'bench', roles: ['admin'], requestId: 'bench' });
    let setupPosition = '0:0';
    const call = async (target: string, query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', 'x-tracseq-identity': identity, 'x-tracseq-consistent-with': setupPosition }, body: JSON.stringify({ query, variables }) });
      const body = (await response.json()) as { data?: any; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return Object.values(body.data)[0] as any;
    };
    const setup = async (query: string, variables: Record<string, unknown> = {}) => {
      const payload = await call(url('storage'), query, variables);
      setupPosition = payload.position;
      return payload;
    };
    const site = (await setup(`mutation { createStorageUnit(input: { name: "Site", kind: FACILITY }) { position unit { id } } }`)).unit.id;
    const freezer = (await setup(`mutation($p: ID) { createStorageUnit(input: { name: "F", kind: FREEZER, zone: MINUS_80, parentId: $p }) { position unit { id } } }`, { p: site })).unit.id;
    for (let b = 0; b < Math.ceil((total + IDLE_SAGAS + WARM_UP_SAGAS) / 480); b++) {
      await setup(`mutation($p: ID) { createStorageUnit(input: { name: "Box ${b}", kind: BOX, rows: 20, columns: 24, parentId: $p }) { position unit { id } } }`, { p: freezer });
    }
    const submit = async (barcode: string) =>
      (await call(url('sagas'), `mutation($i: SubmitSampleInput!) { submitSample(input: $i) { position saga { id } } }`, { i: { sample: { barcode, sampleType: 'DNA' }, storageUnitId: freezer } })).saga.id as string;
    // Polled every 50 ms while a run lasts: counted through the open sagas' partial index
    // (instances_due), not by a scan of every instance the bench has run, which was the bench's own load.
    const open = async () => (await db.query(`SELECT count(*)::int AS open FROM sagas.instances WHERE status IN ('RUNNING','COMPENSATING')`)).rows[0].open as number;
    /** Submits `count` sagas in waves of 20, as a lab's intake would, not all at once. */
    const submitWaves = async (count: number, prefix: string) => {
      for (let i = 0; i < count; i += 20) {
        await Promise.all(Array.from({ length: Math.min(20, count - i) }, (_, j) => submit(`${prefix}-${String(i + j).padStart(5, '0')}`)));
      }
    };
    const settled = async (what: string) => {
      for (const started = Date.now(); (await open()) > 0; ) {
        if (Date.now() - started > 600_000) throw new Error(`${what} did not finish in 10 minutes`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    // One saga at a time on an idle system (the 1-worker run only: what a single lab technician sees).
    const idle: number[] = [];
    let idleSteps: Array<{ step: string; timings: StepTimings }> = [];
    if (workers === 1) {
      const idleIds: string[] = [];
      for (let i = 0; i < IDLE_SAGAS; i++) {
        const id = await submit(`SAGA-IDLE-${String(i).padStart(5, '0')}`);
        idleIds.push(id);
        for (;;) {
          const { rows } = await db.query(`SELECT status, extract(epoch FROM finished_at - started_at) * 1000 AS ms FROM sagas.instances WHERE id = $1`, [id]);
          if (!['RUNNING', 'COMPENSATING'].includes(rows[0].status)) {
            if (rows[0].status !== 'COMPLETED') throw new Error(`idle saga ${id} ended ${rows[0].status}`);
            idle.push(Number(rows[0].ms));
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      }
      idleSteps = await stepTimings(db, idleIds);
      await db.query(`DELETE FROM sagas.steps; DELETE FROM sagas.instances`);
    }

    // Warm-up (not measured): with 4 workers each process would otherwise spend the measured run's
    // first seconds compiling its hot paths, which the 1-worker run did during its idle sagas.
    if (WARM_UP_SAGAS > 0) {
      await submitWaves(WARM_UP_SAGAS, `SAGA-WARM-${workers}`);
      await settled('warm-up sagas');
      const { rows: unfinished } = await db.query(`SELECT count(*)::int AS n FROM sagas.instances WHERE status <> 'COMPLETED'`);
      if (unfinished[0].n > 0) throw new Error(`${unfinished[0].n} warm-up sagas did not complete`);
      await db.query(`DELETE FROM sagas.steps; DELETE FROM sagas.instances`);
    }

    if (process.env.BENCH_ANALYZE === '1') await db.query('ANALYZE');
    // Which process the run's CPU goes to (2 cores: whichever saturates one is the bottleneck).
    const cpuNow = () => ({ subgraphs: cpuSeconds(services[0]!.pid, { children: true }), workers: services.slice(1).reduce((sum, s) => sum + cpuSeconds(s.pid, { children: true }), 0), postgres: postgresCpuSeconds(postmaster) });
    const statements = statementProfile(db);
    await statements.reset();
    const cpuBefore = cpuNow();
    const started = Date.now();
    await submitWaves(total, `SAGA-BENCH-${workers}`);
    const submittedIn = Date.now() - started;
    await settled('sagas');
    const cpuAfter = cpuNow();
    const cpu = Object.fromEntries(Object.entries(cpuAfter).map(([role, after]) => [role, after - cpuBefore[role as keyof typeof cpuBefore]])) as typeof cpuAfter;
    const { rows } = await db.query(`SELECT id, status, error, extract(epoch FROM finished_at - started_at) * 1000 AS ms, finished_at FROM sagas.instances`);
    await statements.print(`${workers} worker${workers > 1 ? 's' : ''}`, rows.length, 'saga');
    const steps = await stepTimings(db, rows.map((r) => r.id));
    // Why a saga did not complete is part of the result, not a footnote.
    for (const row of rows.filter((r) => r.status !== 'COMPLETED')) console.log(`  ${workers} workers: ${row.status}: ${row.error}`);
    const completed = rows.filter((r) => r.status === 'COMPLETED');
    const durations = sorted(completed.map((r) => Number(r.ms)));
    const seconds = (Math.max(...rows.map((r) => r.finished_at.getTime())) - started) / 1000;
    return { workers, completed: completed.length, other: rows.length - completed.length, rate: completed.length / seconds, p50: percentile(durations, 50), p95: percentile(durations, 95), idle: sorted(idle), idleSteps, steps, submittedIn, cpu, seconds };
  } finally {
    await db.end().catch(() => undefined);
    for (const service of services) service.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
};

/** Median of each part of a step's time, per step, for one run. */
const breakdown = (label: string, steps: Array<{ step: string; timings: StepTimings }>) => {
  const names = [...new Set(steps.map((s) => s.step))];
  return names.map((name) => {
    const of = steps.filter((s) => s.step === name).map((s) => s.timings);
    const median = (pick: (t: StepTimings) => number) => percentile(sorted(of.map(pick)), 50).toFixed(1);
    return [label, name, of.length, median((t) => t.callMs), median((t) => t.dbMs), median((t) => t.waitMs)];
  });
};

const main = async () => {
  const database = await benchPostgres();
  try {
    const results = [];
    for (const workers of WORKER_COUNTS) {
      results.push(await run(workers, await database.createDatabase(`bench_sagas_${workers}`), database.postmaster));
      console.log(`done: ${workers} workers`);
    }
    const one = results.find((r) => r.workers === 1);
    const four = results.find((r) => r.workers === 4);
    console.log(`\n${total} submitSample sagas per run (6 steps each, notify skipped; submitted in waves of 20) after ${WARM_UP_SAGAS} unmeasured ones, 2 cores\n`);
    console.log(table(['workers', 'completed', 'not completed', 'sagas/s', 'p50 ms', 'p95 ms', 'submission s'], [
      ...results.map((r) => [`${r.workers} worker${r.workers > 1 ? 's' : ''} (16 sagas each at once)`, r.completed, r.other, r.rate.toFixed(1), r.p50.toFixed(0), r.p95.toFixed(0), (r.submittedIn / 1000).toFixed(1)]),
      ...(one && four ? [['**4 workers / 1 worker**', '', '', (four.rate / one.rate).toFixed(2), '', '', '']] : []),
    ]));
    console.log(`\nCPU seconds per process role over the run (the wall time is the sagas/s run's): subgraphs = every subgraph server with its projections in one process; workers = the saga worker processes; postgres = the server\n`);
    // CPU per saga is what the machine's other load does not change much: 2 cores / it bounds sagas/s.
    console.log(table(['workers', 'subgraphs s', 'workers s', 'postgres s', 'wall s', 'CPU ms per saga', 'sagas/s bound on 2 idle cores'], results.map((r) => {
      const perSaga = (r.cpu.subgraphs + r.cpu.workers + r.cpu.postgres) / (r.completed + r.other);
      return [r.workers, r.cpu.subgraphs.toFixed(1), r.cpu.workers.toFixed(1), r.cpu.postgres.toFixed(1), r.seconds.toFixed(1), (perSaga * 1000).toFixed(0), (2 / perSaga).toFixed(0)];
    })));
    if (one) console.log(`\nOne saga at a time on an idle system (${one.idle.length} sagas, 1 worker): submission → COMPLETED p50 ${percentile(one.idle, 50).toFixed(0)} ms, p95 ${percentile(one.idle, 95).toFixed(0)} ms\n`);
    console.log('Where a step\'s time goes (medians, ms): call = the step\'s subgraph HTTP round trip incl. the subgraph\'s command; db = the worker\'s own writes (attempt + transition); wait = due → started (claim queue)\n');
    console.log(table(['run', 'step', 'n', 'call ms', 'db ms', 'wait ms'], [
      ...(one ? [...breakdown('idle, one at a time', one.idleSteps), ...breakdown('1 worker', one.steps)] : []),
      ...(four ? breakdown('4 workers', four.steps) : []),
    ]));
  } finally {
    await database.stop();
  }
};

await main();
