import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { EventStore } from '../../event-store/event-store.js';
import { logPeeker, type LogPeeker } from '../../event-store/log-peek.js';
import { checkpointOfRow, parsePosition } from '../../event-store/position.js';
import { holdCommitHorizon } from '../support/log-holds.js';
import { meta, openEventStore } from '../support/event-store.js';

/**
 * The runners' shared peek: whether the log holds, after a consumer's checkpoint, an event of a type
 * it handles (readable now, or committed behind an older open transaction).
 */
describe('the log peeker', () => {
  let pool: pg.Pool;
  let store: EventStore;
  let peeker: LogPeeker;
  const A = new Set(['Alpha']);
  const B = new Set(['Beta']);
  const at = async (position: string) => {
    const { transactionId, globalPosition } = parsePosition(position);
    await pool.query(`UPDATE es.checkpoints SET transaction_id = $1::text::xid8, global_position = $2 WHERE consumer IN ('reads-alpha', 'reads-beta')`, [String(transactionId), String(globalPosition)]);
  };

  beforeAll(async () => {
    ({ pool, store } = await openEventStore());
    peeker = logPeeker(store);
    const { position } = await store.append('Seed-1', 0, [{ type: 'Seed', data: {} }], meta());
    await pool.query(`INSERT INTO es.checkpoints (consumer) VALUES ('reads-alpha'), ('reads-beta')`);
    await at(position);
  });
  afterAll(async () => {
    await pool.end();
  });

  it('tells a consumer about the events it handles, and that others only move its checkpoint', async () => {
    expect(await peeker.peek('reads-alpha', A)).toEqual({ handled: false, waiting: false, behind: false });
    const beta = await store.append('Beta-1', 0, [{ type: 'Beta', data: {} }], meta());
    expect(await peeker.peek('reads-alpha', A)).toEqual({ handled: false, waiting: false, behind: true });
    expect(await peeker.peek('reads-beta', B)).toEqual({ handled: true, waiting: false, behind: true });
    await at(beta.position);
    expect(await peeker.peek('reads-beta', B)).toEqual({ handled: false, waiting: false, behind: false });
  });

  it('hears of a handled event after many it ignores, ask after ask, and scans again from a checkpoint moved back (a rebuild)', async () => {
    const D = new Set(['Delta']);
    const deltaAt = async (position: string) => {
      const { transactionId, globalPosition } = parsePosition(position);
      await pool.query(`UPDATE es.checkpoints SET transaction_id = $1::text::xid8, global_position = $2 WHERE consumer = 'reads-delta'`, [String(transactionId), String(globalPosition)]);
    };
    await pool.query(`INSERT INTO es.checkpoints (consumer, transaction_id, global_position) SELECT 'reads-delta', transaction_id, global_position FROM es.checkpoints WHERE consumer = 'reads-alpha'`);
    for (let i = 0; i < 3; i++) {
      await store.append(`Ignored-${i}`, 0, [{ type: 'Beta', data: {} }], meta());
      expect((await peeker.peek('reads-delta', D)).handled, `after ignored event ${i}`).toBe(false);
    }
    const delta = await store.append('Delta-1', 0, [{ type: 'Delta', data: {} }], meta());
    expect((await peeker.peek('reads-delta', D)).handled, 'the handled event after those it had scanned').toBe(true);
    await deltaAt(delta.position);
    expect((await peeker.peek('reads-delta', D)).handled).toBe(false);
    // Rebuilt: its checkpoint goes back before the handled event, which is work again.
    const start = (await pool.query(`SELECT transaction_id::text, global_position::text FROM es.checkpoints WHERE consumer = 'reads-alpha'`)).rows[0];
    await deltaAt(`${start.transaction_id}:${start.global_position}`);
    expect(await peeker.peek('reads-alpha', A), 'keeps the tail from there').toMatchObject({ behind: true });
    expect((await peeker.peek('reads-delta', D)).handled, 'moved back before it').toBe(true);
    await at(delta.position);
  });

  it('says "waiting" for a handled event committed behind an older open transaction, and "handled" once it is readable', async () => {
    const release = await holdCommitHorizon(pool);
    let alpha: string;
    try {
      alpha = (await store.append('Alpha-1', 0, [{ type: 'Alpha', data: {} }], meta())).position;
      expect(await peeker.peek('reads-alpha', A)).toEqual({ handled: false, waiting: true, behind: false });
      expect(await peeker.peek('reads-beta', B)).toEqual({ handled: false, waiting: false, behind: false });
    } finally {
      await release();
    }
    expect(await peeker.peek('reads-alpha', A)).toEqual({ handled: true, waiting: false, behind: true });
    const from = checkpointOfRow((await pool.query(`SELECT transaction_id::text, global_position::text FROM es.checkpoints WHERE consumer = 'reads-alpha'`)).rows[0]);
    // Read-your-writes asks the same memory: is an event of these types between two positions?
    const upTo = parsePosition(alpha);
    expect(peeker.handledBetween(from, upTo, A)).toBe(true);
    expect(peeker.handledBetween(from, upTo, B)).toBe(false);
    expect(peeker.handledBetween(from, { transactionId: upTo.transactionId + 1n, globalPosition: upTo.globalPosition + 1n }, A), 'not read yet: unknown').toBeNull();
  });

  it('says "waiting" to everyone when too many events wait behind an open transaction to read their types', async () => {
    const release = await holdCommitHorizon(pool);
    try {
      await store.append('Gamma-1', 0, [{ type: 'Gamma', data: {} }], meta());
      expect((await peeker.peek('reads-beta', B)).waiting, 'one Gamma: not for a Beta reader').toBe(false);
      await store.append('Gamma-1', 1, Array.from({ length: 16 }, () => ({ type: 'Gamma', data: {} })), meta());
      expect((await peeker.peek('reads-beta', B)).waiting, 'types past the first 16 unread: maybe a Beta').toBe(true);
    } finally {
      await release();
    }
  });

  it('tells a consumer whose checkpoint lies before what it has read to run a batch (it cannot know)', async () => {
    await pool.query(`UPDATE es.checkpoints SET transaction_id = '0', global_position = 0 WHERE consumer = 'reads-beta'`);
    expect(await peeker.peek('reads-beta', B)).toEqual({ handled: true, waiting: true, behind: true });
    expect(await peeker.peek('nobody', B), 'no checkpoint row').toEqual({ handled: true, waiting: true, behind: true });
  });

  it('hands a watcher an event that waited behind an older open transaction once it is readable, with no one asking and no new append', async () => {
    const seen: string[] = [];
    const unwatch = peeker.watch(new Set(['Watched']), (event) => seen.push(event.streamId));
    await peeker.ready();
    const release = await holdCommitHorizon(pool);
    try {
      await store.append('Watched-1', 0, [{ type: 'Watched', data: {} }], meta());
      // What a NOTIFY does for a live policy whose runner is busy: one read, which finds it waiting.
      peeker.poke();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(seen, 'not readable yet').toEqual([]);
    } finally {
      await release();
    }
    try {
      const deadline = Date.now() + 5000;
      while (seen.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(seen).toEqual(['Watched-1']);
    } finally {
      unwatch();
    }
  });
});
