import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labClient } from '../support/lab.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { waitUntil } from '../support/wait.js';
import { closeAll, collect, wsClient } from '../support/ws.js';

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

const live = (subscribers: number) => waitUntil(() => system.runtime.liveFeed.size >= subscribers, 5000, 'subscription live');

describe('sequencing subscriptions through the gateway', () => {
  it('poolChanged on creation and on loading, runUpdated after each change of one run, with fields across subgraphs', async () => {
    const client = wsClient(system.gatewayUrl);
    const pools = collect(client, `subscription { poolChanged { name runs { name } members { library { barcode sample { barcode status } } } } }`);
    await live(1);
    const sampleId = await lab.validatedSample('SUBSEQ-0001');
    const library = (await lab.mutate(`mutation($input: PrepareLibraryInput!) { prepareLibrary(input: $input) { position library { id } } }`,
      { input: { sampleId, barcode: 'LIB-SUB-1', i7Index: 'ACGTACGT', volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 } })).library.id;
    const pool = (await lab.mutate(`mutation($input: CreatePoolInput!) { createPool(input: $input) { position pool { id } } }`,
      { input: { name: 'Sub pool', libraries: [{ libraryId: library }], targetMolarityNm: 2, volumeUl: 50 } })).pool.id;
    const other = (await lab.mutate(`mutation { createSequencingRun(input: { name: "Other run", instrument: "MISEQ", flowcellType: "MISEQ_V2", readStructure: "151T8B151T" }) { position run { id } } }`)).run.id;
    const run = (await lab.mutate(`mutation { createSequencingRun(input: { name: "Sub run", instrument: "NOVASEQ_6000", flowcellType: "SP", readStructure: "151T8B151T" }) { position run { id } } }`)).run.id;
    const runs = collect(client, `subscription($id: ID) { runUpdated(id: $id) { name status lanes { lane pool { name } } laneQc { lane verdict } qcVerdict } }`, { id: run });
    await live(2);
    await lab.mutate(`mutation($r: ID!, $p: ID!) { loadPoolOnLane(runId: $r, lane: 1, poolId: $p) { position } }`, { r: other, p: pool }); // another run: filtered out of runUpdated
    await lab.mutate(`mutation($r: ID!, $p: ID!) { loadPoolOnLane(runId: $r, lane: 1, poolId: $p) { position } }`, { r: run, p: pool });
    await lab.mutate(`mutation($r: ID!) { recordLaneQc(runId: $r, lane: 1, metrics: { q30Percent: 91 }) { position } }`, { r: run });
    await lab.mutate(`mutation($r: ID!) { completeSequencingRun(runId: $r) { position } }`, { r: run });

    // The feed may still hold the run's creation when the subscription goes live, so it can arrive too.
    // One delivery per change of the run (loaded, QC, completed), each read at least as of its event:
    // an earlier one may already show COMPLETED, so wait for all three, not for the first COMPLETED.
    await waitUntil(() => runs.results.length >= 3 && runs.results.at(-1)?.data.runUpdated.status === 'COMPLETED' && pools.results.length >= 3, 10_000, 'run and pool changes');
    const updates = runs.results.map((r) => r.data.runUpdated);
    expect(updates.length).toBeGreaterThanOrEqual(3);
    expect(new Set(updates.map((u) => u.name))).toEqual(new Set(['Sub run']));
    // Each delivery is the run at least as of its event: the last is the completed run.
    expect(updates.at(-1)).toEqual({ name: 'Sub run', status: 'COMPLETED', lanes: [{ lane: 1, pool: { name: 'Sub pool' } }], laneQc: [{ lane: 1, verdict: 'PASS' }], qcVerdict: 'PASS' });
    const changes = pools.results.map((r) => r.data.poolChanged);
    expect(changes.map((c) => c.name)).toEqual(['Sub pool', 'Sub pool', 'Sub pool']);
    expect(changes[0].members).toEqual([{ library: { barcode: 'LIB-SUB-1', sample: { barcode: 'SUBSEQ-0001', status: 'VALIDATED' } } }]);
    await waitUntil(async () => (await lab.gql(`query($p: ID!) { pool(id: $p) { runs { name } } }`, { p: pool })).data.pool.runs.length === 2, 10_000, 'pool on two runs');
    runs.stop();
    pools.stop();
    await client.dispose();
  });

  it('refuses runUpdated and poolChanged for a malformed id with BAD_USER_INPUT and completes, instead of waiting forever', async () => {
    const client = wsClient(system.gatewayUrl);
    for (const query of [`subscription { runUpdated(id: "zzz") { name } }`, `subscription { poolChanged(id: "zzz") { name } }`]) {
      const sub = collect(client, query);
      await waitUntil(() => sub.completed || sub.errors.length > 0, 10_000, 'an answer');
      const errors = [...sub.results.flatMap((r) => r.errors ?? []), ...sub.errors.flatMap((e) => (Array.isArray(e) ? e : []))];
      expect(errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'id' } });
    }
    await client.dispose();
  });
});
