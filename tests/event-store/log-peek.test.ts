import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { EventStore } from '../../event-store/event-store.js';
import { logPeeker, type LogPeeker } from '../../event-store/log-peek.js';
import { parsePosition } from '../../event-store/position.js';
import { meta, openEventStore } from '../support/event-store.js';

/**
 * The runners' shared peek: whether the log holds, after a consumer's checkpoint, an event of a type
 * it handles (readable now, or committed behind an older open transaction).
 */
describe('the log peeker', () => {
  let url: string;
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
    ({ url, pool, store } = await openEventStore());
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

  it('says "waiting" for a handled event committed behind an older open transaction, and "handled" once it is readable', async () => {
    const open = new pg.Client({ connectionString: url });
    await open.connect();
    try {
      // An older transaction holding an id: events committed after it are not readable until it ends.
      await open.query('BEGIN');
      await open.query('SELECT pg_current_xact_id()');
      const alpha = await store.append('Alpha-1', 0, [{ type: 'Alpha', data: {} }], meta());
      expect(await peeker.peek('reads-alpha', A)).toEqual({ handled: false, waiting: true, behind: false });
      expect(await peeker.peek('reads-beta', B)).toEqual({ handled: false, waiting: false, behind: false });
      await open.query('COMMIT');
      expect(await peeker.peek('reads-alpha', A)).toEqual({ handled: true, waiting: false, behind: true });
      const checkpoint = await pool.query(`SELECT transaction_id::text, global_position::text FROM es.checkpoints WHERE consumer = 'reads-alpha'`);
      const from = { transactionId: BigInt(checkpoint.rows[0].transaction_id), globalPosition: BigInt(checkpoint.rows[0].global_position) };
      // Read-your-writes asks the same memory: is an event of these types between two positions?
      expect(peeker.handledBetween(from, parsePosition(alpha.position), A)).toBe(true);
      expect(peeker.handledBetween(from, parsePosition(alpha.position), B)).toBe(false);
      const later = parsePosition(alpha.position);
      expect(peeker.handledBetween(from, { ...later, globalPosition: later.globalPosition + 1n, transactionId: later.transactionId + 1n }, A), 'not read yet: unknown').toBeNull();
    } finally {
      await open.end();
    }
  });

  it('says "waiting" to everyone when too many events wait behind an open transaction to read their types', async () => {
    const open = new pg.Client({ connectionString: url });
    await open.connect();
    try {
      await open.query('BEGIN');
      await open.query('SELECT pg_current_xact_id()');
      await store.append('Gamma-1', 0, [{ type: 'Gamma', data: {} }], meta());
      expect((await peeker.peek('reads-beta', B)).waiting, 'one Gamma: not for a Beta reader').toBe(false);
      await store.append('Gamma-1', 1, Array.from({ length: 16 }, () => ({ type: 'Gamma', data: {} })), meta());
      expect((await peeker.peek('reads-beta', B)).waiting, 'types past the first 16 unread: maybe a Beta').toBe(true);
    } finally {
      await open.query('COMMIT');
      await open.end();
    }
  });

  it('tells a consumer whose checkpoint lies before what it has read to run a batch (it cannot know)', async () => {
    await pool.query(`UPDATE es.checkpoints SET transaction_id = '0', global_position = 0 WHERE consumer = 'reads-beta'`);
    expect(await peeker.peek('reads-beta', B)).toEqual({ handled: true, waiting: true, behind: true });
    expect(await peeker.peek('nobody', B), 'no checkpoint row').toEqual({ handled: true, waiting: true, behind: true });
  });
});
