/**
 * Subscription fan-out: thousands of concurrent alertRaised subscribers over real WebSockets
 * through the gateway (subgraphs and gateway in their own processes), alerts raised at a steady
 * rate. Latency is from the source event's append (the alert's raisedAt) to receipt by the client,
 * so it includes the alert policy, the notifications subgraph, the gateway's federated resolution
 * of `sample { barcode }` and the fan-out. Memory per subscriber is the gateway process's RSS growth
 * from before the subscribers connected to after they all subscribed. Gateway CPU per message is its
 * user + system CPU time from the first alert to the last receipt over the messages delivered: on a
 * shared machine it moves far less than latency does.
 * Subscribers are the development identity, one caller for the rate limit: the run lifts
 * RATE_LIMIT_PER_MINUTE (to 10,000,000) so that every subscribe is admitted; before, most of the
 * 5,000 subscribes were refused RATE_LIMITED and the bench measured only the few that got in.
 * The run fails (exit code 1, after printing the table) on any error message, any socket the
 * gateway closed, or any alert not delivered to every subscriber.
 * A process may hold at most `ulimit -n` sockets (20,000 here, not raisable in the container), so a
 * run with more subscribers than BENCH_MAX_SOCKETS multiplexes: several subscriptions (graphql-ws
 * ids) per WebSocket, each still its own subscriber at the gateway.
 *   npm run bench:subscriptions
 *   BENCH_RUNS       subscribers@alerts-per-second, comma separated (default 1000@2,5000@10,20000@1)
 *   BENCH_SECONDS    seconds of alerts per run (default 10)
 *   BENCH_MAX_SOCKETS WebSockets per run at most (default 10000)
 *   BENCH_CPU_PROF   a directory: the gateway runs with --cpu-prof and writes its profile there on exit
 *   BENCH_PORT_BASE  first of the ports the run listens on: the gateway, then one per subgraph (default 4300)
 *   BENCH_LAYOUT     how the subgraphs run, comma separated for one table row each (default together):
 *                    together  one `subgraphs` process: every subgraph with its projections and policies
 *                    split     as docker-compose.yml deploys them: `subgraph <name>` and
 *                              `projections <name>` each in its own process (fourteen processes:
 *                              on 2 cores slower than together, see docs/performance.md round seven)
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type pg from 'pg';
import { EventStore } from '../event-store/event-store.js';
import { createPool } from '../platform/database.js';
import { SUBGRAPH_NAMES, settingPrefix, type SubgraphName } from '../schema/subgraphs.js';
import { benchPostgres, cpuSeconds, percentile, spawnService, table, waitReady } from './support.js';

const runs = (process.env.BENCH_RUNS ?? '1000@2,5000@10,20000@1').split(',').map((run) => {
  const [count, rate] = run.split('@').map(Number);
  if (!count || !rate) throw new Error(`BENCH_RUNS: "${run}" is not subscribers@alerts-per-second`);
  return { count, rate };
});
const seconds = Number(process.env.BENCH_SECONDS ?? '10');
const maxSockets = Number(process.env.BENCH_MAX_SOCKETS ?? '10000');
const portBase = Number(process.env.BENCH_PORT_BASE ?? '4300');
const layouts = (process.env.BENCH_LAYOUT ?? 'together').split(',').map((layout) => {
  if (layout !== 'together' && layout !== 'split') throw new Error(`BENCH_LAYOUT: "${layout}" is neither together nor split`);
  return layout;
});
type Layout = (typeof layouts)[number];
const SUBSCRIPTION = 'subscription { alertRaised { id kind severity message raisedAt sample { barcode } } }';

const rssKb = (pid: number) => Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)]).toString().trim());

interface Observed {
  latencies: number[];
  /** The first subscriber's receipt time of each alert, by id: the stage breakdown follows one subscriber. */
  receipts: Map<string, number>;
  /** Anything that is not a clean delivery: error messages, unexpected closes, socket errors. */
  failures: string[];
}

/** A bare graphql-transport-ws client: init, `subscriptions` subscribes, record each next's latency. */
const subscriber = (url: string, observed: Observed, subscriptions: number, tracked = false) =>
  new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    let subscribed = false;
    let ending = false;
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('message', (raw) => {
      const text = raw.toString();
      // The load generator shares the 2 cores: read the one field it needs without a full parse.
      const raisedAt = /"raisedAt":"([^"]+)"/.exec(text);
      if (raisedAt && !text.includes('"errors"')) {
        observed.latencies.push(Date.now() - Date.parse(raisedAt[1]!));
        const id = tracked && /"alertRaised":\{"id":"([^"]+)"/.exec(text);
        if (id && !observed.receipts.has(id[1]!)) observed.receipts.set(id[1]!, Date.now());
      } else if (text.includes('"connection_ack"')) {
        for (let id = 1; id <= subscriptions; id++) socket.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query: SUBSCRIPTION } }));
        subscribed = true;
        resolve(socket);
      } else if (!text.includes('"ping"') && !text.includes('"pong"')) {
        observed.failures.push(`unexpected message: ${text.slice(0, 300)}`);
      }
    });
    socket.once('error', reject);
    socket.on('error', (error) => {
      if (!ending) observed.failures.push(`socket error: ${error.message}`);
    });
    socket.on('close', (code, reason) => {
      if (subscribed && !ending) observed.failures.push(`closed by the gateway: ${code} ${reason.toString()}`);
    });
    (socket as WebSocket & { end?: () => void }).end = () => {
      ending = true;
      socket.terminate();
    };
  });

/**
 * Where one subscriber's latency went, split at the two commits on the path (the server records
 * commit times): the source event's append (its occurredAt to its commit), the alert policy (source
 * commit to the AlertRaised commit), delivery (that commit to receipt: the notifications subgraph's
 * live feed, the gateway's `sample { barcode }` fetch and the fan-out). Medians, milliseconds.
 */
const stagesOf = async (pool: pg.Pool, receipts: Map<string, number>) => {
  const { rows } = await pool.query<{ id: string; occurred: string; source_commit: string; alert_commit: string }>(`
    SELECT a.data->>'alertId' AS id,
           extract(epoch FROM s.occurred_at) * 1000 AS occurred,
           extract(epoch FROM pg_xact_commit_timestamp(xid(s.transaction_id))) * 1000 AS source_commit,
           extract(epoch FROM pg_xact_commit_timestamp(xid(a.transaction_id))) * 1000 AS alert_commit
    FROM es.events a JOIN es.events s ON s.event_id = (a.data->>'sourceEventId')::uuid
    WHERE a.event_type = 'AlertRaised'`);
  const median = (values: number[]) => percentile(values.sort((a, b) => a - b), 50);
  const seen = rows.filter((row) => receipts.has(row.id));
  return {
    append: median(seen.map((row) => Number(row.source_commit) - Number(row.occurred))),
    policy: median(seen.map((row) => Number(row.alert_commit) - Number(row.source_commit))),
    delivery: median(seen.map((row) => receipts.get(row.id)! - Number(row.alert_commit))),
  };
};

/** The subgraphs' processes in a layout; split migrates first, so that no two processes race to. */
const startSubgraphs = (layout: Layout, env: NodeJS.ProcessEnv, metricsPort: (i: number) => string): ChildProcess[] => {
  if (layout === 'together') return [spawnService(['bin/tracseq.ts', 'subgraphs'], env, { profile: false })];
  execFileSync(process.execPath, ['--import', 'tsx', 'bin/tracseq.ts', 'migrate'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  return SUBGRAPH_NAMES.flatMap((name, i) => [
    spawnService(['bin/tracseq.ts', 'subgraph', name], env, { profile: false }),
    spawnService(['bin/tracseq.ts', 'projections', name], { ...env, METRICS_PORT: metricsPort(i) }, { profile: false }),
  ]);
};

const run = async (layout: Layout, count: number, rate: number, databaseUrl: string) => {
  // Every subgraph on a port of the run's own range: other processes on the machine keep the defaults.
  const port = (i: number) => String(portBase + i);
  const subgraphPort = (name: SubgraphName) => port(1 + SUBGRAPH_NAMES.indexOf(name));
  const gatewayPort = port(0);
  const env = { ...process.env, NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '10000000', ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${settingPrefix(name)}_PORT`, subgraphPort(name)])) };
  const urls = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${settingPrefix(name)}_URL`, `http://localhost:${subgraphPort(name)}/graphql`]));
  // BENCH_CPU_PROF profiles the gateway: fan-out is what this bench is about.
  const subgraphs = startSubgraphs(layout, { ...env, ...urls }, (i) => port(1 + SUBGRAPH_NAMES.length + i));
  const gatewayEnv = { ...env, ...urls, PORT: gatewayPort };
  const gateway = spawnService(['bin/tracseq.ts', 'gateway'], gatewayEnv);
  const sockets: WebSocket[] = [];
  const pool = createPool(databaseUrl, 5);
  const observed: Observed = { latencies: [], receipts: new Map(), failures: [] };
  try {
    await waitReady([...SUBGRAPH_NAMES.map((name) => `http://localhost:${subgraphPort(name)}/ready`), ...(layout === 'split' ? SUBGRAPH_NAMES.map((_, i) => `http://localhost:${port(1 + SUBGRAPH_NAMES.length + i)}/ready`) : []), `http://localhost:${gatewayPort}/ready`]);
    const store = new EventStore(pool);
    const meta = () => ({ tenantId: 'demo', actor: 'bench', correlationId: randomUUID(), occurredAt: new Date().toISOString() });
    // Samples to reject, registered first so the alert's `sample { barcode }` resolves.
    const ids = Array.from({ length: rate * seconds }, () => randomUUID());
    for (const [i, id] of ids.entries()) {
      await store.append(`Sample-${id}`, 0, [{ type: 'SampleRegistered', data: { sampleId: id, barcode: `SUB-BENCH-${count}-${i}`, sampleType: 'DNA', volumeUl: null, concentrationNgUl: null, submitter: null, projectCode: null, metadata: null, parentId: null } }], meta());
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssBefore = rssKb(gateway.pid!);
    const perSocket = Math.ceil(count / maxSockets);
    if (count % perSocket !== 0) throw new Error(`${count} subscribers do not split evenly into ${perSocket} per socket`);
    const socketCount = count / perSocket;
    for (let i = 0; i < socketCount; i += 250) sockets.push(...(await Promise.all(Array.from({ length: Math.min(250, socketCount - i) }, (_, j) => subscriber(`ws://localhost:${gatewayPort}/graphql`, observed, perSocket, i + j === 0)))));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const rssAfter = rssKb(gateway.pid!);
    const cpuBefore = cpuSeconds(gateway.pid!);
    const started = Date.now();
    for (const [i, id] of ids.entries()) {
      const due = started + (i * 1000) / rate;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
      await store.append(`Sample-${id}`, 1, [{ type: 'SampleRejected', data: { sampleId: id, from: 'PENDING', to: 'REJECTED', reason: 'bench' } }], meta());
    }
    const expected = ids.length * count;
    const deadline = Date.now() + 60_000;
    while (observed.latencies.length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const gatewayCpu = cpuSeconds(gateway.pid!) - cpuBefore;
    const latencies = [...observed.latencies].sort((a, b) => a - b);
    if (latencies.length !== expected) observed.failures.push(`${count}@${rate}/s: delivered ${latencies.length} of ${expected} messages`);
    const stages = await stagesOf(pool, observed.receipts);
    return { count, sockets: socketCount, delivered: latencies.length, expected, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), kbPerSubscriber: (rssAfter - rssBefore) / count, cpuUsPerMessage: (gatewayCpu * 1e6) / Math.max(1, latencies.length), stages, failures: observed.failures };
  } finally {
    for (const socket of sockets) (socket as WebSocket & { end: () => void }).end();
    await pool.end();
    gateway.kill('SIGTERM');
    for (const child of subgraphs) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
};

const main = async () => {
  const limit = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim());
  if (Number.isFinite(limit) && limit < Math.min(maxSockets, Math.max(...runs.map((r) => r.count))) + 1000) throw new Error(`open-file limit ${limit} is too low: lower BENCH_MAX_SOCKETS`);
  const database = await benchPostgres({ commitTimestamps: true });
  const failures: string[] = [];
  try {
    const rows = [];
    const stageRows = [];
    // The layout column only when the run compares layouts: the README's tables are the default's.
    const compared = layouts.length > 1 || layouts[0] !== 'together';
    const labelled = (layout: Layout, cells: Array<string | number>) => (compared ? [layout, ...cells] : cells);
    const headers = (cells: string[]) => (compared ? ['layout', ...cells] : cells);
    for (const { count, rate } of runs) for (const layout of layouts) {
      const result = await run(layout, count, rate, await database.createDatabase(`bench_subs_${count}_${rate}_${layout}`));
      rows.push(labelled(layout, [count.toLocaleString('en'), result.sockets.toLocaleString('en'), rate, `${(rate * count).toLocaleString('en')}`, `${result.delivered.toLocaleString('en')} / ${result.expected.toLocaleString('en')}`, result.p50, result.p95, result.p99, result.kbPerSubscriber.toFixed(1), result.cpuUsPerMessage.toFixed(1)]));
      stageRows.push(labelled(layout, [count.toLocaleString('en'), rate, result.stages.append.toFixed(1), result.stages.policy.toFixed(1), result.stages.delivery.toFixed(1)]));
      failures.push(...new Set(result.failures));
      console.log(`done: ${count} subscribers at ${rate}/s, ${layout}`);
    }
    console.log(`\nalertRaised { … sample { barcode } }, ${seconds} s per run, at most ${maxSockets.toLocaleString('en')} WebSockets (more subscribers share them), load generator on the same 2 cores\n`);
    console.log(table(headers(['subscribers', 'WebSockets', 'alerts/s', 'messages/s', 'delivered', 'p50 ms', 'p95 ms', 'p99 ms', 'gateway KiB / subscriber', 'gateway CPU µs / message']), rows));
    console.log('\nOne subscriber\'s latency by stage (medians, ms; split at the commits, which PostgreSQL timestamps)\n');
    console.log(table(headers(['subscribers', 'alerts/s', 'append: occurredAt → commit', 'alert policy: commit → AlertRaised commit', 'delivery: AlertRaised commit → receipt']), stageRows));
  } finally {
    await database.stop();
  }
  if (failures.length > 0) {
    console.error(`\nFAILED: ${failures.length} distinct problem(s)\n${failures.slice(0, 20).join('\n')}`);
    process.exitCode = 1;
  }
};

await main();
