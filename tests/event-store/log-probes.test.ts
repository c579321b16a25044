import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { READABLE_END_SQL, TAIL_SQL } from '../../event-store/log-peek.js';
import { PENDING_SQL } from '../../event-store/consistency.js';
import { READ_BATCH_SQL, READ_TAIL_SQL, type EventStore } from '../../event-store/event-store.js';
import { meta, openEventStore } from '../support/event-store.js';

// The probes every runner and every read-your-writes read make ("anything after my checkpoint?")
// run many times a second. As EXISTS they were planned as sequential scans of the whole log (the
// planner expects a third of the rows to match; the matching rows are the newest, at the end), which
// was half of PostgreSQL's time per saga on a few thousand events and grows with the log.
describe('log probes on a long log', () => {
  let pool: pg.Pool;
  let store: EventStore;
  let last: { transactionId: string; globalPosition: string };
  let behind: { transactionId: string; globalPosition: string };

  beforeAll(async () => {
    ({ pool, store } = await openEventStore());
    // Statistics that lag the log's growth, as after a burst of writes between two autoanalyze runs
    // (the plans must not depend on them): analysed at 500 events, then 9,500 more.
    await pool.query('ALTER TABLE es.events SET (autovacuum_enabled = false)');
    for (let batch = 0; batch < 40; batch++) {
      if (batch === 2) await pool.query('ANALYZE es.events');
      await store.append(`Sample-probe-${batch}`, 0, Array.from({ length: 250 }, (_, i) => ({ type: i % 2 ? 'SampleReceived' : 'SampleRegistered', data: { i } })), meta());
    }
    const { rows } = await pool.query(`SELECT transaction_id::text, global_position::text FROM es.events e ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT 2`);
    last = { transactionId: rows[0].transaction_id, globalPosition: rows[0].global_position };
    const before = rows[1];
    behind = { transactionId: before.transaction_id, globalPosition: before.global_position };
    // One consumer one event behind the head, one at the head, one at the start of the log.
    await pool.query(
      `INSERT INTO es.checkpoints (consumer, transaction_id, global_position) VALUES
         ('behind', $1::xid8, $2), ('at-head', $3::xid8, $4), ('at-start', '0'::xid8, 0)`,
      [before.transaction_id, before.global_position, last.transactionId, last.globalPosition],
    );
  }, 60_000);

  afterAll(async () => {
    await pool.end();
  });

  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    Plans?: PlanNode[];
  }
  const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];
  /** How each plan node reads es.events: 'Seq Scan', 'Index Scan', ... */
  const plan = async (text: string, params: unknown[]) => {
    const root = (await pool.query(`EXPLAIN (FORMAT JSON) ${text}`, params)).rows[0]['QUERY PLAN'][0].Plan as PlanNode;
    return nodes(root).filter((node) => node['Relation Name'] === 'events').map((node) => node['Node Type']);
  };

  it('the runners’ shared peek walks the commit-order index from where it was, and reads the asking checkpoints', async () => {
    const end = await plan(READABLE_END_SQL, []);
    expect(end.length).toBeGreaterThan(0);
    expect(end).not.toContain('Seq Scan');
    expect((await pool.query(READABLE_END_SQL)).rows).toEqual([{ transaction_id: last.transactionId, global_position: last.globalPosition }]);
    const params = [behind.transactionId, behind.globalPosition, 1000, ['behind', 'at-head', 'nobody'], []];
    const tail = await plan(TAIL_SQL, params);
    expect(tail.length).toBeGreaterThan(0);
    expect(tail).not.toContain('Seq Scan');
    const { rows } = await pool.query(TAIL_SQL, params);
    // Unwatched: position, type and id only; the payload stays on disk.
    const unwatched = { consumer: null, transaction_id: last.transactionId, global_position: last.globalPosition, event_type: 'SampleReceived', readable: true, event_id: expect.any(String) };
    expect(rows.filter((row) => row.consumer === null)).toEqual([expect.objectContaining({ ...unwatched, data: null, stream_id: null, occurred_at: null })]);
    // Watched (a live policy's types): the whole event, as a watcher is handed it.
    const watched = await pool.query(TAIL_SQL, [...params.slice(0, 4), ['SampleReceived']]);
    expect(watched.rows.filter((row) => row.consumer === null)).toEqual([expect.objectContaining({ ...unwatched, data: { i: expect.any(Number) }, stream_id: expect.stringMatching(/^Sample-/), occurred_at: expect.any(Date) })]);
    expect(Object.fromEntries(rows.filter((row) => row.consumer !== null).map((row) => [row.consumer, row.global_position]))).toEqual({ behind: behind.globalPosition, 'at-head': last.globalPosition });
  });

  it('the read-your-writes check walks the index and finds only handled types before the target', async () => {
    const consumers = JSON.stringify([
      { consumer: 'behind', types: ['SampleReceived', 'SampleRegistered'] },
      { consumer: 'at-start', types: ['NothingOfThis'] },
    ]);
    const params = [consumers, last.transactionId, last.globalPosition];
    const pending = await plan(PENDING_SQL, params);
    expect(pending.length).toBeGreaterThan(0);
    expect(pending).not.toContain('Seq Scan');
    const { rows } = await pool.query(PENDING_SQL, params);
    expect(Object.fromEntries(rows.map((row) => [row.consumer, row.pending]))).toEqual({ behind: true, 'at-start': false });
  });

  it('a projection batch walks the index from the runner’s checkpoint, and says when the checkpoint moved under it', async () => {
    const params = ['at-start', 'checkpoint:at-start', 500, ['SampleReceived'], '0', '0'];
    const window = await plan(READ_BATCH_SQL, params);
    expect(window.length).toBeGreaterThan(0);
    expect(window).not.toContain('Seq Scan');
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const run = async (text: string, values: unknown[]) => (await client.query(text, values)).rows;
      const at = (p: { transactionId: string; globalPosition: string }) => ({ transactionId: BigInt(p.transactionId), globalPosition: BigInt(p.globalPosition) });
      // One event behind the head: the window is that event, a SampleReceived, payload and all.
      const batch = await store.readBatch('behind', at(behind), 500, new Set(['SampleReceived']), run);
      expect(batch.from).toEqual(at(behind));
      expect(batch.read).toBe(1);
      expect(batch.last).toMatchObject(last);
      expect(batch.events.map((e) => [e.type, e.data])).toEqual([['SampleReceived', { i: 249 }]]);
      // A type it does not read: the window still moves the checkpoint, without the payload.
      expect(await store.readBatch('behind', at(behind), 500, new Set(['Other']), run)).toMatchObject({ read: 1, events: [] });
      // A runner that believes it is elsewhere learns where its checkpoint really is.
      expect((await store.readBatch('behind', at(last), 500, new Set(['SampleReceived']), run)).from).toEqual(at(behind));
      expect(await store.readBatch('at-head', at(last), 500, new Set(['SampleReceived']), run)).toMatchObject({ read: 0, last: null, waiting: false });
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  // Last: it appends, moving the head the tests above read from.
  it('the live tail walks the index from its head, and says when events wait behind an older open transaction', async () => {
    const at = (p: { transactionId: string; globalPosition: string }) => ({ transactionId: BigInt(p.transactionId), globalPosition: BigInt(p.globalPosition) });
    const tail = await plan(READ_TAIL_SQL, [last.transactionId, last.globalPosition, 1000]);
    expect(tail.length).toBeGreaterThan(0);
    expect(tail).not.toContain('Seq Scan');
    expect(await store.readTail(at(last), 1000)).toEqual({ events: [], waiting: false });
    const fromBehind = await store.readTail(at(behind), 1000);
    expect({ read: fromBehind.events.map((e) => e.globalPosition), waiting: fromBehind.waiting }).toEqual({ read: [last.globalPosition], waiting: false });
    // An older transaction still open: a later commit's events are there but not safe to read yet.
    const open = await pool.connect();
    try {
      await open.query('BEGIN');
      await open.query('SELECT pg_current_xact_id()');
      await store.append(`Sample-probe-late-${Date.now()}`, 0, [{ type: 'SampleRegistered', data: { late: true } }], meta());
      expect(await store.readTail(at(last), 1000)).toEqual({ events: [], waiting: true });
      await open.query('COMMIT');
      const after = await store.readTail(at(last), 1000);
      expect({ read: after.events.map((e) => e.data), waiting: after.waiting }).toEqual({ read: [{ late: true }], waiting: false });
    } finally {
      open.release();
    }
  });
});
