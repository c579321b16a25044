import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labClient } from '../support/lab.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { token } from '../support/tokens.js';

let system: TestSystem;
let lab: ReturnType<typeof labClient>;

beforeAll(async () => {
  system = await startTestSystem();
  lab = labClient(system);
});
afterAll(() => system?.stop());

// Each entity's own subgraph's fields, nested ones included (those come from read models): a
// client cache normalising by id must hold the same entity after the mutation as after a query.
const FRAGMENTS = {
  // history is the audit subgraph's (every context's events, some arriving after the payload): tests/e2e/audit-trail.test.ts
  Sample: `fragment E on Sample { id barcode sampleType status statusReason volumeUl concentrationNgUl submitter projectCode metadata createdAt updatedAt version parent { id barcode }
    derivation { kind volumeTakenUl } children { id volumeUl } lineage { ancestors { id } descendants { id } } }`,
  StorageUnit: `fragment E on StorageUnit { id name kind zone rows columns capacity occupied reserved utilization minTempC maxTempC parent { id name children { id } }
    children { id } positions { id label row column state sample { id } } latestTemperature { celsius recordedAt inRange } }`,
  StoragePosition: `fragment E on StoragePosition { id label row column state sample { id } unit { id occupied reserved capacity } }`,
  TemperatureReading: `fragment E on TemperatureReading { celsius recordedAt inRange }`,
  SequencingJob: `fragment E on SequencingJob { id name platform priority status readStructure flowcellId samples { lane i7Index i5Index sample { id } }
    metrics { q30Percent clusterDensityKmm2 percentPf yieldGb } qcVerdict sampleSheet createdAt startedAt completedAt failureReason }`,
  IndexKit: `fragment E on IndexKit { id name indexes { indexId i7 i5 well } }`,
  Library: `fragment E on Library { id barcode status indexId i7Index i5Index volumeUl concentrationNgUl meanFragmentBp molarityNm qcNote qcRecordedBy kit { id } sample { id } pools { id } }`,
  Pool: `fragment E on Pool { id name molarityNm volumeUl members { proportion volumeUl library { id } } warnings { kind message } runs { id } createdAt }`,
  SequencingRun: `fragment E on SequencingRun { id name flowcellType laneCount readStructure instrument { code } lanes { lane pool { id } } sampleSheet status laneQc { lane verdict reasons recordedBy } qcVerdict qcOverrideReason completedBy createdAt }`,
  Alert: `fragment E on Alert { id kind severity status message raisedAt acknowledgedBy acknowledgedAt resolvedAt escalationLevel sourceEventId sample { id } }`,
} as const;

/** The same entity read by a query that asks to see at least the mutation's position. */
const READS: Record<keyof typeof FRAGMENTS, { query: string; pick: (data: any, entity: any) => any }> = {
  Sample: { query: `query($id: ID!) { sample(id: $id) { ...E } }`, pick: (d) => d.sample },
  StorageUnit: { query: `query($id: ID!) { storageUnit(id: $id) { ...E } }`, pick: (d) => d.storageUnit },
  StoragePosition: { query: `query($id: ID!) { storageUnit(id: $id) { positions { ...E } } }`, pick: (d, e) => d.storageUnit.positions.find((p: any) => p.id === e.id) },
  TemperatureReading: { query: `query($id: ID!) { storageUnit(id: $id) { latestTemperature { ...E } } }`, pick: (d) => d.storageUnit.latestTemperature },
  SequencingJob: { query: `query($id: ID!) { sequencingJob(id: $id) { ...E } }`, pick: (d) => d.sequencingJob },
  IndexKit: { query: `query($id: ID!) { indexKit(id: $id) { ...E } }`, pick: (d) => d.indexKit },
  Library: { query: `query($id: ID!) { library(id: $id) { ...E } }`, pick: (d) => d.library },
  Pool: { query: `query($id: ID!) { pool(id: $id) { ...E } }`, pick: (d) => d.pool },
  SequencingRun: { query: `query($id: ID!) { sequencingRun(id: $id) { ...E } }`, pick: (d) => d.sequencingRun },
  Alert: { query: `query($id: ID!) { alert(id: $id) { ...E } }`, pick: (d) => d.alert },
};

const covered = new Set<string>();

/**
 * Runs `field(args) { position <entityField> { ...E } }` and compares the entity in its payload with
 * the same selection queried at the payload's position (`readId`: what the query is keyed by).
 */
const same = async (type: keyof typeof FRAGMENTS, field: string, args: string, variables: Record<string, unknown>, entityField: string, readId?: (entity: any) => string) => {
  const result = await lab.gql(`mutation(${Object.keys(variables).map((name) => `$${name}: ${VARIABLE_TYPES[name]}`).join(', ')}) {
      ${field}${args} { position ${entityField} { ...E } } } ${FRAGMENTS[type]}`.replace('mutation() ', 'mutation '), variables);
  expect(result.errors, `${field}: ${JSON.stringify(result.errors)}`).toBeUndefined();
  const payload = result.data[field];
  const entity = payload[entityField];
  const read = await system.gql(`${READS[type].query} ${FRAGMENTS[type]}`, { id: readId ? readId(entity) : entity.id }, { 'x-tracseq-consistent-with': payload.position });
  expect(read.errors, `${field} read: ${JSON.stringify(read.errors)}`).toBeUndefined();
  expect(entity, field).toEqual(READS[type].pick(read.data, entity));
  covered.add(field);
  return entity;
};

const VARIABLE_TYPES: Record<string, string> = {
  input: 'CreateStorageUnitInput!', sample: 'RegisterSampleInput!', id: 'ID!', reason: 'String!', positionId: 'ID!', sampleId: 'ID!', toPositionId: 'ID!', unitId: 'ID!',
  job: 'CreateSequencingJobInput!', jobId: 'ID!', metrics: 'RunMetricsInput!', underUnitId: 'ID',
  aliquot: 'AliquotSampleInput!', extract: 'ExtractSampleInput!',
  kit: 'ImportIndexKitInput!', library: 'PrepareLibraryInput!', libraryId: 'ID!', pool: 'CreatePoolInput!', run: 'CreateSequencingRunInput!', runId: 'ID!', poolId: 'ID!',
};

describe('every mutation payload shows the state its write produced', () => {
  it('equals the same selection queried afterwards, for every mutation in the contract', async () => {
    // storage: the hierarchy, with a box's positions in the payload that creates it
    const unit = (input: Record<string, unknown>) => same('StorageUnit', 'createStorageUnit', '(input: $input)', { input }, 'unit');
    const site = await unit({ name: 'Payload site', kind: 'FACILITY' });
    const freezer = await unit({ name: 'Payload freezer', kind: 'FREEZER', zone: 'MINUS_80', parentId: site.id });
    const rack = await unit({ name: 'Payload rack', kind: 'RACK', parentId: freezer.id });
    const box = await unit({ name: 'Payload box', kind: 'BOX', parentId: rack.id, rows: 2, columns: 3 });
    expect(box.positions.map((p: any) => p.label)).toEqual(['A1', 'A2', 'A3', 'B1', 'B2', 'B3']);
    const at = (label: string) => box.positions.find((p: any) => p.label === label).id as string;
    await same('TemperatureReading', 'recordTemperature', '(unitId: $unitId, celsius: -79.5)', { unitId: freezer.id }, 'reading', () => freezer.id);

    // samples
    const register = (barcode: string, extra: Record<string, unknown> = {}) =>
      same('Sample', 'registerSample', '(input: $sample)', { sample: { barcode, sampleType: 'DNA', volumeUl: 20, projectCode: 'PAYLOAD', metadata: { lane: 1 }, ...extra } }, 'sample');
    const first = await register('PAYLOAD-0001');
    const second = await register('PAYLOAD-0002', { parentId: first.id });
    const third = await register('PAYLOAD-0003');
    for (const sample of [first, second]) {
      await same('Sample', 'receiveSample', '(id: $id)', { id: sample.id }, 'sample');
      await same('Sample', 'validateSample', '(id: $id)', { id: sample.id }, 'sample');
    }
    // derivations: the child, and the parent with its remaining volume and its new child
    await same('Sample', 'aliquotSample', '(input: $aliquot)', { aliquot: { parentId: first.id, barcode: 'PAYLOAD-ALQ-1', volumeTakenUl: 2.5 } }, 'sample');
    const blood = await register('PAYLOAD-BLOOD-1', { sampleType: 'BLOOD' });
    await same('Sample', 'receiveSample', '(id: $id)', { id: blood.id }, 'sample');
    const parent = await same('Sample', 'extractSample', '(input: $extract)', { extract: { parentId: blood.id, barcode: 'PAYLOAD-EXT-1', sampleType: 'RNA', volumeTakenUl: 5 } }, 'parent');
    expect(parent.volumeUl).toBe(15);
    await same('Sample', 'rejectSample', '(id: $id, reason: $reason)', { id: third.id, reason: 'tube cracked' }, 'sample');
    await same('Sample', 'resubmitSample', '(id: $id)', { id: third.id }, 'sample');
    await same('Sample', 'rejectSample', '(id: $id, reason: $reason)', { id: third.id, reason: 'cracked again' }, 'sample');
    await same('Sample', 'discardSample', '(id: $id, reason: $reason)', { id: third.id, reason: 'unusable' }, 'sample');
    const imported = await lab.gql(`mutation { importSamples(csv: "barcode,sampleType\\nPAYLOAD-0004,RNA\\nbad!,DNA") { position imported { ...E } errors { row } } } ${FRAGMENTS.Sample}`);
    expect(imported.errors).toBeUndefined();
    expect(imported.data.importSamples.errors).toEqual([{ row: 2 }]);
    for (const sample of imported.data.importSamples.imported) {
      const read = await system.gql(`query($id: ID!) { sample(id: $id) { ...E } } ${FRAGMENTS.Sample}`, { id: sample.id }, { 'x-tracseq-consistent-with': imported.data.importSamples.position });
      expect(sample).toEqual(read.data.sample);
    }
    covered.add('importSamples');

    // placements: the position and its box's counts as the write left them
    const position = (field: string, args: string, variables: Record<string, unknown>) => same('StoragePosition', field, args, variables, 'storagePosition', () => box.id);
    await position('reservePosition', '(positionId: $positionId, sampleId: $sampleId)', { positionId: at('A1'), sampleId: first.id });
    await position('releaseReservation', '(positionId: $positionId)', { positionId: at('A1') });
    await position('reserveFreePosition', '(sampleId: $sampleId, underUnitId: $underUnitId)', { sampleId: first.id, underUnitId: box.id });
    await position('storeSample', '(sampleId: $sampleId, positionId: $positionId)', { sampleId: first.id, positionId: at('A1') });
    await position('checkOutSample', '(sampleId: $sampleId, reason: $reason)', { sampleId: first.id, reason: 'aliquot' });
    await position('checkInSample', '(sampleId: $sampleId)', { sampleId: first.id });
    await position('moveSample', '(sampleId: $sampleId, toPositionId: $toPositionId)', { sampleId: first.id, toPositionId: at('B2') });
    await position('removeSampleFromStorage', '(sampleId: $sampleId, reason: $reason)', { sampleId: first.id, reason: 'used up' });

    // sequencing: one job through its whole life, one cancelled, one failed and requeued
    const job = (field: string, args: string, variables: Record<string, unknown>) => same('SequencingJob', field, args, variables, 'job');
    const create = (name: string) => job('createSequencingJob', '(input: $job)', { job: { name, platform: 'NOVASEQ_X', priority: 'HIGH', readStructure: '151T8B8B151T' } });
    const run = await create('Payload run');
    await job('addSampleToJob', '(jobId: $jobId, sampleId: $sampleId, i7Index: "ACGTACGT", i5Index: "TTGGCCAA", lane: 1)', { jobId: run.id, sampleId: second.id });
    await job('removeSampleFromJob', '(jobId: $jobId, sampleId: $sampleId)', { jobId: run.id, sampleId: second.id });
    await job('addSampleToJob', '(jobId: $jobId, sampleId: $sampleId, i7Index: "ACGTACGT", lane: 2)', { jobId: run.id, sampleId: second.id });
    await job('queueJob', '(jobId: $jobId)', { jobId: run.id });
    await job('startJob', '(jobId: $jobId, flowcellId: "FC-PAYLOAD")', { jobId: run.id });
    await job('pauseJob', '(jobId: $jobId)', { jobId: run.id });
    await job('resumeJob', '(jobId: $jobId)', { jobId: run.id });
    await job('recordRunMetrics', '(jobId: $jobId, metrics: $metrics)', { jobId: run.id, metrics: { q30Percent: 91.5, clusterDensityKmm2: 1000, percentPf: 80, yieldGb: 120 } });
    await job('completeJob', '(jobId: $jobId)', { jobId: run.id });
    await job('cancelJob', '(jobId: $jobId, reason: "no longer needed")', { jobId: (await create('Payload cancelled')).id });
    const failing = await create('Payload failing');
    await job('addSampleToJob', '(jobId: $jobId, sampleId: $sampleId, i7Index: "GGGGCCCC")', { jobId: failing.id, sampleId: (await lab.validatedSample('PAYLOAD-0005')) });
    await job('queueJob', '(jobId: $jobId)', { jobId: failing.id });
    await job('startJob', '(jobId: $jobId, flowcellId: "FC-PAYLOAD-2")', { jobId: failing.id });
    await job('failJob', '(jobId: $jobId, reason: "flowcell leak")', { jobId: failing.id });
    await job('requeueJob', '(jobId: $jobId)', { jobId: failing.id });

    // sequencing core: kit → library → pool → run lane (synthetic kit)
    const kit = await same('IndexKit', 'importIndexKit', '(input: $kit)', { kit: { name: 'Payload kit', csv: 'index_id,i7,i5,well\nP01,ACGTACGT,AGGTGCGT,A1' } }, 'kit');
    const library = await same('Library', 'prepareLibrary', '(input: $library)', { library: {
      sampleId: await lab.validatedSample('PAYLOAD-0007'), barcode: 'PAYLOAD-LIB-1', kitId: kit.id, indexId: 'P01', volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400,
    } }, 'library');
    await same('Library', 'recordLibraryQc', '(libraryId: $libraryId, verdict: PASS, note: "ok")', { libraryId: library.id }, 'library');
    const pool = await same('Pool', 'createPool', '(input: $pool)', { pool: { name: 'Payload pool', libraries: [{ libraryId: library.id }], targetMolarityNm: 2, volumeUl: 50 } }, 'pool');
    const seqRun = await same('SequencingRun', 'createSequencingRun', '(input: $run)', { run: { name: 'Payload run', instrument: 'MISEQ', flowcellType: 'MISEQ_V3', readStructure: '151T8B8B151T' } }, 'run');
    await same('SequencingRun', 'loadPoolOnLane', '(runId: $runId, lane: 1, poolId: $poolId)', { runId: seqRun.id, poolId: pool.id }, 'run');
    // MiSeq v3 is judged on Q30, %PF and its density band (1200–1400 K/mm²): this lane passes.
    await same('SequencingRun', 'recordLaneQc', '(runId: $runId, lane: 1, metrics: { q30Percent: 91, percentPf: 88, clusterDensityKmm2: 1300 })', { runId: seqRun.id }, 'run');
    await same('SequencingRun', 'completeSequencingRun', '(runId: $runId)', { runId: seqRun.id }, 'run');

    // archive: the completed run made the sample SEQUENCED (the samples context reacts to it)
    await lab.eventually(`query($id: ID!) { sample(id: $id) { status } }`, { id: second.id }, (d) => d.sample.status === 'SEQUENCED', 'sample sequenced');
    await same('Sample', 'archiveSample', '(id: $id)', { id: second.id }, 'sample');

    // notifications: the second rejection raised an alert (the first one's was resolved by the
    // resubmission, and may be all the read model lists for a moment: wait for the open one)
    const alertId = await lab.eventually(`{ alerts(first: 100) { edges { node { id kind status sample { id } } } } }`, {}, (d) =>
      d.alerts.edges.find((e: any) => e.node.kind === 'SAMPLE_REJECTED' && e.node.status === 'OPEN' && e.node.sample?.id === third.id)?.node.id, 'open SAMPLE_REJECTED alert');
    await same('Alert', 'acknowledgeAlert', '(id: $id, note: "on it")', { id: alertId }, 'alert');
    await same('Alert', 'resolveAlert', '(id: $id, note: "tube replaced")', { id: alertId }, 'alert');

    // sagas: the saga runs on after the payload; what the write decided is its identity and start
    const submitted = await lab.gql(`mutation($u: ID) { submitSample(input: { sample: { barcode: "PAYLOAD-0006", sampleType: DNA }, storageUnitId: $u }) {
        position saga { id type status startedAt steps { name status } } } }`, { u: box.id });
    expect(submitted.errors).toBeUndefined();
    const saga = submitted.data.submitSample.saga;
    expect(saga.status).toBe('RUNNING');
    const readSaga = await system.gql(`query($id: ID!) { saga(id: $id) { id type startedAt steps { name } } }`, { id: saga.id }, { 'x-tracseq-consistent-with': submitted.data.submitSample.position });
    expect({ id: saga.id, type: saga.type, startedAt: saga.startedAt, steps: saga.steps.map((s: any) => ({ name: s.name })) }).toEqual(readSaga.data.saga);
    covered.add('submitSample');

    // access: API keys (the payload carries no position; the key list is read until it has the key)
    const KEY = `id name roles persistedOnly createdAt revokedAt`;
    const created = await lab.gql(`mutation { createApiKey(name: "payload partner", roles: ["viewer"], persistedOnly: true) { apiKey { ${KEY} } secret } }`);
    expect(created.errors).toBeUndefined();
    const key = created.data.createApiKey.apiKey;
    expect(await lab.eventually(`{ apiKeys { ${KEY} } }`, {}, (d) => d.apiKeys.find((k: any) => k.id === key.id), 'key listed')).toEqual(key);
    const revoked = await lab.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { ${KEY} } }`, { id: key.id });
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data.revokeApiKey.revokedAt).not.toBeNull();
    expect(await lab.eventually(`{ apiKeys { ${KEY} } }`, {}, (d) => d.apiKeys.find((k: any) => k.id === key.id && k.revokedAt), 'key revoked')).toEqual(revoked.data.revokeApiKey);
    covered.add('createApiKey').add('revokeApiKey');

    // audit: a signature (by a person freshly signed in) reads back the same from the record's signatures
    const signer = { authorization: `Bearer ${await token({ sub: 'signer@demo', tenant: 'demo', roles: ['manager'], name: 'Sam Signer', authTime: Math.floor(Date.now() / 1000) })}` };
    const SIGNATURE = `id recordType recordId meaning signer printedName signedAt trailHash trailLength coversCurrentState`;
    const signed = await system.gql(`mutation($id: ID!) { signRecord(record: { type: SAMPLE, id: $id }, meaning: APPROVED) { position signature { ${SIGNATURE} } } }`, { id: first.id }, signer);
    expect(signed.errors).toBeUndefined();
    const readSignatures = await system.gql(`query($id: ID!) { sample(id: $id) { signatures { ${SIGNATURE} } } }`, { id: first.id }, { ...signer, 'x-tracseq-consistent-with': signed.data.signRecord.position });
    expect(readSignatures.data.sample.signatures.find((s: any) => s.id === signed.data.signRecord.signature.id)).toEqual(signed.data.signRecord.signature);
    covered.add('signRecord');

    // Every mutation the composed API offers was exercised above.
    const schema = await lab.gql(`{ __schema { mutationType { fields { name } } } }`);
    const offered = schema.data.__schema.mutationType.fields.map((f: { name: string }) => f.name).sort();
    expect(offered.filter((name: string) => !covered.has(name))).toEqual([]);
  }, 180_000);
});
