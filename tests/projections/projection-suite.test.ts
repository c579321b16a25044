import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ConsistencyWaiter } from '../../event-store/consistency.js';
import { listDeadLetters } from '../../event-store/maintenance.js';
import { compareCheckpoints, parsePosition } from '../../event-store/position.js';
import type { EventConsumer } from '../../event-store/projection.js';
import type { ProjectionRunner } from '../../event-store/projection-runner.js';
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
const echoPolicy = (name: string): EventConsumer => ({
  name,
  handles: new Set([`Tick-${name}`]),
  async apply(_trx, event) {
    await fx.store.append(`Echo-${event.streamId}`, null, [{ type: `Echo-${name}`, data: { of: event.eventId } }], { ...meta(event.tenantId), causationId: event.eventId }, { scope: name, key: event.eventId });
  },
});

/** A crash of the consumer's database work: the server ends its sessions, open transactions roll back. */
const killConsumerSessions = async () =>
  (await fx.spared.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE pid <> pg_backend_pid() AND datname = current_database() AND backend_type = 'client backend' AND query NOT ILIKE 'LISTEN%'
       AND application_name <> $1`,
    [fx.sparedName],
  )).rowCount;
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
    // The first event shows the consumer running; right after applying it the postgres runner
    // sleeps for its 60 s idle poll, so only the bus's wake-up brings it the second in time.
    const stream = `W-${definition.name}`;
    const first = parsePosition((await fx.store.append(stream, 0, [fx.tick(name)], meta())).position);
    await waitUntil(async () => (await fx.applied(name)).total === 1, 10_000, 'first event applied');
    if (definition.name === 'postgres') {
      // After a batch the runner looks once more, finds nothing and goes to sleep (it notes where it was).
      const runner = running as ProjectionRunner;
      await waitUntil(() => runner.idleAt?.globalPosition === first.globalPosition, 10_000, 'the runner looked again and found nothing');
    }
    await fx.store.append(stream, 1, [fx.tick(name)], meta());
    await waitUntil(async () => (await fx.applied(name)).total === 2, 10_000, 'second event applied');
    expect(await fx.applied(name)).toEqual({ total: 2, distinct: 2 });
  });

  it('applies every event exactly once, in stream order, across a stop and a crash', async () => {
    const name = named('restartable');
    await fx.appendTicks(name, 10, 60, `R-${definition.name}`);
    const first = await bus.start(fx.logging(name));
    await waitUntil(async () => (await fx.applied(name)).total >= 100, 30_000, 'first run progress');
    await first.stop();
    // Appended while nothing consumes: only the restart, from its checkpoint, can apply these.
    await fx.appendTicks(name, 4, 25, `RS-${definition.name}`);

    const second = await bus.start(fx.logging(name));
    onTestFinished(() => second.stop());
    await waitUntil(async () => (await fx.applied(name)).total >= 300, 30_000, 'second run progress');
    expect(await killConsumerSessions()).toBeGreaterThan(0);
    await fx.appendTicks(name, 4, 25, `R2-${definition.name}`);
    const markers = await fx.settle(name, [...fx.streamsOf(`R-${definition.name}`, 10), ...fx.streamsOf(`RS-${definition.name}`, 4), ...fx.streamsOf(`R2-${definition.name}`, 4)]);
    expect(await fx.applied(name)).toEqual({ total: 800 + markers, distinct: 800 + markers });
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
    const markers = await fx.settle(name, [...fx.streamsOf(`TI-${definition.name}`, 6), ...fx.streamsOf(`TI2-${definition.name}`, 6)]);
    expect(await fx.applied(name)).toEqual({ total: 180 + markers, distinct: 180 + markers });
    expect(await fx.inStreamOrder(name)).toBe(true);
  }, 120_000);

  it('runs a policy\'s command once per source event, even when a crash delivers events again', async () => {
    const name = named('echo');
    const running = await bus.start(echoPolicy(name));
    onTestFinished(() => running.stop());
    const echoes = async () => (await fx.spared.query(`SELECT count(*)::int AS total, count(DISTINCT data->>'of')::int AS sources FROM es.events WHERE event_type = $1`, [`Echo-${name}`])).rows[0];
    const appending = fx.appendTicks(name, 5, 40, `E-${definition.name}`);
    await waitUntil(async () => (await echoes()).total >= 20, 30_000, 'policy progress');
    await killConsumerSessions();
    await appending;
    await waitUntil(async () => (await echoes()).sources >= 200, 60_000, 'every source event echoed');
    const markers = await fx.appendMarkers(name, fx.streamsOf(`E-${definition.name}`, 5));
    const echoed = async () => (await fx.spared.query(`SELECT count(*)::int AS n FROM es.events WHERE event_type = $1 AND data->>'of' = ANY($2::text[])`, [`Echo-${name}`, markers])).rows[0].n;
    await waitUntil(async () => (await echoed()) === markers.length, 60_000, 'every marker echoed');
    expect(await echoes()).toEqual({ total: 200 + markers.length, sources: 200 + markers.length });
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
    const markers = await fx.settle(name, fx.streamsOf(`RB-${definition.name}`, 5));
    expect(await fx.applied(name)).toEqual({ total: 200 + markers, distinct: 200 + markers });
  }, 60_000);

  it('read-your-writes: a position counts as reached only once every event up to it is applied', async () => {
    const name = named('consistent');
    const projection = fx.logging(name);
    const running = await bus.start(projection);
    onTestFinished(() => running.stop());
    const waiter = new ConsistencyWaiter(fx.pool, fx.listener, [projection]);
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

  it('read-your-writes: events a read model ignores are not waited for, its own are', async () => {
    const name = named('ignoring');
    const projection = fx.logging(name);
    const running = await bus.start(projection);
    const waiter = new ConsistencyWaiter(fx.pool, fx.listener, [projection]);
    await waiter.start();
    onTestFinished(() => waiter.stop());
    const applied = await fx.store.append(`I-${definition.name}`, 0, [fx.tick(name)], meta());
    expect(await waiter.waitFor(applied.position, 30_000)).toBe(true);
    await running.stop();
    // With its consumer stopped, the read model's checkpoint stays behind whatever comes next.
    const ignored = await fx.store.append(`I-${definition.name}-other`, 0, [fx.tick(named('someone-else'))], meta());
    expect(await waiter.waitFor(ignored.position, 1000)).toBe(true);
    const own = await fx.store.append(`I-${definition.name}`, 1, [fx.tick(name)], meta());
    expect(await waiter.waitFor(own.position, 200)).toBe(false);
    // An ignored event after one of its own does not hide that one.
    const later = await fx.store.append(`I-${definition.name}-other`, 1, [fx.tick(named('someone-else'))], meta());
    expect(await waiter.waitFor(later.position, 200)).toBe(false);
  }, 60_000);

  it('read-your-writes: a position the read models never reach is waited for only until the timeout', async () => {
    const name = named('lagging');
    const waiter = new ConsistencyWaiter(fx.pool, fx.listener, [fx.logging(name)]);
    await waiter.start();
    onTestFinished(() => waiter.stop());
    const { position } = await fx.store.append(`L-${definition.name}`, 0, [fx.tick(name)], meta());
    // No consumer of this projection runs yet, so nothing will ever reach the position.
    expect(await waiter.waitFor(position, 200)).toBe(false);
    // A wait under way when the consumer arrives still ends as soon as the position is reached.
    const waiting = waiter.waitFor(position, 30_000);
    const running = await bus.start(fx.logging(name));
    onTestFinished(() => running.stop());
    expect(await waiting).toBe(true);
    expect((await fx.applied(name)).total).toBe(1);
  }, 60_000);
});
