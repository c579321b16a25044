/**
 * Subscription fan-out: 1,000 and 5,000 concurrent alertRaised subscribers over real WebSockets
 * through the gateway (subgraphs and gateway in their own processes), alerts raised at a steady
 * rate. Latency is from the source event's append (the alert's raisedAt) to receipt by the client,
 * so it includes the alert policy, the notifications subgraph, the gateway's federated resolution
 * of `sample { barcode }` and the fan-out. Memory per subscriber is the gateway process's RSS growth.
 *   npm run bench:subscriptions      BENCH_EVENTS_PER_S, BENCH_SECONDS (defaults 10, 10)
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { EventStore } from '../event-store/event-store.js';
import { createPool } from '../platform/database.js';
import { benchPostgres, percentile, spawnService, table, waitReady } from './support.js';

const rates = (process.env.BENCH_EVENTS_PER_S ?? '2,10').split(',').map(Number);
const seconds = Number(process.env.BENCH_SECONDS ?? '10');
const SUBSCRIPTION = 'subscription { alertRaised { id kind severity message raisedAt sample { barcode } } }';

const rssKb = (pid: number) => Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)]).toString().trim());

/** A bare graphql-transport-ws subscriber: init, subscribe, record each next's latency. */
const subscriber = (url: string, latencies: number[]) =>
  new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('message', (raw) => {
      const text = raw.toString();
      // The load generator shares the 2 cores: read the one field it needs without a full parse.
      const raisedAt = /"raisedAt":"([^"]+)"/.exec(text);
      if (raisedAt) {
        latencies.push(Date.now() - Date.parse(raisedAt[1]!));
      } else if (text.includes('"connection_ack"')) {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION } }));
        resolve(socket);
      }
    });
    socket.once('error', reject);
    socket.on('error', () => undefined); // after the run, terminate() may race a last frame
  });

const run = async (count: number, rate: number, databaseUrl: string) => {
  const env = { ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'error', SAMPLES_PORT: '4301', STORAGE_PORT: '4302', SEQUENCING_PORT: '4303', NOTIFICATIONS_PORT: '4304', SAGAS_PORT: '4305' };
  const urls = { SAMPLES_URL: 'http://localhost:4301/graphql', STORAGE_URL: 'http://localhost:4302/graphql', SEQUENCING_URL: 'http://localhost:4303/graphql', NOTIFICATIONS_URL: 'http://localhost:4304/graphql', SAGAS_URL: 'http://localhost:4305/graphql' };
  const subgraphs = spawnService(['bin/tracseq.ts', 'subgraphs'], env);
  const gateway = spawnService(['bin/tracseq.ts', 'gateway'], { ...env, ...urls, PORT: '4390' });
  const sockets: WebSocket[] = [];
  const pool = createPool(databaseUrl, 5);
  try {
    await waitReady(['http://localhost:4304/ready', 'http://localhost:4390/ready']);
    const store = new EventStore(pool);
    const meta = () => ({ tenantId: 'demo', actor: 'bench', correlationId: randomUUID(), occurredAt: new Date().toISOString() });
    // Samples to reject, registered first so the alert's `sample { barcode }` resolves.
    const ids = Array.from({ length: rate * seconds }, () => randomUUID());
    for (const [i, id] of ids.entries()) {
      await store.append(`Sample-${id}`, 0, [{ type: 'SampleRegistered', data: { sampleId: id, barcode: `SUB-BENCH-${count}-${i}`, sampleType: 'DNA', volumeUl: null, concentrationNgUl: null, submitter: null, projectCode: null, metadata: null, parentId: null } }], meta());
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssBefore = rssKb(gateway.pid!);
    const latencies: number[] = [];
    for (let i = 0; i < count; i += 250) sockets.push(...(await Promise.all(Array.from({ length: Math.min(250, count - i) }, () => subscriber('ws://localhost:4390/graphql', latencies)))));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const rssAfter = rssKb(gateway.pid!);
    const started = Date.now();
    for (const [i, id] of ids.entries()) {
      const due = started + (i * 1000) / rate;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
      await store.append(`Sample-${id}`, 1, [{ type: 'SampleRejected', data: { sampleId: id, from: 'PENDING', to: 'REJECTED', reason: 'bench' } }], meta());
    }
    const expected = ids.length * count;
    const deadline = Date.now() + 60_000;
    while (latencies.length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    latencies.sort((a, b) => a - b);
    return { count, delivered: latencies.length, expected, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), kbPerSubscriber: (rssAfter - rssBefore) / count };
  } finally {
    for (const socket of sockets) socket.terminate();
    await pool.end();
    gateway.kill('SIGTERM');
    subgraphs.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
};

const main = async () => {
  const database = await benchPostgres();
  try {
    const rows = [];
    for (const rate of rates) {
      for (const count of [1000, 5000]) {
        const result = await run(count, rate, await database.createDatabase(`bench_subs_${count}_${rate}`));
        rows.push([count.toLocaleString('en'), rate, `${(rate * count).toLocaleString('en')}`, `${result.delivered.toLocaleString('en')} / ${result.expected.toLocaleString('en')}`, result.p50, result.p95, result.p99, result.kbPerSubscriber.toFixed(1)]);
        console.log(`done: ${count} subscribers at ${rate}/s`);
      }
    }
    console.log(`\nalertRaised { … sample { barcode } }, ${seconds} s per run, one WebSocket per subscriber, load generator on the same 2 cores\n`);
    console.log(table(['subscribers', 'alerts/s', 'messages/s', 'delivered', 'p50 ms', 'p95 ms', 'p99 ms', 'gateway KiB / subscriber'], rows));
  } finally {
    await database.stop();
  }
};

await main();
