import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSaga } from '../../sagas/orchestrator/saga-starter.js';
import { SagaWorker } from '../../sagas/orchestrator/saga-worker.js';
import { labClient } from '../support/lab.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { waitUntil } from '../support/wait.js';
import { closeAll, collect, wsClient } from '../support/ws.js';
import { variantOf } from './variants.js';

let system: TestSystem;
let lab: ReturnType<typeof labClient>;

beforeAll(async () => {
  system = await startTestSystem();
  lab = labClient(system);
});
afterAll(async () => {
  await closeAll();
  await system?.stop();
});

const LEASE_MS = 1000;
const SAGA = `query($id: ID!) { saga(id: $id) { id status error steps { name status attempts } sample { id } } }`;

/**
 * Each case: a saga of its own type, run by a worker process that SIGKILLs itself at one point
 * between running a step and recording it; then a rescuer takes over after the lease. `full` puts
 * the saga before a full box, so it fails and compensates.
 */
const CASES = [
  { name: 'attempt recorded, step not run', fault: 'step-started', at: 'reservePosition', full: false },
  { name: 'reservation made, not recorded', fault: 'step-executed', at: 'reservePosition', full: false },
  { name: 'sample stored, not recorded', fault: 'step-executed', at: 'storeSample', full: false },
  { name: 'sample stored and recorded, next step not begun', fault: 'transition-committed', at: 'storeSample', full: false },
  // Failure recorded (COMPENSATING, with its event); the rescuer compensates from there.
  { name: 'failure recorded, compensation not begun', fault: 'transition-committed', at: 'SagaStepFailed', full: true },
  { name: 'compensation run (sample left RECEIVED), not recorded', fault: 'step-executed', at: 'registerSample:undo', full: true },
  // The transition also records the next step's attempt: storeSample is begun (attempt 1) but never run.
  { name: 'sample validated and recorded, next step begun but not run', fault: 'transition-committed', at: 'validateSample', full: false },
] as const;

describe('a saga worker killed between running a step and recording it', () => {
  it('loses no transition, alert or subscription update, and repeats no step with a different effect', async () => {
    const urls = Object.fromEntries(system.subgraphs.map((s) => [s.name, s.url]));
    const runs: Array<{ scenario: (typeof CASES)[number]; barcode: string; box: string; definition: ReturnType<typeof variantOf>; sagaId: string }> = [];
    for (const [index, scenario] of CASES.entries()) {
      const barcode = `FAULT-${index}-${scenario.fault.toUpperCase()}`;
      const { box, positions } = await lab.freezerWithBox(`Fault ${index}`, 'MINUS_80', 1, scenario.full ? 1 : 2);
      if (scenario.full) {
        const occupant = await lab.validatedSample(`FAULT-${index}-OCCUPANT`);
        await lab.mutate(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`, { s: occupant, p: positions.A1 });
      }
      const definition = variantOf(`submitSample-fault-${index}`);
      const { saga } = await startSaga(system.runtime, definition, { tenantId: 'demo', actor: 'tester', correlationId: `fault-${index}` }, { input: { sample: { barcode, sampleType: 'DNA' }, storageUnitId: box } });
      runs.push({ scenario, barcode, box, definition, sagaId: saga.id });
    }
    // Subscribed before anything runs: every update a subscriber relies on must arrive despite the crashes.
    const client = wsClient(system.gatewayUrl);
    const updates = runs.map((run) => collect(client, `subscription($id: ID!) { sagaUpdated(id: $id) { status } }`, { id: run.sagaId }));
    await waitUntil(() => system.runtime.liveFeed.size >= runs.length, 10_000, 'subscriptions live');

    const children: ChildProcess[] = runs.map((run, index) =>
      spawn(process.execPath, ['--import', 'tsx', 'tests/sagas/fault-worker-process.ts'], {
        env: {
          ...process.env, DATABASE_URL: system.runtime.databaseUrl, SUBGRAPH_URLS: JSON.stringify(urls), INTERNAL_SECRET: system.runtime.config.internalSecret,
          SAGA_LEASE_MS: String(LEASE_MS), SAGA_TYPE: run.definition.type, FAULT: CASES[index]!.fault, FAULT_AT: CASES[index]!.at,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    const killed = children.map((child) => new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal))));
    let rescuer: SagaWorker | null = null;
    try {
      // Every worker died where it was told to (a worker that finished its saga would exit no other way).
      const exited = children.map(() => false);
      killed.forEach((k, i) => void k.then(() => (exited[i] = true)));
      const signals = await Promise.race([
        Promise.all(killed),
        new Promise<never>((_, reject) => setTimeout(async () => {
          const { rows } = await system.runtime.pool.query(`SELECT i.type, i.status, i.error, s.name, s.status AS step, s.attempts, s.last_error FROM sagas.instances i JOIN sagas.steps s ON s.saga_id = i.id WHERE i.id = ANY($1::uuid[]) AND s.status <> 'PENDING' ORDER BY i.type, s.idx`, [runs.map((r) => r.sagaId)]);
          reject(new Error(`a fault worker never reached its fault point: exited ${JSON.stringify(exited)}\n${rows.map((r) => JSON.stringify(r)).join('\n')}`));
        }, 90_000)),
      ]);
      expect(signals).toEqual(runs.map(() => 'SIGKILL'));
      rescuer = new SagaWorker({
        db: system.runtime.db, store: system.runtime.store, listener: system.runtime.listener, definitions: runs.map((run) => run.definition),
        subgraphUrls: urls, internalSecret: system.runtime.config.internalSecret, leaseMs: LEASE_MS, pollMs: 100,
      }).start();
      for (const [index, run] of runs.entries()) {
        const label = `case ${index} (${run.scenario.name})`;
        const saga = await lab.eventually(SAGA, { id: run.sagaId }, (d) => (d.saga && !['RUNNING', 'COMPENSATING'].includes(d.saga.status) ? d.saga : undefined), `${label} finished`, 60_000);
        expect(saga.status, label).toBe(run.scenario.full ? 'COMPENSATED' : 'COMPLETED');

        // Transitions: one event per recorded step outcome, the final one exactly once, last.
        const history = await system.runtime.store.readStream(`Saga-${run.sagaId}`, { tenantId: 'demo' });
        const types = history.map((e) => e.type);
        const final = run.scenario.full ? 'SagaFailed' : 'SagaCompleted';
        expect(types.filter((t) => t === final), label).toHaveLength(1);
        expect(types.at(-1), label).toBe(final);
        for (const step of saga.steps.filter((s: any) => s.status === 'DONE')) {
          expect(history.filter((e) => e.type === 'SagaStepCompleted' && (e.data as any).step === step.name), `${label}: ${step.name}`).toHaveLength(1);
        }
        for (const step of saga.steps.filter((s: any) => s.status === 'COMPENSATED' && s.name === 'registerSample')) {
          expect(history.filter((e) => e.type === 'SagaStepCompensated' && (e.data as any).step === step.name), `${label}: ${step.name}`).toHaveLength(1);
        }
        // Effects: one sample, each status change once (IN_STORAGE follows from storage's event, by policy).
        const expected = run.scenario.full
          ? ['SampleRegistered', 'SampleReceived'] // a full box is NO_CAPACITY: the sample stays RECEIVED
          : ['SampleRegistered', 'SampleReceived', 'SampleValidated', 'SampleStored'];
        let sampleEvents = await system.runtime.store.readStream(`Sample-${saga.sample.id}`, { tenantId: 'demo' });
        await waitUntil(async () => {
          sampleEvents = await system.runtime.store.readStream(`Sample-${saga.sample.id}`, { tenantId: 'demo' });
          return sampleEvents.length >= expected.length;
        }, 15_000, `${label}: sample events`);
        expect(sampleEvents.map((e) => e.type), label).toEqual(expected);
        // The saga's own commands carry the correlation id of the request that submitted it.
        const commanded = sampleEvents.filter((e) => e.type !== 'SampleStored');
        expect(new Set(commanded.map((e) => e.metadata.correlationId)), label).toEqual(new Set([`fault-${index}`]));

        // One placement and no reservation left over.
        // The workers registered it, not `lab`: wait for the samples read model (a second sample would show as 2).
        const count = await lab.eventually(`query($b: String!) { samples(filter: { barcodePrefix: $b }) { totalCount } }`, { b: run.barcode }, (d) => d.samples.totalCount > 0 && d.samples.totalCount, `${label}: registered sample listed`);
        expect(count, label).toBe(1);
        const unit = await lab.eventually(`query($b: ID!) { storageUnit(id: $b) { occupied reserved positions { sample { barcode } } } }`, { b: run.box },
          // Wait for the placement itself, not only the reservation's end: on Kafka the read model may
          // not have seen the reservation yet, and "reserved 0" alone would pass before anything landed.
          (d) => d.storageUnit.reserved === 0 && d.storageUnit.positions.filter((p: any) => p.sample?.barcode === run.barcode).length === (run.scenario.full ? 0 : 1) && d.storageUnit,
          `${label}: placed once, no reservation left`);
        const held = unit.positions.filter((p: any) => p.sample?.barcode === run.barcode);
        expect(held, label).toHaveLength(run.scenario.full ? 0 : 1);

        // Subscribers saw the end; a failure raised its alert.
        await waitUntil(() => updates[index]!.results.some((r) => r.data?.sagaUpdated.status === saga.status), 15_000, `${label}: sagaUpdated delivered ${saga.status}`);
        if (run.scenario.full) {
          await lab.eventually(`{ alerts(first: 200) { edges { node { kind sample { barcode } } } } }`, {}, (d) =>
            d.alerts.edges.filter((e: any) => e.node.kind === 'SAGA_FAILED' && e.node.sample?.barcode === run.barcode).length === 1, `${label}: SAGA_FAILED alert`);
        }
      }
      // What the crash interrupted was tried again, once.
      const attempts = async (index: number, step: string) => (await lab.gql(SAGA, { id: runs[index]!.sagaId })).data.saga.steps.find((s: any) => s.name === step).attempts;
      expect(await attempts(0, 'reservePosition')).toBe(2);
      expect(await attempts(1, 'reservePosition')).toBe(2);
      expect(await attempts(2, 'storeSample')).toBe(2);
      expect(await attempts(3, 'storeSample')).toBe(1);
      expect(await attempts(6, 'validateSample')).toBe(1);
      expect(await attempts(6, 'storeSample')).toBe(2);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await rescuer?.stop();
    }
  }, 240_000);
});
