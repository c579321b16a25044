import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { APPEND_PARAMETER_COUNT, appendSqlWith } from '../../event-store/append-statement.js';
import { EVENTS_CHANNEL, EventStore } from '../../event-store/event-store.js';
import { createPool } from '../../platform/database.js';
import { ConcurrencyError } from '../../platform/errors.js';
import { meta, openEventStore } from '../support/event-store.js';

let pool: pg.Pool;
let store: EventStore;
let url: string;

beforeAll(async () => {
  ({ pool, store, url } = await openEventStore());
});
afterAll(() => pool.end());

const evt = (n: number) => ({ type: 'Counted', data: { n } });
const countRows = async (streamId: string) =>
  Number((await pool.query('SELECT count(*) FROM es.events WHERE stream_id = $1', [streamId])).rows[0].count);

describe('append', () => {
  it('stores events with versions, metadata and a position, and reads them back in order', async () => {
    const m = meta();
    const first = await store.append('Counter-a', 0, [evt(1), evt(2)], m);
    expect(first.versions).toEqual([2]);
    expect(first.position).toMatch(/^\d+:\d+$/);
    await store.append('Counter-a', 2, [evt(3)], m);
    const events = await store.readStream('Counter-a', { tenantId: 'lab-a' });
    expect(events.map((e) => [e.streamVersion, e.data.n])).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(events[0]!.metadata).toMatchObject({ correlationId: m.correlationId, tenantId: 'lab-a', actor: 'tester', occurredAt: m.occurredAt, schemaVersion: 1 });
    expect(events[0]!.streamType).toBe('Counter');
    expect((await store.readStream('Counter-a', { tenantId: 'lab-a', fromVersion: 2 })).map((e) => e.streamVersion)).toEqual([3]);
  });

  it('refuses a stale expectedVersion with a typed error and writes nothing', async () => {
    await store.append('Counter-b', 0, [evt(1)], meta());
    await expect(store.append('Counter-b', 0, [evt(2), evt(3)], meta())).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await countRows('Counter-b')).toBe(1);
  });

  it('lets exactly one of many concurrent writers with the same expectedVersion win', async () => {
    await store.append('Counter-c', 0, [evt(0)], meta());
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.append('Counter-c', 1, [evt(i)], meta())));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ConcurrencyError)).toHaveLength(19);
    expect(await countRows('Counter-c')).toBe(2);
  });

  it('fails only the conflicting unit of a group-committed batch', async () => {
    await store.append('Counter-d', 0, [evt(0)], meta());
    const results = await Promise.allSettled([
      store.append('Counter-e', 0, [evt(1)], meta()),
      store.append('Counter-d', 7, [evt(1)], meta()),
      store.append('Counter-f', 0, [evt(1)], meta()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await countRows('Counter-d')).toBe(1);
  });

  it('commits one stream\'s appends in the order they were made, even while other batches are in flight', async () => {
    // Expected versions 0..19 succeed only if every append sees the one before it committed.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => [store.append('Counter-o', i, [evt(i)], meta()), store.append(`Counter-o${i}`, 0, [evt(i)], meta())]).flat(),
    );
    expect(results.filter((_, i) => i % 2 === 0).map((r) => r.versions)).toEqual(Array.from({ length: 20 }, (_, i) => [i + 1]));
    expect((await store.readStream('Counter-o', { tenantId: 'lab-a' })).map((e) => e.data.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // A unit held back for one of its streams keeps later appends to its other streams behind it.
    await store.append('Counter-x', 0, [evt(0)], meta());
    const [, both, after] = await Promise.all([
      store.append('Counter-x', 1, [evt(1)], meta()),
      store.appendUnit({ streams: [{ streamId: 'Counter-x', expectedVersion: 2, events: [evt(2)] }, { streamId: 'Counter-y', expectedVersion: 0, events: [evt(0)] }], metadata: meta() }),
      store.append('Counter-y', 1, [evt(1)], meta()),
    ]);
    expect([both.versions, after.versions]).toEqual([[3, 1], [2]]);
  });

  it('writes several streams atomically: a conflict on one writes none of them', async () => {
    await store.append('Claim-x', 0, [evt(0)], meta());
    await expect(
      store.appendUnit({ streams: [{ streamId: 'Thing-1', expectedVersion: 0, events: [evt(1)] }, { streamId: 'Claim-x', expectedVersion: 0, events: [evt(1)] }], metadata: meta() }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await countRows('Thing-1')).toBe(0);
  });

  it('returns the first result for a repeated idempotency key and appends nothing', async () => {
    const key = { scope: 'Counter', key: 'import-42' };
    const first = await store.appendUnit({ streams: [{ streamId: 'Counter-g', expectedVersion: 0, events: [evt(1)] }], metadata: meta(), idempotency: key, result: { id: 'g' } });
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () => store.appendUnit({ streams: [{ streamId: 'Counter-h', expectedVersion: 0, events: [evt(1)] }], metadata: meta(), idempotency: key, result: { id: 'h' } })),
    );
    for (const replay of concurrent) {
      expect(replay).toMatchObject({ replayed: true, position: first.position, result: { id: 'g' } });
    }
    expect(await countRows('Counter-h')).toBe(0);
    // The same key in another tenant is a different key.
    const other = await store.appendUnit({ streams: [{ streamId: 'Counter-i', expectedVersion: 0, events: [evt(1)] }], metadata: meta('lab-b'), idempotency: key });
    expect(other.replayed).toBe(false);
  });

  it('resolves races between processes (separate pools) into one winner and typed conflicts', async () => {
    const otherProcess = new EventStore(createPool(url, 10));
    try {
      await store.append('Counter-p', 0, [evt(0)], meta());
      // Each side batches units for other streams too: a lost race must fail only the racing unit.
      const attempts = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => [
          (i % 2 ? store : otherProcess).append('Counter-p', 1, [evt(i)], meta()),
          (i % 2 ? store : otherProcess).append(`Counter-q${i}`, 0, [evt(i)], meta()),
        ]).flat(),
      );
      const onP = attempts.filter((_, i) => i % 2 === 0);
      expect(onP.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const lost of onP.filter((r) => r.status === 'rejected')) expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
      expect(attempts.filter((_, i) => i % 2 === 1).every((r) => r.status === 'fulfilled')).toBe(true);
      expect(await countRows('Counter-p')).toBe(2);
    } finally {
      await otherProcess.pool.end();
    }
  });

  it('wakes LISTENing consumers after the append commits, with the events already readable', async () => {
    const listener = await pool.connect();
    try {
      await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
      // Resolves on the first wake-up that finds both events: a wake-up sent before the commit
      // (or none at all) leaves the test waiting until it times out.
      const woken = new Promise<void>((resolve) =>
        listener.on('notification', () => void countRows('Counter-w').then((n) => n === 2 && resolve())),
      );
      await store.append('Counter-w', 0, [evt(1), evt(2)], meta());
      await woken;
      // Enough units at once to be split over two concurrent batches: the one without NOTIFY in its
      // statement wakes consumers after its own commit.
      const streams = Array.from({ length: 24 }, (_, i) => `Counter-wake${i}`);
      const all = async () => Number((await pool.query('SELECT count(*) FROM es.events WHERE stream_id = ANY($1)', [streams])).rows[0].count);
      const wokenForAll = new Promise<void>((resolve) => listener.on('notification', () => void all().then((n) => n === 24 && resolve())));
      await Promise.all(streams.map((stream) => store.append(stream, 0, [evt(1)], meta())));
      await wokenForAll;
    } finally {
      await listener.query(`UNLISTEN ${EVENTS_CHANNEL}`);
      listener.release();
    }
  });

  it("appendWith writes the caller's rows and the events in one statement, and neither when the guard fails", async () => {
    await pool.query('CREATE TABLE IF NOT EXISTS append_with_rows (id text PRIMARY KEY, owner text NOT NULL, n int NOT NULL)');
    await pool.query(`INSERT INTO append_with_rows VALUES ('r1', 'me', 0)`);
    const statement = {
      name: 'test_append_with',
      text: appendSqlWith({
        ctes: `owned AS (UPDATE append_with_rows SET n = n + 1 WHERE id = $${APPEND_PARAMETER_COUNT + 1} AND owner = $${APPEND_PARAMETER_COUNT + 2} RETURNING id)`,
        guard: 'EXISTS (SELECT 1 FROM owned)',
      }),
    };
    const unit = (n: number) => ({ streams: [{ streamId: 'Owned-r1', expectedVersion: null, events: [evt(n)] }], metadata: meta() });
    const mine = await store.appendWith(statement, unit(1), ['r1', 'me']);
    expect(mine.held).toBe(true);
    expect(mine.result?.versions).toEqual([1]);
    // Not the owner: the guard fails, so no event either.
    const theirs = await store.appendWith(statement, unit(2), ['r1', 'someone else']);
    expect(theirs).toEqual({ held: false, result: null });
    expect(await countRows('Owned-r1')).toBe(1);
    expect((await pool.query(`SELECT n FROM append_with_rows WHERE id = 'r1'`)).rows[0].n).toBe(1);
    // A failing statement (here an event id that exists) leaves the caller's row as it was.
    const [first] = await store.readStream('Owned-r1', { tenantId: 'lab-a' });
    await expect(store.appendWith(statement, { ...unit(3), metadata: { ...meta(), eventId: first!.eventId } }, ['r1', 'me'])).rejects.toThrow();
    expect((await pool.query(`SELECT n FROM append_with_rows WHERE id = 'r1'`)).rows[0].n).toBe(1);
    // Version checks could leave the unit out after the caller's rows were written: refused up front.
    await expect(store.appendWith(statement, { ...unit(4), streams: [{ streamId: 'Owned-r1', expectedVersion: 1, events: [evt(4)] }] }, ['r1', 'me'])).rejects.toThrow(/no expected versions/);
  });

  it('appendManyWith appends each unit under its own guard in one statement', async () => {
    await pool.query('CREATE TABLE IF NOT EXISTS append_many_rows (id text PRIMARY KEY, owner text NOT NULL, n int NOT NULL)');
    await pool.query(`INSERT INTO append_many_rows VALUES ('m1', 'me', 0), ('m2', 'someone else', 0), ('m3', 'me', 0)`);
    const statement = {
      name: 'test_append_many_with',
      text: appendSqlWith({
        ctes: `owned AS (UPDATE append_many_rows r SET n = n + 1 FROM unnest($${APPEND_PARAMETER_COUNT + 1}::text[]) WITH ORDINALITY AS x(id, k)
          WHERE r.id = x.id AND r.owner = $${APPEND_PARAMETER_COUNT + 2} RETURNING x.k - 1 AS unit)`,
        held: 'SELECT unit FROM owned',
      }),
    };
    const unit = (id: string) => ({ streams: [{ streamId: `Many-${id}`, expectedVersion: null, events: [evt(1)] }], metadata: meta() });
    const written = await store.appendManyWith(statement, ['m1', 'm2', 'm3'].map(unit), [['m1', 'm2', 'm3'], 'me']);
    expect(written.map((w) => w.held)).toEqual([true, false, true]);
    expect(written.map((w) => w.result?.versions ?? null)).toEqual([[1], null, [1]]);
    expect([await countRows('Many-m1'), await countRows('Many-m2'), await countRows('Many-m3')]).toEqual([1, 0, 1]);
    expect((await pool.query(`SELECT id, n FROM append_many_rows ORDER BY id`)).rows).toEqual([{ id: 'm1', n: 1 }, { id: 'm2', n: 0 }, { id: 'm3', n: 1 }]);
  });

  it("readStreamWithKey gives a stream's events and its key's first result in one statement, snapshots or not", async () => {
    const first = await store.append('Keyed-1', 0, [evt(1)], meta(), { scope: 'keyed', key: 'k1' });
    await store.append('Keyed-1', 1, [evt(2)], meta());
    await store.saveSnapshot('Keyed-1', 'lab-a', 2, 1, { count: 2 });
    const used = await store.readStreamWithKey('Keyed-1', 'lab-a', { scope: 'keyed', key: 'k1' });
    expect(used.events.map((e) => e.streamVersion), 'every event, whatever snapshot exists').toEqual([1, 2]);
    expect(used.idempotent).toMatchObject({ position: first.position, replayed: true });
    const unused = await store.readStreamWithKey('Keyed-1', 'lab-a', { scope: 'keyed', key: 'k2' });
    expect(unused.idempotent).toBeNull();
    expect((await store.readStreamWithKey('Keyed-1', 'lab-b', { scope: 'keyed', key: 'k1' })).events, 'another tenant').toEqual([]);
    await expect(store.saveSnapshot('Keyed-1', 'lab-a', 2, 0, {})).rejects.toThrow(/count from 1/);
  });

  it('reads a stream only within its tenant', async () => {
    await store.append('Counter-t', 0, [evt(1)], meta('lab-a'));
    expect(await store.readStream('Counter-t', { tenantId: 'lab-b' })).toEqual([]);
  });
});
