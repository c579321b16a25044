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

/** Starts a job reading at `position` (e.g. a sample's status move, which the samples context makes after our own write). */
const startAt = (jobId: string, flowcellId: string, position: string) =>
  system.gql(`mutation($j: ID!, $f: String!) { startJob(jobId: $j, flowcellId: $f) { position ${JOB} } }`, { j: jobId, f: flowcellId }, { 'x-tracseq-consistent-with': position });

/**
 * The position of the move that gave a sample `status` (from its audit trail, once there): the
 * samples context makes it in reaction to a job's event, so it comes after any position our writes returned.
 */
const statusMoveAt = (sampleId: string, status: string): Promise<string> =>
  lab.eventually(`query($s: ID!) { sample(id: $s) { status history { position data } } }`, { s: sampleId }, (d) => {
    const moves = (d.sample.history as Array<{ position: string; data: { to?: string } }>).filter((event) => event.data.to !== undefined);
    const last = moves[moves.length - 1];
    return d.sample.status === status && last?.data.to === status ? last.position : undefined;
  }, `sample ${status}`);

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

  it('refuses index pairs fewer than 3 combined mismatches apart in a lane (the default levels) and a sample twice; removing a sample frees its indexes', async () => {
    const ids: string[] = [];
    for (const barcode of ['IDX-0001', 'IDX-0002', 'IDX-0003', 'IDX-0004']) ids.push(await lab.validatedSample(barcode, 'LIBRARY'));
    const [one, two, three, four] = ids as [string, string, string, string];
    const jobId = await newJob('Index checks');
    const code = (result: { errors?: Array<{ extensions?: Record<string, any> }> }) => result.errors?.[0]?.extensions?.code;
    expect((await add(jobId, one, 'AAAAAAAA', 'CCCCCCCC', 1)).errors).toBeUndefined();
    // One mismatch in i7 and one in i5: distance 2 in the same lane.
    const clash = await add(jobId, two, 'AAAAAAAT', 'CCCCCCCG', 1);
    expect(clash.errors![0]).toMatchObject({ extensions: { code: 'CONFLICT', reason: 'INDEX_COLLISION', mismatches: 2, sampleIds: [two, one] } });
    expect(clash.errors![0]!.message).toMatch(/2 combined mismatches, the lab needs more than 2/);
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

  it("refuses indexes the job's read structure does not read as its sheet writes them (BAD_USER_INPUT naming the index and the index cycles); an older job holding one still answers", async () => {
    const tube = await lab.validatedSample('IDX-FIT-0001', 'LIBRARY');
    const dual = await newJob('Index fit dual');
    const short = await add(dual, tube, 'GGGGCC', 'AAAATTTTTT', 1);
    expect(short.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'i7Index' });
    expect(short.errors![0]!.message).toContain('sample IDX-FIT-0001: i7 index GGGGCC is 6 bases; read structure 151T8B8B151T reads 8 (Index1Cycles)');
    const long = await add(dual, tube, 'GGGGCCCC', 'AAAATTTTTT', 1);
    expect(long.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'i5Index' });
    expect(long.errors![0]!.message).toContain('i5 index AAAATTTTTT is 10 bases; read structure 151T8B8B151T reads 8 (Index2Cycles)');
    const single = (await lab.mutate(`mutation { createSequencingJob(input: { name: "Index fit single", platform: MISEQ, readStructure: "151T8B151T" }) { position job { id } } }`)).job.id;
    const i5 = await add(single, tube, 'GGGGCCCC', 'AAAATTTT', 1);
    expect(i5.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'i5Index' });
    expect(i5.errors![0]!.message).toContain('read structure 151T8B151T reads no second index');
    expect((await add(single, tube, 'GGGGCCCC', null, 1)).errors).toBeUndefined();
    // A job that took a 6-base index before the check: its sheet is null with the reason, the job still answers.
    const { position } = await system.runtime.store.append(`SequencingJob-${dual}`, 1, [{ type: 'JobSampleAdded', data: { jobId: dual, sampleId: tube, lane: 1, i7Index: 'GGGGCC', i5Index: null } }],
      { tenantId: 'demo', actor: 'test', correlationId: crypto.randomUUID(), occurredAt: new Date().toISOString() });
    const read = await system.gql(`query($j: ID!) { sequencingJob(id: $j) { name samples { i7Index } sampleSheet } }`, { j: dual }, { 'x-tracseq-consistent-with': position });
    expect(read.data.sequencingJob).toEqual({ name: 'Index fit dual', samples: [{ i7Index: 'GGGGCC' }], sampleSheet: null });
    expect(read.errors![0]).toMatchObject({ path: ['sequencingJob', 'sampleSheet'], extensions: { code: 'BAD_USER_INPUT' } });
    expect(read.errors![0]!.message).toContain('IDX-FIT-0001: i7 index GGGGCC is 6 bases; read structure 151T8B8B151T reads 8 (Index1Cycles)');
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

  it('refuses to start a job whose sample is on another run (RUNNING or PAUSED); once that run failed and was requeued, the other job takes the sample', async () => {
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
    expect(refused.errors?.[0]?.message).toContain('SEQ-TWIN-0001 is on "Twin run A" (flowcell FC-TWIN-A)');
    // Nothing was written: the job is still QUEUED, and the tube's status is the first run's.
    // The tube turns IN_SEQUENCING by the samples context's reaction to the first start, an event past
    // the positions this client holds (on Kafka it can arrive after this read): waited for, not assumed.
    const after = await lab.eventually(`query($j: ID!, $s: ID!) { sequencingJob(id: $j) { status flowcellId } sample(id: $s) { status } }`, { j: second, s: tube }, (d) => d.sample.status === 'IN_SEQUENCING' && d, 'tube IN_SEQUENCING');
    expect(after).toEqual({ sequencingJob: { status: 'QUEUED', flowcellId: null }, sample: { status: 'IN_SEQUENCING' } });
    await ok('resumeJob', first);
    await ok('failJob', first, ', reason: "lane clogged"');
    // The failure released the claim, but the run left the tube IN_SEQUENCING, then FAILED: not startable.
    const notReady = await act('startJob', second, ', flowcellId: "FC-TWIN-B"');
    expect(notReady.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'SAMPLE_NOT_READY', samples: [{ sampleId: tube }] });
    expect(notReady.errors?.[0]?.message).toMatch(/SEQ-TWIN-0001 is (IN_SEQUENCING|FAILED)/);
    // Requeueing the failed job makes the tube VALIDATED again: the other job may now take it.
    await ok('requeueJob', first);
    const validated = await statusMoveAt(tube, 'VALIDATED');
    const startedB = await startAt(second, 'FC-TWIN-B', validated);
    expect(startedB.errors).toBeUndefined();
    expect(startedB.data.startJob.job).toMatchObject({ status: 'RUNNING', flowcellId: 'FC-TWIN-B' });
    // The requeued job would claim the tube again: refused, naming the run that has it now.
    const again = await startAt(first, 'FC-TWIN-A2', startedB.data.startJob.position);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'SAMPLE_ON_ANOTHER_RUN', samples: [{ sampleId: tube, jobId: second }] });
    expect(again.errors?.[0]?.message).toContain('SEQ-TWIN-0001 is on "Twin run B" (flowcell FC-TWIN-B)');
  });

  it('starts only one of two jobs sharing a sample when both are started at the same instant', async () => {
    const pairs = await Promise.all(['SEQ-RACE-0001', 'SEQ-RACE-0002', 'SEQ-RACE-0003'].map(async (barcode, n) => {
      const tube = await lab.validatedSample(barcode, 'LIBRARY');
      const jobs = [await newJob(`Race ${n} A`), await newJob(`Race ${n} B`)];
      for (const job of jobs) {
        expect((await add(job, tube, 'ACGTACGT', 'TTGGCCAA', 1)).errors).toBeUndefined();
        await ok('queueJob', job);
      }
      return { tube, jobs };
    }));
    const starts = await Promise.all(pairs.flatMap(({ jobs }) => jobs.map((job, k) => act('startJob', job, `, flowcellId: "FC-RACE-${k}"`))));
    for (const [n, { tube, jobs }] of pairs.entries()) {
      const [a, b] = [starts[2 * n]!, starts[2 * n + 1]!];
      const winner = a.errors ? 1 : 0;
      const [won, lost] = winner === 0 ? [a, b] : [b, a];
      expect(won.errors, JSON.stringify(won.errors)).toBeUndefined();
      expect(won.data.startJob.job.status).toBe('RUNNING');
      expect(lost.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'SAMPLE_ON_ANOTHER_RUN', samples: [{ sampleId: tube, jobId: jobs[winner] }] });
      const loser = await lab.gql(`query($j: ID!) { sequencingJob(id: $j) { status flowcellId } }`, { j: jobs[1 - winner] });
      expect(loser.data.sequencingJob).toEqual({ status: 'QUEUED', flowcellId: null });
    }
  });

  it('does not start a job with a sample a failed run left FAILED: SAMPLE_NOT_READY, the job stays QUEUED and the sample FAILED', async () => {
    const tube = await lab.validatedSample('SEQ-LEFT-0001', 'LIBRARY');
    const spare = await lab.validatedSample('SEQ-LEFT-0002', 'LIBRARY');
    const failed = await newJob('Left-behind A');
    const later = await newJob('Left-behind B');
    expect((await add(failed, tube, 'ACGTACGT', null, 1)).errors).toBeUndefined();
    expect((await add(later, tube, 'ACGTACGT', null, 1)).errors).toBeUndefined();
    expect((await add(later, spare, 'GGTTCCAA', null, 1)).errors).toBeUndefined();
    for (const job of [failed, later]) await ok('queueJob', job);
    await ok('startJob', failed, ', flowcellId: "FC-LEFT-A"');
    await ok('failJob', failed, ', reason: "reagent leak"');
    const failedAt = await statusMoveAt(tube, 'FAILED');
    const historyBefore = (await system.gql(`query($s: ID!) { sample(id: $s) { history { id } } }`, { s: tube }, { 'x-tracseq-consistent-with': failedAt })).data.sample.history.length;

    const refused = await startAt(later, 'FC-LEFT-B', failedAt);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'SAMPLE_NOT_READY', samples: [{ sampleId: tube, status: 'FAILED' }] });
    expect(refused.errors?.[0]?.message).toContain('SEQ-LEFT-0001 is FAILED');
    expect(refused.errors?.[0]?.message).not.toContain('SEQ-LEFT-0002');
    const after = await system.gql(`query($j: ID!, $s: ID!, $t: ID!) { sequencingJob(id: $j) { status flowcellId } tube: sample(id: $s) { status history { id } } spare: sample(id: $t) { status } }`,
      { j: later, s: tube, t: spare }, { 'x-tracseq-consistent-with': failedAt });
    expect(after.data.sequencingJob).toEqual({ status: 'QUEUED', flowcellId: null });
    expect(after.data.tube.status).toBe('FAILED');
    expect(after.data.tube.history).toHaveLength(historyBefore);
    expect(after.data.spare.status).toBe('VALIDATED');
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

  // After the listing above, which counts this file's cancelled jobs.
  it('cancelling a run paused on the instrument fails its samples and frees them: revalidated, they go on another job', async () => {
    const tube = await lab.validatedSample('CANCEL-SEQ-01');
    const [stopped, next] = [await newJob('Stopped run'), await newJob('Next run')];
    for (const job of [stopped, next]) {
      await lab.mutate(`mutation($j: ID!, $s: ID!) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: "CCCCAAAA") { position } }`, { j: job, s: tube });
      await ok('queueJob', job);
    }
    await ok('startJob', stopped, ', flowcellId: "FC-STOP-1"');
    await ok('pauseJob', stopped);
    expect((await ok('cancelJob', stopped, ', reason: "instrument fault"')).job.status).toBe('CANCELLED');
    const failedAt = await statusMoveAt(tube, 'FAILED');
    const refused = await startAt(next, 'FC-NEXT-1', failedAt);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'SAMPLE_NOT_READY', samples: [{ sampleId: tube, status: 'FAILED' }] });
    const revalidated = await lab.mutate(`mutation($s: ID!) { validateSample(id: $s) { position sample { status } } }`, { s: tube });
    expect(revalidated.sample.status).toBe('VALIDATED');
    const started = await startAt(next, 'FC-NEXT-1', revalidated.position);
    expect(started.errors).toBeUndefined();
    expect(started.data.startJob.job.status).toBe('RUNNING');
  });
});
