/**
 * Gateway throughput: the same federated query (50 samples with location, jobs and alerts) and a
 * single-entity query, through (a) the TracSeq gateway and (b) Hive Gateway serving the same
 * supergraph over the same running subgraphs, driven by autocannon in one run.
 *   npm run bench:gateway      BENCH_DURATION=5 for a quick look (seconds per run, default 20)
 */
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { loadConfig } from '../platform/config.js';
import { signIdentity } from '../platform/identity.js';
import { benchPostgres, percentile, spawnService, table, waitReady } from './support.js';

const duration = Number(process.env.BENCH_DURATION ?? '20');
const connections = 50;

const FEDERATED = `query Federated { samples(first: 50, filter: { projectCode: "BENCH" }) { edges { node {
  id barcode status location { label unit { name } } sequencingJobs { name status } alerts { kind severity } } } } }`;
const SINGLE = `query Single($id: ID!) { sample(id: $id) { id barcode status volumeUl } }`;

const post = async (url: string, query: string, variables: Record<string, unknown> = {}, position = '0:0') => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-tracseq-consistent-with': position }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
};

/** 200 samples, 20 of them stored, 10 in a job, 10 rejected (alerts). */
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
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let the alert policy and replicas catch up
  return ids[0]!;
};

const load = (url: string, body: string, headers: Record<string, string>, seconds: number) =>
  new Promise<{ rps: number; latencies: number[]; errors: number; non2xx: number }>((resolve, reject) => {
    const latencies: number[] = [];
    const instance = autocannon({ url, connections, duration: seconds, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }, (error, result) => {
      if (error) return reject(error);
      latencies.sort((a, b) => a - b);
      resolve({ rps: result.requests.average, latencies, errors: result.errors + result.timeouts, non2xx: result.non2xx });
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });

const main = async () => {
  const database = await benchPostgres();
  const databaseUrl = await database.createDatabase('bench_gateway');
  // Subgraphs, each gateway and the load generator run as separate processes, as they would deploy.
  const base = { ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'error', SAMPLES_PORT: '4001', STORAGE_PORT: '4002', SEQUENCING_PORT: '4003', NOTIFICATIONS_PORT: '4004' };
  const services: ChildProcess[] = [];
  try {
    services.push(spawnService(['bin/tracseq.ts', 'subgraphs'], base));
    await waitReady(['http://localhost:4001/ready', 'http://localhost:4002/ready', 'http://localhost:4003/ready', 'http://localhost:4004/ready']);
    services.push(spawnService(['bin/tracseq.ts', 'gateway'], { ...base, PORT: '4090' }));
    services.push(spawnService(['bin/tracseq.ts', 'gateway'], { ...base, PORT: '4092', SINGLE_FLIGHT: 'false' }));
    services.push(spawnService(['bench/hive-gateway.ts'], { ...base, PORT: '4091' }));
    await waitReady(['http://localhost:4090/ready', 'http://localhost:4092/ready']);
    const ours = 'http://localhost:4090/graphql';
    const hiveUrl = 'http://127.0.0.1:4091/graphql';
    const sampleId = await seed(ours);
    const identity = signIdentity(loadConfig(base).internalSecret, { tenantId: 'demo', subject: 'bench', roles: ['admin'], requestId: 'bench' });
    const gateways: Array<[string, string, Record<string, string>]> = [
      ['TracSeq (@apollo/gateway)', ours, {}],
      ['Hive Gateway', hiveUrl, { 'x-tracseq-identity': identity }],
      ['TracSeq, SINGLE_FLIGHT=false', 'http://localhost:4092/graphql', {}],
    ];
    const queries: Array<[string, string]> = [
      ['federated: 50 samples + location, jobs, alerts', JSON.stringify({ query: FEDERATED })],
      ['single entity: sample(id)', JSON.stringify({ query: SINGLE, variables: { id: sampleId } })],
    ];
    for (const [name, url, headers] of gateways) {
      for (const [, body] of queries) {
        const answers = [];
        for (let attempt = 0; attempt < 50; attempt++) {
          const check = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then((r) => r.json() as Promise<{ errors?: unknown }>, () => ({ errors: 'not up' }));
          if (!check.errors) break;
          answers.push(check.errors);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        if (answers.length === 50) throw new Error(`${name}: ${JSON.stringify(answers.at(-1))}`);
      }
    }
    const rows: Array<Array<string | number>> = [];
    for (const [label, body] of queries) {
      const results = [];
      for (const [name, url, headers] of gateways) {
        await load(url, body, headers, Math.min(5, duration)); // warm-up, discarded
        const result = await load(url, body, headers, duration);
        results.push(result);
        rows.push([label, name, Math.round(result.rps), ms(percentile(result.latencies, 50)), ms(percentile(result.latencies, 95)), ms(percentile(result.latencies, 99)), result.errors + result.non2xx]);
        console.log(`done: ${label} via ${name}`);
      }
      rows.push([label, '**ours / Hive**', (results[0]!.rps / results[1]!.rps).toFixed(2), '', '', '', '']);
    }
    console.log(`\n${connections} connections, ${duration} s per run, 2 cores; subgraphs, gateway and load generator in separate processes\n`);
    console.log(table(['query', 'gateway', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'errors'], rows));
  } finally {
    for (const service of services) service.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await database.stop();
  }
};

const ms = (value: number) => value.toFixed(1);

await main();
