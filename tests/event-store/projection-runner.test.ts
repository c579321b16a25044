import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { PgListener } from '../../event-store/bus/pg-listener.js';
import type { EventStore } from '../../event-store/event-store.js';
import { ProjectionRunner, type ProjectionRunnerOptions } from '../../event-store/projection-runner.js';
import type { Projection } from '../../event-store/projection.js';
import { listDeadLetters, rebuildProjection, replayDeadLetters } from '../../event-store/maintenance.js';
import { createKysely } from '../../platform/database.js';
import { meta, openEventStore } from '../support/event-store.js';
import { waitUntil } from '../support/wait.js';

let pool: pg.Pool;
let store: EventStore;
let db: Kysely<any>;
let listener: PgListener;

beforeAll(async () => {
  let url: string;
  ({ pool, store, url } = await openEventStore());
  db = createKysely(pool);
  listener = new PgListener(url);
  await pool.query('CREATE TABLE applied (projection text, event_id uuid, stream_id text, version int)');
});
afterAll(async () => {
  await listener.close();
  await pool.end();
});

/**
 * Logs every application without a unique key, so a duplicate would show as a second row. Each
 * projection handles only its own event type, since every one reads the whole shared log.
 */
const loggingProjection = (name: string, options: { poison?: boolean } = {}): Projection => ({
  name,
  handles: new Set([`Tick-${name}`]),
  async apply(trx, event) {
    if (options.poison && (event.data as { poison?: boolean }).poison) throw new Error('cannot digest this event');
    await sql`INSERT INTO applied VALUES (${name}, ${event.eventId}, ${event.streamId}, ${event.streamVersion})`.execute(trx);
  },
});

const applied = async (name: string) => {
  const { rows } = await pool.query('SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM applied WHERE projection = $1', [name]);
  return rows[0] as { total: number; distinct: number };
};

const tick = (name: string, data: Record<string, unknown> = {}) => ({ type: `Tick-${name}`, data });

const appendTicks = async (name: string, streams: number, perStream: number, prefix: string) =>
  Promise.all(
    Array.from({ length: streams }, async (_, s) => {
      for (let i = 0; i < perStream; i++) await store.append(`${prefix}-${s}`, i, [tick(name, { i })], meta());
    }),
  );

const runner = (projection: Projection, options: ProjectionRunnerOptions = {}) => new ProjectionRunner(db, store, listener, projection, options);

describe('projection runner (postgres bus)', () => {
  it('is woken by NOTIFY, not by polling', async () => {
    const r = runner(loggingProjection('woken'), { idlePollMs: 60_000 });
    await r.start();
    await waitUntil(() => r.active, 5000, 'runner active');
    await store.append('Wake-1', 0, [tick('woken')], meta());
    await waitUntil(async () => (await applied('woken')).total === 1, 3000, 'event applied without a poll');
    await r.stop();
  });

  it('resumes after a stop and after a killed connection, losing and repeating nothing', async () => {
    const name = 'restartable';
    await appendTicks(name, 10, 60, 'R');
    const first = runner(loggingProjection(name), { batchSize: 25 });
    await first.start();
    await waitUntil(async () => (await applied(name)).total >= 100, 10_000, 'first runner progress');
    await first.stop();
    const midway = await applied(name);
    expect(midway.total).toBeLessThan(600);

    const second = runner(loggingProjection(name), { batchSize: 25 });
    await second.start();
    await waitUntil(async () => (await applied(name)).total >= 300, 10_000, 'second runner progress');
    // A crash mid-batch: the server ends the runner's session; its open transaction rolls back.
    const killed = await pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE pid <> pg_backend_pid() AND datname = current_database() AND backend_type = 'client backend' AND query NOT ILIKE 'LISTEN%'`,
    );
    expect(killed.rowCount).toBeGreaterThan(0);
    await appendTicks(name, 4, 25, 'R2');
    await waitUntil(async () => (await applied(name)).total >= 700, 15_000, 'all events applied');
    await second.stop();
    expect(await applied(name)).toEqual({ total: 700, distinct: 700 });
    const order = await pool.query(`SELECT stream_id, array_agg(version ORDER BY ctid) AS versions FROM applied WHERE projection = $1 GROUP BY stream_id`, [name]);
    for (const row of order.rows) expect(row.versions).toEqual([...row.versions].sort((a: number, b: number) => a - b));
  });

  it('runs one active instance per projection; a standby takes over when it stops', async () => {
    const name = 'single-leader';
    const a = runner(loggingProjection(name));
    const b = runner(loggingProjection(name));
    await a.start();
    await waitUntil(() => a.active, 5000, 'a active');
    await b.start();
    await appendTicks(name, 3, 20, 'L');
    await waitUntil(async () => (await applied(name)).total >= 60, 10_000, 'leader applied');
    expect([a.active, b.active]).toEqual([true, false]);
    await a.stop();
    await waitUntil(() => b.active, 5000, 'standby takes over');
    await appendTicks(name, 3, 5, 'L2');
    await waitUntil(async () => (await applied(name)).total >= 75, 10_000, 'standby applied');
    await b.stop();
    expect(await applied(name)).toMatchObject({ total: 75, distinct: 75 });
  });

  it('dead-letters a poison event after its retries and carries on', async () => {
    const name = 'poisoned';
    const r = runner(loggingProjection(name, { poison: true }), { maxAttempts: 2 });
    onTestFinished(() => r.stop());
    await r.start();
    await store.append('P-1', 0, [tick(name)], meta());
    await store.append('P-2', 0, [tick(name, { poison: true })], meta());
    await store.append('P-3', 0, [tick(name)], meta());
    await waitUntil(async () => (await applied(name)).total === 2, 10_000, 'healthy events applied');
    const dead = await pool.query('SELECT error, event_id FROM es.dead_letters WHERE consumer = $1', [name]);
    expect(dead.rows).toHaveLength(1);
    expect(dead.rows[0].error).toContain('cannot digest');
    await r.stop();
  });

  it('rebuilds a read model while its runner is running: emptied, replayed, each event once', async () => {
    const name = 'rebuildable';
    const projection: Projection = { ...loggingProjection(name), reset: async (trx) => void (await sql`DELETE FROM applied WHERE projection = ${name}`.execute(trx)) };
    const r = runner(projection, { batchSize: 20 });
    await r.start();
    await appendTicks(name, 5, 40, 'RB');
    await waitUntil(async () => (await applied(name)).total >= 60, 10_000, 'partly applied');
    await rebuildProjection(db, projection);
    await waitUntil(async () => (await applied(name)).total === 200, 10_000, 'replayed after the rebuild');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await applied(name)).toEqual({ total: 200, distinct: 200 });
    await r.stop();
  });

  it('replays dead letters once the cause is fixed', async () => {
    const name = 'fixable';
    let broken = true;
    const projection: Projection = {
      ...loggingProjection(name),
      async apply(trx, event) {
        if (broken && (event.data as { poison?: boolean }).poison) throw new Error('bug in the projection');
        await sql`INSERT INTO applied VALUES (${name}, ${event.eventId}, ${event.streamId}, ${event.streamVersion})`.execute(trx);
      },
    };
    const r = runner(projection, { maxAttempts: 1 });
    onTestFinished(() => r.stop());
    await r.start();
    await store.append('F-1', 0, [tick(name, { poison: true })], meta());
    await store.append('F-2', 0, [tick(name)], meta());
    await waitUntil(async () => (await applied(name)).total === 1, 10_000, 'healthy event applied');
    expect((await listDeadLetters(db)).filter((l) => l.consumer === name)).toHaveLength(1);
    broken = false;
    expect(await replayDeadLetters(db, store, projection)).toEqual({ replayed: 1, failed: 0 });
    expect(await applied(name)).toEqual({ total: 2, distinct: 2 });
    expect((await listDeadLetters(db)).filter((l) => l.consumer === name)).toHaveLength(0);
  });
});
