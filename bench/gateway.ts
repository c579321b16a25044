/**
 * Gateway throughput: TracSeq's gateway and Hive Gateway serving the same supergraph over the same
 * running subgraphs, driven by autocannon in one run. Two kinds of rows:
 *  - identical: every connection sends the same operation (single-flight shares most fetches);
 *  - varied: random sample ids, page sizes 20–80 after random cursors, and a mix of queries, so
 *    little can be shared and the subgraph tier is measured too.
 * Any error answer fails the run: a non-2xx status, a GraphQL `errors` entry, a timeout. Every role
 * runs with NODE_ENV=production and secrets generated for the run, as deployed; the bench identity
 * is a JWT (subject "bench", tenant "demo", admin) and the gateways run with RATE_LIMIT_PER_MINUTE=1e9
 * (the bench identity is not rate-limited; production keeps its limits), so a 429 can never be
 * counted as a fast request.
 *   npm run bench:gateway      BENCH_DURATION=5 for a quick look (seconds per run, default 20)
 * For profiling: BENCH_ROWS / BENCH_GATEWAYS keep only the rows / gateways whose name contains the
 * text, and BENCH_CPU_PROF=<dir> runs the subgraphs and our gateway with `node --cpu-prof` into
 * <dir> (summarise with `tsx bench/cpu-profile-summary.ts <dir>/*.cpuprofile`).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { loadConfig } from '../platform/config.js';
import { signIdentity } from '../platform/identity.js';
import pg from 'pg';
import { benchPostgres, cpuSeconds, percentile, postgresCpuSeconds, spawnService, statementProfile, statementStatistics, table, waitReady } from './support.js';

const duration = Number(process.env.BENCH_DURATION ?? '20');
const connections = 50;
const keeps = (filter: string | undefined, name: string) => !filter || name.includes(filter);

const FEDERATED = `query Federated { samples(first: 50, filter: { projectCode: "BENCH" }) { edges { node {
  id barcode status location { label unit { name } } sequencingJobs { name status } alerts { kind severity } } } } }`;
const SINGLE = `query Single($id: ID!) { sample(id: $id) { id barcode status volumeUl } }`;

/** The bench's caller: people's tokens are verified with JWT_SECRET, generated per run. */
const JWT_SECRET = randomBytes(32).toString('base64url');
const BENCH_TOKEN = await new SignJWT({ tenant: 'demo', roles: ['admin'] })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject('bench')
  .setIssuer('tracseq')
  .setAudience('tracseq')
  .setExpirationTime('12h')
  .sign(new TextEncoder().encode(JWT_SECRET));
const AS_BENCH = { authorization: `Bearer ${BENCH_TOKEN}` };

const post = async (url: string, query: string, variables: Record<string, unknown> = {}, position = '0:0') => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-tracseq-consistent-with': position, ...AS_BENCH }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
};

/** 200 samples, 20 of them stored, 10 in a job, 10 rejected (alerts); reads after it wait for `position`. */
const seed = async (url: string) => {
  const csv = ['barcode,sampleType,projectCode', ...Array.from({ length: 200 }, (_, i) => `BENCH-${String(i).padStart(4, '0')},DNA,BENCH`)].join('\n');
  const imported = (await post(url, `mutation($c: String!) { importSamples(csv: $c) { position imported { id } } }`, { c: csv })).importSamples;
  let position: string = imported.position;
  const ids: string[] = imported.imported.map((s: { id: string }) => s.id);
  const run = async (query: string, variables: Record<string, unknown>) => {
    const data = await post(url, query, variables, position);
    position = (Object.values(data)[0] as { position: string }).position;
    return Object.values(data)[0] as any;
  };
  const site = (await run(`mutation { createStorageUnit(input: { name: "Bench site", kind: FACILITY }) { position unit { id } } }`, {})).unit.id;
  const freezer = (await run(`mutation($p: ID) { createStorageUnit(input: { name: "Bench freezer", kind: FREEZER, zone: MINUS_80, parentId: $p }) { position unit { id } } }`, { p: site })).unit.id;
  const box = (await run(`mutation($p: ID) { createStorageUnit(input: { name: "Bench box", kind: BOX, rows: 4, columns: 10, parentId: $p }) { position unit { id } } }`, { p: freezer })).unit.id;
  const positions = (await post(url, `query($b: ID!) { storageUnit(id: $b) { positions { id } } }`, { b: box }, position)).storageUnit.positions;
  const job = (await run(`mutation { createSequencingJob(input: { name: "Bench run", platform: NOVASEQ_X }) { position job { id } } }`, {})).job.id;
  for (let i = 0; i < 20; i++) {
    await run(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id: ids[i] });
    await run(`mutation($id: ID!) { validateSample(id: $id) { position } }`, { id: ids[i] });
    if (i < 10) await run(`mutation($j: ID!, $s: ID!, $i7: String!) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: $i7) { position } }`, { j: job, s: ids[i], i7: ['AAAAAAAA', 'CCCCCCCC', 'GGGGGGGG', 'TTTTTTTT', 'ACACACAC', 'CACACACA', 'GTGTGTGT', 'TGTGTGTG', 'AACCGGTT', 'TTGGCCAA'][i] });
    await run(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`, { s: ids[i], p: positions[i].id });
  }
  for (let i = 190; i < 200; i++) await run(`mutation($id: ID!) { rejectSample(id: $id, reason: "bench") { position } }`, { id: ids[i] });
  return { ids, position };
};

/** One request of a load run: a fresh body per request (varied rows) or the same one (identical rows). */
type Workload = () => string;

interface LoadResult { rps: number; latencies: number[]; failures: number; firstFailure?: string }

const load = (url: string, workload: Workload, headers: Record<string, string>, seconds: number) =>
  new Promise<LoadResult>((resolve, reject) => {
    const latencies: number[] = [];
    let failures = 0;
    let firstFailure: string | undefined;
    const fail = (why: string) => {
      failures += 1;
      firstFailure ??= why;
    };
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        requests: [{
          setupRequest: (request) => ({ ...request, body: workload() }),
          // A GraphQL error answers 200: read every body, not only the status.
          onResponse: (status, body) => {
            if (status < 200 || status >= 300) fail(`HTTP ${status}: ${body.slice(0, 300)}`);
            else if (body.includes('"errors"')) fail(`GraphQL errors: ${body.slice(0, 300)}`);
            // @apollo/gateway reports what it had to null out of a subgraph's answer here, not in errors.
            else if (body.includes('"valueCompletion"')) fail(`value completion errors: ${body.slice(body.indexOf('"valueCompletion"')).slice(0, 400)}`);
          },
        }],
      },
      (error, result) => {
        if (error) return reject(error);
        latencies.sort((a, b) => a - b);
        if (result.errors + result.timeouts > 0) fail(`${result.errors} socket errors, ${result.timeouts} timeouts`);
        if (latencies.length === 0) fail('no request completed in the run');
        resolve({ rps: result.requests.average, latencies, failures: failures + result.errors + result.timeouts, firstFailure });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const between = (low: number, high: number) => low + Math.floor(Math.random() * (high - low + 1));

const PAGE = `query Page($first: Int!, $after: String) { samples(first: $first, after: $after, filter: { projectCode: "BENCH" }) { edges { node {
  id barcode status location { label unit { name } } sequencingJobs { name status } alerts { kind severity } } } } }`;
const ALERTS = `query Alerts($first: Int!) { alerts(first: $first) { edges { node { id kind severity message sample { barcode status location { label } } } } } }`;

const workloads = (sampleIds: string[], cursors: string[]) => {
  const body = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });
  const federatedPage = () => body(PAGE, { first: between(20, 80), after: pick([null, ...cursors]) });
  const singleEntity = () => body(SINGLE, { id: pick(sampleIds) });
  const alerts = () => body(ALERTS, { first: between(5, 20) });
  const identicalFederated = body(FEDERATED);
  const identicalSingle = body(SINGLE, { id: sampleIds[0] });
  return [
    ['federated: 50 samples + location, jobs, alerts (identical)', () => identicalFederated],
    ['single entity: sample(id) (identical)', () => identicalSingle],
    ['federated page, varied (first 20–80, random cursor)', federatedPage],
    ['single entity, varied (random of 200 ids)', singleEntity],
    ['mix: 50% single, 35% page, 15% alerts (varied)', () => {
      const roll = Math.random();
      return roll < 0.5 ? singleEntity() : roll < 0.85 ? federatedPage() : alerts();
    }],
  ] as Array<[string, Workload]>;
};

const main = async () => {
  const database = await benchPostgres();
  const databaseUrl = await database.createDatabase('bench_gateway');
  // Subgraphs, each gateway and the load generator run as separate processes, as they would deploy.
  const base = { ...process.env, NODE_ENV: 'production', INTERNAL_SECRET: randomBytes(32).toString('base64url'), JWT_SECRET, DATABASE_URL: databaseUrl, LOG_LEVEL: 'error', SAMPLES_PORT: '4001', STORAGE_PORT: '4002', SEQUENCING_PORT: '4003', NOTIFICATIONS_PORT: '4004', RATE_LIMIT_PER_MINUTE: '1000000000' };
  const services: ChildProcess[] = [];
  let statementsClient: pg.Client | null = null;
  try {
    const subgraphs = spawnService(['bin/tracseq.ts', 'subgraphs'], base);
    services.push(subgraphs);
    await waitReady(['http://localhost:4001/ready', 'http://localhost:4002/ready', 'http://localhost:4003/ready', 'http://localhost:4004/ready']);
    const [oursProcess, unsharedProcess, hiveProcess] = [
      spawnService(['bin/tracseq.ts', 'gateway'], { ...base, PORT: '4090' }),
      spawnService(['bin/tracseq.ts', 'gateway'], { ...base, PORT: '4092', SINGLE_FLIGHT: 'false' }, { profile: false }),
      spawnService(['bench/hive-gateway.ts'], { ...base, PORT: '4091' }, { profile: false }),
    ];
    services.push(oursProcess, unsharedProcess, hiveProcess);
    await waitReady(['http://localhost:4090/ready', 'http://localhost:4092/ready']);
    const ours = 'http://localhost:4090/graphql';
    const hiveUrl = 'http://127.0.0.1:4091/graphql';
    const { ids, position } = await seed(ours);
    const cursors: string[] = (await post(ours, `query { samples(first: 200, filter: { projectCode: "BENCH" }) { edges { cursor } } }`, {}, position)).samples.edges.map((e: { cursor: string }) => e.cursor).slice(0, 150);
    // Hive forwards the client's pre-signed identity, which lives 5 minutes: signed again for each run
    // (a whole bench outlasts one, and its last row's Hive answers were all UNAUTHENTICATED).
    const internalSecret = loadConfig(base).internalSecret;
    const hiveHeaders = () => ({ 'x-tracseq-identity': signIdentity(internalSecret, { tenantId: 'demo', subject: 'bench', roles: ['admin'], requestId: 'bench' }) });
    const gateways = ([
      ['TracSeq (@apollo/gateway)', ours, () => AS_BENCH, oursProcess],
      ['Hive Gateway', hiveUrl, hiveHeaders, hiveProcess],
      ['TracSeq, SINGLE_FLIGHT=false', 'http://localhost:4092/graphql', () => AS_BENCH, unsharedProcess],
    ] as Array<[string, string, () => Record<string, string>, ChildProcess]>).filter(([name]) => keeps(process.env.BENCH_GATEWAYS, name));
    const rowsOfWork = workloads(ids, cursors).filter(([label]) => keeps(process.env.BENCH_ROWS, label));
    // Every gateway must answer every kind of request without errors before anything is timed.
    for (const [name, url, headers] of gateways) {
      for (const [label, workload] of rowsOfWork) {
        let last: unknown;
        for (let attempt = 0; attempt < 50; attempt++) {
          type Answer = { errors?: unknown; extensions?: { valueCompletion?: unknown } };
          const check = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers() }, body: workload() }).then((r) => r.json() as Promise<Answer>, (): Answer => ({ errors: 'not up' }));
          last = check.errors ?? check.extensions?.valueCompletion;
          if (!last) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        if (last) throw new Error(`${name}, ${label}: ${JSON.stringify(last)}`);
      }
    }
    // BENCH_PG_STATEMENTS=1: what each request cost PostgreSQL, statement by statement.
    // Only then: an idle connection of the bench's own is not part of what is measured.
    if (statementStatistics) {
      statementsClient = new pg.Client({ connectionString: databaseUrl });
      await statementsClient.connect();
    }
    const statements = statementsClient ? statementProfile(statementsClient) : { reset: async () => undefined, print: async () => undefined };
    const rows: Array<Array<string | number>> = [];
    const failed: string[] = [];
    for (const [label, workload] of rowsOfWork) {
      const results = new Map<string, LoadResult>();
      for (const [name, url, headers, gatewayProcess] of gateways) {
        await load(url, workload, headers(), Math.min(5, duration)); // warm-up, discarded
        const cpuNow = () => [cpuSeconds(gatewayProcess.pid), cpuSeconds(subgraphs.pid), postgresCpuSeconds(database.postmaster), cpuSeconds(process.pid)].map((seconds) => seconds * 1000);
        await statements.reset();
        const cpuBefore = cpuNow();
        const result = await load(url, workload, headers(), duration);
        const requests = result.rps * duration;
        const [gatewayCpu, subgraphCpu, postgresCpu, loadCpu] = cpuNow().map((after, i) => (after - cpuBefore[i]!) / requests);
        await statements.print(`${label} via ${name}`, requests, 'request', 8);
        results.set(name, result);
        if (result.failures > 0) failed.push(`${label} via ${name}: ${result.failures} failed answers, first: ${result.firstFailure}`);
        rows.push([label, name, Math.round(result.rps), ms(percentile(result.latencies, 50)), ms(percentile(result.latencies, 95)), ms(percentile(result.latencies, 99)), ms(gatewayCpu!), ms(subgraphCpu!), ms(postgresCpu!), ms(loadCpu!), result.failures]);
        console.log(`done: ${label} via ${name}`);
      }
      const [oursResult, hiveResult] = [results.get('TracSeq (@apollo/gateway)'), results.get('Hive Gateway')];
      if (oursResult && hiveResult) rows.push([label, '**ours / Hive**', (oursResult.rps / hiveResult.rps).toFixed(2), '', '', '', '', '', '', '', '']);
    }
    console.log(`\n${connections} connections, ${duration} s per run, ${os.cpus().length} cores; subgraphs, gateways and load generator in separate processes\n`);
    console.log('CPU ms/req: CPU time (user + system) the gateway\'s and the subgraphs\' processes, the whole PostgreSQL server and the load generator (autocannon, this process) spent per answered request, less noisy than req/s on a shared machine: they share the cores\n');
    console.log(table(['query', 'gateway', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'gateway CPU ms/req', 'subgraphs CPU ms/req', 'PostgreSQL CPU ms/req', 'load generator CPU ms/req', 'failed'], rows));
    if (failed.length > 0) {
      console.error(`\nBENCHMARK FAILED: error answers are not fast requests.\n${failed.join('\n')}`);
      process.exitCode = 1;
    }
  } finally {
    await statementsClient?.end();
    // Each service stops gracefully (and writes its CPU profile) before the database goes away.
    await Promise.all(services.map((service) => new Promise((resolve) => {
      if (service.exitCode !== null) return resolve(null);
      const timer = setTimeout(resolve, 15_000);
      service.once('exit', () => resolve(clearTimeout(timer)));
      service.kill('SIGTERM');
    })));
    await database.stop();
  }
};

const ms = (value: number) => value.toFixed(1);

await main();
