import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSaga } from '../../sagas/orchestrator/saga-starter.js';
import { SagaWorker } from '../../sagas/orchestrator/saga-worker.js';
import { labClient } from '../support/lab.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { waitUntil } from '../support/wait.js';
import { closeAll, collect, wsClient, type Collected } from '../support/ws.js';
import { gatedReserveSaga } from './variants.js';

let system: TestSystem;
let lab: ReturnType<typeof labClient>;

beforeAll(async () => {
  system = await startTestSystem();
  lab = labClient(system);
});
afterAll(() => system?.stop());
afterEach(async () => {
  await closeAll();
  // An ended subscription leaves nothing behind on the subgraph's feed.
  await waitUntil(() => system.runtime.liveFeed.size === 0, 10_000, 'subscriptions released');
});

const SAGA_UPDATED = `subscription($id: ID!) { sagaUpdated(id: $id) { id status error steps { name status } } }`;
const SUBMIT = `mutation($i: SubmitSampleInput!) { submitSample(input: $i) { position saga { id } } }`;

/** Waits for the end of a subscription (`complete`, or an `error` message). */
const ended = (subscription: Collected, label: string) => waitUntil(() => subscription.completed || subscription.errors.length > 0, 15_000, label);
const finished = (client: ReturnType<typeof labClient>, id: string) =>
  client.eventually(`query($id: ID!) { saga(id: $id) { status } }`, { id }, (d) => d.saga && !['RUNNING', 'COMPENSATING'].includes(d.saga.status) && d.saga.status, `saga ${id} finished`);
/** The position of the last event on the saga's stream: the one its final row reflects. */
const lastPosition = async (id: string, tenantId = 'demo') => (await system.runtime.store.readStream(`Saga-${id}`, { tenantId })).at(-1)!.position;

describe('sagaUpdated(id) always answers', () => {
  it('refuses an id no saga of this lab has, nobody’s or another lab’s, with NOT_FOUND, and ends', async () => {
    const { box } = await lab.freezerWithBox('Unknown', 'MINUS_80');
    const theirs = (await lab.mutate(SUBMIT, { i: { sample: { barcode: 'UPD-THEIRS-01', sampleType: 'DNA' }, storageUnitId: box } })).saga.id as string;
    const nobodys = collect(wsClient(system.gatewayUrl), SAGA_UPDATED, { id: crypto.randomUUID() });
    const anotherLabs = collect(wsClient(system.gatewayUrl, { 'x-tracseq-tenant': 'spy-lab' }), SAGA_UPDATED, { id: theirs });
    await ended(nobodys, 'an answer for an unknown id');
    await ended(anotherLabs, "an answer for another lab's saga");
    // As graphql-ws sends an error raised on subscribing: a `next` with it, then `complete`. Another
    // lab's saga reads exactly as one that does not exist: no data, the same refusal.
    for (const subscription of [nobodys, anotherLabs]) {
      expect(subscription).toMatchObject({ completed: true, errors: [] });
      expect(subscription.results).toEqual([{ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })] }]);
    }
  });

  it('answers a finished saga with how it ended, once, then ends', async () => {
    const { box } = await lab.freezerWithBox('Finished', 'MINUS_80');
    const completed = (await lab.mutate(SUBMIT, { i: { sample: { barcode: 'UPD-DONE-01', sampleType: 'DNA' }, storageUnitId: box } })).saga.id as string;
    // Nowhere to store a sample in an empty lab: that saga ends compensated.
    const emptyLab = labClient(system, { 'x-tracseq-tenant': 'empty-lab' });
    const compensated = (await emptyLab.mutate(SUBMIT, { i: { sample: { barcode: 'UPD-UNDONE-01', sampleType: 'DNA' }, zone: 'MINUS_80' } })).saga.id as string;
    expect([await finished(lab, completed), await finished(emptyLab, compensated)]).toEqual(['COMPLETED', 'COMPENSATED']);

    const onCompleted = collect(wsClient(system.gatewayUrl), SAGA_UPDATED, { id: completed });
    const onCompensated = collect(wsClient(system.gatewayUrl, { 'x-tracseq-tenant': 'empty-lab' }), SAGA_UPDATED, { id: compensated });
    await ended(onCompleted, 'the completed saga answered');
    await ended(onCompensated, 'the compensated saga answered');
    expect(onCompleted).toMatchObject({ completed: true, errors: [] });
    expect(onCompleted.results).toEqual([
      {
        data: { sagaUpdated: { id: completed, status: 'COMPLETED', error: null, steps: ['registerSample', 'receiveSample', 'reservePosition', 'validateSample', 'storeSample', 'notify'].map((name) => ({ name, status: expect.stringMatching(/^(DONE|SKIPPED)$/) })) } },
        extensions: { position: await lastPosition(completed) },
      },
    ]);
    expect(onCompensated).toMatchObject({ completed: true, errors: [] });
    expect(onCompensated.results).toEqual([
      {
        data: { sagaUpdated: { id: compensated, status: 'COMPENSATED', error: expect.stringMatching(/^reservePosition: NO_CAPACITY/), steps: expect.arrayContaining([{ name: 'reservePosition', status: 'FAILED' }]) } },
        extensions: { position: await lastPosition(compensated, 'empty-lab') },
      },
    ]);
  });

  it('follows a running saga step by step and ends right after the update that reports its final status', async () => {
    let open: () => void = () => undefined;
    let openValidation: () => void = () => undefined;
    const gated = gatedReserveSaga(new Promise<void>((resolve) => (open = resolve)));
    // validateSample waits too: an update reports the row as it is when the event arrives (Kafka's
    // feed may deliver late), so the saga is held RUNNING until the reservation's update is seen.
    const validation = new Promise<void>((resolve) => (openValidation = resolve));
    const definition = { ...gated, steps: gated.steps.map((step) => (step.name === 'validateSample' ? { ...step, action: async (context: Parameters<typeof step.action>[0]) => (await validation, step.action(context)) } : step)) };
    const urls = Object.fromEntries(system.subgraphs.map((s) => [s.name, s.url]));
    const worker = new SagaWorker({ db: system.runtime.db, store: system.runtime.store, listener: system.runtime.listener, definitions: [definition], subgraphUrls: urls, internalSecret: system.runtime.config.internalSecret, pollMs: 50 }).start();
    try {
      const { box } = await lab.freezerWithBox('Running', 'MINUS_80');
      const { saga } = await startSaga(system.runtime, definition, { tenantId: 'demo', actor: 'tester' }, { input: { sample: { barcode: 'UPD-RUNNING-01', sampleType: 'DNA' }, storageUnitId: box } });
      const updates = collect(wsClient(system.gatewayUrl), SAGA_UPDATED, { id: saga.id });
      await waitUntil(() => system.runtime.liveFeed.size === 1, 10_000, 'subscription live');
      // It cannot get past reservePosition before the gate opens: still running when subscribed.
      expect((await lab.gql(`query($id: ID!) { saga(id: $id) { status } }`, { id: saga.id })).data.saga.status).toBe('RUNNING');
      open();
      await waitUntil(() => updates.results.length >= 1, 10_000, 'the update after reservePosition');
      openValidation();
      await ended(updates, 'the subscription ended with the saga');
      const statuses = updates.results.map((result) => result.data.sagaUpdated.status);
      expect(statuses.length).toBeGreaterThanOrEqual(2);
      expect(statuses).toEqual([...statuses.slice(0, -1).map(() => 'RUNNING'), 'COMPLETED']);
      expect(updates).toMatchObject({ completed: true, errors: [] });
      expect(updates.results.at(-1).data.sagaUpdated.steps.map((step: { status: string }) => step.status)).toEqual(['DONE', 'DONE', 'DONE', 'DONE', 'DONE', 'SKIPPED']);
      expect(updates.results.at(-1).extensions.position).toBe(await lastPosition(saga.id));
    } finally {
      open();
      openValidation();
      await worker.stop();
    }
  });
});
