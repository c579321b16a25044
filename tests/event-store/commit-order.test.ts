import { it, expect } from 'vitest';
import { sql } from 'kysely';
import { PgListener } from '../../event-store/bus/pg-listener.js';
import { ProjectionRunner } from '../../event-store/projection-runner.js';
import { createKysely } from '../../platform/database.js';
import { meta, openEventStore } from '../support/event-store.js';
import { waitUntil } from '../support/wait.js';

// Regression: the log was once ordered by the text form of transaction ids ('1000' < '999'), so a
// projection re-read and skipped events as ids crossed a power of ten under concurrent appends.
it('applies 3,000 concurrently appended events exactly once, across transaction ids of any width', async () => {
  const { pool, store, url } = await openEventStore();
  await pool.query('CREATE TABLE seen (event_id uuid PRIMARY KEY)');
  const db = createKysely(pool);
  const listener = new PgListener(url);
  const runner = new ProjectionRunner(db, store, listener, {
    name: 'every-event-once',
    handles: new Set(['Counted']),
    apply: async (trx, event) => void (await sql`INSERT INTO seen VALUES (${event.eventId})`.execute(trx)),
  });
  await runner.start();
  await Promise.all(Array.from({ length: 8 }, async (_, w) => {
    for (let i = 0; i < 375; i++) await store.append(`Load-${w}`, i, [{ type: 'Counted', data: {} }], meta());
  }));
  await waitUntil(async () => (await pool.query('SELECT count(*)::int AS n FROM seen')).rows[0].n === 3000, 30_000, 'every event applied');
  expect((await pool.query('SELECT count(*)::int AS n FROM es.dead_letters')).rows[0].n).toBe(0);
  await runner.stop();
  await listener.close();
  await pool.end();
}, 60_000);
