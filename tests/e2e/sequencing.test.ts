import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { labClient } from '../support/lab.js';

let system: TestSystem;
let lab: ReturnType<typeof labClient>;

beforeAll(async () => {
  system = await startTestSystem();
  lab = labClient(system);
});
afterAll(() => system?.stop());

const JOB = 'job { id status qcVerdict flowcellId startedAt completedAt failureReason samples { lane i7Index i5Index sample { barcode } } }';
const act = (mutation: string, jobId: string, extra = '') => lab.gql(`mutation($j: ID!) { ${mutation}(jobId: $j${extra}) { position ${JOB} } }`, { j: jobId });
const ok = async (mutation: string, jobId: string, extra = '') => lab.mutate(`mutation($j: ID!) { ${mutation}(jobId: $j${extra}) { position ${JOB} } }`, { j: jobId });
const add = (jobId: string, sampleId: string, i7: string, i5: string | null, lane: number) =>
  lab.gql(`mutation($j: ID!, $s: ID!, $i7: String!, $i5: String, $l: Int) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: $i7, i5Index: $i5, lane: $l) { position ${JOB} } }`, {
    j: jobId, s: sampleId, i7, i5, l: lane,
  });

const newJob = async (name: string) =>
  (await lab.mutate(`mutation($n: String!) { createSequencingJob(input: { name: $n, platform: NOVASEQ_X, priority: HIGH, readStructure: "151T8B8B151T" }) { position job { id status } } }`, { n: name })).job.id as string;

describe('sequencing through the gateway', () => {
  it('runs a job from PENDING to COMPLETED, moving its samples VALIDATED/IN_STORAGE → IN_SEQUENCING → SEQUENCED', async () => {
    const { positions } = await lab.freezerWithBox('Seq', 'MINUS_80');
    const stored = await lab.validatedSample('SEQ-LIB-0001', 'LIBRARY');
    await lab.mutate(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`, { s: stored, p: positions.A1 });
    await lab.eventually(`query($id: ID!) { sample(id: $id) { status } }`, { id: stored }, (d) => d.sample.status === 'IN_STORAGE', 'stored');
    const plain = await lab.validatedSample('SEQ-LIB-0002', 'LIBRARY');
    const pending = (await lab.mutate(`mutation { registerSample(input: { barcode: "SEQ-PENDING-1", sampleType: DNA }) { position sample { id } } }`)).sample.id;

    const jobId = await newJob('Run 2026-11-21');
    expect((await add(jobId, stored, 'ACGTACGT', 'TTGGCCAA', 1)).errors).toBeUndefined();
    const second = await add(jobId, plain, 'GGTTCCAA', 'AACCGGTT', 1);
    expect(second.errors).toBeUndefined();
    const refused = await add(jobId, pending, 'CCCCAAAA', null, 1);
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    expect((await act('startJob', jobId, ', flowcellId: "FC-22XYZ"')).errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', from: 'PENDING', to: 'RUNNING' });
    await ok('queueJob', jobId);
    const started = await ok('startJob', jobId, ', flowcellId: "FC-22XYZ"');
    expect(started.job).toMatchObject({ status: 'RUNNING', flowcellId: 'FC-22XYZ' });
    await lab.eventually(`query($a: ID!, $b: ID!) { a: sample(id: $a) { status } b: sample(id: $b) { status } }`, { a: stored, b: plain },
      (d) => d.a.status === 'IN_SEQUENCING' && d.b.status === 'IN_SEQUENCING', 'samples IN_SEQUENCING');
    await ok('pauseJob', jobId);
    expect((await act('startJob', jobId, ', flowcellId: "FC-22XYZ"')).errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');
    await ok('resumeJob', jobId);
    const metrics = await lab.mutate(`mutation($j: ID!) { recordRunMetrics(jobId: $j, metrics: { q30Percent: 78.5, clusterDensityKmm2: 950, percentPf: 82, yieldGb: 120 }) { position job { qcVerdict metrics { q30Percent yieldGb } } } }`, { j: jobId });
    expect(metrics.job).toEqual({ qcVerdict: 'WARN', metrics: { q30Percent: 78.5, yieldGb: 120 } });
    const done = await ok('completeJob', jobId);
    expect(done.job.status).toBe('COMPLETED');
    await lab.eventually(`query($a: ID!, $b: ID!) { a: sample(id: $a) { status } b: sample(id: $b) { status } }`, { a: stored, b: plain },
      (d) => d.a.status === 'SEQUENCED' && d.b.status === 'SEQUENCED', 'samples SEQUENCED');
    const qcAlert = await lab.eventually(`{ alerts(first: 50) { edges { node { kind severity sequencingJob { id name } } } } }`, {},
      (d) => d.alerts.edges.find((e: any) => e.node.kind === 'QC_WARNING' && e.node.sequencingJob.id === jobId), 'QC warning alert');
    expect(qcAlert.node).toMatchObject({ severity: 'WARNING', sequencingJob: { name: 'Run 2026-11-21' } });

    const read = await lab.gql(`query($j: ID!) { sequencingJob(id: $j) { name status sampleSheet samples { sample { barcode status } } } }`, { j: jobId });
    const sheet: string = read.data.sequencingJob.sampleSheet;
    const data = sheet.split('[BCLConvert_Data]')[1]!;
    expect(parseCsv(data.trim(), { columns: true })).toEqual([
      { Lane: '1', Sample_ID: 'SEQ-LIB-0001', Index: 'ACGTACGT', Index2: 'TTGGCCAA' },
      { Lane: '1', Sample_ID: 'SEQ-LIB-0002', Index: 'GGTTCCAA', Index2: 'AACCGGTT' },
    ]);
    expect(sheet).toMatch(/^\[Header\]\nFileFormatVersion,2\n/);
    expect(sheet).toContain('[Reads]\nRead1Cycles,151\nRead2Cycles,151\nIndex1Cycles,8\nIndex2Cycles,8\n');
    expect(sheet).toContain('[BCLConvert_Settings]');
  });

  it('refuses index pairs closer than Hamming distance 3 in a lane and a sample twice; removing a sample frees its indexes', async () => {
    const ids: string[] = [];
    for (const barcode of ['IDX-0001', 'IDX-0002', 'IDX-0003', 'IDX-0004']) ids.push(await lab.validatedSample(barcode, 'LIBRARY'));
    const [one, two, three, four] = ids as [string, string, string, string];
    const jobId = await newJob('Index checks');
    const code = (result: { errors?: Array<{ extensions?: Record<string, any> }> }) => result.errors?.[0]?.extensions?.code;
    expect((await add(jobId, one, 'AAAAAAAA', 'CCCCCCCC', 1)).errors).toBeUndefined();
    // One mismatch in i7 and one in i5: distance 2 in the same lane.
    const clash = await add(jobId, two, 'AAAAAAAT', 'CCCCCCCG', 1);
    expect(code(clash)).toBe('CONFLICT');
    expect(clash.errors![0]!.message).toMatch(/Hamming distance < 3/);
    // Distance exactly 3 is enough; the same pair in another lane does not meet it at all.
    expect((await add(jobId, two, 'AAAAATTT', 'CCCCCCCC', 1)).errors).toBeUndefined();
    expect((await add(jobId, three, 'AAAAAAAA', 'CCCCCCCC', 2)).errors).toBeUndefined();
    const twice = await add(jobId, one, 'GGGGGGGG', null, 3);
    expect(code(twice)).toBe('CONFLICT');
    expect(twice.errors![0]!.message).toMatch(/already in this job/);
    // Within distance 1 of sample one only (3 from sample two).
    expect(code(await add(jobId, four, 'AAAAAAAC', 'CCCCCCCC', 1))).toBe('CONFLICT');

    const remove = (sampleId: string) => lab.gql(`mutation($j: ID!, $s: ID!) { removeSampleFromJob(jobId: $j, sampleId: $s) { position ${JOB} } }`, { j: jobId, s: sampleId });
    const removed = await remove(one);
    expect(removed.errors).toBeUndefined();
    expect(removed.data.removeSampleFromJob.job.samples.map((s: any) => s.sample.barcode)).toEqual(['IDX-0002', 'IDX-0003']);
    expect(code(await remove(one))).toBe('BAD_USER_INPUT');
    const readded = await add(jobId, four, 'AAAAAAAC', 'CCCCCCCC', 1);
    expect(readded.errors).toBeUndefined();
    const read = await system.gql(`query($j: ID!) { sequencingJob(id: $j) { samples { lane i7Index sample { barcode } } } }`, { j: jobId }, { 'x-tracseq-consistent-with': readded.data.addSampleToJob.position });
    expect(read.data.sequencingJob.samples).toEqual([
      { lane: 1, i7Index: 'AAAAATTT', sample: { barcode: 'IDX-0002' } },
      { lane: 2, i7Index: 'AAAAAAAA', sample: { barcode: 'IDX-0003' } },
      { lane: 1, i7Index: 'AAAAAAAC', sample: { barcode: 'IDX-0004' } },
    ]);
  });

  it('fails a job, which fails its samples, and requeues it, which makes them VALIDATED again', async () => {
    const a = await lab.validatedSample('FAIL-SEQ-0001');
    const b = await lab.validatedSample('FAIL-SEQ-0002');
    const jobId = await newJob('Doomed run');
    await lab.mutate(`mutation($j: ID!, $s: ID!) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: "AAAACCCC") { position } }`, { j: jobId, s: a });
    await lab.mutate(`mutation($j: ID!, $s: ID!) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: "GGGGTTTT") { position } }`, { j: jobId, s: b });
    await ok('queueJob', jobId);
    await ok('startJob', jobId, ', flowcellId: "FC-DOOM1"');
    const failed = await ok('failJob', jobId, ', reason: "fluidics error"');
    expect(failed.job).toMatchObject({ status: 'FAILED', failureReason: 'fluidics error' });
    await lab.eventually(`query($a: ID!, $b: ID!) { a: sample(id: $a) { status } b: sample(id: $b) { status } }`, { a, b }, (d) => d.a.status === 'FAILED' && d.b.status === 'FAILED', 'samples FAILED');
    expect((await ok('requeueJob', jobId)).job.status).toBe('QUEUED');
    await lab.eventually(`query($a: ID!, $b: ID!) { a: sample(id: $a) { status } b: sample(id: $b) { status } }`, { a, b }, (d) => d.a.status === 'VALIDATED' && d.b.status === 'VALIDATED', 'samples VALIDATED');
    expect((await ok('cancelJob', jobId, ', reason: "flowcell recalled"')).job.status).toBe('CANCELLED');
    expect((await act('queueJob', jobId)).errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_TRANSITION', from: 'CANCELLED', to: 'QUEUED' });
  });

  it('refuses to start a job whose sample is on another run (RUNNING or PAUSED), and starts it once that run has ended', async () => {
    const tube = await lab.validatedSample('SEQ-TWIN-0001', 'LIBRARY');
    const first = await newJob('Twin run A');
    const second = await newJob('Twin run B');
    // Planned on both while neither runs: allowed (a lab may plan a re-run).
    for (const job of [first, second]) {
      expect((await add(job, tube, 'ACGTACGT', 'TTGGCCAA', 1)).errors).toBeUndefined();
      await ok('queueJob', job);
    }
    await ok('startJob', first, ', flowcellId: "FC-TWIN-A"');
    await ok('pauseJob', first);
    const refused = await act('startJob', second, ', flowcellId: "FC-TWIN-B"');
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'SAMPLE_ON_ANOTHER_RUN', samples: [{ sampleId: tube, jobId: first }] });
    expect(refused.errors?.[0]?.message).toContain('SEQ-TWIN-0001 is on "Twin run A" (PAUSED)');
    // Nothing was written: the job is still QUEUED, and the tube's status is the first run's.
    const after = await lab.gql(`query($j: ID!, $s: ID!) { sequencingJob(id: $j) { status flowcellId } sample(id: $s) { status } }`, { j: second, s: tube });
    expect(after.data).toEqual({ sequencingJob: { status: 'QUEUED', flowcellId: null }, sample: { status: 'IN_SEQUENCING' } });
    await ok('resumeJob', first);
    await ok('failJob', first, ', reason: "lane clogged"');
    expect((await ok('startJob', second, ', flowcellId: "FC-TWIN-B"')).job).toMatchObject({ status: 'RUNNING', flowcellId: 'FC-TWIN-B' });
  });

  it('lists jobs by status and platform with cursors', async () => {
    const listed = await lab.gql(`{ sequencingJobs(status: [CANCELLED, COMPLETED], platform: NOVASEQ_X, first: 1) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }`);
    expect(listed.data.sequencingJobs.totalCount).toBe(2);
    expect(listed.data.sequencingJobs.pageInfo.hasNextPage).toBe(true);
    const next = await lab.gql(`query($a: String) { sequencingJobs(status: [CANCELLED, COMPLETED], first: 1, after: $a) { edges { node { name } } pageInfo { hasNextPage } } }`, {
      a: listed.data.sequencingJobs.pageInfo.endCursor,
    });
    expect([listed.data.sequencingJobs.edges[0].node.name, next.data.sequencingJobs.edges[0].node.name].sort()).toEqual(['Doomed run', 'Run 2026-11-21']);
    expect(next.data.sequencingJobs.pageInfo.hasNextPage).toBe(false);
  });
});
