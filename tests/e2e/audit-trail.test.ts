import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labClient } from '../support/lab.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { bearer } from '../support/tokens.js';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system?.stop());

/** A person of the demo lab, with their own token (so their acts carry their subject). */
const person = async (sub: string, roles = ['technician']) => labClient(system, await bearer({ sub, tenant: 'demo', roles }));
const STORE = `mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`;
const HISTORY = `query($id: ID!) { sample(id: $id) { history { id type streamType actor correlationId position data } } }`;
/** Positions are `transactionId:globalPosition`: commit order is that pair's order. */
const commitOrder = (position: string) => position.split(':').map(BigInt) as [bigint, bigint];
const ascending = (positions: string[]) =>
  positions.every((position, i) => {
    if (i === 0) return true;
    const [t0, g0] = commitOrder(positions[i - 1]!);
    const [t1, g1] = commitOrder(position);
    return t1 > t0 || (t1 === t0 && g1 > g0);
  });

describe("a sample's audit trail spans every context", () => {
  it('shows a sample stored by one person and put on a job by another: storage and sequencing events in commit order, each with its actor', async () => {
    const ada = await person('ada@demo');
    const bob = await person('bob@demo', ['manager']);
    const { positions } = await bob.freezerWithBox('Audit', 'MINUS_80');
    const id = await ada.validatedSample('AUDIT-TRAIL-001');
    await ada.mutate(STORE, { s: id, p: positions.A1 });
    await ada.eventually(`query($id: ID!) { sample(id: $id) { status } }`, { id }, (d) => d.sample.status === 'IN_STORAGE', 'sample IN_STORAGE');
    const job = (await bob.mutate(`mutation { createSequencingJob(input: { name: "Audit job", platform: MISEQ }) { position job { id } } }`)).job;
    await bob.mutate(`mutation($j: ID!, $s: ID!) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: "ACGTACGT") { position } }`, { j: job.id, s: id });

    const read = await bob.gql(HISTORY, { id });
    expect(read.errors).toBeUndefined();
    const history = read.data.sample.history as Array<{ type: string; streamType: string; actor: string; position: string; correlationId: string }>;
    expect(history.map((e) => [e.type, e.actor])).toEqual([
      ['SampleRegistered', 'ada@demo'],
      ['BarcodeClaimed', 'ada@demo'],
      ['SampleReceived', 'ada@demo'],
      ['SampleValidated', 'ada@demo'],
      ['PositionFilled', 'ada@demo'],
      ['CustodyStored', 'ada@demo'],
      // The samples context's reaction acts for the person who stored it.
      ['SampleStored', 'ada@demo'],
      // The job's creation is in the sample's trail from the moment the sample joins it.
      ['JobCreated', 'bob@demo'],
      ['JobSampleAdded', 'bob@demo'],
    ]);
    expect(new Set(history.map((e) => e.streamType))).toEqual(new Set(['Sample', 'SampleBarcode', 'StoragePosition', 'SampleCustody', 'SequencingJob']));
    expect(ascending(history.map((e) => e.position)), history.map((e) => e.position).join(' ')).toBe(true);
    expect(history.every((e) => typeof e.correlationId === 'string' && e.correlationId.length > 0)).toBe(true);

    // Later events of a job the sample is on join its trail too.
    await bob.mutate(`mutation($j: ID!) { queueJob(jobId: $j) { position } }`, { j: job.id });
    const later = await bob.gql(HISTORY, { id });
    expect(later.data.sample.history.at(-1)).toMatchObject({ type: 'JobQueued', actor: 'bob@demo', streamType: 'SequencingJob' });
  });

  it('reads its own writes without a consistency header: in a mutation payload and in the next query', async () => {
    const registered = await system.gql(`mutation { registerSample(input: { barcode: "AUDIT-RYW-0001", sampleType: DNA }) { position sample { id history { type } } } }`, {}, await bearer({ sub: 'gus@demo', tenant: 'demo', roles: ['technician'] }));
    expect(registered.data.registerSample.sample.history).toEqual([{ type: 'SampleRegistered' }, { type: 'BarcodeClaimed' }]);
    const id = registered.data.registerSample.sample.id;
    await system.gql(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id }, await bearer({ sub: 'gus@demo', tenant: 'demo', roles: ['technician'] }));
    // The header names the registration only, so the sample itself resolves on either bus (the samples
    // read model has no read-your-writes without one); the trail must still hold the later receipt.
    const read = await system.gql(`query($id: ID!) { sample(id: $id) { history { type } } }`, { id }, {
      ...(await bearer({ sub: 'gus@demo', tenant: 'demo', roles: ['viewer'] })),
      'x-tracseq-consistent-with': registered.data.registerSample.position,
    });
    expect(read.data.sample.history.map((e: any) => e.type)).toEqual(['SampleRegistered', 'BarcodeClaimed', 'SampleReceived']);
  });

  it('follows a sample through library, pool and run, and gives the run its own trail', async () => {
    const lab = await person('carol@demo');
    const id = await lab.validatedSample('AUDIT-RUN-0001');
    const library = (await lab.mutate(`mutation($s: ID!) { prepareLibrary(input: { sampleId: $s, barcode: "AUDIT-LIB-01", i7Index: "ACGTACGT", i5Index: "AGGTGCGT", volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 }) { position library { id } } }`, { s: id })).library;
    const pool = (await lab.mutate(`mutation($l: ID!) { createPool(input: { name: "Audit pool", libraries: [{ libraryId: $l }], targetMolarityNm: 2, volumeUl: 50 }) { position pool { id } } }`, { l: library.id })).pool;
    const run = (await lab.mutate(`mutation { createSequencingRun(input: { name: "Audit run", instrument: "MISEQ", flowcellType: "MISEQ_V3", readStructure: "151T8B8B151T" }) { position run { id } } }`)).run;
    await lab.mutate(`mutation($r: ID!, $p: ID!) { loadPoolOnLane(runId: $r, lane: 1, poolId: $p) { position } }`, { r: run.id, p: pool.id });
    await lab.mutate(`mutation($r: ID!) { recordLaneQc(runId: $r, lane: 1, metrics: { q30Percent: 91, percentPf: 88, clusterDensityKmm2: 1300 }) { position } }`, { r: run.id });

    const read = await lab.gql(`query($id: ID!, $r: ID!) { sample(id: $id) { history { type } } sequencingRun(id: $r) { history { type streamId actor } } }`, { id, r: run.id });
    expect(read.errors).toBeUndefined();
    expect(read.data.sample.history.map((e: any) => e.type).slice(4)).toEqual(['LibraryPrepared', 'LibraryBarcodeClaimed', 'PoolCreated', 'RunCreated', 'PoolLoaded', 'LaneQcRecorded']);
    expect(read.data.sequencingRun.history).toEqual([
      { type: 'RunCreated', streamId: `SequencingRun-${run.id}`, actor: 'carol@demo' },
      { type: 'PoolLoaded', streamId: `SequencingRun-${run.id}`, actor: 'carol@demo' },
      { type: 'LaneQcRecorded', streamId: `SequencingRun-${run.id}`, actor: 'carol@demo' },
    ]);
  });

  it('links a submitSample saga to the sample it registered', async () => {
    const lab = await person('dan@demo', ['manager']);
    const { box } = await lab.freezerWithBox('Saga audit', 'MINUS_80');
    const saga = (await lab.mutate(`mutation($u: ID) { submitSample(input: { sample: { barcode: "AUDIT-SAGA-01", sampleType: DNA }, storageUnitId: $u }) { position saga { id } } }`, { u: box })).saga;
    const done = await lab.eventually(`query($id: ID!) { saga(id: $id) { status } sampleByBarcode(barcode: "AUDIT-SAGA-01") { id } }`, { id: saga.id }, (d) => d.saga.status === 'COMPLETED' && d.sampleByBarcode && d, 'saga completed');
    const read = await lab.eventually(HISTORY, { id: done.sampleByBarcode.id }, (d) => d.sample.history.some((e: any) => e.type === 'SagaCompleted') && d, 'saga in the trail');
    const types = read.sample.history.map((e: any) => e.type);
    expect(types[0]).toBe('SagaStarted');
    expect(types).toEqual(expect.arrayContaining(['SampleRegistered', 'SampleValidated', 'CustodyStored', 'SagaStepCompleted', 'SagaCompleted']));
  });
});

describe('trail export', () => {
  it('exports a sample trail as RFC 4180 CSV, quoted and safe against formula injection, and as JSON', async () => {
    const mallory = await person(`=HYPERLINK("http://evil.example","x"),@SUM(A1)`);
    const id = await mallory.validatedSample('AUDIT-CSV-0001');
    await mallory.mutate(`mutation($id: ID!) { rejectSample(id: $id, reason: "=1+2, \\"quoted\\"\\nline two") { position } }`, { id });
    // The rejection raises an alert about the sample (another context, a moment later): the trail is complete once it is in.
    const history = (await mallory.eventually(HISTORY, { id }, (d) => d.sample.history.some((e: any) => e.type === 'AlertRaised') && d, 'alert in the trail')).sample.history;

    const csv = await mallory.gql(`query($id: ID!) { auditTrailExport(record: { type: SAMPLE, id: $id }, format: CSV) { fileName contentType content } }`, { id });
    expect(csv.errors).toBeUndefined();
    const file = csv.data.auditTrailExport;
    expect(file.fileName).toBe(`sample-${id}-audit-trail.csv`);
    expect(file.contentType).toMatch(/^text\/csv/);
    expect(file.content.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(file.content, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.type)).toEqual(history.map((e: any) => e.type));
    expect(Object.keys(rows[0]!)).toEqual(['position', 'occurredAt', 'type', 'streamType', 'streamId', 'version', 'actor', 'correlationId', 'eventId', 'data']);
    // The actor would be a formula: it is text, prefixed with an apostrophe, and otherwise intact.
    expect(rows[0]!.actor).toBe(`'=HYPERLINK("http://evil.example","x"),@SUM(A1)`);
    const rejected = rows.find((r) => r.type === 'SampleRejected')!;
    expect(JSON.parse(rejected.data)).toMatchObject({ reason: '=1+2, "quoted"\nline two', to: 'REJECTED' });
    expect(rows.map((r) => r.eventId)).toEqual(history.map((e: any) => e.id));
    // No cell a spreadsheet would evaluate.
    for (const row of rows) for (const cell of Object.values(row)) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);

    const json = await mallory.gql(`query($id: ID!) { auditTrailExport(record: { type: SAMPLE, id: $id }, format: JSON) { fileName contentType content } }`, { id });
    expect(json.data.auditTrailExport).toMatchObject({ fileName: `sample-${id}-audit-trail.json`, contentType: 'application/json' });
    const body = JSON.parse(json.data.auditTrailExport.content);
    expect(body.record).toEqual({ type: 'SAMPLE', id });
    expect(body.events.map((e: any) => [e.id, e.type, e.actor, e.position])).toEqual(history.map((e: any) => [e.id, e.type, e.actor, e.position]));
  });

  it('refuses an unknown record with NOT_FOUND and a malformed id with BAD_USER_INPUT', async () => {
    const lab = await person('erin@demo');
    const missing = await lab.gql(`{ auditTrailExport(record: { type: RUN, id: "00000000-0000-4000-8000-000000000000" }, format: CSV) { content } }`);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const bad = await lab.gql(`{ auditTrailExport(record: { type: SAMPLE, id: "not-an-id" }, format: JSON) { content } }`);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it("never shows another tenant's trail", async () => {
    const lab = await person('fay@demo');
    const id = await lab.validatedSample('AUDIT-TENANT-01');
    const other = labClient(system, await bearer({ sub: 'eve@lab-two', tenant: 'lab-two', roles: ['admin'] }));
    const read = await other.gql(`query($id: ID!) { sample(id: $id) { id } auditTrailExport(record: { type: SAMPLE, id: $id }, format: JSON) { content } }`, { id });
    expect(read.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
