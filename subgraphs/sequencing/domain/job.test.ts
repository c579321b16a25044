import { describe, expect, it } from 'vitest';
import { foldEvents } from '../../../event-store/decider.js';
import { given } from '../../../event-store/testing/decider-spec.js';
import { BadInputError, ConflictError, InvalidTransitionError, NotFoundError } from '../../../platform/errors.js';
import type { JobEvent, JobStatus } from '../events.js';
import { indexCollision, indexDistance, JOB_STATUSES, jobDecider, qcVerdict, type Job, type JobCommand } from './job.js';
import { sampleSheet } from './sample-sheet.js';
import { sequencingLabConfig } from '../lab-config.js';

const defaults = sequencingLabConfig(undefined);
const novaseqX = defaults.qcThresholds('NOVASEQ_X', '');

const jobId = 'job-1';
const created: JobEvent = { type: 'JobCreated', data: { jobId, name: 'Run 1', platform: 'NOVASEQ_X', priority: 'NORMAL', readStructure: '151T8B8B151T' } };
const s1: JobEvent = { type: 'JobSampleAdded', data: { jobId, sampleId: 's1', lane: 1, i7Index: 'ACGTACGT', i5Index: 'TTGGCCAA' } };
const queued: JobEvent = { type: 'JobQueued', data: { jobId } };
const started: JobEvent = { type: 'JobStarted', data: { jobId, flowcellId: 'FC-0001', sampleIds: ['s1'] } };
const measured: JobEvent = { type: 'RunMetricsRecorded', data: { jobId, metrics: { q30Percent: 91, clusterDensityKmm2: null, percentPf: 80, yieldGb: 100 }, qcVerdict: 'PASS' } };

/** The shortest history that leaves a one-sample job in each status. */
const HISTORY: Record<JobStatus, JobEvent[]> = {
  PENDING: [created, s1],
  QUEUED: [created, s1, queued],
  RUNNING: [created, s1, queued, started, measured],
  PAUSED: [created, s1, queued, started, measured, { type: 'JobPaused', data: { jobId } }],
  COMPLETED: [created, s1, queued, started, measured, { type: 'JobCompleted', data: { jobId, qcVerdict: 'PASS', sampleIds: ['s1'] } }],
  FAILED: [created, s1, queued, started, measured, { type: 'JobFailed', data: { jobId, reason: 'laser fault', sampleIds: ['s1'] } }],
  CANCELLED: [created, s1, { type: 'JobCancelled', data: { jobId, reason: null } }],
};

/** API.md's job transitions, spelled out independently of the implementation. */
const ALLOWED = 'PENDING→QUEUED PENDING→CANCELLED QUEUED→RUNNING QUEUED→CANCELLED RUNNING→PAUSED RUNNING→COMPLETED RUNNING→FAILED PAUSED→RUNNING PAUSED→CANCELLED FAILED→QUEUED'.split(' ');

const resume: JobCommand = { type: 'ResumeJob', data: {} };
/** The samples context's facts about the job's sample, as the replica has them: startable. */
const ready = [{ sampleId: 's1', barcode: 'SMP-0001', status: 'VALIDATED' }];
const start: JobCommand = { type: 'StartJob', data: { flowcellId: 'FC-0001', samples: ready, onOtherRuns: [] } };

/** The command that asks for each status, and the event it records when allowed from `from`. */
const attempt: Record<Exclude<JobStatus, 'PENDING'>, (from: JobStatus) => { command: JobCommand; records: JobEvent }> = {
  QUEUED: (from) => ({ command: { type: 'QueueJob', data: {} }, records: from === 'FAILED' ? { type: 'JobRequeued', data: { jobId, sampleIds: ['s1'] } } : queued }),
  RUNNING: (from) => (from === 'PAUSED' ? { command: resume, records: { type: 'JobResumed', data: { jobId } } } : { command: start, records: started }),
  PAUSED: () => ({ command: { type: 'PauseJob', data: {} }, records: { type: 'JobPaused', data: { jobId } } }),
  COMPLETED: () => ({ command: { type: 'CompleteJob', data: {} }, records: { type: 'JobCompleted', data: { jobId, qcVerdict: 'PASS', sampleIds: ['s1'] } } }),
  FAILED: () => ({ command: { type: 'FailJob', data: { reason: 'laser fault' } }, records: { type: 'JobFailed', data: { jobId, reason: 'laser fault', sampleIds: ['s1'] } } }),
  // Cancelled on the instrument, the run names its samples (their sequencing failed).
  CANCELLED: (from) => ({ command: { type: 'CancelJob', data: { reason: null } }, records: { type: 'JobCancelled', data: { jobId, reason: null, ...(from === 'PAUSED' ? { sampleIds: ['s1'] } : {}) } } }),
};

const statusAfter = (events: readonly JobEvent[]) => (foldEvents(jobDecider, events) as Job).status;

describe('sequencing job transitions', () => {
  const targets = Object.keys(attempt) as Array<keyof typeof attempt>;
  const pairs = JOB_STATUSES.flatMap((from) => targets.map((to) => [from, to] as const));
  it.each(pairs)('%s → %s follows the API table', (from, to) => {
    const { command, records } = attempt[to](from);
    if (ALLOWED.includes(`${from}→${to}`)) {
      given(jobDecider, HISTORY[from]).when(command).then([records]);
      expect(statusAfter([...HISTORY[from], records])).toBe(to);
    } else {
      given(jobDecider, HISTORY[from]).when(command).thenThrows(InvalidTransitionError);
    }
  });

  it('requeues only a failed job, and returns its samples to VALIDATED via JobRequeued', () => {
    given(jobDecider, HISTORY.FAILED).when({ type: 'RequeueJob', data: {} }).then([{ type: 'JobRequeued', data: { jobId, sampleIds: ['s1'] } }]);
    given(jobDecider, HISTORY.PENDING).when({ type: 'RequeueJob', data: {} }).thenThrows(InvalidTransitionError);
  });

  it('refuses to queue an empty job', () => {
    given(jobDecider, [created]).when({ type: 'QueueJob', data: {} }).thenThrows(BadInputError, /at least one sample/);
  });

  it('refuses a start without a usable flowcell id, a failure without a reason, and trims a cancel reason', () => {
    given(jobDecider, HISTORY.QUEUED).when({ type: 'StartJob', data: { flowcellId: 'F C', samples: ready, onOtherRuns: [] } }).thenThrows(BadInputError, /flowcellId/);
    given(jobDecider, HISTORY.RUNNING).when({ type: 'FailJob', data: { reason: '  ' } }).thenThrows(BadInputError, /reason/);
    given(jobDecider, HISTORY.PENDING).when({ type: 'CancelJob', data: { reason: ' recalled ' } }).then([{ type: 'JobCancelled', data: { jobId, reason: 'recalled' } }]);
  });

  it('starts only with VALIDATED or IN_STORAGE samples, naming the others with their status', () => {
    const starting = (status: string): JobCommand => ({ type: 'StartJob', data: { flowcellId: 'FC-0001', samples: [{ sampleId: 's1', barcode: 'SMP-0001', status }], onOtherRuns: [] } });
    given(jobDecider, HISTORY.QUEUED).when(starting('IN_STORAGE')).then([started]);
    for (const status of ['FAILED', 'SEQUENCED', 'IN_SEQUENCING', 'DISCARDED', 'REJECTED']) {
      given(jobDecider, HISTORY.QUEUED).when(starting(status)).thenThrows(ConflictError, `SMP-0001 is ${status}: only VALIDATED or IN_STORAGE samples go on a run`);
    }
    // A sample this context has no facts about is not started blind.
    given(jobDecider, HISTORY.QUEUED).when({ type: 'StartJob', data: { flowcellId: 'FC-0001', samples: [], onOtherRuns: [] } }).thenThrows(ConflictError, 's1 is UNKNOWN');
    let refusal: unknown;
    try {
      jobDecider.decide(starting('FAILED'), foldEvents(jobDecider, HISTORY.QUEUED), { now: '2026-01-01T00:00:00.000Z', version: 3 });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'CONFLICT', details: { reason: 'SAMPLE_NOT_READY', samples: [{ sampleId: 's1', status: 'FAILED' }] } });
  });

  it('refuses a start while another run holds one of its samples, and that before the sample status', () => {
    const held = { sampleId: 's1', barcode: 'SMP-0001', jobId: 'job-0', jobName: 'Run 0', flowcellId: 'FC-0000' };
    given(jobDecider, HISTORY.QUEUED).when({ type: 'StartJob', data: { flowcellId: 'FC-0001', samples: [{ ...ready[0]!, status: 'IN_SEQUENCING' }], onOtherRuns: [held] } })
      .thenThrows(ConflictError, 'SMP-0001 is on "Run 0" (flowcell FC-0000)');
    // A claim on another of that job's samples, or this job's own, is not in the way.
    given(jobDecider, HISTORY.QUEUED).when({ type: 'StartJob', data: { flowcellId: 'FC-0001', samples: ready, onOtherRuns: [{ ...held, sampleId: 's9' }, { ...held, jobId }] } }).then([started]);
  });

  it('completes a job with no recorded metrics only with an explicit override and its reason', () => {
    const unmeasured = [created, s1, queued, started];
    given(jobDecider, unmeasured).when({ type: 'CompleteJob', data: {} }).thenThrows(BadInputError, /no run metrics/);
    given(jobDecider, unmeasured).when({ type: 'CompleteJob', data: { qcOverrideReason: '  ' } }).thenThrows(BadInputError, /qcOverrideReason/);
    given(jobDecider, unmeasured).when({ type: 'CompleteJob', data: { qcOverrideReason: 'x'.repeat(501) } }).thenThrows(BadInputError, /500/);
    given(jobDecider, unmeasured).when({ type: 'CompleteJob', data: { qcOverrideReason: ' InterOp files lost; FASTQ checked by hand ' } })
      .then([{ type: 'JobCompleted', data: { jobId, qcVerdict: null, sampleIds: ['s1'], qcOverrideReason: 'InterOp files lost; FASTQ checked by hand' } }]);
  });

  it('answers NOT_FOUND for any command on a job that does not exist', () => {
    given(jobDecider).when({ type: 'QueueJob', data: {} }).thenThrows(NotFoundError);
    given(jobDecider).when({ type: 'RemoveSample', data: { sampleId: 's1' } }).thenThrows(NotFoundError);
  });
});

describe('creating a job', () => {
  it('records the job with NORMAL priority unless given', () => {
    given(jobDecider).when({ type: 'CreateJob', data: { jobId, name: ' Run 1 ', platform: 'NOVASEQ_X', readStructure: '151T8B8B151T' } }).then([created]);
  });
  it('refuses a read structure beyond what an instrument reads, as a run does', () => {
    const create = (readStructure: string): JobCommand => ({ type: 'CreateJob', data: { jobId, name: 'R', platform: 'MISEQ', readStructure } });
    given(jobDecider).when(create('99999T8B')).thenThrows(BadInputError, 'read 1 has 99999 cycles; no instrument reads more than 301 in one read');
    given(jobDecider).when(create('151T30B151T')).thenThrows(BadInputError, 'indexes are at most 24 bases');
  });
  it('refuses a read structure on a PromethION job, as on a Nanopore run (a blank one is none)', () => {
    const create = (readStructure: string | null): JobCommand => ({ type: 'CreateJob', data: { jobId, name: 'ONT', platform: 'PROMETHION', readStructure } });
    given(jobDecider).when(create('151T8B151T')).thenThrows(BadInputError, 'PromethION jobs have no read structure');
    const ont: JobEvent = { type: 'JobCreated', data: { jobId, name: 'ONT', platform: 'PROMETHION', priority: 'NORMAL', readStructure: null } };
    given(jobDecider).when(create(' ')).then([ont]);
    given(jobDecider).when(create(null)).then([ont]);
  });
  it('refuses a blank or long name, an unknown platform or priority, a malformed read structure, and a second create', () => {
    const create = (data: Partial<Extract<JobCommand, { type: 'CreateJob' }>['data']>): JobCommand => ({ type: 'CreateJob', data: { jobId, name: 'R', platform: 'MISEQ', ...data } });
    given(jobDecider).when(create({ name: ' ' })).thenThrows(BadInputError, /name/);
    given(jobDecider).when(create({ name: 'x'.repeat(101) })).thenThrows(BadInputError, /name/);
    given(jobDecider).when(create({ platform: 'HISEQ' as never })).thenThrows(BadInputError, /platform/);
    given(jobDecider).when(create({ priority: 'URGENT' as never })).thenThrows(BadInputError, /priority/);
    given(jobDecider).when(create({ readStructure: '151X' })).thenThrows(BadInputError, /read structure/);
    given(jobDecider, [created]).when(create({})).thenThrows(ConflictError, /already exists/);
  });
});

describe('adding samples', () => {
  let n = 0;
  const add = (i7Index: string, i5Index: string | null, lane: number | null, status = 'VALIDATED', sampleId = `sample-${n++}`): JobCommand => ({
    type: 'AddSample',
    data: { sampleId, barcode: sampleId, status, lane, i7Index, i5Index },
  });
  const added = (command: JobCommand): JobEvent[] => {
    if (command.type !== 'AddSample') throw new Error('not an AddSample');
    const { barcode: _, status: __, ...sample } = command.data;
    return [{ type: 'JobSampleAdded', data: { jobId, ...sample } }];
  };

  it('accepts VALIDATED and IN_STORAGE samples only', () => {
    const inStorage = add('ACGTACGT', null, 1, 'IN_STORAGE');
    given(jobDecider, [created]).when(inStorage).then(added(inStorage));
    for (const status of ['PENDING', 'RECEIVED', 'IN_SEQUENCING', 'DISCARDED']) given(jobDecider, [created]).when(add('ACGTACGT', null, 1, status)).thenThrows(BadInputError, /only VALIDATED or IN_STORAGE/);
  });

  it('normalises indexes to upper case', () => {
    const command = add(' acgtacgt ', 'ttggccaa', 2, 'VALIDATED', 'lower');
    given(jobDecider, [created]).when(command).then([{ type: 'JobSampleAdded', data: { jobId, sampleId: 'lower', lane: 2, i7Index: 'ACGTACGT', i5Index: 'TTGGCCAA' } }]);
  });

  it('refuses samples once the job has left PENDING', () => {
    given(jobDecider, HISTORY.QUEUED).when(add('GGGGCCCC', null, 2)).thenThrows(InvalidTransitionError);
  });

  it('refuses the same index pair, or one within Hamming distance < 3, in the same lane', () => {
    const one = [created, { type: 'JobSampleAdded', data: { jobId, sampleId: 'first', lane: 1, i7Index: 'ACGTACGT', i5Index: 'TTGGCCAA' } } as JobEvent];
    given(jobDecider, one).when(add('ACGTACGT', 'TTGGCCAA', 1)).thenThrows(ConflictError);
    given(jobDecider, one).when(add('ACGTACGA', 'TTGGCCAT', 1)).thenThrows(ConflictError, /2 combined mismatches, the lab needs more than 2/); // distance 2
    const three = add('ACGTACCA', 'TTGGCCAT', 1); // distance 3
    given(jobDecider, one).when(three).then(added(three));
    const otherLane = add('ACGTACGT', 'TTGGCCAA', 2);
    given(jobDecider, one).when(otherLane).then(added(otherLane));
    given(jobDecider, one).when(add('ACGTACGT', 'TTGGCCAA', null)).thenThrows(ConflictError); // lane-less shares every lane
    given(jobDecider, one).when(add('GGGGGGGG', null, 3, 'VALIDATED', 'first')).thenThrows(ConflictError, /already in this job/);
  });

  it('counts combined mismatches over the shorter index, the i5 only when both samples have one', () => {
    expect(indexDistance({ i7Index: 'ACGTACGT', i5Index: 'TTTTTT' }, { i7Index: 'ACGTACGA', i5Index: 'TTTTAA' })).toBe(3);
    expect(indexDistance({ i7Index: 'ACGTAC', i5Index: null }, { i7Index: 'ACGTACGTAA', i5Index: 'GGGGGG' })).toBe(0);
    expect(indexCollision({ sampleId: 'a', lane: 3, i7Index: 'AAAAAA', i5Index: null }, [{ sampleId: 'b', lane: 3, i7Index: 'AAAATT', i5Index: null }])).toMatchObject({ sample: { sampleId: 'b' }, mismatches: 2 });
  });

  it("judges index pairs by the lab's index-check levels: what a pool would warn about, a job refuses", () => {
    const one = [created, { type: 'JobSampleAdded', data: { jobId, sampleId: 'first', lane: 1, i7Index: 'ACGTACGT', i5Index: 'TTGGCCAA' } } as JobEvent];
    const withLevels = (command: JobCommand, levels: { errorMismatches: number; warningMismatches: number }) => ({ ...command, data: { ...command.data, levels } }) as JobCommand;
    const twoApart = add('ACGTACGA', 'TTGGCCAT', 1);
    // A lab whose demultiplexing allows no mismatch (BCL Convert's barcode-mismatches 0) needs only 2 apart.
    given(jobDecider, one).when(withLevels(twoApart, { errorMismatches: 0, warningMismatches: 1 })).then(added(twoApart));
    const oneApart = add('ACGTACGA', 'TTGGCCAA', 1);
    given(jobDecider, one).when(withLevels(oneApart, { errorMismatches: 0, warningMismatches: 1 })).thenThrows(ConflictError, /1 combined mismatch, the lab needs more than 1/);
    // A stricter lab refuses 3 apart, which the defaults let through.
    const threeApart = add('ACGTACCA', 'TTGGCCAT', 1);
    given(jobDecider, one).when(withLevels(threeApart, { errorMismatches: 2, warningMismatches: 3 })).thenThrows(ConflictError, /the lab needs more than 3/);
    given(jobDecider, one).when(threeApart).then(added(threeApart));
  });

  it("keeps lanes within the job's flowcell: one on a MiSeq v3, four on an S4, the platform's most without a flowcell type", () => {
    const job = (platform: string, flowcellType?: string): JobEvent => ({ type: 'JobCreated', data: { jobId, name: 'Lanes', platform, priority: 'NORMAL', readStructure: null, ...(flowcellType ? { flowcellType } : {}) } } as JobEvent);
    given(jobDecider, [job('MISEQ', 'MISEQ_V3')]).when(add('ACGTACGT', null, 2)).thenThrows(BadInputError, /MISEQ_V3 flowcell has one lane/);
    const laneOne = add('ACGTACGT', null, 1);
    given(jobDecider, [job('MISEQ', 'MISEQ_V3')]).when(laneOne).then(added(laneOne));
    given(jobDecider, [job('NOVASEQ_6000', 'S4')]).when(add('ACGTACGT', null, 5)).thenThrows(BadInputError, /lane must be 1–4 on a S4 flowcell/);
    given(jobDecider, [job('NOVASEQ_6000')]).when(add('ACGTACGT', null, 5)).thenThrows(BadInputError, /lane must be 1–4 on a NOVASEQ_6000 flowcell/);
  });

  it("refuses indexes the job's reads do not fit as its sheet writes them, naming the index and the read structure's index cycles", () => {
    const job = (readStructure: string | null, platform = 'NOVASEQ_X'): JobEvent => ({ type: 'JobCreated', data: { jobId, name: 'Fit', platform, priority: 'NORMAL', readStructure } } as JobEvent);
    const refusal = (history: JobEvent[], command: JobCommand) => () => jobDecider.decide(command, foldEvents(jobDecider, history), { now: '2026-01-01T00:00:00.000Z', version: history.length });
    given(jobDecider, [job('151T8B8B151T')]).when(add('GGGGCC', null, 1, 'VALIDATED', 'short')).thenThrows(BadInputError, 'sample short: i7 index GGGGCC is 6 bases; read structure 151T8B8B151T reads 8 (Index1Cycles)');
    expect(refusal([job('151T8B8B151T')], add('GGGGCC', 'AAAATTTTTT', 1))).toThrow(expect.objectContaining({ details: { field: 'i7Index' } }));
    given(jobDecider, [job('151T8B8B151T')]).when(add('GGGGCCCC', 'AAAATTTTTT', 1)).thenThrows(BadInputError, 'i5 index AAAATTTTTT is 10 bases; read structure 151T8B8B151T reads 8 (Index2Cycles)');
    expect(refusal([job('151T8B8B151T')], add('GGGGCCCC', 'AAAATTTTTT', 1))).toThrow(expect.objectContaining({ details: { field: 'i5Index' } }));
    given(jobDecider, [job('151T8B151T')]).when(add('GGGGCCCC', 'AAAATTTT', 1)).thenThrows(BadInputError, 'i5 index AAAATTTT is 8 bases; read structure 151T8B151T reads no second index');
    expect(refusal([job('151T8B151T')], add('GGGGCCCC', 'AAAATTTT', 1))).toThrow(expect.objectContaining({ details: { field: 'i5Index' } }));
    const fits = add('GGGGCCCC', null, 1);
    given(jobDecider, [job('151T8B151T')]).when(fits).then(added(fits));
    // Without a read structure the sheet reads 151T8B8B151T, and so do the checks; a PromethION job has no sheet to fit.
    given(jobDecider, [job(null)]).when(add('GGGGCC', null, 1)).thenThrows(BadInputError, 'read structure 151T8B8B151T reads 8 (Index1Cycles)');
    const ont = add('GGGGCC', null, 1);
    given(jobDecider, [job(null, 'PROMETHION')]).when(ont).then(added(ont));
  });

  it('validates index alphabet and lane', () => {
    given(jobDecider, [created]).when(add('ACGTXX', null, 1)).thenThrows(BadInputError, /indexes/);
    given(jobDecider, [created]).when(add('ACGTACGT', null, 9)).thenThrows(BadInputError, /lane/);
  });

  it('removes a sample only while PENDING and only one that is in the job', () => {
    given(jobDecider, HISTORY.PENDING).when({ type: 'RemoveSample', data: { sampleId: 's1' } }).then([{ type: 'JobSampleRemoved', data: { jobId, sampleId: 's1' } }]);
    given(jobDecider, HISTORY.PENDING).when({ type: 'RemoveSample', data: { sampleId: 'nope' } }).thenThrows(BadInputError, /not in this job/);
    given(jobDecider, HISTORY.QUEUED).when({ type: 'RemoveSample', data: { sampleId: 's1' } }).thenThrows(InvalidTransitionError);
  });
});

describe('run metrics', () => {
  const metrics = { q30Percent: 91, clusterDensityKmm2: 1000, percentPf: 80, yieldGb: 120 };
  it('are recorded with their verdict while RUNNING or PAUSED, and nowhere else', () => {
    for (const from of ['RUNNING', 'PAUSED'] as const) {
      given(jobDecider, HISTORY[from]).when({ type: 'RecordRunMetrics', data: { metrics, thresholds: novaseqX } }).then([{ type: 'RunMetricsRecorded', data: { jobId, metrics, qcVerdict: 'PASS' } }]);
    }
    for (const from of ['PENDING', 'QUEUED', 'COMPLETED', 'FAILED', 'CANCELLED'] as const) {
      given(jobDecider, HISTORY[from]).when({ type: 'RecordRunMetrics', data: { metrics, thresholds: novaseqX } }).thenThrows(InvalidTransitionError);
    }
  });
  it('refuse negative, non-finite or over-100 percentages', () => {
    given(jobDecider, HISTORY.RUNNING).when({ type: 'RecordRunMetrics', data: { metrics: { yieldGb: -1 }, thresholds: novaseqX } }).thenThrows(BadInputError, /yieldGb/);
    given(jobDecider, HISTORY.RUNNING).when({ type: 'RecordRunMetrics', data: { metrics: { q30Percent: Number.NaN }, thresholds: novaseqX } }).thenThrows(BadInputError);
    given(jobDecider, HISTORY.RUNNING).when({ type: 'RecordRunMetrics', data: { metrics: { percentPf: 101 }, thresholds: novaseqX } }).thenThrows(BadInputError, /at most 100/);
  });
  it('refuse a record without a single value, which would pass QC with no data and stand in for it at completion', () => {
    for (const empty of [{}, { q30Percent: null, yieldGb: null }]) {
      given(jobDecider, HISTORY.RUNNING).when({ type: 'RecordRunMetrics', data: { metrics: empty as Partial<typeof metrics>, thresholds: novaseqX } }).thenThrows(BadInputError, /at least one run metric/);
    }
  });
});

describe('QC verdict: the lab\'s per-instrument thresholds, the same rule as a run\'s lanes', () => {
  const m = (q30Percent: number | null, clusterDensityKmm2: number | null, percentPf: number | null = null) => ({ q30Percent, clusterDensityKmm2, percentPf, yieldGb: null });
  const job = (platform: Job['platform'], flowcellType: string | null = null) => ({ platform, flowcellType });
  const judge = (platform: Job['platform'], flowcellType: string | null, metrics: ReturnType<typeof m>, config = defaults) =>
    qcVerdict(job(platform, flowcellType), metrics, config.qcThresholds(platform, flowcellType ?? ''));

  it.each([
    [m(74.9, null), 'FAIL'],
    [m(75, null), 'WARN'],
    [m(79.9, null), 'WARN'],
    [m(80, null), 'PASS'],
    [m(null, null), 'PASS'],
  ] as const)('Q30 as API.md: %o → %s on every platform', (metrics, verdict) => {
    for (const platform of ['NOVASEQ_X', 'NOVASEQ_6000', 'NEXTSEQ_2000', 'MISEQ', 'PROMETHION'] as const) expect(judge(platform, null, metrics)).toBe(verdict);
  });

  it('never judges a patterned flowcell by cluster density (NovaSeq X, NovaSeq 6000, NextSeq 1000/2000)', () => {
    for (const platform of ['NOVASEQ_X', 'NOVASEQ_6000', 'NEXTSEQ_2000'] as const) {
      expect(judge(platform, null, m(92, 3000))).toBe('PASS');
      expect(judge(platform, null, m(92, 500))).toBe('PASS');
    }
    expect(judge('NOVASEQ_6000', 'S4', m(92, 3000))).toBe('PASS');
  });

  it('judges a MiSeq by its flowcell\'s density band: v3 1200–1400, v2 1000–1200 K/mm²; without a flowcell type, density is not judged', () => {
    expect(judge('MISEQ', 'MISEQ_V3', m(92, 1100))).toBe('WARN');
    expect(judge('MISEQ', 'MISEQ_V3', m(92, 1300))).toBe('PASS');
    expect(judge('MISEQ', 'MISEQ_V3', m(92, 1401))).toBe('WARN');
    expect(judge('MISEQ', 'MISEQ_V2', m(92, 1100))).toBe('PASS');
    expect(judge('MISEQ', 'MISEQ_V2', m(92, 1300))).toBe('WARN');
    expect(judge('MISEQ', null, m(92, 1300))).toBe('PASS');
  });

  it('follows the lab\'s SEQUENCING_LAB_CONFIG: %PF minimum, stricter Q30, a MiSeq-wide density band', () => {
    const lab = sequencingLabConfig(JSON.stringify({ qc: { NOVASEQ_X: { minPercentPf: 70 }, MISEQ: { q30: { failBelow: 85, warnBelow: 90 }, clusterDensityKmm2: { min: 900, max: 1100 } } } }));
    expect(judge('NOVASEQ_X', null, m(92, null, 60), lab)).toBe('WARN');
    expect(judge('NOVASEQ_X', null, m(92, null, 75), lab)).toBe('PASS');
    expect(judge('NOVASEQ_X', null, m(92, null, 60))).toBe('PASS'); // no %PF minimum by default
    expect(judge('MISEQ', null, m(84, null), lab)).toBe('FAIL');
    expect(judge('MISEQ', null, m(88, null), lab)).toBe('WARN');
    expect(judge('MISEQ', null, m(92, 1300), lab)).toBe('WARN');
  });

  it('is what a job records: created on a MiSeq v3 flowcell, its metrics judged by that band', () => {
    const miseq: JobEvent = { type: 'JobCreated', data: { jobId, name: 'MiSeq', platform: 'MISEQ', priority: 'NORMAL', readStructure: null, flowcellType: 'MISEQ_V3' } };
    given(jobDecider).when({ type: 'CreateJob', data: { jobId, name: 'MiSeq', platform: 'MISEQ', flowcellType: 'MISEQ_V3' } }).then([miseq]);
    given(jobDecider).when({ type: 'CreateJob', data: { jobId, name: 'MiSeq', platform: 'MISEQ', flowcellType: 'S4' } }).thenThrows(BadInputError, /MISEQ_V2, MISEQ_V3/);
    const history = [miseq, s1, queued, started];
    const metrics = { q30Percent: 92, clusterDensityKmm2: 1100, percentPf: null, yieldGb: null };
    given(jobDecider, history).when({ type: 'RecordRunMetrics', data: { metrics, thresholds: defaults.qcThresholds('MISEQ', 'MISEQ_V3') } })
      .then([{ type: 'RunMetricsRecorded', data: { jobId, metrics, qcVerdict: 'WARN' } }]);
  });
});

describe('sample sheet', () => {
  it('is a BCL Convert v2 sheet with reads from the read structure and one data row per sample and lane', () => {
    const tenBase: JobEvent = { type: 'JobCreated', data: { jobId, name: 'Run 1', platform: 'NOVASEQ_X', priority: 'NORMAL', readStructure: '151T10B10B151T' } };
    const job = { ...(foldEvents(jobDecider, [tenBase]) as Job), samples: [
      { sampleId: 'a', lane: 1, i7Index: 'ACGTACGTAC', i5Index: 'TTGGCCAATT' },
      { sampleId: 'b', lane: 2, i7Index: 'GGGGCCCCAA', i5Index: null },
      { sampleId: 'c', lane: null, i7Index: 'CATCATCATC', i5Index: 'GATGATGATG' },
    ] };
    const sheet = sampleSheet(job, (id) => `SMP-${id.toUpperCase()}`)!;
    const sections = Object.fromEntries(sheet.split(/\n(?=\[)/).map((block) => {
      const [title, ...lines] = block.trim().split('\n');
      return [title, lines.filter(Boolean)];
    }));
    expect(Object.keys(sections)).toEqual(['[Header]', '[Reads]', '[BCLConvert_Settings]', '[BCLConvert_Data]']);
    expect(sections['[Header]']).toContain('FileFormatVersion,2');
    expect(sections['[Reads]']).toEqual(['Read1Cycles,151', 'Read2Cycles,151', 'Index1Cycles,10', 'Index2Cycles,10']);
    expect(sections['[BCLConvert_Data]']).toEqual([
      'Lane,Sample_ID,Index,Index2',
      '1,SMP-A,ACGTACGTAC,TTGGCCAATT',
      '1,SMP-C,CATCATCATC,GATGATGATG',
      '2,SMP-B,GGGGCCCCAA,',
      '2,SMP-C,CATCATCATC,GATGATGATG',
    ]);
  });
});
