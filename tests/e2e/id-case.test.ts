import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signIdentity } from '../../platform/identity.js';
import { labClient } from '../support/lab.js';
import { postGraphQL, startTestSystem, type TestSystem } from '../support/system.js';
import { bearer } from '../support/tokens.js';
import { waitUntil } from '../support/wait.js';
import { closeAll, collect, wsClient } from '../support/ws.js';

/**
 * A UUID is case-insensitive: a partner who pastes `3F2504E0-4F89-…` means the record whose id we
 * answer as `3f2504e0-4f89-…`. Every query, mutation (and its idempotency key), entity reference
 * and subscription filter below is given ids in upper case.
 */
let system: TestSystem;
let lab: ReturnType<typeof labClient>;

beforeAll(async () => {
  system = await startTestSystem();
  lab = labClient(system);
});
afterEach(() => closeAll());
afterAll(() => system?.stop());

const upper = (id: string) => id.toUpperCase();
const code = (result: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => result.errors?.[0]?.extensions?.code;
const live = (subscribers: number) => waitUntil(() => system.runtime.liveFeed.size >= subscribers, 5000, 'subscription live');
const KIT_CSV = ['index_id,i7,i5,well', 'CASE01,ACGTACGT,AGGTGCGT,A1', 'CASE02,TGCATGCA,GAACATAC,B1'].join('\n');

describe('ids in upper case through the gateway', () => {
  it('finds a sample by its upper-case id, with the fields of every subgraph, and moves it on the same stream and idempotency key', async () => {
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "CASE-SMP-0001", sampleType: DNA, volumeUl: 50 }) { position sample { id } } }`);
    const id: string = sample.id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const found = await lab.gql(`query($id: ID!) { sample(id: $id) { id barcode status } }`, { id: upper(id) });
    expect(found.errors).toBeUndefined();
    expect(found.data.sample).toEqual({ id, barcode: 'CASE-SMP-0001', status: 'PENDING' });

    const RECEIVE = `mutation($id: ID!, $key: String) { receiveSample(id: $id, idempotencyKey: $key) { position sample { id status version } } }`;
    const received = await lab.mutate(RECEIVE, { id: upper(id), key: 'case-receive-1' });
    expect(received.sample).toEqual({ id, status: 'RECEIVED', version: 2 });
    // The same key with the id in lower case is the same request: answered again, not refused as RECEIVED → RECEIVED.
    const replayed = await lab.mutate(RECEIVE, { id, key: 'case-receive-1' });
    expect(replayed).toEqual(received);
    const validated = await lab.mutate(`mutation($id: ID!) { validateSample(id: $id, expectedVersion: 2) { position sample { id status version } } }`, { id: upper(id) });
    expect(validated.sample).toEqual({ id, status: 'VALIDATED', version: 3 });

    const aliquot = await lab.mutate(`mutation($p: ID!) { aliquotSample(input: { parentId: $p, barcode: "CASE-SMP-0002", volumeTakenUl: 5 }) { position sample { id parent { id } } parent { id volumeUl } } }`, { p: upper(id) });
    expect(aliquot.parent).toEqual({ id, volumeUl: 45 });
    expect(aliquot.sample.parent).toEqual({ id });
    const child = await lab.mutate(`mutation($p: ID) { registerSample(input: { barcode: "CASE-SMP-0003", sampleType: DNA, parentId: $p }) { position sample { parent { id } } } }`, { p: upper(id) });
    expect(child.sample.parent).toEqual({ id });

    // Fields other subgraphs add to the sample (storage, sequencing, audit) through federation.
    const federated = await lab.gql(`query($id: ID!) { sample(id: $id) { id location { label } custody { action } sequencingJobs { id } children { barcode } history { type } } }`, { id: upper(id) });
    expect(federated.errors).toBeUndefined();
    expect(federated.data.sample).toMatchObject({ id, location: null, custody: [], sequencingJobs: [], children: [{ barcode: 'CASE-SMP-0002' }, { barcode: 'CASE-SMP-0003' }] });
    expect(federated.data.sample.history.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['SampleRegistered', 'SampleReceived', 'SampleValidated', 'SampleVolumeTaken']));
  });

  it('stores, checks out, checks in, moves and removes a sample, reserves and releases positions, and records temperatures, by upper-case ids', async () => {
    const { freezer, box, positions } = await lab.freezerWithBox('Case', 'MINUS_80', 2, 2);
    const id = await lab.validatedSample('CASE-STO-0001');
    const other = await lab.validatedSample('CASE-STO-0002');

    const rack = await lab.unit({ name: 'Case rack 2', kind: 'RACK', parentId: upper(freezer) });
    const children = await lab.gql(`query($id: ID!) { storageUnit(id: $id) { id children { id name parent { id } } } }`, { id: upper(freezer) });
    expect(children.data.storageUnit.id).toBe(freezer);
    expect(children.data.storageUnit.children).toContainEqual({ id: rack, name: 'Case rack 2', parent: { id: freezer } });

    const STORE = `mutation($s: ID!, $p: ID!, $key: String) { storeSample(sampleId: $s, positionId: $p, idempotencyKey: $key) { position storagePosition { id label state sample { id } } } }`;
    const stored = await lab.mutate(STORE, { s: upper(id), p: upper(positions.A1!), key: 'case-store-1' });
    expect(stored.storagePosition).toEqual({ id: positions.A1, label: 'A1', state: 'OCCUPIED', sample: { id } });
    // The same key with lower-case ids: the first placement answered again (not A1 taken by itself).
    expect(await lab.mutate(STORE, { s: id, p: positions.A1, key: 'case-store-1' })).toEqual(stored);
    await lab.eventually(`query($id: ID!) { sample(id: $id) { status } }`, { id: upper(id) }, (d) => d.sample?.status === 'IN_STORAGE', 'sample IN_STORAGE');

    await lab.mutate(`mutation($s: ID!) { checkOutSample(sampleId: $s, reason: "to the bench") { position } }`, { s: upper(id) });
    await lab.mutate(`mutation($s: ID!) { checkInSample(sampleId: $s) { position } }`, { s: upper(id) });
    const moved = await lab.mutate(`mutation($s: ID!, $p: ID!) { moveSample(sampleId: $s, toPositionId: $p) { position storagePosition { id label } } }`, { s: upper(id), p: upper(positions.B2!) });
    expect(moved.storagePosition).toEqual({ id: positions.B2, label: 'B2' });
    const where = await lab.gql(`query($id: ID!) { sample(id: $id) { location { label unit { id } } custody { action positionLabel } } }`, { id: upper(id) });
    expect(where.data.sample.location).toEqual({ label: 'B2', unit: { id: box } });
    expect(where.data.sample.custody.map((c: { action: string; positionLabel: string }) => [c.action, c.positionLabel])).toEqual([['STORED', 'A1'], ['CHECKED_OUT', 'A1'], ['CHECKED_IN', 'A1'], ['MOVED', 'B2']]);

    const reserved = await lab.mutate(`mutation($p: ID!, $s: ID!) { reservePosition(positionId: $p, sampleId: $s) { position storagePosition { id state } } }`, { p: upper(positions.A2!), s: upper(other) });
    expect(reserved.storagePosition).toEqual({ id: positions.A2, state: 'RESERVED' });
    const released = await lab.mutate(`mutation($p: ID!) { releaseReservation(positionId: $p, idempotencyKey: "case-release-1") { position storagePosition { id state } } }`, { p: upper(positions.A2!) });
    expect(released.storagePosition).toEqual({ id: positions.A2, state: 'AVAILABLE' });
    const free = await lab.mutate(`mutation($s: ID!, $u: ID) { reserveFreePosition(sampleId: $s, underUnitId: $u, idempotencyKey: "case-free-1") { position storagePosition { id unit { id } } } }`, { s: upper(other), u: upper(freezer) });
    expect(free.storagePosition.unit).toEqual({ id: box });

    const removed = await lab.mutate(`mutation($s: ID!) { removeSampleFromStorage(sampleId: $s, reason: "case test done", idempotencyKey: "case-remove-1") { position storagePosition { id state } } }`, { s: upper(id) });
    expect(removed.storagePosition).toEqual({ id: positions.B2, state: 'AVAILABLE' });

    const reading = await lab.mutate(`mutation($u: ID!) { recordTemperature(unitId: $u, celsius: -79.5) { position reading { celsius inRange } } }`, { u: upper(freezer) });
    expect(reading.reading).toEqual({ celsius: -79.5, inRange: true });
    const latest = await lab.gql(`query($id: ID!) { storageUnit(id: $id) { latestTemperature { celsius } } }`, { id: freezer });
    expect(latest.data.storageUnit.latestTemperature).toEqual({ celsius: -79.5 });
  });

  it('runs a job, a library, a pool and a run by upper-case ids, and runUpdated / poolChanged follow the one named in upper case', async () => {
    const sampleId = await lab.validatedSample('CASE-SEQ-0001');
    const job: string = (await lab.mutate(`mutation { createSequencingJob(input: { name: "Case job", platform: MISEQ }) { position job { id } } }`)).job.id;
    const added = await lab.mutate(`mutation($j: ID!, $s: ID!) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: "ACGTACGT") { position job { id samples { sample { id } } } } }`, { j: upper(job), s: upper(sampleId) });
    expect(added.job).toEqual({ id: job, samples: [{ sample: { id: sampleId } }] });
    const removed = await lab.mutate(`mutation($j: ID!, $s: ID!) { removeSampleFromJob(jobId: $j, sampleId: $s) { position job { samples { lane } } } }`, { j: upper(job), s: upper(sampleId) });
    expect(removed.job.samples).toEqual([]);
    const readJob = await lab.gql(`query($id: ID!) { sequencingJob(id: $id) { id name status } }`, { id: upper(job) });
    expect(readJob.data.sequencingJob).toEqual({ id: job, name: 'Case job', status: 'PENDING' });
    const cancelled = await lab.mutate(`mutation($j: ID!) { cancelJob(jobId: $j, reason: "case test") { position job { id status } } }`, { j: upper(job) });
    expect(cancelled.job).toEqual({ id: job, status: 'CANCELLED' });

    const kit: string = (await lab.mutate(`mutation($csv: String!) { importIndexKit(input: { name: "Case kit", csv: $csv }) { position kit { id } } }`, { csv: KIT_CSV })).kit.id;
    expect((await lab.gql(`query($id: ID!) { indexKit(id: $id) { id name } }`, { id: upper(kit) })).data.indexKit).toEqual({ id: kit, name: 'Case kit' });
    const prepared = await lab.mutate(`mutation($input: PrepareLibraryInput!) { prepareLibrary(input: $input) { position library { id sample { id } kit { id } indexId } } }`,
      { input: { sampleId: upper(sampleId), barcode: 'LIB-CASE-0001', kitId: upper(kit), indexId: 'CASE01', volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 } });
    const library: string = prepared.library.id;
    expect(prepared.library).toEqual({ id: library, sample: { id: sampleId }, kit: { id: kit }, indexId: 'CASE01' });
    const qc = await lab.mutate(`mutation($l: ID!) { recordLibraryQc(libraryId: $l, verdict: PASS) { position library { id status } } }`, { l: upper(library) });
    expect(qc.library).toEqual({ id: library, status: 'QC_PASSED' });
    const pool: string = (await lab.mutate(`mutation($l: ID!) { createPool(input: { name: "Case pool", libraries: [{ libraryId: $l }], targetMolarityNm: 2, volumeUl: 50 }) { position pool { id } } }`, { l: upper(library) })).pool.id;
    const run: string = (await lab.mutate(`mutation { createSequencingRun(input: { name: "Case run", instrument: "MISEQ", flowcellType: "MISEQ_V2", readStructure: "151T8B8B151T" }) { position run { id } } }`)).run.id;

    const client = wsClient(system.gatewayUrl);
    const runs = collect(client, `subscription($id: ID) { runUpdated(id: $id) { id status lanes { pool { id } } } }`, { id: upper(run) });
    const pools = collect(client, `subscription($id: ID) { poolChanged(id: $id) { id runs { id } } }`, { id: upper(pool) });
    await live(2);
    const loaded = await lab.mutate(`mutation($r: ID!, $p: ID!) { loadPoolOnLane(runId: $r, lane: 1, poolId: $p) { position run { id lanes { lane pool { id } } } } }`, { r: upper(run), p: upper(pool) });
    expect(loaded.run).toEqual({ id: run, lanes: [{ lane: 1, pool: { id: pool } }] });
    await lab.mutate(`mutation($r: ID!) { recordLaneQc(runId: $r, lane: 1, metrics: { q30Percent: 91, clusterDensityKmm2: 900 }) { position } }`, { r: upper(run) });
    const completed = await lab.mutate(`mutation($r: ID!) { completeSequencingRun(runId: $r) { position run { id status } } }`, { r: upper(run) });
    expect(completed.run).toEqual({ id: run, status: 'COMPLETED' });

    await waitUntil(() => runs.results.at(-1)?.data?.runUpdated.status === 'COMPLETED' && pools.results.length >= 1, 10_000, 'runUpdated and poolChanged for the upper-case ids');
    expect(new Set(runs.results.map((r) => r.data.runUpdated.id))).toEqual(new Set([run]));
    expect(runs.results.at(-1).data.runUpdated).toEqual({ id: run, status: 'COMPLETED', lanes: [{ pool: { id: pool } }] });
    expect(pools.results.at(-1).data.poolChanged).toEqual({ id: pool, runs: [{ id: run }] });

    const read = await lab.gql(`query($l: ID!, $p: ID!, $r: ID!) { library(id: $l) { id pools { id } } pool(id: $p) { id runs { id } } sequencingRun(id: $r) { id history { type } } }`, { l: upper(library), p: upper(pool), r: upper(run) });
    expect(read.errors).toBeUndefined();
    expect(read.data.library).toEqual({ id: library, pools: [{ id: pool }] });
    expect(read.data.pool).toEqual({ id: pool, runs: [{ id: run }] });
    expect(read.data.sequencingRun.id).toBe(run);
    expect(read.data.sequencingRun.history.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['RunCreated', 'PoolLoaded', 'RunCompleted']));
  });

  it('sampleStatusChanged follows the sample named in upper case', async () => {
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "CASE-SUB-0001", sampleType: DNA }) { position sample { id } } }`);
    const client = wsClient(system.gatewayUrl);
    const changes = collect(client, `subscription($id: ID) { sampleStatusChanged(sampleId: $id) { to sample { id } } }`, { id: upper(sample.id) });
    await live(1);
    await lab.validatedSample('CASE-SUB-0002'); // another sample: filtered out
    await lab.mutate(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id: sample.id });
    await waitUntil(() => changes.results.length >= 1, 10_000, 'the status change');
    expect(changes.results.map((r) => r.data.sampleStatusChanged)).toEqual([{ to: 'RECEIVED', sample: { id: sample.id } }]);
  });

  it('signs and exports the audit trail of a record named in upper case, finds a saga by it, and revokes an API key by it', async () => {
    const ada = labClient(system, await bearer({ sub: 'ada@demo', tenant: 'demo', roles: ['admin'], name: 'Ada Lovelace', authTime: Math.floor(Date.now() / 1000) - 10 }));
    const id = await ada.validatedSample('CASE-AUD-0001');
    const signed = await ada.mutate(`mutation($r: RecordRef!) { signRecord(record: $r, meaning: REVIEWED) { position signature { id recordId coversCurrentState } } }`, { r: { type: 'SAMPLE', id: upper(id) } });
    expect(signed.signature).toMatchObject({ recordId: id, coversCurrentState: true });
    const signatures = await ada.gql(`query($id: ID!) { sample(id: $id) { signatures { id } } }`, { id: upper(id) });
    expect(signatures.data.sample.signatures).toEqual([{ id: signed.signature.id }]);
    const exported = await ada.gql(`query($r: RecordRef!) { auditTrailExport(record: $r, format: JSON) { fileName } }`, { r: { type: 'SAMPLE', id: upper(id) } });
    expect(exported.errors).toBeUndefined();
    expect(exported.data.auditTrailExport.fileName).toBe(`sample-${id}-audit-trail.json`);

    const { box } = await lab.freezerWithBox('Case saga', 'MINUS_80');
    const saga: string = (await lab.mutate(`mutation($u: ID) { submitSample(input: { sample: { barcode: "CASE-SAGA-0001", sampleType: DNA }, storageUnitId: $u }) { position saga { id } } }`, { u: upper(box) })).saga.id;
    const done = await lab.eventually(`query($id: ID!) { saga(id: $id) { id status sample { barcode location { unit { id } } } } }`, { id: upper(saga) },
      // The saga's own read is not a read at its steps' positions: wait for storage to show the placement too.
      (d) => d.saga?.status === 'COMPLETED' && d.saga.sample?.location && d.saga, 'saga COMPLETED, sample stored', 20_000);
    expect(done).toEqual({ id: saga, status: 'COMPLETED', sample: { barcode: 'CASE-SAGA-0001', location: { unit: { id: box } } } });

    const created = (await lab.mutate(`mutation { createApiKey(name: "Case bridge", roles: ["viewer"], persistedOnly: false) { secret apiKey { id } } }`));
    const key = { 'x-api-key': created.secret };
    expect((await system.gql('{ samples(first: 1) { totalCount } }', {}, key)).errors).toBeUndefined();
    const revoked = await lab.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`, { id: upper(created.apiKey.id) });
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data.revokeApiKey.id).toBe(created.apiKey.id);
    expect(revoked.data.revokeApiKey.revokedAt).not.toBeNull();
    await waitUntil(async () => code(await system.gql('{ samples(first: 1) { totalCount } }', {}, key)) === 'UNAUTHENTICATED', 10_000, 'revoked key refused');
  });

  it('finds, acknowledges and resolves an alert by its upper-case id', async () => {
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "CASE-ALERT-01", sampleType: DNA }) { position sample { id } } }`);
    await lab.mutate(`mutation($id: ID!) { rejectSample(id: $id, reason: "case test") { position } }`, { id: sample.id });
    const alertOf = (d: any) => d.alerts.edges.map((e: any) => e.node).find((a: any) => a.sample?.id === sample.id);
    const { id } = await lab.eventually(`{ alerts(first: 100) { edges { node { id sample { id } } } } }`, {}, alertOf, 'the rejection alert');
    const found = await lab.gql(`query($id: ID!) { alert(id: $id) { id status } }`, { id: upper(id) });
    expect(found.data.alert).toEqual({ id, status: 'OPEN' });
    const acknowledged = await lab.mutate(`mutation($id: ID!) { acknowledgeAlert(id: $id) { position alert { id status } } }`, { id: upper(id) });
    expect(acknowledged.alert).toEqual({ id, status: 'ACKNOWLEDGED' });
    const resolved = await lab.mutate(`mutation($id: ID!) { resolveAlert(id: $id) { position alert { id status } } }`, { id: upper(id) });
    expect(resolved.alert).toEqual({ id, status: 'RESOLVED' });
  });

  it('keeps refusing ids that are no UUID as before: null for a lookup, BAD_USER_INPUT for a command', async () => {
    const read = await lab.gql(`{ sample(id: "NOT-A-UUID") { id } storageUnit(id: "NOT-A-UUID") { id } sequencingJob(id: "NOT-A-UUID") { id } saga(id: "NOT-A-UUID") { id } storageUnits(parentId: "NOT-A-UUID") { id } }`);
    expect(read.errors).toBeUndefined();
    expect(read.data).toEqual({ sample: null, storageUnit: null, sequencingJob: null, saga: null, storageUnits: [] });
    for (const mutation of [
      `mutation { receiveSample(id: "NOT-A-UUID") { position } }`,
      `mutation { checkInSample(sampleId: "NOT-A-UUID") { position } }`,
      `mutation { queueJob(jobId: "NOT-A-UUID") { position } }`,
      `mutation { revokeApiKey(id: "NOT-A-UUID") { id } }`,
      `mutation { signRecord(record: { type: SAMPLE, id: "NOT-A-UUID" }, meaning: REVIEWED) { position } }`,
    ]) expect(code(await lab.gql(mutation)), mutation).toBe('BAD_USER_INPUT');
  });
});

describe('entity references in upper case, straight to each subgraph', () => {
  it("resolves Sample, StorageUnit, SequencingJob, Library, Pool, SequencingRun, IndexKit and Saga by an upper-case id, and a sample's audit trail", async () => {
    const sample = await lab.validatedSample('CASE-REF-0001');
    const { box } = await lab.freezerWithBox('Case ref', 'MINUS_80');
    const job: string = (await lab.mutate(`mutation { createSequencingJob(input: { name: "Case ref job", platform: MISEQ }) { position job { id } } }`)).job.id;
    const kit: string = (await lab.mutate(`mutation($csv: String!) { importIndexKit(input: { name: "Case ref kit", csv: $csv }) { position kit { id } } }`, { csv: KIT_CSV })).kit.id;
    const library: string = (await lab.mutate(`mutation($s: ID!) { prepareLibrary(input: { sampleId: $s, barcode: "LIB-CASE-REF-1", i7Index: "ACGTACGT", volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 }) { position library { id } } }`, { s: sample })).library.id;
    const pool: string = (await lab.mutate(`mutation($l: ID!) { createPool(input: { name: "Case ref pool", libraries: [{ libraryId: $l }], targetMolarityNm: 2, volumeUl: 50 }) { position pool { id } } }`, { l: library })).pool.id;
    const run: string = (await lab.mutate(`mutation { createSequencingRun(input: { name: "Case ref run", instrument: "MISEQ", flowcellType: "MISEQ_V2", readStructure: "151T8B151T" }) { position run { id } } }`)).run.id;
    const saga: string = (await lab.mutate(`mutation($u: ID) { submitSample(input: { sample: { barcode: "CASE-REF-SAGA-1", sampleType: DNA }, storageUnitId: $u }) { position saga { id } } }`, { u: box })).saga.id;

    const entities = async (subgraph: string, representations: Array<{ __typename: string; id: string }>, selection: string) => {
      const url = system.subgraphs.find((s) => s.name === subgraph)!.url;
      const identity = signIdentity(system.runtime.config.internalSecret, { tenantId: 'demo', subject: 'case-test', roles: ['admin'], requestId: 'case' });
      const result = await postGraphQL(url, `query($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`, { r: representations }, { 'x-tracseq-identity': identity, 'x-tracseq-consistent-with': lab.position });
      expect(result.errors, subgraph).toBeUndefined();
      return result.data._entities;
    };
    expect(await entities('samples', [{ __typename: 'Sample', id: upper(sample) }], '... on Sample { id barcode }')).toEqual([{ id: sample, barcode: 'CASE-REF-0001' }]);
    expect(await entities('storage', [{ __typename: 'StorageUnit', id: upper(box) }], '... on StorageUnit { id name }')).toEqual([{ id: box, name: 'Case ref box 1' }]);
    expect(await entities('sequencing', [
      { __typename: 'SequencingJob', id: upper(job) },
      { __typename: 'IndexKit', id: upper(kit) },
      { __typename: 'Library', id: upper(library) },
      { __typename: 'Pool', id: upper(pool) },
      { __typename: 'SequencingRun', id: upper(run) },
      { __typename: 'Sample', id: upper(sample) },
    ], '... on SequencingJob { id } ... on IndexKit { id } ... on Library { id } ... on Pool { id } ... on SequencingRun { id } ... on Sample { libraries { id } }')).toEqual([
      { id: job }, { id: kit }, { id: library }, { id: pool }, { id: run }, { libraries: [{ id: library }] },
    ]);
    expect(await entities('sagas', [{ __typename: 'Saga', id: upper(saga) }], '... on Saga { id }')).toEqual([{ id: saga }]);
    const [trail] = await entities('audit', [{ __typename: 'Sample', id: upper(sample) }], '... on Sample { history { type } }');
    expect(trail.history.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['SampleRegistered', 'SampleValidated']));
  });
});
