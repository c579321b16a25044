import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { encodeCursor } from '../../platform/graphql/connection.js';
import { compareCheckpoints, parsePosition } from '../../event-store/position.js';
import { runWorkers } from '../../platform/subgraph-server.js';
import { samplesProjections } from '../../subgraphs/samples/index.js';
import { signIdentity } from '../../platform/identity.js';
import { runBus } from '../support/buses.js';
import { postGraphQL, startTestSystem, type TestSystem } from '../support/system.js';
import { waitUntil } from '../support/wait.js';
import { labClient } from '../support/lab.js';
import { storageProjection } from '../../subgraphs/storage/read-model/storage-projection.js';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system?.stop());

const SAMPLE_FIELDS = 'id barcode sampleType status version volumeUl projectCode createdAt updatedAt';

const register = async (barcode: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}, idempotencyKey?: string) => {
  const result = await system.gql(
    `mutation($input: RegisterSampleInput!, $key: String) { registerSample(input: $input, idempotencyKey: $key) { position sample { ${SAMPLE_FIELDS} } } }`,
    { input: { barcode, sampleType: 'DNA', volumeUl: 120, projectCode: 'ONCO', ...extra }, key: idempotencyKey },
    headers,
  );
  expect(result.errors).toBeUndefined();
  return result.data.registerSample as { position: string; sample: { id: string; version: number; status: string } };
};

const move = (mutation: string, id: string, extra = '') =>
  system.gql(`mutation($id: ID!) { ${mutation}(id: $id${extra}) { position sample { id status version statusReason } } }`, { id });

describe('samples through the gateway', () => {
  it('registers, receives and validates a sample, then reads it by id, barcode and filter (read-your-writes, no sleeps)', async () => {
    const { sample } = await register('E2E-LIFE-001', { metadata: { tube: 'FluidX', rack: 3 } });
    expect(sample).toMatchObject({ status: 'PENDING', version: 1 });
    expect((await move('receiveSample', sample.id)).data.receiveSample.sample).toMatchObject({ status: 'RECEIVED', version: 2 });
    const validated = await move('validateSample', sample.id);
    expect(validated.data.validateSample.sample).toMatchObject({ status: 'VALIDATED', version: 3 });
    const consistent = { 'x-tracseq-consistent-with': validated.data.validateSample.position };

    const read = await system.gql(
      `query($id: ID!, $barcode: String!) {
        byId: sample(id: $id) { id status version metadata history { type version position actor data } }
        byBarcode: sampleByBarcode(barcode: $barcode) { id status }
        list: samples(filter: { status: [VALIDATED], projectCode: "ONCO", barcodePrefix: "E2E-LIFE" }) { totalCount edges { node { id status } } }
      }`,
      { id: sample.id, barcode: 'E2E-LIFE-001' },
      consistent,
    );
    expect(read.errors).toBeUndefined();
    expect(read.data.byId).toMatchObject({ id: sample.id, status: 'VALIDATED', version: 3, metadata: { tube: 'FluidX', rack: 3 } });
    // The trail is every event about the sample: the barcode claim commits with the registration.
    expect(read.data.byId.history.map((e: { type: string }) => e.type)).toEqual(['SampleRegistered', 'BarcodeClaimed', 'SampleReceived', 'SampleValidated']);
    expect(read.data.byId.history[3]).toMatchObject({ version: 3, actor: 'dev-admin', data: { from: 'RECEIVED', to: 'VALIDATED' } });
    expect(read.data.byBarcode).toEqual({ id: sample.id, status: 'VALIDATED' });
    expect(read.data.list).toEqual({ totalCount: 1, edges: [{ node: { id: sample.id, status: 'VALIDATED' } }] });
  });

  it('refuses invalid transitions with INVALID_TRANSITION, from and to', async () => {
    const { sample } = await register('E2E-INVALID-01');
    const archived = await move('archiveSample', sample.id);
    expect(archived.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', from: 'PENDING', to: 'ARCHIVED' });
    // NODE_ENV=test is not development: no stack traces reach clients.
    expect(archived.errors?.[0]?.extensions).not.toHaveProperty('stacktrace');
        await move('discardSample', sample.id, ', reason: "broken tube"');
    for (const mutation of ['receiveSample', 'validateSample', 'archiveSample', 'resubmitSample']) {
      const refused = await move(mutation, sample.id);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', from: 'DISCARDED' });
    }
    const rejectedFinal = await system.gql(`mutation($id: ID!) { rejectSample(id: $id, reason: "x") { position } }`, { id: sample.id });
    expect(rejectedFinal.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', from: 'DISCARDED', to: 'REJECTED' });
  });

  it('lets exactly one of concurrent mutations with the same expectedVersion win', async () => {
    const { sample } = await register('E2E-RACE-0001');
    const attempts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        system.gql(`mutation($id: ID!, $v: Int) { ${i % 2 ? 'receiveSample(id: $id, expectedVersion: $v)' : 'rejectSample(id: $id, reason: "race", expectedVersion: $v)'} { sample { status version } } }`, {
          id: sample.id,
          v: 1,
        }),
      ),
    );
    const winners = attempts.filter((attempt) => !attempt.errors);
    expect(winners).toHaveLength(1);
    for (const loser of attempts.filter((attempt) => attempt.errors)) expect(loser.errors![0]!.extensions!.code).toBe('CONCURRENCY_CONFLICT');
    const stale = await system.gql(`mutation($id: ID!) { receiveSample(id: $id, expectedVersion: 1) { position } }`, { id: sample.id });
    expect(stale.errors?.[0]?.extensions).toMatchObject({ code: 'CONCURRENCY_CONFLICT', expectedVersion: 1, actualVersion: 2 });
  });

  it('refuses a reused barcode with CONFLICT, and accepts it in another tenant', async () => {
    await register('E2E-DUP-00001');
    const again = await system.gql(`mutation { registerSample(input: { barcode: "E2E-DUP-00001", sampleType: RNA }) { position } }`);
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const concurrent = await Promise.all(
      Array.from({ length: 6 }, () => system.gql(`mutation { registerSample(input: { barcode: "E2E-DUP-00002", sampleType: RNA }) { sample { id } } }`)),
    );
    expect(concurrent.filter((r) => !r.errors)).toHaveLength(1);
    expect(concurrent.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(5);
    const elsewhere = await register('E2E-DUP-00001', {}, { 'x-tracseq-tenant': 'other-lab' });
    expect(elsewhere.sample.status).toBe('PENDING');
  });

  it('returns the first result for a repeated idempotency key and registers nothing new', async () => {
    const first = await register('E2E-IDEM-0001', {}, {}, 'client-key-1');
    const replay = await register('E2E-IDEM-0001', {}, {}, 'client-key-1');
    expect(replay.sample.id).toBe(first.sample.id);
    expect(replay.position).toBe(first.position);
    const count = await system.gql(`{ samples(filter: { barcodePrefix: "E2E-IDEM" }) { totalCount } }`, {}, { 'x-tracseq-consistent-with': first.position });
    expect(count.data.samples.totalCount).toBe(1);
  });

  it('scopes an idempotency key to the record it acts on: reused on another sample it is a new request', async () => {
    const lab = labClient(system);
    const [one, two] = [(await register('E2E-KEY-0001')).sample.id, (await register('E2E-KEY-0002')).sample.id];
    const receive = (id: string) => lab.mutate(`mutation($id: ID!) { receiveSample(id: $id, idempotencyKey: "rk-shared") { position sample { id status } } }`, { id });
    const first = await receive(one);
    expect(await receive(one)).toEqual(first);
    const other = await receive(two);
    expect(other.sample).toEqual({ id: two, status: 'RECEIVED' });
    expect(other.position).not.toBe(first.position);
    // Derivations: the same key on another parent takes from that parent.
    const aliquot = (parentId: string, barcode: string) =>
      lab.mutate(`mutation($i: AliquotSampleInput!) { aliquotSample(input: $i, idempotencyKey: "dk-shared") { position sample { parent { id } } parent { id volumeUl } } }`, { i: { parentId, barcode, volumeTakenUl: 1 } });
    expect((await aliquot(one, 'E2E-KEY-ALQ-1')).parent).toEqual({ id: one, volumeUl: 119 });
    const fromTwo = await aliquot(two, 'E2E-KEY-ALQ-2');
    expect(fromTwo.sample.parent.id).toBe(two);
    expect(fromTwo.parent).toEqual({ id: two, volumeUl: 119 });
  });

  it('answers a repeated idempotency key with the record as the first write left it, not as it is now', async () => {
    const lab = labClient(system);
    const registered = await register('E2E-IDEM-AS-01', {}, {}, 'as-of-register');
    const receive = (key: string) => lab.mutate(`mutation($id: ID!, $k: String) { receiveSample(id: $id, idempotencyKey: $k) { position sample { status version } } }`, { id: registered.sample.id, k: key });
    const received = await receive('K');
    expect(received.sample).toEqual({ status: 'RECEIVED', version: 2 });
    await lab.mutate(`mutation($id: ID!) { rejectSample(id: $id, reason: "haemolysed") { position } }`, { id: registered.sample.id });
    expect(await receive('K')).toEqual(received);
    const replayed = await register('E2E-IDEM-AS-01', {}, {}, 'as-of-register');
    expect(replayed).toEqual(registered);
    expect(replayed.sample).toMatchObject({ status: 'PENDING', version: 1 });
    // A derivation's replay: the parent with what it held after that take, though a later one took more.
    const parent = (await register('E2E-IDEM-AS-02')).sample.id;
    await lab.mutate(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id: parent });
    const aliquot = (barcode: string, key: string) =>
      lab.mutate(`mutation($i: AliquotSampleInput!, $k: String) { aliquotSample(input: $i, idempotencyKey: $k) { position sample { barcode status version } parent { volumeUl version } } }`, { i: { parentId: parent, barcode, volumeTakenUl: 1 }, k: key });
    const first = await aliquot('E2E-IDEM-AS-03', 'as-of-aliquot-1');
    expect(first.parent).toEqual({ volumeUl: 119, version: 3 });
    expect((await aliquot('E2E-IDEM-AS-04', 'as-of-aliquot-2')).parent).toEqual({ volumeUl: 118, version: 4 });
    const child = (await system.gql(`{ sampleByBarcode(barcode: "E2E-IDEM-AS-03") { id } }`, {}, { 'x-tracseq-consistent-with': first.position })).data.sampleByBarcode.id;
    await lab.mutate(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id: child });
    expect(await aliquot('E2E-IDEM-AS-03', 'as-of-aliquot-1')).toEqual(first);
  });

  it('rejects bad input with typed errors: BAD_USER_INPUT, NOT_FOUND, validation', async () => {
    const badBarcode = await system.gql(`mutation { registerSample(input: { barcode: "no", sampleType: DNA }) { position } }`);
    expect(badBarcode.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badEnum = await system.gql(`mutation { registerSample(input: { barcode: "GOOD-BARCODE", sampleType: PLANT }) { position } }`);
    expect(badEnum.status).toBe(400);
    expect(badEnum.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const badId = await move('receiveSample', 'not-a-uuid');
    expect(badId.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const missing = await move('receiveSample', '00000000-0000-4000-8000-000000000000');
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const badCursor = await system.gql(`{ samples(after: "garbage") { totalCount } }`);
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badJson = await fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":' });
    expect(badJson.status).toBe(400);
  });

  it('pages through samples with cursors, newest first, with a total count', async () => {
    const ids: string[] = [];
    let position = '';
    for (let i = 0; i < 7; i++) {
      const written = await register(`E2E-PAGE-${String(i).padStart(4, '0')}`, { projectCode: 'PAGING' });
      ids.push(written.sample.id);
      position = written.position;
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 4; page++) {
      const result: any = await system.gql(
        `query($after: String) { samples(first: 3, after: $after, filter: { projectCode: "PAGING" }) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
        { after },
        { 'x-tracseq-consistent-with': position },
      );
      expect(result.data.samples.totalCount).toBe(7);
      seen.push(...result.data.samples.edges.map((edge: any) => edge.node.id));
      if (!result.data.samples.pageInfo.hasNextPage) break;
      after = result.data.samples.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it('imports a CSV: good rows registered, bad rows reported with row number and reason', async () => {
    await register('E2E-CSV-PARENT');
    const csv = [
      'sampleType,barcode,volumeUl,projectCode,parentId,metadata',
      'DNA,CSV-ROW-0001,50,IMPORT,,',
      'RNA,bad,10,IMPORT,,',
      'BLOOD,CSV-ROW-0003,abc,IMPORT,,',
      'PLANT,CSV-ROW-0004,1,IMPORT,,',
      'LIBRARY,CSV-ROW-0005,5,IMPORT,CSV-ROW-0001,"{""kit"":""TruSeq""}"',
      'dna,CSV-ROW-0006,,IMPORT,E2E-CSV-PARENT,',
      'DNA,E2E-CSV-PARENT,1,IMPORT,,',
      'DNA,CSV-ROW-0008,1,IMPORT,NOPE-NOT-KNOWN,',
      'DNA,CSV-ROW-0009',
    ].join('\n');
    const result = await system.gql(
      `mutation($csv: String!) { importSamples(csv: $csv) { position imported { barcode sampleType parent { barcode } metadata } errors { row barcode message } } }`,
      { csv },
    );
    expect(result.errors).toBeUndefined();
    const payload = result.data.importSamples;
    expect(payload.imported.map((s: any) => s.barcode)).toEqual(['CSV-ROW-0001', 'CSV-ROW-0005', 'CSV-ROW-0006']);
    expect(payload.imported[2].sampleType).toBe('DNA');
    expect(payload.errors.map((e: any) => [e.row, e.barcode])).toEqual([
      [2, 'bad'],
      [3, 'CSV-ROW-0003'],
      [4, 'CSV-ROW-0004'],
      [7, 'E2E-CSV-PARENT'],
      [8, 'CSV-ROW-0008'],
      [9, 'CSV-ROW-0009'],
    ]);
    expect(payload.errors[1].message).toContain('volumeUl');
    expect(payload.errors[3].message).toContain('already registered');
    const read = await system.gql(`{ sampleByBarcode(barcode: "CSV-ROW-0005") { metadata parent { barcode } } }`, {}, { 'x-tracseq-consistent-with': payload.position });
    expect(read.data.sampleByBarcode).toEqual({ metadata: { kit: 'TruSeq' }, parent: { barcode: 'CSV-ROW-0001' } });
    const badHeader = await system.gql(`mutation { importSamples(csv: "barcode,colour\\nABCDEF,red") { position } }`);
    expect(badHeader.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('holds an imported row to the same volume and concentration limits as registerSample', async () => {
    const direct = await system.gql(`mutation { registerSample(input: { barcode: "XC-LIMIT-0000", sampleType: DNA, volumeUl: 2000000 }) { position } }`);
    expect(direct.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.volumeUl' });
    const csv = [
      'barcode,sampleType,concentrationNgUl,volumeUl',
      'XC-LIMIT-0001,DNA,5e9,2000000',
      'XC-LIMIT-0002,DNA,5,2000000',
      'XC-LIMIT-0003,DNA,5e9,20',
      'XC-LIMIT-0004,DNA,1000000,1000000',
    ].join('\n');
    const result = await system.gql(`mutation($csv: String!) { importSamples(csv: $csv) { imported { barcode volumeUl concentrationNgUl } errors { row barcode message } } }`, { csv });
    expect(result.errors).toBeUndefined();
    const payload = result.data.importSamples;
    expect(payload.imported).toEqual([{ barcode: 'XC-LIMIT-0004', volumeUl: 1_000_000, concentrationNgUl: 1_000_000 }]);
    expect(payload.errors.map((e: any) => [e.row, e.barcode])).toEqual([
      [1, 'XC-LIMIT-0001'],
      [2, 'XC-LIMIT-0002'],
      [3, 'XC-LIMIT-0003'],
    ]);
    expect(payload.errors[1].message).toBe('volumeUl must be between 0 and 1000000');
    expect(payload.errors[2].message).toBe('concentrationNgUl must be between 0 and 1000000');
  });

  it('counts a new sample\'s volume in whole nanolitres on every path, as aliquots do: below 0.001 µL is BAD_USER_INPUT naming the field', async () => {
    const direct = await system.gql(`mutation { registerSample(input: { barcode: "NL-VOLUME-0001", sampleType: DNA, volumeUl: 0.0001 }) { position } }`);
    expect(direct.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'volumeUl' });
    expect(direct.errors?.[0]?.message).toBe('volumeUl must be 0 or at least 0.001 µL (volumes count in whole nanolitres)');
    const kept = await register('NL-VOLUME-0002', { volumeUl: 2.0004 });
    expect(kept.sample).toMatchObject({ volumeUl: 2 });

    const csv = ['barcode,sampleType,volumeUl', 'NL-VOLUME-0003,DNA,0.0001', 'NL-VOLUME-0004,DNA,0.001', 'NL-VOLUME-0005,DNA,0'].join('\n');
    const imported = await system.gql(`mutation($csv: String!) { importSamples(csv: $csv) { imported { barcode volumeUl } errors { row barcode message } } }`, { csv });
    expect(imported.errors).toBeUndefined();
    expect(imported.data.importSamples.imported).toEqual([{ barcode: 'NL-VOLUME-0004', volumeUl: 0.001 }, { barcode: 'NL-VOLUME-0005', volumeUl: 0 }]);
    expect(imported.data.importSamples.errors).toEqual([{ row: 1, barcode: 'NL-VOLUME-0003', message: 'volumeUl must be 0 or at least 0.001 µL (volumes count in whole nanolitres)' }]);

    // An aliquot's own volume (what the child tube holds) and a submission's sample follow the same rule.
    await system.gql(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id: kept.sample.id });
    const aliquot = await system.gql(`mutation($i: AliquotSampleInput!) { aliquotSample(input: $i) { position } }`, { i: { parentId: kept.sample.id, barcode: 'NL-VOLUME-0006', volumeTakenUl: 1, volumeUl: 0.0001 } });
    expect(aliquot.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'volumeUl' });
    const submitted = await system.gql(`mutation { submitSample(input: { sample: { barcode: "NL-VOLUME-0007", sampleType: DNA, volumeUl: 0.0001 }, zone: MINUS_80 }) { position } }`);
    expect(submitted.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sample.volumeUl' });
  });

  it('returns a stored sample that failed sequencing to IN_STORAGE once it is runnable again: its job requeued, or validated after a cancelled run', async () => {
    const lab = labClient(system);
    const { box } = await lab.freezerWithBox('Rerun freezer', 'MINUS_80');
    const id = await lab.validatedSample('E2E-RERUN-0001');
    const reserved = await lab.mutate(`mutation($s: ID!, $u: ID!) { reserveFreePosition(sampleId: $s, underUnitId: $u) { position storagePosition { id label } } }`, { s: id, u: box });
    expect(reserved.storagePosition.label).toBe('A1');
    await lab.mutate(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`, { s: id, p: reserved.storagePosition.id });
    /** The position of the move that made the sample `status` (the samples context makes it after the lab work's own write). */
    const movedTo = (status: string): Promise<string> =>
      lab.eventually(`query($s: ID!) { sample(id: $s) { status history { position data } } }`, { s: id }, (d) => {
        const last = (d.sample.history as Array<{ position: string; data: { to?: string } }>).filter((event) => event.data.to !== undefined).at(-1);
        return d.sample.status === status && last?.data.to === status ? last.position : undefined;
      }, `sample ${status}`);
    const inBox = async (at: string) => {
      const read = await system.gql(
        `query($id: ID!) { sample(id: $id) { status location { label } } samples(filter: { status: [IN_STORAGE], barcodePrefix: "E2E-RERUN" }) { edges { node { id } } } }`,
        { id },
        { 'x-tracseq-consistent-with': at },
      );
      expect(read.errors).toBeUndefined();
      expect(read.data.sample).toEqual({ status: 'IN_STORAGE', location: { label: 'A1' } });
      expect(read.data.samples.edges).toEqual([{ node: { id } }]);
    };
    const stored = await movedTo('IN_STORAGE');

    const job = (await lab.mutate(`mutation { createSequencingJob(input: { name: "Rerun job", platform: NOVASEQ_X, readStructure: "151T8B8B151T" }) { position job { id } } }`)).job.id as string;
    const act = (mutation: string, extra = '', at?: string) =>
      system.gql(`mutation($j: ID!) { ${mutation}(jobId: $j${extra}) { position job { status } } }`, { j: job }, { 'x-tracseq-consistent-with': at ?? lab.position });
    await lab.mutate(`mutation($j: ID!, $s: ID!) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: "ACGTACGT") { position } }`, { j: job, s: id });
    expect((await act('queueJob')).errors).toBeUndefined();
    expect((await act('startJob', ', flowcellId: "FCAA1"', stored)).data.startJob.job.status).toBe('RUNNING');
    expect((await act('failJob', ', reason: "x"')).data.failJob.job.status).toBe('FAILED');
    await movedTo('FAILED');
    expect((await act('requeueJob')).data.requeueJob.job.status).toBe('QUEUED');
    // The tube never left A1: re-validated by the requeue, it is IN_STORAGE again in the same write.
    const requeued = await movedTo('IN_STORAGE');
    await inBox(requeued);
    const trail = (await system.gql(`query($id: ID!) { sample(id: $id) { history { type data } } }`, { id }, { 'x-tracseq-consistent-with': requeued })).data.sample.history;
    expect(trail.slice(-2)).toEqual([
      { type: 'SampleValidated', data: { sampleId: id, from: 'FAILED', to: 'VALIDATED', reason: null } },
      { type: 'SampleStored', data: { sampleId: id, from: 'VALIDATED', to: 'IN_STORAGE', reason: 'still in storage' } },
    ]);

    // On the run it is IN_SEQUENCING; a run cancelled while paused fails it, and validating it puts it back IN_STORAGE.
    expect((await act('startJob', ', flowcellId: "FCAA2"', requeued)).data.startJob.job.status).toBe('RUNNING');
    await movedTo('IN_SEQUENCING');
    expect((await act('pauseJob')).data.pauseJob.job.status).toBe('PAUSED');
    expect((await act('cancelJob', ', reason: "instrument fault"')).data.cancelJob.job.status).toBe('CANCELLED');
    await movedTo('FAILED');
    const validated = await lab.mutate(`mutation($id: ID!) { validateSample(id: $id) { position sample { status } } }`, { id });
    expect(validated.sample.status).toBe('IN_STORAGE');
    await inBox(validated.position);
  });

  it('keeps tenants apart: another tenant sees none of this one’s samples', async () => {
    const { sample, position } = await register('E2E-TENANT-A1', {}, { 'x-tracseq-tenant': 'lab-a' });
    const spy = { 'x-tracseq-tenant': 'lab-b', 'x-tracseq-consistent-with': position };
    const read = await system.gql(
      `query($id: ID!) { sample(id: $id) { id } sampleByBarcode(barcode: "E2E-TENANT-A1") { id } samples(filter: { barcodePrefix: "E2E-TENANT" }) { totalCount } }`,
      { id: sample.id },
      spy,
    );
    expect(read.data).toEqual({ sample: null, sampleByBarcode: null, samples: { totalCount: 0 } });
    const write = await system.gql(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id: sample.id }, spy);
    expect(write.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('refuses direct subgraph calls without a valid gateway signature', async () => {
    const samplesUrl = system.subgraphs.find((s) => s.name === 'samples')!.url;
    const unsigned = await postGraphQL(samplesUrl, '{ samples { totalCount } }');
    expect(unsigned.status).toBe(401);
    expect(unsigned.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const forged = await postGraphQL(samplesUrl, '{ _entities(representations: [{ __typename: "Sample", id: "x" }]) { __typename } }', {}, {
      'x-tracseq-identity': signIdentity('wrong-secret', { tenantId: 'demo', subject: 'x', roles: [], requestId: 'r' }),
    });
    expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('rebuilds the samples read model from the log: a damaged row comes back as the events say', async () => {
    const { sample } = await register('E2E-REBUILD-01', { projectCode: 'REBUILD' });
    const received = (await move('receiveSample', sample.id)).data.receiveSample.position as string;
    const read = async () => (await system.gql(
      `query($id: ID!) { sample(id: $id) { barcode status version } samples(first: 1) { totalCount } }`,
      { id: sample.id },
      { 'x-tracseq-consistent-with': received },
    )).data;
    const before = await read();
    expect(before.sample).toEqual({ barcode: 'E2E-REBUILD-01', status: 'RECEIVED', version: 2 });
    // Damage the read model only; the log still says RECEIVED, version 2.
    await system.runtime.pool.query(`UPDATE samples_read.samples SET status = 'ARCHIVED', version = 99 WHERE id = $1`, [sample.id]);
    expect((await read()).sample).toMatchObject({ status: 'ARCHIVED', version: 99 });
    await runBus().rebuild({ db: system.runtime.db, store: system.runtime.store }, samplesProjections[0]!);
    await waitUntil(async () => {
      const now = await read();
      return now.sample?.status === 'RECEIVED' && now.samples.totalCount === before.samples.totalCount;
    }, 30_000, 'the read model rebuilt');
    expect(await read()).toEqual(before);
  });

  it('loses and duplicates nothing when the projection worker restarts mid-stream', async () => {
    const writes = Array.from({ length: 40 }, (_, i) =>
      (async () => {
        const { sample } = await register(`E2E-RESTART-${String(i).padStart(3, '0')}`, { projectCode: 'RESTART' });
        return (await move('receiveSample', sample.id)).data.receiveSample.position as string;
      })(),
    );
    await system.projections.close();
    const positions = await Promise.all(writes);
    const restarted = await runWorkers(system.runtime, [{ projections: samplesProjections }]);
    onTestFinished(() => restarted.close());
    const latest = positions.reduce((a, b) => (compareCheckpoints(parsePosition(a), parsePosition(b)) >= 0 ? a : b));
    const read = await system.gql(
      `{ samples(first: 100, filter: { projectCode: "RESTART" }) { totalCount edges { node { status version } } } }`,
      {},
      { 'x-tracseq-consistent-with': latest },
    );
    expect(read.data.samples.totalCount).toBe(40);
    expect(read.data.samples.edges.every((edge: any) => edge.node.status === 'RECEIVED' && edge.node.version === 2)).toBe(true);
    const rows = await system.runtime.pool.query(`SELECT count(*)::int AS n, count(DISTINCT barcode)::int AS d FROM samples_read.samples WHERE project_code = 'RESTART'`);
    expect(rows.rows[0]).toEqual({ n: 40, d: 40 });
  });

  it('answers once CONSISTENCY_TIMEOUT_MS has passed when the read models stay behind the asked position', async () => {
    const bounded = await startTestSystem({ CONSISTENCY_TIMEOUT_MS: '300' });
    let restarted: Awaited<ReturnType<typeof runWorkers>> | undefined;
    try {
      const lab = labClient(bounded);
      // Every projection is down before anything is written: the read models stay behind each write.
      await bounded.projections.close();
      const sample = { id: await lab.validatedSample('E2E-BOUNDED-1') };
      const read = await lab.gql(`query($id: ID!) { sample(id: $id) { id } samples { totalCount } }`, { id: sample.id });
      expect(read.errors).toBeUndefined();
      expect(read.data).toEqual({ sample: null, samples: { totalCount: 0 } });
      // A command that finds nothing while storage is behind the caller cannot call the lab full: it
      // answers a retryable CONFLICT, and the same request succeeds once storage has caught up.
      const freezer = await lab.unit({ name: 'Bounded freezer', kind: 'FREEZER', parentId: await lab.unit({ name: 'Bounded site', kind: 'FACILITY' }), zone: 'MINUS_80' });
      await lab.unit({ name: 'Bounded box', kind: 'BOX', rows: 1, columns: 1, parentId: await lab.unit({ name: 'Bounded rack', kind: 'RACK', parentId: freezer }) });
      const reserve = `mutation($s: ID!) { reserveFreePosition(sampleId: $s, zone: MINUS_80) { storagePosition { label } } }`;
      const behind = await lab.gql(reserve, { s: sample.id });
      expect(behind.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'READ_MODEL_BEHIND' });
      restarted = await runWorkers(bounded.runtime, [{ projections: samplesProjections }, { projections: [storageProjection(bounded.runtime.store)] }]);
      const reserved = await lab.gql(reserve, { s: sample.id });
      expect(reserved.errors).toBeUndefined();
      expect(reserved.data.reserveFreePosition.storagePosition).toEqual({ label: 'A1' });
    } finally {
      await restarted?.close();
      await bounded.stop();
    }
  });

  it('reads an empty status list as "none of these" in every list, and no list as "any"', async () => {
    const registered = await system.gql(`mutation { registerSample(input: { barcode: "EMPTY-LIST-01", sampleType: DNA }) { position } }`);
    const counts = (status: string) => system.gql(`{ samples(filter: { status: ${status} }) { totalCount }  sequencingJobs(status: ${status}) { totalCount }
      alerts(status: ${status}) { totalCount }  sagas(status: ${status}) { totalCount }  typed: samples(filter: { sampleType: ${status === 'null' ? 'null' : '[]'} }) { totalCount } }`,
      {}, { 'x-tracseq-consistent-with': registered.data.registerSample.position });
    const none = await counts('[]');
    expect(none.errors).toBeUndefined();
    expect(none.data).toEqual({ samples: { totalCount: 0 }, sequencingJobs: { totalCount: 0 }, alerts: { totalCount: 0 }, sagas: { totalCount: 0 }, typed: { totalCount: 0 } });
    const any = await counts('null');
    expect(any.data.samples.totalCount).toBeGreaterThan(0);
    expect(any.data.typed.totalCount).toBe(any.data.samples.totalCount);
  });

  it('refuses an after cursor from another list (same shape, another connection) with BAD_USER_INPUT', async () => {
    const { position } = await register('E2E-CURSOR-0001');
    const sampleCursor = (await system.gql(`{ samples(first: 1) { edges { cursor } } }`, {}, { 'x-tracseq-consistent-with': position })).data.samples.edges[0].cursor;
    // A job list's cursor, and one as cursors were before they named their list: both the same shape as a samples cursor.
    for (const cursor of [encodeCursor('sequencingJobs', [new Date().toISOString(), randomUUID()]), Buffer.from(JSON.stringify([new Date().toISOString(), randomUUID()])).toString('base64url')]) {
      const foreign = await system.gql(`query($c: String) { samples(first: 2, after: $c) { totalCount } }`, { c: cursor });
      expect(foreign.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
    const back = await system.gql(`query($c: String) { sequencingJobs(first: 2, after: $c) { totalCount } }`, { c: sampleCursor });
    expect(back.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    // Each list still pages with its own cursors.
    expect((await system.gql(`query($c: String) { samples(first: 2, after: $c) { totalCount } }`, { c: sampleCursor })).errors).toBeUndefined();
  });

  it('refuses a malformed consistency header with BAD_USER_INPUT', async () => {
    const result = await system.gql('{ samples { totalCount } }', {}, { 'x-tracseq-consistent-with': 'yesterday' });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('serves the Apollo Sandbox landing page to browsers outside production', async () => {
    const page = await fetch(system.gatewayUrl, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('embeddable-sandbox');
  });

  it('exposes Prometheus metrics: projection lag, dead letters, SQL statements, subscriptions', async () => {
    const samples = new URL('/metrics', system.subgraphs.find((s) => s.name === 'samples')!.url);
    const text = await (await fetch(samples)).text();
    expect(text).toMatch(/^tracseq_projection_lag_events\{consumer="samples-read-model"\} \d+$/m);
    expect(text).toMatch(/^tracseq_dead_letters\{consumer="samples-status-from-lab-work"\} 0$/m);
    expect(text).toMatch(/^tracseq_sql_statements_total\{subgraph="samples"\} [1-9]\d*$/m);
    // Every operation this suite sent compiled: a fallback to graphql-js would show here.
    expect(text).toMatch(/^tracseq_graphql_interpreted_operations_total\{subgraph="samples"\} 0$/m);
    const sagas = await (await fetch(new URL('/metrics', system.subgraphs.find((s) => s.name === 'sagas')!.url))).text();
    expect(sagas).toContain('# TYPE tracseq_sagas gauge');
    const gateway = await (await fetch(new URL('/metrics', system.gatewayUrl))).text();
    expect(gateway).toMatch(/^tracseq_subscribers 0$/m);
  });

  it('answers /health and /ready', async () => {
    const base = new URL(system.gatewayUrl);
    expect((await fetch(new URL('/health', base))).status).toBe(200);
    const ready = await fetch(new URL('/ready', base));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });
});
