import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ConsistencyWaiter } from '../../event-store/consistency.js';
import { listDeadLetters } from '../../event-store/maintenance.js';
import { compareCheckpoints, parsePosition } from '../../event-store/position.js';
import type { Projection } from '../../event-store/projection.js';
import { runBus, type Bus } from '../support/buses.js';
import { meta } from '../support/event-store.js';
import { openProjectionFixtures, type ProjectionFixtures } from '../support/projection-fixtures.js';
import { waitUntil } from '../support/wait.js';

/**
 * The projection and policy suite, run once per event bus (vitest projects `postgres` and `kafka`):
 * the same projection code fed by the postgres log directly, or by the Kafka relay and consumer
 * groups (librdkafka's mock cluster).
 */
let fx: ProjectionFixtures;
beforeAll(async () => {
  fx = await openProjectionFixtures();
});
afterAll(async () => fx?.close());

/**
 * A policy as the subgraphs write them: it issues a command of its own (an append outside the
 * projection's transaction) keyed by the source event, so a redelivered event changes nothing.
 */
const echoPolicy = (name: string): Projection => ({
  name,
  handles: new Set([`Tick-${name}`]),
  async apply(_trx, event) {
    await fx.store.append(`Echo-${event.streamId}`, null, [{ type: `Echo-${name}`, data: { of: event.eventId } }], { ...meta(event.tenantId), causationId: event.eventId }, { scope: name, key: event.eventId });
  },
});

/** A crash of the consumer's database work: the server ends its sessions, open transactions roll back. */
const killConsumerSessions = async () =>
  (await fx.pool.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE pid <> pg_backend_pid() AND datname = current_database() AND backend_type = 'client backend' AND query NOT ILIKE 'LISTEN%'`,
  )).rowCount;
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

const definition = runBus();

describe(`projections and policies over the ${definition.name} bus`, () => {
  let bus: Bus;
  const named = (label: string) => `${label}-${definition.name}`;
  beforeAll(async () => {
    bus = await definition.open(fx);
  });
  afterAll(async () => bus?.close());

  it('applies an event appended after it started, woken by the bus rather than a poll', async () => {
    const name = named('woken');
    const running = await bus.start(fx.logging(name));
    onTestFinished(() => running.stop());
    await settle();
    await fx.store.append(`W-${definition.name}`, 0, [fx.tick(name)], meta());
    await waitUntil(async () => (await fx.applied(name)).total === 1, 10_000, 'event applied');
  });

  it('applies every event exactly once, in stream order, across a stop and a crash', async () => {
    const name = named('restartable');
    await fx.appendTicks(name, 10, 60, `R-${definition.name}`);
    const first = await bus.start(fx.logging(name));
    await waitUntil(async () => (await fx.applied(name)).total >= 100, 30_000, 'first run progress');
    await first.stop();
    expect((await fx.applied(name)).total).toBeLessThan(600);

    const second = await bus.start(fx.logging(name));
    onTestFinished(() => second.stop());
    await waitUntil(async () => (await fx.applied(name)).total >= 300, 30_000, 'second run progress');
    expect(await killConsumerSessions()).toBeGreaterThan(0);
    await fx.appendTicks(name, 4, 25, `R2-${definition.name}`);
    await waitUntil(async () => (await fx.applied(name)).total >= 700, 60_000, 'all events applied');
    await settle();
    expect(await fx.applied(name)).toEqual({ total: 700, distinct: 700 });
    expect(await fx.inStreamOrder(name)).toBe(true);
  }, 120_000);

  it('shares one projection between two instances: each event once, and the survivor carries on', async () => {
    const name = named('two-instances');
    const one = await bus.start(fx.logging(name));
    const two = await bus.start(fx.logging(name));
    onTestFinished(() => two.stop());
    await fx.appendTicks(name, 6, 20, `TI-${definition.name}`);
    await waitUntil(async () => (await fx.applied(name)).total >= 120, 30_000, 'both instances applied');
    await one.stop();
    await fx.appendTicks(name, 6, 10, `TI2-${definition.name}`);
    await waitUntil(async () => (await fx.applied(name)).total >= 180, 60_000, 'the survivor applied the rest');
    await settle();
    expect(await fx.applied(name)).toEqual({ total: 180, distinct: 180 });
    expect(await fx.inStreamOrder(name)).toBe(true);
  }, 120_000);

  it('runs a policy\'s command once per source event, even when a crash delivers events again', async () => {
    const name = named('echo');
    const running = await bus.start(echoPolicy(name));
    onTestFinished(() => running.stop());
    const echoes = async () => (await fx.pool.query(`SELECT count(*)::int AS total, count(DISTINCT data->>'of')::int AS sources FROM es.events WHERE event_type = $1`, [`Echo-${name}`])).rows[0];
    const appending = fx.appendTicks(name, 5, 40, `E-${definition.name}`);
    await waitUntil(async () => (await echoes()).total >= 20, 30_000, 'policy progress');
    await killConsumerSessions();
    await appending;
    await waitUntil(async () => (await echoes()).sources >= 200, 60_000, 'every source event echoed');
    await settle();
    expect(await echoes()).toEqual({ total: 200, sources: 200 });
  }, 120_000);

  it('dead-letters a poison event after its retries, lists it, and carries on', async () => {
    const name = named('poisoned');
    const running = await bus.start(fx.logging(name));
    onTestFinished(() => running.stop());
    await fx.store.append(`P-${definition.name}-1`, 0, [fx.tick(name)], meta());
    await fx.store.append(`P-${definition.name}-2`, 0, [fx.tick(name, { poison: true })], meta());
    await fx.store.append(`P-${definition.name}-3`, 0, [fx.tick(name)], meta());
    await waitUntil(async () => (await fx.applied(name)).total === 2, 30_000, 'healthy events applied');
    await waitUntil(async () => (await listDeadLetters(fx.db)).some((l) => l.consumer === name), 30_000, 'poison dead-lettered');
    const letters = (await listDeadLetters(fx.db)).filter((l) => l.consumer === name);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.error).toContain('cannot digest');
  }, 60_000);

  it('replays a dead letter once the cause is fixed, once only, though its stream moved on', async () => {
    const name = named('fixable');
    let broken = true;
    const projection = fx.logging(name, { poison: () => broken });
    const running = await bus.start(projection, { maxAttempts: 1 });
    onTestFinished(() => running.stop());
    const stream = `F-${definition.name}`;
    await fx.store.append(stream, 0, [fx.tick(name, { poison: true })], meta());
    await fx.store.append(stream, 1, [fx.tick(name)], meta());
    await waitUntil(async () => (await fx.applied(name)).total === 1, 30_000, 'the later event applied');
    await waitUntil(async () => (await listDeadLetters(fx.db)).some((l) => l.consumer === name), 30_000, 'poison dead-lettered');
    broken = false;
    expect(await bus.replayDeadLetters(projection)).toMatchObject({ replayed: 1 });
    expect(await fx.applied(name)).toEqual({ total: 2, distinct: 2 });
    expect((await listDeadLetters(fx.db)).filter((l) => l.consumer === name)).toHaveLength(0);
    expect(await bus.replayDeadLetters(projection)).toMatchObject({ replayed: 0 });
    expect(await fx.applied(name)).toEqual({ total: 2, distinct: 2 });
  }, 60_000);

  it('rebuilds a read model while it runs: emptied, replayed, each event once', async () => {
    const name = named('rebuildable');
    const projection = fx.logging(name);
    const running = await bus.start(projection);
    onTestFinished(() => running.stop());
    const appending = fx.appendTicks(name, 5, 40, `RB-${definition.name}`);
    await waitUntil(async () => (await fx.applied(name)).total >= 60, 30_000, 'partly applied');
    await bus.rebuild(projection);
    await appending;
    await waitUntil(async () => (await fx.applied(name)).total >= 200, 30_000, 'complete after the rebuild');
    await settle();
    expect(await fx.applied(name)).toEqual({ total: 200, distinct: 200 });
  }, 60_000);

  it('read-your-writes: a position counts as reached only once every event up to it is applied', async () => {
    const name = named('consistent');
    const running = await bus.start(fx.logging(name));
    onTestFinished(() => running.stop());
    const waiter = new ConsistencyWaiter(fx.pool, fx.listener, [name]);
    await waiter.start();
    onTestFinished(() => waiter.stop());
    // Many streams, so under Kafka the events spread over partitions that are read in any interleaving.
    for (let round = 0; round < 5; round++) {
      const written = await Promise.all(Array.from({ length: 12 }, (_, s) => fx.store.append(`C-${definition.name}-${round}-${s}`, 0, [fx.tick(name)], meta())));
      const last = written.map((w) => w.position).sort((a, b) => compareCheckpoints(parsePosition(a), parsePosition(b))).at(-1)!;
      expect(await waiter.waitFor(last, 30_000)).toBe(true);
      expect((await fx.applied(name)).total).toBe(12 * (round + 1));
    }
  }, 120_000);
});
