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

  it("answers a decision whose ids are made up per call with the first call's streams (replayedIds)", async () => {
    const commands = new CommandHandler(store);
    const shared = crypto.randomUUID();
    const key = { scope: 'take-new', key: shared };
    const take = () => {
      const own = crypto.randomUUID();
      return commands.executeAcross(takeFromShared, { shared, own }, { type: 'Count', data: { by: 'new' } }, context, { idempotencyKey: key, result: () => ({ own }), replayedIds: (first) => ({ own: String(first.own) }) });
    };
    const first = await take();
    await commands.execute(counter, shared, { type: 'Count', data: { by: 'later' } }, context);
    const again = await take();
    expect(again).toMatchObject({ replayed: true, position: first.position, result: first.result, versions: { shared: 1, own: 1 }, states: { shared: { count: 1 }, own: { count: 1 } } });
  });

  it('answers a create that makes its id up per call with the aggregate the first call created', async () => {
    const commands = new CommandHandler(store);
    const key = `create-${crypto.randomUUID()}`;
    const first = await commands.execute(counter, crypto.randomUUID(), { type: 'Count', data: { by: 'create' } }, context, { idempotencyKey: key });
    // A retry from another process (nothing cached) and from this one, each with a new id.
    for (const handler of [new CommandHandler(store), commands]) {
      const retryId = crypto.randomUUID();
      const replay = await handler.execute(counter, retryId, { type: 'Count', data: { by: 'create' } }, context, { idempotencyKey: key });
      expect(replay).toMatchObject({ id: first.id, replayed: true, position: first.position, version: 1, state: { count: 1 } });
      expect(await streamVersions(`Counter-${retryId}`)).toEqual([]);
    }
  });
});

type Gate = Command<'Open' | 'Close', Record<string, never>>;
type GateEvent = Event<'Opened' | 'Closed', Record<string, never>>;
/** Refuses what would not change the gate: a decision a stale state would get wrong either way. */
const gate: Decider<Gate, GateEvent, { open: boolean }> = {
  streamType: 'Gate',
  stateSchema: 1,
  initialState: () => ({ open: false }),
  decide: (command, state) => {
    if ((command.type === 'Open') === state.open) throw new Error(`already ${state.open ? 'open' : 'closed'}`);
    return [{ type: command.type === 'Open' ? 'Opened' : 'Closed', data: {} }];
  },
  evolve: (_state, event) => ({ open: event.type === 'Opened' }),
};
const open: Gate = { type: 'Open', data: {} };
const close: Gate = { type: 'Close', data: {} };

describe('states kept in memory between commands', () => {
  /** A store that counts the stream loads a handler asks of it. */
  const counting = () => {
    const loads = { count: 0 };
    const wrapped = Object.assign(Object.create(store) as EventStore, {
      loadStreams: (...args: Parameters<EventStore['loadStreams']>) => {
        loads.count++;
        return store.loadStreams(...args);
      },
      loadStream: (...args: Parameters<EventStore['loadStream']>) => {
        loads.count++;
        return store.loadStream(...args);
      },
    });
    return { loads, commands: new CommandHandler(wrapped) };
  };
  /** Two processes' handlers over one log, and a new stream. */
  const twoProcesses = () => ({ here: new CommandHandler(store), elsewhere: new CommandHandler(store), id: crypto.randomUUID() });

  it('decides a second command on a stream this handler wrote without loading it', async () => {
    const { loads, commands } = counting();
    const id = crypto.randomUUID();
    await commands.execute(gate, id, open, context);
    const loadsAfterFirst = loads.count;
    const closed = await commands.execute(gate, id, close, context);
    expect(loads.count).toBe(loadsAfterFirst);
    expect(closed).toMatchObject({ version: 2, state: { open: false } });
    const shared = crypto.randomUUID();
    const own = crypto.randomUUID();
    await commands.executeAcross(takeFromShared, { shared, own }, { type: 'Count', data: { by: 'a' } }, context);
    const before = loads.count;
    const again = await commands.executeAcross(takeFromShared, { shared, own }, { type: 'Count', data: { by: 'b' } }, context);
    expect(loads.count).toBe(before);
    expect(again.versions).toEqual({ shared: 2, own: 2 });
  });

  it('refuses from the stream, not from a state another writer made stale', async () => {
    const { here, elsewhere, id } = twoProcesses();
    await here.execute(gate, id, open, context);
    await elsewhere.execute(gate, id, close, context);
    // Cached "open" would allow closing; the stream says it is closed.
    await expect(here.execute(gate, id, close, context)).rejects.toThrow('already closed');
    expect(await streamVersions(`Gate-${id}`)).toEqual([1, 2]);
  });

  it('writes what the stream allows when a stale state would have refused', async () => {
    const { here, elsewhere, id } = twoProcesses();
    await here.execute(gate, id, open, context);
    await here.execute(gate, id, close, context);
    await elsewhere.execute(gate, id, open, context);
    // Cached "closed" would refuse closing; the stream says it is open again.
    const closed = await here.execute(gate, id, close, context);
    expect(closed).toMatchObject({ version: 4, state: { open: false }, replayed: false });
    expect(await streamVersions(`Gate-${id}`)).toEqual([1, 2, 3, 4]);
  });

  it('answers a client expectedVersion by the stream, not by a stale state', async () => {
    const { here, elsewhere, id } = twoProcesses();
    await here.execute(gate, id, open, context);
    await elsewhere.execute(gate, id, close, context);
    const reopened = await here.execute(gate, id, open, context, { expectedVersion: 2 });
    expect(reopened.version).toBe(3);
    await expect(here.execute(gate, id, close, context, { expectedVersion: 2 })).rejects.toMatchObject({ expected: 2, actual: 3 });
  });

  it('decides on streams declared likely new without loading them, and loads one that existed', async () => {
    const { loads, commands } = counting();
    const [shared, own] = [crypto.randomUUID(), crypto.randomUUID()];
    const count = (by: string, key?: string) =>
      commands.executeAcross(takeFromShared, { shared, own }, { type: 'Count', data: { by } }, context, { likelyNew: ['shared', 'own'], idempotencyKey: key ? { scope: 'count', key } : undefined });
    expect((await count('a', `k-${own}`)).versions).toEqual({ shared: 1, own: 1 });
    expect(loads.count).toBe(0);
    // Another process's handler guesses both new too: the append refuses the guess, a load decides.
    const elsewhere = counting();
    const again = await elsewhere.commands.executeAcross(takeFromShared, { shared, own }, { type: 'Count', data: { by: 'b' } }, context, { likelyNew: ['shared', 'own'] });
    expect({ versions: again.versions, loads: elsewhere.loads.count }).toEqual({ versions: { shared: 2, own: 2 }, loads: 1 });
    expect(await streamVersions(`Counter-${own}`)).toEqual([1, 2]);
    // A guessed write with a key already used answers the first write, and writes nothing.
    const third = counting();
    const replayed = await third.commands.executeAcross(takeFromShared, { shared, own }, { type: 'Count', data: { by: 'c' } }, context, { likelyNew: ['shared', 'own'], idempotencyKey: { scope: 'count', key: `k-${own}` } });
    expect({ replayed: replayed.replayed, versions: replayed.versions }).toEqual({ replayed: true, versions: { shared: 1, own: 1 } });
    expect(await streamVersions(`Counter-${own}`)).toEqual([1, 2]);
  });

  it('snapshots every stream a decision writes, as a single-stream command does', async () => {
    const commands = new CommandHandler(store, { snapshotEvery: 2 });
    const [shared, own, single] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    for (const by of ['a', 'b', 'c']) {
      await commands.executeAcross(takeFromShared, { shared, own }, { type: 'Count', data: { by } }, context);
      await commands.execute(counter, single, { type: 'Count', data: { by } }, context);
    }
    const { rows } = await pool.query(`SELECT stream_id, version FROM es.snapshots WHERE stream_id = ANY($1) ORDER BY stream_id`, [[shared, own, single].map((id) => `Counter-${id}`)]);
    expect(Object.fromEntries(rows.map((row) => [row.stream_id, row.version]))).toEqual({ [`Counter-${shared}`]: 2, [`Counter-${own}`]: 2, [`Counter-${single}`]: 2 });
  });

  it('keeps its states frozen: a caller cannot change the next decision', async () => {
    const { here, id } = twoProcesses();
    const opened = await here.execute(gate, id, open, context);
    expect(() => {
      (opened.state as { open: boolean }).open = false;
    }).toThrow(TypeError);
    await expect(here.execute(gate, id, open, context)).rejects.toThrow('already open');
  });
});
