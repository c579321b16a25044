import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { PgListener } from '../../event-store/bus/pg-listener.js';
import { EventStore } from '../../event-store/event-store.js';
import type { EventConsumer } from '../../event-store/projection.js';
import { createKysely, createPool } from '../../platform/database.js';
import { meta, openEventStore } from './event-store.js';
import { waitUntil } from './wait.js';

export interface ProjectionFixtures {
  pool: pg.Pool;
  store: EventStore;
  db: Kysely<any>;
  listener: PgListener;
  /** application_name of the test's own pool (writes and observations), which a simulated crash spares. */
  sparedName: string;
  /**
   * The test's own pool: a simulated crash terminates every other session, the idle ones of `pool`
   * included, and a test's observation must not fail on a connection the crash just closed.
   */
  spared: pg.Pool;
  /**
   * Logs every application without a unique key, so a duplicate would show as a second row. Each
   * projection handles only its own event type, since every one reads the whole shared log.
   */
  logging(name: string, options?: { poison?: () => boolean }): EventConsumer;
  tick(name: string, data?: Record<string, unknown>): { type: string; data: Record<string, unknown> };
  /** Appends `perStream` ticks to each of `streams` streams, the streams concurrently. */
  appendTicks(name: string, streams: number, perStream: number, prefix: string): Promise<void>;
  /** The stream ids appendTicks writes for `streams` and `prefix`. */
  streamsOf(prefix: string, streams: number): string[];
  applied(name: string): Promise<{ total: number; distinct: number }>;
  /** Whether each stream's events were applied in version order. */
  inStreamOrder(name: string): Promise<boolean>;
  /** Appends one marker tick to each stream and returns the markers' event ids. */
  appendMarkers(name: string, streams: readonly string[]): Promise<string[]>;
  /**
   * The positive signal before asserting that nothing more arrives: a marker appended to each
   * stream, waited for until applied. A stream's events reach a consumer in order on either bus,
   * so once its marker is applied nothing earlier of that stream is still on the way. Returns how
   * many markers it added to the projection's count.
   */
  settle(name: string, streams: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

/** A fresh event store with an `applied` log table, and the helpers projection tests share. */
export const openProjectionFixtures = async (): Promise<ProjectionFixtures> => {
  const { pool, store, url } = await openEventStore();
  const db = createKysely(pool);
  const listener = new PgListener(url);
  await pool.query('CREATE TABLE applied (projection text, event_id uuid, stream_id text, version int, seq bigserial)');
  const tick = (name: string, data: Record<string, unknown> = {}) => ({ type: `Tick-${name}`, data });
  // The test's writes and reads on a pool of their own, so killing the consumers' sessions never fails them.
  const sparedName = 'tracseq-test-spared';
  const spared = createPool(`${url}?application_name=${sparedName}`, 20);
  const writer = new EventStore(spared);
  const appendMarkers = async (name: string, streams: readonly string[]): Promise<string[]> => {
    const ids: string[] = [];
    for (const stream of streams) {
      await writer.append(stream, null, [tick(name, { marker: true })], meta());
      const { rows } = await spared.query('SELECT event_id FROM es.events WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1', [stream]);
      ids.push(rows[0].event_id);
    }
    return ids;
  };
  return {
    pool,
    store,
    db,
    listener,
    sparedName,
    spared,
    tick,
    logging: (name, options = {}) => ({
      name,
      handles: new Set([`Tick-${name}`]),
      async apply(trx, event) {
        if ((event.data as { poison?: boolean }).poison && (options.poison?.() ?? true)) throw new Error('cannot digest this event');
        await sql`INSERT INTO applied (projection, event_id, stream_id, version) VALUES (${name}, ${event.eventId}, ${event.streamId}, ${event.streamVersion})`.execute(trx);
      },
      reset: async (trx) => void (await sql`DELETE FROM applied WHERE projection = ${name}`.execute(trx)),
    }),
    streamsOf: (prefix, streams) => Array.from({ length: streams }, (_, s) => `${prefix}-${s}`),
    async appendTicks(name, streams, perStream, prefix) {
      await Promise.all(Array.from({ length: streams }, async (_, s) => {
        for (let i = 0; i < perStream; i++) await writer.append(`${prefix}-${s}`, i, [tick(name, { i })], meta());
      }));
    },
    applied: async (name) =>
      (await spared.query('SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct FROM applied WHERE projection = $1', [name])).rows[0],
    async inStreamOrder(name) {
      const { rows } = await spared.query(`SELECT array_agg(version ORDER BY seq) AS versions FROM applied WHERE projection = $1 GROUP BY stream_id`, [name]);
      return rows.every((row) => row.versions.every((v: number, i: number) => i === 0 || v > row.versions[i - 1]));
    },
    appendMarkers,
    async settle(name, streams) {
      const ids = await appendMarkers(name, streams);
      await waitUntil(async () => (await spared.query('SELECT count(DISTINCT event_id)::int AS n FROM applied WHERE projection = $1 AND event_id = ANY($2::uuid[])', [name, ids])).rows[0].n === ids.length, 60_000, `${name}: every marker applied`);
      return ids.length;
    },
    async close() {
      await listener.close();
      await spared.end();
      await pool.end();
    },
  };
};
