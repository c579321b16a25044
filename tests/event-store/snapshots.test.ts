import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type pg from 'pg';
import { CommandHandler } from '../../event-store/command-handler.js';
import type { EventStore } from '../../event-store/event-store.js';
import { DomainError } from '../../platform/errors.js';
import { SAMPLE_STATUSES } from '../../subgraphs/samples/domain/events.js';
import { changeStatus, registerSample, sampleDecider } from '../../subgraphs/samples/domain/sample.js';
import { openEventStore } from '../support/event-store.js';

let pool: pg.Pool;
let store: EventStore;

beforeAll(async () => {
  ({ pool, store } = await openEventStore());
});
afterAll(() => pool.end());

describe('snapshots', () => {
  it('load the same state with and without snapshots, for random event sequences', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.record({ to: fc.constantFrom(...SAMPLE_STATUSES), reason: fc.option(fc.string({ minLength: 1, maxLength: 8 })) }), { maxLength: 40 }),
        async (snapshotEvery, steps) => {
          const commands = new CommandHandler(store, { snapshotEvery });
          const id = crypto.randomUUID();
          const context = { tenantId: 'lab', actor: 'prop' };
          await commands.handle(sampleDecider, {
            id,
            context,
            decide: (state) => registerSample({ sampleId: id, tenantId: 'lab', barcode: `PROP-${run++}`, sampleType: 'DNA' }, state),
          });
          for (const step of steps) {
            await commands.handle(sampleDecider, { id, context, decide: (state) => changeStatus(state, step.to, step.reason ?? 'r') }).catch((error) => {
              if (!(error instanceof DomainError)) throw error;
            });
          }
          const withSnapshots = await commands.load(sampleDecider, id, 'lab', true);
          const fromEvents = await commands.load(sampleDecider, id, 'lab', false);
          expect(withSnapshots).toEqual(fromEvents);
          const snapshot = await store.loadSnapshot(`Sample-${id}`, 'lab', sampleDecider.stateSchema);
          if (fromEvents.version >= snapshotEvery) expect(snapshot?.version).toBeGreaterThanOrEqual(snapshotEvery);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('ignores snapshots of an older state schema', async () => {
    const commands = new CommandHandler(store, { snapshotEvery: 1 });
    const id = crypto.randomUUID();
    await commands.handle(sampleDecider, { id, context: { tenantId: 'lab', actor: null }, decide: (s) => registerSample({ sampleId: id, tenantId: 'lab', barcode: 'OLD-SCHEMA-1', sampleType: 'RNA' }, s) });
    // A snapshot written by an older evolve: different shape, older schema number.
    const updated = await pool.query(`UPDATE es.snapshots SET state = '{"status":"NONE"}', state_schema = 0 WHERE stream_id = $1`, [`Sample-${id}`]);
    expect(updated.rowCount).toBe(1);
    expect((await commands.load(sampleDecider, id, 'lab')).state).toMatchObject({ id, status: 'PENDING' });
  });
});
