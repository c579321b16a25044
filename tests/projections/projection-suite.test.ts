import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { ConsistencyWaiter } from '../../event-store/consistency.js';
import { PgListener } from '../../event-store/bus/pg-listener.js';
import type { EventStore } from '../../event-store/event-store.js';
import { listDeadLetters } from '../../event-store/maintenance.js';
import { compareCheckpoints, parsePosition } from '../../event-store/position.js';
import { ProjectionRunner } from '../../event-store/projection-runner.js';
import type { Projection } from '../../event-store/projection.js';
import { createKysely } from '../../platform/database.js';
import { BUSES, type Bus } from '../support/buses.js';
import { meta, openEventStore } from '../support/event-store.js';
import { waitUntil } from '../support/wait.js';

/**
 * The projection and policy suite, run once per event bus: the same projection code fed by the
 * postgres log directly, or by the Kafka relay and consumer groups (librdkafka's mock cluster).
 */
let pool: pg.Pool;
let store: EventStore;
let db: Kysely<any>;
let listener: PgListener;

beforeAll(async () => {
  let url: string;
  ({ pool, store, url } = await openEventStore());
  db = createKysely(pool);
  listener = new PgListener(url);
  await pool.query('CREATE TABLE applied (projection text, event_id uuid, stream_id text, version int, seq bigserial)');
});
afterAll(async () => {
  await listener.close();
  await pool.end();
});

/**
 * Logs every application without a unique key, so a duplicate would show as a second row. Each
 * projection handles only its own event type, since every one reads the whole shared log.
 */
const logging = (name: string, options: { poison?: () => boolean } = {}): Projection => ({
  name,
  handles: new Set([`Tick-${name}`]),
  async apply(trx, event) {
    if ((event.data as { poison?: boolean }).poison && (options.poison?.() ?? true)) throw new Error('cannot digest this event');
    await sql`INSERT INTO applied (projection, event_id, stream_id, version) VALUES (${name}, ${event.eventId}, ${event.streamId}, ${event.streamVersion})`.execute(trx);
  },
  reset: async (trx) => void (await sql`DELETE FROM applied WHERE projection = ${name}`.execute(trx)),
});

/**
 * A policy as the subgraphs write them: it issues a command of its own (an append outside the
 * projection's transaction) keyed by the source event, so a redelivered event changes nothing.
 */
const echoPolicy = (name: string): Projection => ({
  name,
  handles: new Set([`Tick-${name}`]),
  async apply(_trx, event) {
    await store.append(`Echo-${event.streamId}`, null, [{ type: `Echo-${name}`, data: { of: event.eventId } }], { ...meta(event.tenantId), causationId: event.eventId }, { scope: name, key: event.eventId });
  },
});

const tick = (name: string, data: Record<string, unknown> = {}) => ({ type: `Tick-${name}`, data });
const applied = async (name: string) =>
  (await pool.query('SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM applied WHERE projection = $1', [name])).rows[0] as { total: number; distinct: number };
const appendTicks = (name: string, streams: number, perStream: number, prefix: string) =>
  Promise.all(Array.from({ length: streams }, async (_, s) => {
    for (let i = 0; i < perStream; i++) await store.append(`${prefix}-${s}`, i, [tick(name, { i })], meta());
  }));
const inStreamOrder = async (name: string) => {
  const { rows } = await pool.query(`SELECT array_agg(version ORDER BY seq) AS versions FROM applied WHERE projection = $1 GROUP BY stream_id`, [name]);
  return rows.every((row) => row.versions.every((v: number, i: number) => i === 0 || v > row.versions[i - 1]));
};
/** A crash of the consumer's database work: the server ends its sessions, open transactions roll back. */
const killConsumerSessions = async () =>
  (await pool.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE pid <> pg_backend_pid() AND datname = current_database() AND backend_type = 'client backend' AND query NOT ILIKE 'LISTEN%'`,
  )).rowCount;
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

describe.each(BUSES)('projections and policies over the $name bus', (definition) => {
  let bus: Bus;
  const named = (label: string) => `${label}-${definition.name}`;
  beforeAll(async () => {
    if (definition.available) bus = await definition.open({ db, store, listener });
  }, 120_000);
  afterAll(async () => bus?.close());

  describe.skipIf(!definition.available)(definition.name, () => {
    it('applies an event appended after it started, woken by the bus rather than a poll', async () => {
      const name = named('woken');
      const running = await bus.start(logging(name));
      onTestFinished(() => running.stop());
      await settle();
      await store.append(`W-${definition.name}`, 0, [tick(name)], meta());
      await waitUntil(async () => (await applied(name)).total === 1, 10_000, 'event applied');
    });

    it('applies every event exactly once, in stream order, across a stop and a crash', async () => {
      const name = named('restartable');
      await appendTicks(name, 10, 60, `R-${definition.name}`);
      const first = await bus.start(logging(name));
      await waitUntil(async () => (await applied(name)).total >= 100, 30_000, 'first run progress');
      await first.stop();
      expect((await applied(name)).total).toBeLessThan(600);

      const second = await bus.start(logging(name));
      onTestFinished(() => second.stop());
      await waitUntil(async () => (await applied(name)).total >= 300, 30_000, 'second run progress');
      expect(await killConsumerSessions()).toBeGreaterThan(0);
      await appendTicks(name, 4, 25, `R2-${definition.name}`);
      await waitUntil(async () => (await applied(name)).total >= 700, 60_000, 'all events applied');
      await settle();
      expect(await applied(name)).toEqual({ total: 700, distinct: 700 });
      expect(await inStreamOrder(name)).toBe(true);
    }, 120_000);

    it('shares one projection between two instances: each event once, and the survivor carries on', async () => {
      const name = named('two-instances');
      const one = await bus.start(logging(name));
      const two = await bus.start(logging(name));
      onTestFinished(() => two.stop());
      await appendTicks(name, 6, 20, `TI-${definition.name}`);
      await waitUntil(async () => (await applied(name)).total >= 120, 30_000, 'both instances applied');
      await one.stop();
      await appendTicks(name, 6, 10, `TI2-${definition.name}`);
      await waitUntil(async () => (await applied(name)).total >= 180, 60_000, 'the survivor applied the rest');
      await settle();
      expect(await applied(name)).toEqual({ total: 180, distinct: 180 });
      expect(await inStreamOrder(name)).toBe(true);
    }, 120_000);

    it('runs a policy\'s command once per source event, even when a crash delivers events again', async () => {
      const name = named('echo');
      const running = await bus.start(echoPolicy(name));
      onTestFinished(() => running.stop());
      const echoes = async () => (await pool.query(`SELECT count(*)::int AS total, count(DISTINCT data->>'of')::int AS sources FROM es.events WHERE event_type = $1`, [`Echo-${name}`])).rows[0];
      const appending = appendTicks(name, 5, 40, `E-${definition.name}`);
      await waitUntil(async () => (await echoes()).total >= 20, 30_000, 'policy progress');
      await killConsumerSessions();
      await appending;
      await waitUntil(async () => (await echoes()).sources >= 200, 60_000, 'every source event echoed');
      await settle();
      expect(await echoes()).toEqual({ total: 200, sources: 200 });
    }, 120_000);

    it('dead-letters a poison event after its retries, lists it, and carries on', async () => {
      const name = named('poisoned');
      const running = await bus.start(logging(name));
      onTestFinished(() => running.stop());
      await store.append(`P-${definition.name}-1`, 0, [tick(name)], meta());
      await store.append(`P-${definition.name}-2`, 0, [tick(name, { poison: true })], meta());
      await store.append(`P-${definition.name}-3`, 0, [tick(name)], meta());
      await waitUntil(async () => (await applied(name)).total === 2, 30_000, 'healthy events applied');
      await waitUntil(async () => (await listDeadLetters(db)).some((l) => l.consumer === name), 30_000, 'poison dead-lettered');
      const letters = (await listDeadLetters(db)).filter((l) => l.consumer === name);
      expect(letters).toHaveLength(1);
      expect(letters[0]!.error).toContain('cannot digest');
    }, 60_000);

    it('replays a dead letter once the cause is fixed, once only, though its stream moved on', async () => {
      const name = named('fixable');
      let broken = true;
      const projection = logging(name, { poison: () => broken });
      const running = await bus.start(projection, { maxAttempts: 1 });
      onTestFinished(() => running.stop());
      const stream = `F-${definition.name}`;
      await store.append(stream, 0, [tick(name, { poison: true })], meta());
      await store.append(stream, 1, [tick(name)], meta());
      await waitUntil(async () => (await applied(name)).total === 1, 30_000, 'the later event applied');
      await waitUntil(async () => (await listDeadLetters(db)).some((l) => l.consumer === name), 30_000, 'poison dead-lettered');
      broken = false;
      expect(await bus.replayDeadLetters(projection)).toMatchObject({ replayed: 1 });
      expect(await applied(name)).toEqual({ total: 2, distinct: 2 });
      expect((await listDeadLetters(db)).filter((l) => l.consumer === name)).toHaveLength(0);
      expect(await bus.replayDeadLetters(projection)).toMatchObject({ replayed: 0 });
      expect(await applied(name)).toEqual({ total: 2, distinct: 2 });
    }, 60_000);

    it('rebuilds a read model while it runs: emptied, replayed, each event once', async () => {
      const name = named('rebuildable');
      const projection = logging(name);
      const running = await bus.start(projection);
      onTestFinished(() => running.stop());
      const appending = appendTicks(name, 5, 40, `RB-${definition.name}`);
      await waitUntil(async () => (await applied(name)).total >= 60, 30_000, 'partly applied');
      await bus.rebuild(projection);
      await appending;
      await waitUntil(async () => (await applied(name)).total >= 200, 30_000, 'complete after the rebuild');
      await settle();
      expect(await applied(name)).toEqual({ total: 200, distinct: 200 });
    }, 60_000);

    it('read-your-writes: a position counts as reached only once every event up to it is applied', async () => {
      const name = named('consistent');
      const running = await bus.start(logging(name));
      onTestFinished(() => running.stop());
      const waiter = new ConsistencyWaiter(pool, listener, [name]);
      await waiter.start();
      onTestFinished(() => waiter.stop());
      // Many streams, so under Kafka the events spread over partitions that are read in any interleaving.
      for (let round = 0; round < 5; round++) {
        const written = await Promise.all(Array.from({ length: 12 }, (_, s) => store.append(`C-${definition.name}-${round}-${s}`, 0, [tick(name)], meta())));
        const last = written.map((w) => w.position).sort((a, b) => compareCheckpoints(parsePosition(a), parsePosition(b))).at(-1)!;
        expect(await waiter.waitFor(last, 30_000)).toBe(true);
        expect((await applied(name)).total).toBe(12 * (round + 1));
      }
    }, 120_000);
  });
});

// What only the postgres bus promises: one active runner per projection across processes (Kafka
// spreads partitions over a group's members instead, covered above).
describe('the postgres runner', () => {
  it('runs one active instance per projection; a standby takes over when it stops', async () => {
    const name = 'single-leader';
    const a = new ProjectionRunner(db, store, listener, logging(name));
    const b = new ProjectionRunner(db, store, listener, logging(name));
    await a.start();
    await waitUntil(() => a.active, 5000, 'a active');
    await b.start();
    onTestFinished(() => b.stop());
    await appendTicks(name, 3, 20, 'L');
    await waitUntil(async () => (await applied(name)).total >= 60, 10_000, 'leader applied');
    expect([a.active, b.active]).toEqual([true, false]);
    await a.stop();
    await waitUntil(() => b.active, 5000, 'standby takes over');
    await appendTicks(name, 3, 5, 'L2');
    await waitUntil(async () => (await applied(name)).total >= 75, 10_000, 'standby applied');
    expect(await applied(name)).toMatchObject({ total: 75, distinct: 75 });
  });
});
