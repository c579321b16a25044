import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { CommandHandler } from '../../event-store/command-handler.js';
import { decideAcross, type Command, type Decider } from '../../event-store/decider.js';
import { ConcurrencyError, ContentionError } from '../../event-store/errors.js';
import type { EventStore } from '../../event-store/event-store.js';
import type { Event } from '../../event-store/types.js';
import { openEventStore } from '../support/event-store.js';

let pool: pg.Pool;
let store: EventStore;

beforeAll(async () => {
  ({ pool, store } = await openEventStore());
});
afterAll(() => pool.end());

type Count = Command<'Count', { by: string }>;
type Counted = Event<'Counted', { by: string }>;
const counter: Decider<Count, Counted, { count: number }> = {
  streamType: 'Counter',
  stateSchema: 1,
  initialState: () => ({ count: 0 }),
  decide: (command) => [counted(command)],
  evolve: (state) => ({ count: state.count + 1 }),
};
// Like an aliquot: every writer takes from one shared stream and writes its own.
const counted = (command: Count): Counted => ({ type: 'Counted', data: { by: command.data.by } });
const takeFromShared = decideAcross({ shared: counter, own: counter }, (command: Count) => ({ shared: [counted(command)], own: [counted(command)] }));

const context = { tenantId: 'lab', actor: 'tester' };
const writers = 20;
const streamVersions = async (streamId: string) => (await store.readStream(streamId, { tenantId: 'lab' })).map((event) => event.streamVersion);
const oneToN = Array.from({ length: writers }, (_, index) => index + 1);

describe('command handler under contention', () => {
  it(`runs ${writers} concurrent commands on one stream, none with an expectedVersion, one after the other`, async () => {
    const commands = new CommandHandler(store);
    const id = crypto.randomUUID();
    const results = await Promise.all(Array.from({ length: writers }, (_, index) => commands.execute(counter, id, { type: 'Count', data: { by: `w${index}` } }, context)));
    expect(results.map((result) => result.version).sort((a, b) => a - b)).toEqual(oneToN);
    expect(await streamVersions(`Counter-${id}`)).toEqual(oneToN);
    expect((await commands.load(counter, id, 'lab')).state.count).toBe(writers);
  });

  it(`runs ${writers} concurrent decisions that all write one shared stream`, async () => {
    const commands = new CommandHandler(store);
    const shared = crypto.randomUUID();
    const results = await Promise.all(
      Array.from({ length: writers }, (_, index) => commands.executeAcross(takeFromShared, { shared, own: crypto.randomUUID() }, { type: 'Count', data: { by: `w${index}` } }, context)),
    );
    expect(results.map((result) => result.versions.shared).sort((a, b) => a - b)).toEqual(oneToN);
    expect(await streamVersions(`Counter-${shared}`)).toEqual(oneToN);
  });

  it('still answers a stale expectedVersion with ConcurrencyError, without retrying', async () => {
    const commands = new CommandHandler(store);
    const id = crypto.randomUUID();
    await commands.execute(counter, id, { type: 'Count', data: { by: 'first' } }, context);
    await commands.execute(counter, id, { type: 'Count', data: { by: 'second' } }, context);
    const stale = commands.execute(counter, id, { type: 'Count', data: { by: 'late' } }, context, { expectedVersion: 1 });
    await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(stale).rejects.toMatchObject({ expected: 1, actual: 2 });
  });

  it('gives up after maxAttempts with ContentionError, which reports no expected version the client never sent', async () => {
    let appends = 0;
    // A stream some other writer always changes first.
    const alwaysBeaten = Object.assign(Object.create(store) as EventStore, {
      appendUnit: async () => {
        appends++;
        throw new ConcurrencyError('Counter-busy', appends - 1, appends);
      },
    });
    const commands = new CommandHandler(alwaysBeaten, { maxAttempts: 4, retryBaseMs: 1, retryMaxMs: 1 });
    const single = await commands.execute(counter, crypto.randomUUID(), { type: 'Count', data: { by: 'x' } }, context).catch((error: unknown) => error);
    expect(single).toBeInstanceOf(ContentionError);
    expect(single).not.toBeInstanceOf(ConcurrencyError);
    expect(appends).toBe(4);
    appends = 0;
    const across = await commands.executeAcross(takeFromShared, { shared: crypto.randomUUID(), own: crypto.randomUUID() }, { type: 'Count', data: { by: 'y' } }, context).catch((error: unknown) => error);
    expect(across).toBeInstanceOf(ContentionError);
    expect(appends).toBe(4);
  });
});

describe('a repeated idempotency key', () => {
  it('answers the state the first write left, not what later writes made it, on one stream and across streams', async () => {
    // Snapshots every write: a replay must not take a snapshot newer than the write it answers.
    const commands = new CommandHandler(store, { snapshotEvery: 1 });
    const id = crypto.randomUUID();
    const first = await commands.execute(counter, id, { type: 'Count', data: { by: 'keyed' } }, context, { idempotencyKey: `k-${id}` });
    await commands.execute(counter, id, { type: 'Count', data: { by: 'later' } }, context);
    await commands.execute(counter, id, { type: 'Count', data: { by: 'later' } }, context);
    const replay = await commands.execute(counter, id, { type: 'Count', data: { by: 'keyed' } }, context, { idempotencyKey: `k-${id}` });
    expect(replay).toMatchObject({ replayed: true, position: first.position, version: 1, state: { count: 1 } });

    const shared = crypto.randomUUID();
    await commands.execute(counter, shared, { type: 'Count', data: { by: 'before' } }, context);
    const own = crypto.randomUUID();
    const across = await commands.executeAcross(takeFromShared, { shared, own }, { type: 'Count', data: { by: 'keyed' } }, context, { idempotencyKey: { scope: 'take', key: own } });
    await commands.executeAcross(takeFromShared, { shared, own: crypto.randomUUID() }, { type: 'Count', data: { by: 'later' } }, context);
    const again = await commands.executeAcross(takeFromShared, { shared, own }, { type: 'Count', data: { by: 'keyed' } }, context, { idempotencyKey: { scope: 'take', key: own } });
    expect(again).toMatchObject({ replayed: true, position: across.position, versions: { shared: 2, own: 1 }, states: { shared: { count: 2 }, own: { count: 1 } } });
  });
});
