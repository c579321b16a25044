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
import { askWhileHeld } from '../support/log-holds.js';
import { STORAGE_PROJECTION } from '../../subgraphs/storage/read-model/storage-projection.js';
import { failingUndoSaga, gatedReserveSaga } from './variants.js';

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
  new SagaWorker({ db: system.runtime.db, store: system.runtime.store, listener: system.runtime.listener, definitions: [definition], subgraphUrls: urls(), internalSecret: system.runtime.config.internalSecret, leaseMs, pollMs: 50 }).start();
const startVariant = (definition: SagaDefinition<any>, barcode: string, box: string) =>
  startSaga(system.runtime, definition, { tenantId: 'demo', actor: 'tester' }, { input: { sample: { barcode, sampleType: 'DNA' }, storageUnitId: box } });

describe('submitSample saga', () => {
  it('registers, receives, reserves, validates, stores and notifies', async () => {
    const { box } = await lab.freezerWithBox('Saga', 'MINUS_80');
    const started = await submit('SAGA-HAPPY-01', { storageUnitId: box, notify: 'lab-manager@example.org' });
    expect(started.errors).toBeUndefined();
    expect(started.data.submitSample.saga.status).toBe('RUNNING');
    const saga = await finished(started.data.submitSample.saga.id);
    expect(saga.status).toBe('COMPLETED');
    expect(saga.steps.map((s: any) => [s.name, s.status])).toEqual([
      ['registerSample', 'DONE'], ['receiveSample', 'DONE'], ['reservePosition', 'DONE'], ['validateSample', 'DONE'], ['storeSample', 'DONE'], ['notify', 'DONE'],
    ]);
    // Status (samples read model) and location (storage read model) are two contexts' eventual effects.
    const read = await lab.eventually(SAGA, { id: saga.id }, (d) => d.saga.sample.status === 'IN_STORAGE' && d.saga.sample.location && d.saga, 'sample IN_STORAGE and located');
    expect(read.sample).toMatchObject({ barcode: 'SAGA-HAPPY-01', location: { label: 'A1', unit: { id: box } } });
    const history = await system.runtime.store.readStream(`Saga-${saga.id}`, { tenantId: 'demo' });
    expect(history[0]!.type).toBe('SagaStarted');
    expect(history.at(-1)!.type).toBe('SagaCompleted');
  });

  it('fails with NO_CAPACITY when no position is free: the sample stays RECEIVED (not rejected), nothing stays reserved, an alert is raised', async () => {
    const { box, positions } = await lab.freezerWithBox('Tiny', 'MINUS_80', 1, 1);
    const occupant = await lab.validatedSample('TINY-OCCUPANT');
    await lab.mutate(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`, { s: occupant, p: positions.A1 });
    // The box must read as full before the saga looks: a read model still showing A1 free makes the
    // step's reservation a CONFLICT (retried), the other case the test below covers.
    await lab.eventually(`query($b: ID!) { storageUnit(id: $b) { occupied } }`, { b: box }, (d) => d.storageUnit.occupied === 1, 'box full in the read model');
    const started = await submit('SAGA-NOROOM-01', { storageUnitId: box });
    const saga = await finished(started.data.submitSample.saga.id);
    expect(saga.status).toBe('COMPENSATED');
    expect(saga.error).toMatch(/^reservePosition: NO_CAPACITY: no free position/);
    expect(saga.steps.find((s: any) => s.name === 'reservePosition')).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(saga.steps.find((s: any) => s.name === 'validateSample').status).toBe('PENDING');
    expect(saga.steps.find((s: any) => s.name === 'registerSample').status).toBe('COMPENSATED');
    // The sample is fine, the lab is full: it stays RECEIVED, with its full history and no rejection.
    const sampleId = (await system.runtime.store.readStream(`Saga-${saga.id}`, { tenantId: 'demo' })).map((e) => (e.data as any).sampleId).find(Boolean);
    const events = await system.runtime.store.readStream(`Sample-${sampleId}`, { tenantId: 'demo' });
    expect(events.map((e) => e.type)).toEqual(['SampleRegistered', 'SampleReceived']);
    const kept = await lab.eventually(SAGA, { id: saga.id }, (d) => d.saga.sample?.status === 'RECEIVED' && d.saga.sample, 'sample RECEIVED');
    expect(kept.statusReason).toBeNull();
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
      const history = await system.runtime.store.readStream(`Saga-${saga.id}`, { tenantId: 'demo' });
      expect(history.find((e) => e.type === 'SagaStepFailed')?.data).toMatchObject({ step: 'receiveSample', attempts: 1, error: 'step timed out after 300 ms' });
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
    const rush = Array.from({ length: 50 }, (_, i) => `RUSH-${String(i).padStart(3, '0')}`);
    const started = await Promise.all(rush.map((barcode) => submit(barcode, { storageUnitId: box })));
    expect(started.every((r) => !r.errors)).toBe(true);
    // Each saga takes a few hops through the bus; over Kafka's mock cluster every hop waits out a fetch.
    // One poll for all 50 (not 50 pollers): the test should not be the load it waits out.
    const ids = started.map((r) => r.data.submitSample.saga.id as string);
    await lab.eventually(`{ sagas(status: [RUNNING, COMPENSATING], first: 500) { edges { node { id } } } }`, {}, (d) =>
      !d.sagas.edges.some((e: any) => ids.includes(e.node.id)), 'all 50 sagas finished', 90_000);
    const sagas = await Promise.all(ids.map((id) => finished(id)));
    // Each saga's barcode from its submission: a saga's federated `sample` is read from the samples
    // read model, which on the Kafka bus may not have applied it yet when read without a position.
    const completed = sagas.map((saga, i) => ({ ...saga, barcode: rush[i]! })).filter((s) => s.status === 'COMPLETED');
    expect(completed).toHaveLength(10);
    expect(sagas.filter((s) => s.status === 'COMPENSATED')).toHaveLength(40);
    const unit = await lab.eventually(`query($b: ID!) { storageUnit(id: $b) { occupied reserved positions { label sample { barcode } } } }`, { b: box }, (d) => d.storageUnit.occupied === 10 && d.storageUnit, 'box full');
    expect(unit.reserved).toBe(0);
    const barcodes = unit.positions.map((p: any) => p.sample?.barcode);
    expect(new Set(barcodes).size).toBe(10);
    expect(barcodes.sort()).toEqual(completed.map((s) => s.barcode).sort());
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

  it('answers bad submissions at once with typed errors and starts no saga', async () => {
    const { box, freezer } = await lab.freezerWithBox('Checks', 'MINUS_20');
    const count = async () => (await lab.gql(`{ sagas(first: 1) { totalCount } }`)).data.sagas.totalCount as number;
    const before = await count();
    const refused = async (barcode: string, where: Record<string, unknown>, type?: string) => {
      const result = await submit(barcode, where, undefined, type);
      expect(result.data?.submitSample ?? null).toBeNull();
      return result.errors![0]!.extensions!;
    };
    expect(await refused('bad barcode!', { storageUnitId: box })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sample.barcode' });
    expect(await refused('SAGA-CHECK-01', { storageUnitId: '00000000-0000-4000-8000-00000000beef' })).toMatchObject({ code: 'NOT_FOUND' });
    expect(await refused('SAGA-CHECK-02', { zone: 'MINUS_20' }, 'RNA')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'zone' });
    expect(await refused('SAGA-CHECK-03', { storageUnitId: freezer }, 'RNA')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'storageUnitId' });
    expect((await submit('SAGA-CHECK-04', { storageUnitId: box }, undefined, 'PLUTONIUM')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await count()).toBe(before);
    // The same target and a good sample do start one.
    const accepted = await submit('SAGA-CHECK-05', { storageUnitId: freezer }, undefined, 'DNA');
    expect(accepted.errors).toBeUndefined();
    expect(await count()).toBe(before + 1);
  });

  it('tells "every free position was just taken" (CONFLICT, retried) from "no position exists" (NO_CAPACITY, compensated)', async () => {
    const { box, positions } = await lab.freezerWithBox('Classify', 'MINUS_80', 1, 1);
    const first = await lab.validatedSample('CLASSIFY-FIRST');
    const second = await lab.validatedSample('CLASSIFY-SECOND');
    let openGate!: () => void;
    const gated = gatedReserveSaga(new Promise<void>((resolve) => (openGate = resolve)));
    const running = worker(gated);
    const holder = await system.runtime.pool.connect();
    let saga: any;
    try {
      const { saga: started } = await startVariant(gated, 'CLASSIFY-SAGA', box);
      // Every sample's facts in storage's replica first, so only the position read model can be behind.
      await waitUntil(async () => {
        const { rows } = await holder.query(`SELECT count(*)::int AS n FROM storage_read.sample_replica WHERE barcode IN ('CLASSIFY-FIRST', 'CLASSIFY-SECOND', 'CLASSIFY-SAGA') AND status IN ('RECEIVED', 'VALIDATED')`);
        return rows[0].n === 3;
      }, 30_000, 'samples received or validated in the storage replica');
      // Hold the storage projection back on this box's only position: its stream moves on, the read model cannot.
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM storage_read.positions WHERE id = $1 FOR UPDATE', [positions.A1]);
      const taken = await system.gql(`mutation($p: ID!, $s: ID!) { reservePosition(positionId: $p, sampleId: $s) { position } }`, { p: positions.A1, s: first });
      expect(taken.errors).toBeUndefined();
      const raced = await system.gql(`mutation($s: ID!, $u: ID) { reserveFreePosition(sampleId: $s, underUnitId: $u) { position } }`, { s: second, u: box });
      expect(raced.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALL_CANDIDATES_TAKEN' });
      // The saga meets the same race: it retries the step instead of compensating.
      openGate();
      await waitUntil(async () => {
        const events = await system.runtime.store.readStream(`Saga-${started.id}`, { tenantId: 'demo' });
        return events.some((e) => e.type === 'SagaStepFailed' && (e.data as any).step === 'reservePosition' && (e.data as any).retryInMs !== undefined);
      }, 30_000, 'reservePosition failed and was scheduled again');
      await holder.query('ROLLBACK');
      saga = await finished(started.id);
      const history = await system.runtime.store.readStream(`Saga-${started.id}`, { tenantId: 'demo' });
      const failures = history.filter((e) => e.type === 'SagaStepFailed').map((e) => e.data as any);
      expect(failures[0].error).toContain('taken concurrently');
      expect(failures.at(-1)).toMatchObject({ final: true });
      expect(failures.at(-1).error).toContain('no free position');
    } finally {
      openGate();
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
      await running.stop();
    }
    expect(saga.status).toBe('COMPENSATED');
    const reserve = saga.steps.find((s: any) => s.name === 'reservePosition');
    expect(reserve.status).toBe('FAILED');
    expect(reserve.attempts).toBeGreaterThanOrEqual(2);
    const full = await lab.gql(`mutation($s: ID!, $u: ID) { reserveFreePosition(sampleId: $s, underUnitId: $u) { position } }`, { s: second, u: box });
    expect(full.errors?.[0]?.extensions?.code).toBe('NO_CAPACITY');
  });

  it('reserves in a box created just before, with storage behind, at the caller\'s position instead of calling the lab full', async () => {
    const sampleId = await lab.validatedSample('LAG-BOX-0001');
    let box = '';
    // Storage's read model is held back before the units exist: their positions cannot be listed yet.
    const reserved = await askWhileHeld(system.runtime.db, STORAGE_PROJECTION, async () => {
      const facility = await lab.unit({ name: 'Lag site', kind: 'FACILITY' });
      const freezer = await lab.unit({ name: 'Lag freezer', kind: 'FREEZER', parentId: facility, zone: 'MINUS_80' });
      const rack = await lab.unit({ name: 'Lag rack', kind: 'RACK', parentId: freezer });
      box = await lab.unit({ name: 'Lag box', kind: 'BOX', parentId: rack, rows: 1, columns: 2 });
      return () => lab.gql(`mutation($s: ID!, $u: ID) { reserveFreePosition(sampleId: $s, underUnitId: $u) { position storagePosition { label unit { id } } } }`, { s: sampleId, u: freezer });
    });
    expect(reserved.errors).toBeUndefined();
    expect(reserved.data.reserveFreePosition.storagePosition).toEqual({ label: 'A1', unit: { id: box } });
  });

  it('ends FAILED with a CRITICAL alert when a compensation keeps failing', async () => {
    const { box, positions } = await lab.freezerWithBox('Stuck', 'MINUS_80', 1, 1);
    const occupant = await lab.validatedSample('STUCK-OCCUPANT');
    await lab.mutate(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`, { s: occupant, p: positions.A1 });
    const running = worker(failingUndoSaga());
    let saga: any;
    try {
      const { saga: started } = await startVariant(failingUndoSaga(), 'SAGA-STUCK-01', box);
      saga = await finished(started.id);
    } finally {
      await running.stop();
    }
    // What the user sees: the saga FAILED, why, and which step is left for a person.
    expect(saga.status).toBe('FAILED');
    expect(saga.error).toMatch(/^reservePosition: NO_CAPACITY: no free position .*; compensating registerSample failed: samples subgraph refused the rejection \(injected\)$/);
    expect(saga.steps.map((s: any) => [s.name, s.status])).toEqual([
      ['registerSample', 'FAILED'], ['receiveSample', 'COMPENSATED'], ['reservePosition', 'FAILED'], ['validateSample', 'PENDING'], ['storeSample', 'PENDING'], ['notify', 'PENDING'],
    ]);
    expect(saga.steps[0].lastError).toBe('samples subgraph refused the rejection (injected)');
    const alert = await lab.eventually(`{ alerts(first: 100) { edges { node { kind severity message sample { barcode } } } } }`, {}, (d) =>
      d.alerts.edges.map((e: any) => e.node).find((a: any) => a.kind === 'SAGA_FAILED' && a.sample?.barcode === 'SAGA-STUCK-01'), 'SAGA_FAILED alert');
    expect(alert).toMatchObject({ severity: 'CRITICAL', message: 'submitSample-stuck failed: samples subgraph refused the rejection (injected)' });
  });
});
