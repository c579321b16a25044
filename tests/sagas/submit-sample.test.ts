import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startSaga } from '../../sagas/orchestrator/saga-starter.js';
import { SagaWorker } from '../../sagas/orchestrator/saga-worker.js';
import type { SagaDefinition } from '../../sagas/orchestrator/saga-definition.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { labClient } from '../support/lab.js';
import { flakyReserveSaga, hangingReceiveSaga, impatientSaga, slowStoreSaga } from '../support/saga-variants.js';
import { waitUntil } from '../support/wait.js';

let system: TestSystem;
let lab: ReturnType<typeof labClient>;

beforeAll(async () => {
  system = await startTestSystem();
  lab = labClient(system);
});
afterAll(() => system?.stop());

const SAGA = `query($id: ID!) { saga(id: $id) { id type status error steps { name status attempts lastError } sample { barcode status statusReason location { label unit { id } } } } }`;
const submit = (barcode: string, where: Record<string, unknown>, key?: string, type = 'DNA') =>
  lab.gql(`mutation($i: SubmitSampleInput!, $k: String) { submitSample(input: $i, idempotencyKey: $k) { position saga { id status } } }`, {
    i: { sample: { barcode, sampleType: type, volumeUl: 20 }, ...where },
    k: key,
  });
const finished = (id: string, timeoutMs?: number) =>
  lab.eventually(SAGA, { id }, (d) => (d.saga && !['RUNNING', 'COMPENSATING'].includes(d.saga.status) ? d.saga : undefined), `saga ${id} finished`, timeoutMs);
const urls = () => Object.fromEntries(system.subgraphs.map((s) => [s.name, s.url]));

/** A worker in this process for a test-only saga variant (the system's worker only runs the real types). */
const worker = (definition: SagaDefinition<any>, leaseMs = 30_000) =>
  new SagaWorker({ db: system.runtime.db, listener: system.runtime.listener, definitions: [definition], subgraphUrls: urls(), internalSecret: system.runtime.config.internalSecret, leaseMs, pollMs: 50 }).start();
const startVariant = (definition: SagaDefinition<any>, barcode: string, box: string) =>
  startSaga(system.runtime, definition, { tenantId: 'demo', actor: 'tester' }, { input: { sample: { barcode, sampleType: 'DNA' }, storageUnitId: box } });

describe('submitSample saga', () => {
  it('registers, receives, validates, reserves, stores and notifies', async () => {
    const { box } = await lab.freezerWithBox('Saga', 'MINUS_80');
    const started = await submit('SAGA-HAPPY-01', { storageUnitId: box, notify: 'lab-manager@example.org' });
    expect(started.errors).toBeUndefined();
    expect(started.data.submitSample.saga.status).toBe('RUNNING');
    const saga = await finished(started.data.submitSample.saga.id);
    expect(saga.status).toBe('COMPLETED');
    expect(saga.steps.map((s: any) => [s.name, s.status])).toEqual([
      ['registerSample', 'DONE'], ['receiveSample', 'DONE'], ['validateSample', 'DONE'], ['reservePosition', 'DONE'], ['storeSample', 'DONE'], ['notify', 'DONE'],
    ]);
    // Status (samples read model) and location (storage read model) are two contexts' eventual effects.
    const read = await lab.eventually(SAGA, { id: saga.id }, (d) => d.saga.sample.status === 'IN_STORAGE' && d.saga.sample.location && d.saga, 'sample IN_STORAGE and located');
    expect(read.sample).toMatchObject({ barcode: 'SAGA-HAPPY-01', location: { label: 'A1', unit: { id: box } } });
    const history = await system.runtime.store.readStream(`Saga-${saga.id}`, { tenantId: 'demo' });
    expect(history[0]!.type).toBe('SagaStarted');
    expect(history.at(-1)!.type).toBe('SagaCompleted');
  });

  it('compensates when no position is free: the sample is rejected with the reason, nothing stays reserved, an alert is raised', async () => {
    const { box, positions } = await lab.freezerWithBox('Tiny', 'MINUS_80', 1, 1);
    const occupant = await lab.validatedSample('TINY-OCCUPANT');
    await lab.mutate(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`, { s: occupant, p: positions.A1 });
    const started = await submit('SAGA-NOROOM-01', { storageUnitId: box });
    const saga = await finished(started.data.submitSample.saga.id);
    expect(saga.status).toBe('COMPENSATED');
    expect(saga.error).toContain('no free position');
    expect(saga.steps.find((s: any) => s.name === 'reservePosition')).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(saga.steps.find((s: any) => s.name === 'registerSample').status).toBe('COMPENSATED');
    // The rejection is the samples context's event: its read model shows it as soon as it has applied it.
    const rejected = await lab.eventually(SAGA, { id: saga.id }, (d) => d.saga.sample.status === 'REJECTED' && d.saga.sample, 'sample rejected');
    expect(rejected.status).toBe('REJECTED');
    expect(rejected.statusReason).toContain('no free position');
    const unit = await lab.gql(`query($b: ID!) { storageUnit(id: $b) { reserved occupied } }`, { b: box });
    expect(unit.data.storageUnit).toEqual({ reserved: 0, occupied: 1 });
    await lab.eventually(`{ alerts(first: 100) { edges { node { kind sample { barcode } } } } }`, {}, (d) =>
      d.alerts.edges.find((e: any) => e.node.kind === 'SAGA_FAILED' && e.node.sample?.barcode === 'SAGA-NOROOM-01'), 'SAGA_FAILED alert');
  });

  it('retries a step that fails twice, then succeeds, counting the attempts', async () => {
    const { box } = await lab.freezerWithBox('Flaky', 'MINUS_80');
    const running = worker(flakyReserveSaga(2));
    try {
      const { saga: started } = await startVariant(flakyReserveSaga(0), 'SAGA-FLAKY-01', box);
      const saga = await finished(started.id);
      expect(saga.status).toBe('COMPLETED');
      expect(saga.steps.find((s: any) => s.name === 'reservePosition')).toMatchObject({ status: 'DONE', attempts: 3 });
    } finally {
      await running.stop();
    }
  });

  it('times out a step that hangs and retries it', async () => {
    const { box } = await lab.freezerWithBox('Hang', 'MINUS_80');
    const running = worker(hangingReceiveSaga(300));
    try {
      const { saga: started } = await startVariant(hangingReceiveSaga(300), 'SAGA-HANG-01', box);
      const saga = await finished(started.id);
      expect(saga.status).toBe('COMPLETED');
      const step = saga.steps.find((s: any) => s.name === 'receiveSample');
      expect(step.attempts).toBe(2);
    } finally {
      await running.stop();
    }
  });

  it('times the whole saga out at its deadline, then compensates (TIMED_OUT)', async () => {
    const { box } = await lab.freezerWithBox('Deadline', 'MINUS_80');
    const running = worker(impatientSaga());
    try {
      const { saga: started } = await startVariant(impatientSaga(), 'SAGA-LATE-0001', box);
      const saga = await finished(started.id);
      expect(saga.status).toBe('TIMED_OUT');
      expect(saga.error).toContain('deadline');
      expect(saga.steps.find((s: any) => s.name === 'registerSample').status).toBe('COMPENSATED');
      const unit = await lab.eventually(`query($b: ID!) { storageUnit(id: $b) { reserved occupied } }`, { b: box }, (d) => d.storageUnit.reserved === 0 && d.storageUnit, 'no reservation left');
      expect(unit.occupied).toBe(0);
      const rejected = await lab.eventually(SAGA, { id: saga.id }, (d) => d.saga.sample.status === 'REJECTED' && d.saga.sample, 'sample rejected');
      expect(rejected.status).toBe('REJECTED');
    } finally {
      await running.stop();
    }
  });

  it('resumes on another worker when a worker is SIGKILLed mid-step: one sample, one placement, no orphan reservation', async () => {
    const { box } = await lab.freezerWithBox('Crash', 'MINUS_80');
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/saga-worker-process.ts'], {
      env: { ...process.env, DATABASE_URL: system.runtime.databaseUrl, SUBGRAPH_URLS: JSON.stringify(urls()), INTERNAL_SECRET: system.runtime.config.internalSecret, SAGA_LEASE_MS: '1500' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const { saga: started } = await startVariant(slowStoreSaga(0), 'SAGA-CRASH-01', box);
      await waitUntil(async () => {
        const { rows } = await sql<{ status: string }>`SELECT status FROM sagas.steps WHERE saga_id = ${started.id} AND name = 'storeSample'`.execute(system.runtime.db);
        return rows[0]?.status === 'RUNNING';
      }, 20_000, 'storeSample running in the child worker');
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const rescuer = worker(slowStoreSaga(0), 1500);
      try {
        const saga = await finished(started.id);
        expect(saga.status).toBe('COMPLETED');
        expect(saga.steps.find((s: any) => s.name === 'storeSample').attempts).toBe(2);
      } finally {
        await rescuer.stop();
      }
      const unit = await lab.eventually(`query($b: ID!) { storageUnit(id: $b) { occupied reserved positions { sample { barcode } } } }`, { b: box }, (d) => d.storageUnit.occupied === 1 && d.storageUnit, 'placement visible');
      expect(unit.reserved).toBe(0);
      expect(unit.positions.filter((p: any) => p.sample)).toEqual([{ sample: { barcode: 'SAGA-CRASH-01' } }]);
      const samples = await lab.gql(`{ samples(filter: { barcodePrefix: "SAGA-CRASH" }) { totalCount } }`);
      expect(samples.data.samples.totalCount).toBe(1);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('runs 50 concurrent submissions into a box with 10 free positions: 10 complete, 40 compensate, nothing double-booked', async () => {
    const { box } = await lab.freezerWithBox('Rush', 'MINUS_80', 2, 5);
    const started = await Promise.all(Array.from({ length: 50 }, (_, i) => submit(`RUSH-${String(i).padStart(3, '0')}`, { storageUnitId: box })));
    expect(started.every((r) => !r.errors)).toBe(true);
    // Each saga takes a few hops through the bus; over Kafka's mock cluster every hop waits out a fetch.
    const sagas = await Promise.all(started.map((r) => finished(r.data.submitSample.saga.id, 90_000)));
    const completed = sagas.filter((s) => s.status === 'COMPLETED');
    expect(completed).toHaveLength(10);
    expect(sagas.filter((s) => s.status === 'COMPENSATED')).toHaveLength(40);
    const unit = await lab.eventually(`query($b: ID!) { storageUnit(id: $b) { occupied reserved positions { label sample { barcode } } } }`, { b: box }, (d) => d.storageUnit.occupied === 10 && d.storageUnit, 'box full');
    expect(unit.reserved).toBe(0);
    const barcodes = unit.positions.map((p: any) => p.sample?.barcode);
    expect(new Set(barcodes).size).toBe(10);
    expect(barcodes.sort()).toEqual(completed.map((s) => s.sample.barcode).sort());
  }, 120_000);

  it('returns the same saga for a repeated idempotency key', async () => {
    const first = await submit('SAGA-IDEM-01', { zone: 'MINUS_80' }, 'submit-key-1');
    const again = await submit('SAGA-IDEM-01', { zone: 'MINUS_80' }, 'submit-key-1');
    expect(again.data.submitSample.saga.id).toBe(first.data.submitSample.saga.id);
    expect(again.data.submitSample.position).toBe(first.data.submitSample.position);
    const listed = await lab.gql(`{ sagas(type: "submitSample", first: 100) { totalCount edges { node { id } } } }`);
    expect(listed.data.sagas.edges.filter((e: any) => e.node.id === first.data.submitSample.saga.id)).toHaveLength(1);
  });

  it('refuses a submission with nowhere to go', async () => {
    const result = await submit('SAGA-NOWHERE-1', {});
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
