import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type pg from 'pg';
import { CommandHandler } from '../../event-store/command-handler.js';
import type { EventStore } from '../../event-store/event-store.js';
import { DomainError } from '../../platform/errors.js';
import { SAMPLE_STATUSES, type SampleStatus } from '../../subgraphs/samples/events.js';
import { moveTo, sampleDecider, TRANSITIONS, type RegisterSample } from '../../subgraphs/samples/domain/sample.js';
import { openEventStore } from '../support/event-store.js';

let pool: pg.Pool;
let store: EventStore;

beforeAll(async () => {
  ({ pool, store } = await openEventStore());
});
afterAll(() => pool.end());

const register = (sampleId: string, barcode: string, sampleType: RegisterSample['data']['sampleType'] = 'DNA'): RegisterSample => ({ type: 'RegisterSample', data: { sampleId, barcode, sampleType } });

describe('snapshots', () => {
  it('load the same state with and without snapshots, for random event sequences', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 7 }),
        // Each step names a status, or (valid) picks one of the allowed moves, so most runs go far.
        fc.array(fc.record({ to: fc.constantFrom(...SAMPLE_STATUSES), valid: fc.boolean(), pick: fc.nat() }), { maxLength: 40 }),
        async (snapshotEvery, steps) => {
          const commands = new CommandHandler(store, { snapshotEvery });
          const id = crypto.randomUUID();
          const context = { tenantId: 'lab', actor: 'prop' };
          let { version } = await commands.execute(sampleDecider, id, register(id, `PROP-${run++}`), context);
          let status: SampleStatus = 'PENDING';
          // A tube once stored stays in its box until it is discarded or archived (nothing here takes
          // it out): validating it again (after a failed run) puts it back IN_STORAGE in the same write.
          let inStorage = false;
          let snapshotAt = version >= snapshotEvery ? version : null;
          for (const step of steps) {
            const allowed: readonly SampleStatus[] = TRANSITIONS[status];
            const to: SampleStatus = step.valid && allowed.length > 0 ? allowed[step.pick % allowed.length]! : step.to;
            // Only a refusal the transition table predicts is acceptable; anything else fails the run.
            const outcome = await commands.execute(sampleDecider, id, moveTo(to, id, 'reason'), context).catch((error: unknown) => error);
            if (!allowed.includes(to)) {
              expect(outcome).toBeInstanceOf(DomainError);
              continue;
            }
            expect(outcome).not.toBeInstanceOf(Error);
            const next = (outcome as { version: number }).version;
            if (Math.floor(next / snapshotEvery) > Math.floor(version / snapshotEvery)) snapshotAt = next;
            version = next;
            inStorage = to === 'IN_STORAGE' || (inStorage && to !== 'DISCARDED' && to !== 'ARCHIVED');
            status = to === 'VALIDATED' && inStorage ? 'IN_STORAGE' : to;
          }
          const withSnapshots = await commands.load(sampleDecider, id, 'lab', { useSnapshots: true });
          const fromEvents = await commands.load(sampleDecider, id, 'lab', { useSnapshots: false });
          expect(withSnapshots).toEqual(fromEvents);
          expect(fromEvents.version).toBe(version);
          expect(fromEvents.state).toMatchObject({ status });
          const snapshot = await store.loadSnapshot(`Sample-${id}`, 'lab', sampleDecider.stateSchema);
          expect(snapshot?.version ?? null).toBe(snapshotAt);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('load from the snapshot, then only the events after it', async () => {
    const commands = new CommandHandler(store, { snapshotEvery: 2 });
    const id = crypto.randomUUID();
    const context = { tenantId: 'lab', actor: null };
    await commands.execute(sampleDecider, id, register(id, 'SNAP-USED-1'), context);
    await commands.execute(sampleDecider, id, moveTo('RECEIVED', id), context);
    // Marked, so a state that came from the snapshot shows it; the log still says SNAP-USED-1.
    const marked = await pool.query(`UPDATE es.snapshots SET state = jsonb_set(state, '{barcode}', '"FROM-SNAPSHOT"') WHERE stream_id = $1 AND version = 2`, [`Sample-${id}`]);
    expect(marked.rowCount).toBe(1);
    await commands.execute(sampleDecider, id, moveTo('VALIDATED', id), context);
    expect(await commands.load(sampleDecider, id, 'lab', { useSnapshots: true })).toMatchObject({ version: 3, state: { barcode: 'FROM-SNAPSHOT', status: 'VALIDATED' } });
    expect(await commands.load(sampleDecider, id, 'lab', { useSnapshots: false })).toMatchObject({ version: 3, state: { barcode: 'SNAP-USED-1', status: 'VALIDATED' } });
  });

  it('loads several streams in one statement as one by one: snapshots used, their schema checked, order kept, empty streams empty', async () => {
    const commands = new CommandHandler(store, { snapshotEvery: 2 });
    const context = { tenantId: 'lab', actor: null };
    const [a, b, c] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await commands.execute(sampleDecider, a, register(a, 'MANY-A-1'), context);
    for (const to of ['RECEIVED', 'VALIDATED'] as const) await commands.execute(sampleDecider, a, moveTo(to, a), context);
    await commands.execute(sampleDecider, b, register(b, 'MANY-B-1'), context);
    await pool.query(`UPDATE es.snapshots SET state = jsonb_set(state, '{barcode}', '"FROM-SNAPSHOT"') WHERE stream_id = $1`, [`Sample-${a}`]);
    const streams = [b, c, a].map((id) => ({ streamId: `Sample-${id}`, stateSchema: sampleDecider.stateSchema }));
    const [forB, forC, forA] = (await store.loadStreams(streams, 'lab')).streams;
    expect(forA!.snapshot).toMatchObject({ version: 2, state: { barcode: 'FROM-SNAPSHOT' } });
    expect(forA!.events.map((e) => [e.type, e.streamVersion])).toEqual([['SampleValidated', 3]]);
    expect(forB).toMatchObject({ snapshot: null, events: [{ type: 'SampleRegistered', streamVersion: 1 }] });
    expect(forC).toEqual({ snapshot: null, events: [] });
    // Another schema's snapshot is not used; another tenant's streams are not seen.
    const [older] = (await store.loadStreams([{ streamId: `Sample-${a}`, stateSchema: sampleDecider.stateSchema - 1 }], 'lab')).streams;
    expect(older!.snapshot).toBeNull();
    expect(older!.events.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
    expect((await store.loadStreams([{ streamId: `Sample-${a}`, stateSchema: sampleDecider.stateSchema }], 'other-lab')).streams).toEqual([{ snapshot: null, events: [] }]);
  });

  it('ignores snapshots of an older state schema', async () => {
    const commands = new CommandHandler(store, { snapshotEvery: 1 });
    const id = crypto.randomUUID();
    await commands.execute(sampleDecider, id, register(id, 'OLD-SCHEMA-1', 'RNA'), { tenantId: 'lab', actor: null });
    // A snapshot written by an older evolve: different shape, older schema number.
    const updated = await pool.query(`UPDATE es.snapshots SET state = '{"status":"NONE"}', state_schema = 0 WHERE stream_id = $1`, [`Sample-${id}`]);
    expect(updated.rowCount).toBe(1);
    expect((await commands.load(sampleDecider, id, 'lab')).state).toMatchObject({ id, status: 'PENDING' });
  });
});
