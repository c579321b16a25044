import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { sql } from 'kysely';
import { readCheckpoint } from '../../event-store/checkpoints.js';
import { ConsistencyWaiter, PENDING_SQL } from '../../event-store/consistency.js';
import { logPeeker } from '../../event-store/log-peek.js';
import { compareCheckpoints, formatCheckpoint, parsePosition } from '../../event-store/position.js';
import { CHECKPOINTS_CHANNEL, ProjectionRunner, REACH_CHANNEL } from '../../event-store/projection-runner.js';
import type { EventConsumer } from '../../event-store/projection.js';
import type { StoredEvent } from '../../event-store/types.js';
import { meta } from '../support/event-store.js';
import { openProjectionFixtures, type ProjectionFixtures } from '../support/projection-fixtures.js';
import { holdBatches, holdCommitHorizon } from '../support/log-holds.js';
import { waitUntil } from '../support/wait.js';

/**
 * What only the postgres bus promises: one active runner per projection across processes. (Kafka
 * spreads partitions over a group's members instead; tests/projections covers both buses.)
 */
let fx: ProjectionFixtures;
beforeAll(async () => {
  fx = await openProjectionFixtures();
});
afterAll(async () => fx?.close());

describe('the postgres projection runner', () => {
  it('runs one active instance per projection; a standby takes over when it stops', async () => {
    const name = 'single-leader';
    const a = new ProjectionRunner(fx.db, fx.store, fx.listener, fx.logging(name));
    const b = new ProjectionRunner(fx.db, fx.store, fx.listener, fx.logging(name));
    await a.start();
    await waitUntil(() => a.active, 5000, 'a active');
    await b.start();
    onTestFinished(() => b.stop());
    await fx.appendTicks(name, 3, 20, 'L');
    await waitUntil(async () => (await fx.applied(name)).total >= 60, 10_000, 'leader applied');
    expect([a.active, b.active]).toEqual([true, false]);
    await a.stop();
    await waitUntil(() => b.active, 5000, 'standby takes over');
    await fx.appendTicks(name, 3, 5, 'L2');
    await waitUntil(async () => (await fx.applied(name)).total >= 75, 10_000, 'standby applied');
    expect(await fx.applied(name)).toMatchObject({ total: 75, distinct: 75 });
  });

  it('applies a batching projection a batch at a time; a failing batch is retried event by event, its poison dead-lettered, the rest applied once', async () => {
    const name = 'batching';
    const logging = fx.logging(name);
    const batches: number[] = [];
    const batching: EventConsumer = {
      ...logging,
      async applyBatch(trx, events) {
        batches.push(events.length);
        if (events.some((event) => (event.data as { poison?: boolean }).poison)) throw new Error('cannot digest this batch');
        for (const event of events) await logging.apply(trx, event);
      },
    };
    // Appended before the runner starts, so its first batch holds them all.
    await fx.appendTicks(name, 4, 10, 'B');
    const runner = new ProjectionRunner(fx.db, fx.store, fx.listener, batching, { maxAttempts: 2 });
    await runner.start();
    onTestFinished(() => runner.stop());
    await waitUntil(async () => (await fx.applied(name)).total >= 40, 10_000, 'first batch applied');
    expect(batches[0], 'one call for the whole backlog').toBe(40);

    await fx.store.append('B-poison', 0, [fx.tick(name), fx.tick(name, { poison: true }), fx.tick(name)], meta());
    await fx.appendTicks(name, 2, 3, 'B2');
    await waitUntil(async () => (await fx.applied(name)).total >= 48, 20_000, 'healthy events applied');
    const letters = (await sql<{ error: string }>`SELECT error FROM es.dead_letters WHERE consumer = ${name}`.execute(fx.db)).rows;
    expect(letters).toHaveLength(1);
    expect(letters[0]!.error).toContain('cannot digest');
    expect(await fx.applied(name)).toEqual({ total: 48, distinct: 48 });
  });

  it('lets a live policy react as soon as an event is appended, before its batch; the batch handles only what the reaction missed', async () => {
    const name = 'live-policy';
    const echoes = async () => Number((await fx.pool.query(`SELECT count(*) FROM es.events WHERE event_type = $1`, [`Echo-${name}`])).rows[0].count);
    // Idempotent per source event, as every policy is: a second reaction to the same event appends nothing.
    const echo = async (event: StoredEvent) => {
      await fx.store.append(`Echo-${event.eventId}`, null, [{ type: `Echo-${name}`, data: { of: event.eventId } }], { ...meta(event.tenantId), causationId: event.eventId }, { scope: name, key: event.eventId });
    };
    const byBatch: string[] = [];
    const policy: EventConsumer = {
      name,
      handles: new Set([`Tick-${name}`]),
      apply: async (_trx, event) => {
        byBatch.push(event.streamId);
        await echo(event);
      },
      react: async (event) => {
        if ((event.data as { failLive?: boolean }).failLive) throw new Error('the live path failed');
        await echo(event);
      },
    };
    const runner = new ProjectionRunner(fx.db, fx.store, fx.listener, policy);
    await runner.start();
    onTestFinished(() => runner.stop());
    await waitUntil(() => runner.active, 5000, 'runner leads');
    const release = await holdBatches(fx.db, name);
    let position: string;
    try {
      await fx.store.append('Live-1', 0, [fx.tick(name)], meta());
      await waitUntil(async () => (await echoes()) === 1, 10_000, 'reacted with the batch held back');
      // Its runner is now stuck in that batch, asking nothing: the next events are still reacted to.
      await waitUntil(async () => Number((await fx.pool.query(`SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'`)).rows[0].count) > 0, 10_000, 'the batch waits for its lock');
      await fx.store.append('Live-2', 0, [fx.tick(name, { failLive: true })], meta());
      position = (await fx.store.append('Live-3', 0, [fx.tick(name)], meta())).position;
      await waitUntil(async () => (await echoes()) === 2, 10_000, 'reacted while the runner is in a batch');
      expect(compareCheckpoints(await readCheckpoint(fx.db, name), parsePosition(position)), 'no batch has run').toBeLessThan(0);
    } finally {
      await release();
    }
    await waitUntil(async () => compareCheckpoints(await readCheckpoint(fx.db, name), parsePosition(position)) >= 0, 10_000, 'the batch caught up');
    expect(await echoes(), 'all handled, once each').toBe(3);
    expect(byBatch, 'the batch skipped the events reacted to, and handled the one whose reaction failed').toEqual(['Live-2']);
  });

  it('opens no batch for events a live policy reacted to, only a lazy checkpoint move; a failed reaction gets its batch at once', async () => {
    const name = 'live-lazy';
    const reactedTo: string[] = [];
    const byBatch: string[] = [];
    const policy: EventConsumer = {
      name,
      handles: new Set([`Tick-${name}`]),
      apply: async (_trx, event) => void byBatch.push(event.streamId),
      react: async (event) => {
        if ((event.data as { failLive?: boolean }).failLive) throw new Error('the live path failed');
        reactedTo.push(event.streamId);
      },
    };
    // The lazy move is due only after a minute: within the test, any batch is one the events asked for.
    const runner = new ProjectionRunner(fx.db, fx.store, fx.listener, policy, { checkpointEveryMs: 60_000, idlePollMs: 60_000 });
    await runner.start();
    onTestFinished(() => runner.stop());
    await waitUntil(() => runner.active, 5000, 'runner leads');
    // Its first lazy move, over what earlier tests appended, is due at once: let it happen first.
    await waitUntil(() => runner.idleAt !== null, 10_000, 'runner caught up and idle');
    const started = await readCheckpoint(fx.db, name);
    for (const stream of ['LiveLazy-1', 'LiveLazy-2', 'LiveLazy-3']) await fx.store.append(stream, 0, [fx.tick(name)], meta());
    await waitUntil(() => reactedTo.length === 3, 10_000, 'reacted to all three');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(compareCheckpoints(await readCheckpoint(fx.db, name), started), 'no batch moved the checkpoint').toBe(0);
    expect(byBatch).toEqual([]);
    const failed = (await fx.store.append('LiveLazy-4', 0, [fx.tick(name, { failLive: true })], meta())).position;
    await waitUntil(async () => compareCheckpoints(await readCheckpoint(fx.db, name), parsePosition(failed)) >= 0, 10_000, 'the failed reaction got its batch');
    expect(byBatch, 'the batch applied only the event whose reaction failed').toEqual(['LiveLazy-4']);
    expect(reactedTo).toEqual(['LiveLazy-1', 'LiveLazy-2', 'LiveLazy-3']);
  });

  it('serves read-your-writes at a position its batch stopped short of, when nothing it handles lies between', async () => {
    const name = 'short-batch';
    const consumer = fx.logging(name);
    const runner = new ProjectionRunner(fx.db, fx.store, fx.listener, consumer, { checkpointEveryMs: 60_000, idlePollMs: 60_000 });
    await runner.start();
    const waiter = new ConsistencyWaiter(fx.pool, fx.listener, [consumer]);
    await waiter.start();
    onTestFinished(async () => {
      waiter.stop();
      await runner.stop();
    });
    await waitUntil(() => runner.active, 5000, 'runner leads');
    // The batch is held back; a handled event, then (behind an older open transaction) an ignored one.
    const releaseBatches = await holdBatches(fx.db, name);
    await fx.store.append('Short-1', 0, [fx.tick(name)], meta());
    const releaseHorizon = await holdCommitHorizon(fx.pool);
    let position: string;
    let waiting: Promise<boolean>;
    try {
      position = (await fx.store.append('Short-ignored', 0, [fx.tick('someone-else')], meta())).position;
      waiting = waiter.waitFor(position, 10_000);
      // The batch applies the handled event; the ignored one is not readable yet, so the checkpoint stops before it.
      await releaseBatches();
      await waitUntil(async () => (await fx.applied(name)).total === 1, 10_000, 'handled event applied');
    } finally {
      await releaseBatches();
      await releaseHorizon();
    }
    expect(await waiting, 'caught up: nothing it handles up to the position').toBe(true);
    expect(compareCheckpoints(await readCheckpoint(fx.db, name), parsePosition(position)), 'its checkpoint has not moved over the ignored event').toBeLessThan(0);
  });

  it('read-your-writes hears a checkpoint that moved while its first check was being answered', async () => {
    const name = 'moved-mid-check';
    const consumer = fx.logging(name);
    await fx.pool.query(`INSERT INTO es.checkpoints (consumer, transaction_id, global_position) VALUES ($1, '0', 0) ON CONFLICT DO NOTHING`, [name]);
    const handled = await fx.store.append(`Mid-${crypto.randomUUID()}`, 0, [fx.tick(name)], meta());
    const { position } = await fx.store.append(`Mid-${crypto.randomUUID()}`, 0, [fx.tick('someone-else')], meta());
    const applied = parsePosition(handled.position);
    const waiter = new ConsistencyWaiter(fx.pool, fx.listener, [consumer]);
    await waiter.start();
    // The first check reads "an event to apply"; before its answer arrives the runner applies that
    // event, moving its checkpoint up to (not past) the ignored one, and the move is heard.
    const query = fx.pool.query.bind(fx.pool);
    let moved = false;
    fx.pool.query = (async (...args: Parameters<typeof query>) => {
      const answer = await query(...args);
      if (args[0] === PENDING_SQL && !moved) {
        moved = true;
        await query(`UPDATE es.checkpoints SET transaction_id = $2::text::xid8, global_position = $3 WHERE consumer = $1`, [name, String(applied.transactionId), String(applied.globalPosition)]);
        await query(`SELECT pg_notify($1, $2)`, [CHECKPOINTS_CHANNEL, `${name} ${handled.position}`]);
        await waitUntil(() => waiter.furthest() === handled.position, 5000, 'the move heard');
      }
      return answer;
    }) as typeof query;
    try {
      expect(await waiter.waitFor(position, 3000), 'nothing it handles left up to the position').toBe(true);
      expect(moved).toBe(true);
    } finally {
      fx.pool.query = query;
      waiter.stop();
    }
  });

  it("says an answer may reach a Kafka consumer's furthest applied event, past its checkpoint, yet waits for the checkpoint", async () => {
    const name = 'reached-beyond-checkpoint';
    const consumer = fx.logging(name);
    await fx.pool.query(`INSERT INTO es.checkpoints (consumer, transaction_id, global_position) VALUES ($1, '0', 0) ON CONFLICT DO NOTHING`, [name]);
    const first = await fx.store.append(`Reach-${crypto.randomUUID()}`, 0, [fx.tick(name)], meta());
    const later = await fx.store.append(`Reach-${crypto.randomUUID()}`, 0, [fx.tick(name)], meta());
    const waiter = new ConsistencyWaiter(fx.pool, fx.listener, [consumer]);
    await waiter.start();
    try {
      // Its checkpoint is at the first event; another partition's transaction applied the later one.
      await fx.pool.query(`UPDATE es.checkpoints SET transaction_id = $2::text::xid8, global_position = $3 WHERE consumer = $1`, [name, ...first.position.split(':')]);
      await fx.pool.query(`SELECT pg_notify($1, $2)`, [CHECKPOINTS_CHANNEL, `${name} ${first.position}`]);
      await fx.pool.query(`SELECT pg_notify($1, $2)`, [REACH_CHANNEL, `${name} ${later.position}`]);
      await waitUntil(() => waiter.furthest() === later.position, 5000, 'the reach heard');
      // A reach is no checkpoint: whatever lies between is not known to be applied.
      expect(await waiter.waitFor(later.position, 300)).toBe(false);
      // Another consumer's reach is none of its business.
      await fx.pool.query(`SELECT pg_notify($1, $2)`, [REACH_CHANNEL, `someone-else 999999999:999999999`]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(waiter.furthest()).toBe(later.position);
    } finally {
      waiter.stop();
    }
  });

  it('answers read-your-writes from the shared tail without a query when nothing it handles lies up to the position', async () => {
    const name = 'from-memory';
    const consumer = fx.logging(name);
    const runner = new ProjectionRunner(fx.db, fx.store, fx.listener, consumer, { checkpointEveryMs: 60_000, idlePollMs: 60_000 });
    await runner.start();
    const peeker = logPeeker(fx.store);
    const withTail = new ConsistencyWaiter(fx.pool, fx.listener, [consumer], peeker);
    const queryOnly = new ConsistencyWaiter(fx.pool, fx.listener, [consumer]);
    await Promise.all([withTail.start(), queryOnly.start()]);
    onTestFinished(async () => {
      withTail.stop();
      queryOnly.stop();
      await runner.stop();
    });
    await waitUntil(() => runner.active, 5000, 'runner leads');
    await fx.store.append('Memory-1', 0, [fx.tick(name)], meta());
    await waitUntil(async () => (await fx.applied(name)).total === 1, 10_000, 'handled event applied');
    const applied = await readCheckpoint(fx.db, name);
    const position = (await fx.store.append('Memory-ignored', 0, [fx.tick('someone-else')], meta())).position;
    await waitUntil(() => peeker.handledBetween(applied, parsePosition(position), consumer.handles) === false, 10_000, 'the tail has read the ignored event');

    const pending: string[] = [];
    const query = fx.pool.query.bind(fx.pool);
    fx.pool.query = ((...args: Parameters<typeof query>) => {
      if (args[0] === PENDING_SQL) pending.push('query');
      return query(...args);
    }) as typeof query;
    try {
      expect(await withTail.waitFor(position, 5000), 'caught up: nothing it handles up to the position').toBe(true);
      expect(pending, 'answered from the tail').toEqual([]);
      // The same question without the tail costs a query: the count above can see one.
      expect(await queryOnly.waitFor(position, 5000)).toBe(true);
      expect(pending).toEqual(['query']);
    } finally {
      fx.pool.query = query;
    }
    expect(compareCheckpoints(await readCheckpoint(fx.db, name), parsePosition(position)), 'its checkpoint is still behind (lazy)').toBeLessThan(0);
  });

  it('opens no transaction for events of types it ignores: the checkpoint follows them lazily, a handled event still wakes it', async () => {
    const name = 'lazy';
    const checkpointOf = async (consumer: string) => formatCheckpoint(await readCheckpoint(fx.db, consumer));
    const positionOf = async (stream: string) => (await fx.store.readStream(stream, { tenantId: meta().tenantId })).at(-1)!.position;
    // Ignored events never move this one's checkpoint by themselves (a minute between moves), ...
    const patient = new ProjectionRunner(fx.db, fx.store, fx.listener, fx.logging(name), { checkpointEveryMs: 60_000, idlePollMs: 60_000 });
    // ... and move this one's soon (it handles nothing that is appended here).
    const eager = new ProjectionRunner(fx.db, fx.store, fx.listener, fx.logging(`${name}-eager`), { checkpointEveryMs: 200, idlePollMs: 60_000 });
    await Promise.all([patient.start(), eager.start()]);
    onTestFinished(() => Promise.all([patient.stop(), eager.stop()]).then(() => undefined));
    await fx.store.append('Lazy-1', 0, [fx.tick(name)], meta());
    await waitUntil(async () => (await fx.applied(name)).total === 1, 10_000, 'handled event applied');
    const applied = await checkpointOf(name);

    await fx.store.append('Lazy-ignored', 0, [fx.tick('someone-else'), fx.tick('someone-else')], meta());
    const ignored = await positionOf('Lazy-ignored');
    await waitUntil(async () => (await checkpointOf(`${name}-eager`)) === ignored, 10_000, 'the other runner’s checkpoint follows the ignored events');
    expect(await checkpointOf(name), 'no batch for ignored events').toBe(applied);

    await fx.store.append('Lazy-2', 0, [fx.tick(name)], meta());
    await waitUntil(async () => (await fx.applied(name)).total === 2, 10_000, 'a handled event after ignored ones is applied at once');
    expect(await checkpointOf(name)).toBe(await positionOf('Lazy-2'));
  });
});
