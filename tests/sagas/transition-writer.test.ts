import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { EventStore } from '../../event-store/event-store.js';
import { sagaMigrations, type SagaRow, type StepRow } from '../../sagas/orchestrator/saga-schema.js';
import { applyTransition, persisted } from '../../sagas/orchestrator/saga-transition.js';
import { TransitionWriter } from '../../sagas/orchestrator/transition-writer.js';
import { openEventStore } from '../support/event-store.js';

let pool: pg.Pool;
let store: EventStore;
beforeAll(async () => {
  ({ pool, store } = await openEventStore({}, [sagaMigrations]));
});
afterAll(() => pool.end());

/** A saga leased by `owner`, its one step PENDING. */
const leasedSaga = async (owner: string): Promise<{ saga: SagaRow; steps: StepRow[] }> => {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO sagas.instances (id, tenant_id, type, status, data, deadline_at, correlation_id, lease_owner, lease_until)
     VALUES ($1, 'lab-a', 'test', 'RUNNING', '{}', now() + interval '1 minute', 'c', $2, now() + interval '1 minute')`,
    [id, owner],
  );
  await pool.query(`INSERT INTO sagas.steps (saga_id, idx, name, status) VALUES ($1, 0, 'only', 'PENDING')`, [id]);
  const saga = (await pool.query(`SELECT * FROM sagas.instances WHERE id = $1`, [id])).rows[0] as SagaRow;
  const steps = (await pool.query(`SELECT * FROM sagas.steps WHERE saga_id = $1`, [id])).rows as StepRow[];
  return { saga, steps };
};

/** Step 0 done and the saga completed, with its event. */
const complete = ({ saga, steps }: { saga: SagaRow; steps: StepRow[] }, owner: string) => {
  const transition = {
    saga: { status: 'COMPLETED', current_step: 1, finished_at: new Date(), lease_owner: null },
    steps: [{ index: 0, change: { status: 'DONE', attempts: 1 } }],
    events: [{ type: 'SagaCompleted' }],
  } as const;
  return persisted(applyTransition(saga, steps, transition), transition, { owner, until: new Date(Date.now() + 60_000) });
};

const stateOf = async (id: string) => ({
  status: (await pool.query(`SELECT status FROM sagas.instances WHERE id = $1`, [id])).rows[0].status,
  step: (await pool.query(`SELECT status FROM sagas.steps WHERE saga_id = $1`, [id])).rows[0].status,
  events: (await pool.query(`SELECT event_type FROM es.events WHERE stream_id = $1`, [`Saga-${id}`])).rows.map((r) => r.event_type),
});

describe('saga transitions written together', () => {
  it('writes the transitions ready at once in one statement, each only under its own lease', async () => {
    let statements = 0;
    const counting = Object.assign(Object.create(store) as EventStore, {
      appendManyWith: (...args: Parameters<EventStore['appendManyWith']>) => {
        statements++;
        return store.appendManyWith(...args);
      },
    });
    const writer = new TransitionWriter(counting, 'w1');
    const mine = [await leasedSaga('w1'), await leasedSaga('w1')];
    const theirs = await leasedSaga('w2');
    const held = await Promise.all([...mine, theirs].map((saga) => writer.write(complete(saga, 'w1'))));
    expect(held).toEqual([true, true, false]);
    expect(statements).toBe(1);
    for (const { saga } of mine) expect(await stateOf(saga.id)).toEqual({ status: 'COMPLETED', step: 'DONE', events: ['SagaCompleted'] });
    expect(await stateOf(theirs.saga.id), 'another worker holds it: nothing written').toEqual({ status: 'RUNNING', step: 'PENDING', events: [] });
  });

  it("keeps one transition's failure its own: the others of its statement are written", async () => {
    const writer = new TransitionWriter(store, 'w1');
    const [good, bad] = [await leasedSaga('w1'), await leasedSaga('w1')];
    const existing = (await pool.query(`SELECT event_id FROM es.events LIMIT 1`)).rows[0].event_id as string;
    const failing = complete(bad, 'w1');
    // An event id already in the log fails the statement that carries it.
    const clash = { ...failing, unit: { ...failing.unit, metadata: { ...failing.unit.metadata, eventId: existing } } };
    const [written, refused] = await Promise.allSettled([writer.write(complete(good, 'w1')), writer.write(clash)]);
    expect(written).toEqual({ status: 'fulfilled', value: true });
    expect(refused.status).toBe('rejected');
    expect(await stateOf(good.saga.id)).toEqual({ status: 'COMPLETED', step: 'DONE', events: ['SagaCompleted'] });
    expect(await stateOf(bad.saga.id)).toEqual({ status: 'RUNNING', step: 'PENDING', events: [] });
  });
});
