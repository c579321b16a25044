import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { LeaderLoop } from '../../event-store/bus/leader-loop.js';
import { createKysely, createPool } from '../../platform/database.js';
import { openProjectionFixtures, type ProjectionFixtures } from '../support/projection-fixtures.js';
import { waitUntil } from '../support/wait.js';

/** The loop under the projection runner, relay, live feed and saga worker, on its own. */
let fx: ProjectionFixtures;
beforeAll(async () => {
  fx = await openProjectionFixtures();
});
afterAll(async () => fx?.close());

/** A loop that counts its steps and otherwise sleeps for a minute: only a wake-up moves it on. */
const counting = (options: { lock?: string; channel: string }) => {
  const seen = { steps: 0 };
  const step = async () => {
    seen.steps++;
    return 60_000;
  };
  const wake = { listener: fx.listener, channels: [options.channel] };
  const loop = options.lock
    ? new LeaderLoop(step, { lock: { db: fx.db, key: options.lock }, wake, onFailure: () => 10, standbyMs: 50 })
    : new LeaderLoop(step, { wake, onFailure: () => 10 });
  onTestFinished(() => loop.stop());
  return { loop, seen };
};

describe('LeaderLoop', () => {
  it('one leader per lock: the standby steps only once the leader stops; NOTIFY wakes the leader', async () => {
    const a = counting({ lock: 'leader-loop-test', channel: 'leader_loop_test' });
    const b = counting({ lock: 'leader-loop-test', channel: 'leader_loop_test' });
    await a.loop.start();
    await waitUntil(() => a.loop.active && a.seen.steps === 1, 20_000, 'a leads');
    await b.loop.start();
    await sql`SELECT pg_notify('leader_loop_test', '')`.execute(fx.db);
    await waitUntil(() => a.seen.steps === 2, 20_000, 'a woken by NOTIFY');
    expect([b.loop.active, b.seen.steps]).toEqual([false, 0]);
    await a.loop.stop();
    await waitUntil(() => b.loop.active && b.seen.steps === 1, 20_000, 'b takes over');
  });

  it('retries a failing step after its pause, and stop waits for the step in flight', async () => {
    let calls = 0;
    let entered = false;
    let finished = false;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const loop = new LeaderLoop(
      async () => {
        calls++;
        if (calls < 3) throw new Error('boom');
        entered = true;
        await gate;
        finished = true;
        return 60_000;
      },
      { onFailure: () => 10 },
    );
    await loop.start();
    await waitUntil(() => entered, 20_000, 'third call');
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect([finished, calls]).toEqual([true, 3]);
  });

  it('gives its pinned connection back to the pool with the session settings onLead made undone', async () => {
    // A runner leads with synchronous_commit off; the connection must not carry that to a command.
    const pool = createPool(fx.pool.options.connectionString!, 1);
    const db = createKysely(pool);
    onTestFinished(() => db.destroy());
    const setting = async () => (await sql<{ s: string }>`SELECT current_setting('synchronous_commit') AS s`.execute(db)).rows[0]!.s;
    let during = '';
    const loop = new LeaderLoop(async (conn) => {
      during = (await sql<{ s: string }>`SELECT current_setting('synchronous_commit') AS s`.execute(conn)).rows[0]!.s;
      return 60_000;
    }, { lock: { db, key: 'leader-loop-settings' }, onLead: async (conn) => void (await sql`SET synchronous_commit = off`.execute(conn)), onFailure: () => 10 });
    await loop.start();
    await waitUntil(() => during !== '', 20_000, 'the loop led');
    await loop.stop();
    expect(during).toBe('off');
    expect(await setting()).toBe('on');
  });
});
