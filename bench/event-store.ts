/**
 * Append throughput and latency: TracSeq's event store beside Emmett's PostgreSQL event store,
 * the same events into the same embedded PostgreSQL server (separate databases), in one run.
 *   npm run bench:event-store           BENCH_SCALE=0.25 for a quick look
 */
import { randomUUID } from 'node:crypto';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { EventStore } from '../event-store/event-store.js';
import { eventStoreMigrations } from '../event-store/schema.js';
import { createPool } from '../platform/database.js';
import { runMigrations } from '../event-store/migrations.js';
import { benchPostgres, measure, percentile, table, type Measured } from './support.js';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const n = (count: number) => Math.max(1, Math.round(count * scale));

interface Scenario {
  name: string;
  writers: number;
  perWriter: number;
  eventsPerCall: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'single-event appends, 1 writer', writers: 1, perWriter: n(2000), eventsPerCall: 1 },
  { name: 'single-event appends, 8 writers', writers: 8, perWriter: n(1000), eventsPerCall: 1 },
  { name: 'single-event appends, 32 writers', writers: 32, perWriter: n(500), eventsPerCall: 1 },
  { name: '100-event batches, 1 writer', writers: 1, perWriter: n(200), eventsPerCall: 100 },
];

const payload = (i: number) => ({ sampleId: randomUUID(), barcode: `BENCH-${i}`, sampleType: 'DNA', volumeUl: 120.5, projectCode: 'BENCH' });

const ours = async (url: string) => {
  const pool = createPool(url, 40);
  await runMigrations(pool, [eventStoreMigrations]);
  const store = new EventStore(pool);
  return {
    append: (stream: string, version: number, count: number) =>
      store.append(stream, version, Array.from({ length: count }, (_, i) => ({ type: 'SampleRegistered', data: payload(i) })), {
        correlationId: randomUUID(),
        tenantId: 'bench',
        actor: 'bench',
        occurredAt: new Date().toISOString(),
      }),
    close: () => pool.end(),
  };
};

const emmett = async (url: string) => {
  const store = getPostgreSQLEventStore(url);
  await store.schema.migrate();
  return {
    append: (stream: string, version: number, count: number) =>
      store.appendToStream(stream, Array.from({ length: count }, (_, i) => ({ type: 'SampleRegistered', data: payload(i), metadata: { tenantId: 'bench', actor: 'bench' } })), {
        expectedStreamVersion: version === 0 ? STREAM_DOES_NOT_EXIST : BigInt(version),
      }),
    close: () => store.close(),
  };
};

interface Store {
  append(stream: string, version: number, count: number): Promise<unknown>;
  close(): Promise<void>;
}

const run = async (store: Store, scenario: Scenario, label: string): Promise<Measured> => {
  const streams = Array.from({ length: scenario.writers }, (_, w) => `Sample-${label}-${w}-${randomUUID()}`);
  // Each writer appends to its own stream with the expected version, as a command handler would.
  return measure(scenario.writers, scenario.perWriter, scenario.eventsPerCall, (w, i) =>
    store.append(streams[w]!, i * scenario.eventsPerCall, scenario.eventsPerCall),
  );
};

const main = async () => {
  const server = await benchPostgres();
  try {
    const rows: Array<Array<string | number>> = [];
    for (const scenario of SCENARIOS) {
      // Fresh databases per scenario, and alternate who goes first, so neither benefits from a warm table.
      const results: Record<string, Measured> = {};
      const order = rows.length % 2 === 0 ? ['tracseq', 'emmett'] : ['emmett', 'tracseq'];
      for (const who of order) {
        const url = await server.createDatabase(`bench_${who}`);
        const store = who === 'tracseq' ? await ours(url) : await emmett(url);
        await run(store, { ...scenario, perWriter: Math.max(1, Math.round(scenario.perWriter / 10)) }, `warm-${who}`);
        results[who] = await run(store, scenario, who);
        await store.close();
      }
      const rate = (m: Measured) => Math.round(m.events / m.seconds);
      const t = results.tracseq!;
      const e = results.emmett!;
      rows.push([
        scenario.name,
        rate(t).toLocaleString('en'),
        `${percentile(t.latencies, 50).toFixed(2)} / ${percentile(t.latencies, 95).toFixed(2)}`,
        rate(e).toLocaleString('en'),
        `${percentile(e.latencies, 50).toFixed(2)} / ${percentile(e.latencies, 95).toFixed(2)}`,
        (rate(t) / rate(e)).toFixed(2),
      ]);
      console.log(`done: ${scenario.name}`);
    }
    console.log(`\n${table(['scenario', 'TracSeq events/s', 'TracSeq p50 / p95 ms', 'Emmett events/s', 'Emmett p50 / p95 ms', 'ratio'], rows)}\n`);
  } finally {
    await server.stop();
  }
};

await main();
