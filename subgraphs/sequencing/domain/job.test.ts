import { describe, expect, it } from 'vitest';
import { BadInputError, ConflictError, InvalidTransitionError } from '../../../platform/errors.js';
import type { Envelope } from '../../../event-store/decider.js';
import { JOB_STATUSES, type JobEvent, type JobStatus } from './events.js';
import { addSample, cancelJob, completeJob, createJob, failJob, hamming, indexCollision, jobDecider, pauseJob, qcVerdict, queueJob, requeueJob, resumeJob, startJob, type Job, type JobState } from './job.js';
import { sampleSheet } from './sample-sheet.js';

const fold = (events: JobEvent[]): JobState =>
  events.reduce<JobState>((state, event, i) => jobDecider.evolve(state, { ...event, occurredAt: '2026-11-21T10:00:00.000Z', streamVersion: i + 1 } as Envelope<JobEvent>), jobDecider.initialState());
const created = () => fold(createJob('job-1', { name: 'Run 1', platform: 'NOVASEQ_X', readStructure: '151T10B10B151T' }));
const withStatus = (status: JobStatus): JobState => ({ ...(created() as Job), status, samples: [{ sampleId: 's1', lane: 1, i7Index: 'ACGTACGT', i5Index: 'TTGGCCAA' }] });

/** API.md's job transitions, spelled out independently of the implementation. */
const ALLOWED = 'PENDING→QUEUED PENDING→CANCELLED QUEUED→RUNNING QUEUED→CANCELLED RUNNING→PAUSED RUNNING→COMPLETED RUNNING→FAILED PAUSED→RUNNING PAUSED→CANCELLED FAILED→QUEUED'.split(' ');

const attempt: Record<JobStatus, ((state: JobState) => JobEvent[]) | null> = {
  PENDING: null,
  QUEUED: (s) => queueJob(s),
  RUNNING: (s) => ((s as Job).status === 'PAUSED' ? resumeJob(s) : startJob(s, 'FC-0001')),
  PAUSED: (s) => pauseJob(s),
  COMPLETED: (s) => completeJob(s),
  FAILED: (s) => failJob(s, 'laser fault'),
  CANCELLED: (s) => cancelJob(s, null),
};

describe('sequencing job transitions', () => {
  const pairs = JOB_STATUSES.flatMap((from) => JOB_STATUSES.filter((to) => attempt[to]).map((to) => [from, to] as const));
  it.each(pairs)('%s → %s follows the API table', (from, to) => {
    const run = () => attempt[to]!(withStatus(from));
    if (ALLOWED.includes(`${from}→${to}`)) {
      const events = run();
      expect(jobDecider.evolve(withStatus(from), { ...events[0]!, occurredAt: 'x', streamVersion: 9 } as Envelope<JobEvent>).status).toBe(to);
    } else {
      expect(run).toThrow(InvalidTransitionError);
    }
  });

  it('requeues only a failed job, and returns its samples to VALIDATED via JobRequeued', () => {
    expect(requeueJob(withStatus('FAILED'))[0]).toMatchObject({ type: 'JobRequeued', data: { sampleIds: ['s1'] } });
    expect(() => requeueJob(withStatus('PENDING'))).toThrow(InvalidTransitionError);
  });

  it('refuses to queue an empty job', () => {
    expect(() => queueJob(created())).toThrow(BadInputError);
  });
});

describe('adding samples', () => {
  let n = 0;
  const add = (state: JobState, i7Index: string, i5Index: string | null, lane: number | null, status = 'VALIDATED', sampleId = `sample-${n++}`) =>
    addSample(state, { sampleId, barcode: sampleId, status, lane, i7Index, i5Index });

  it('accepts VALIDATED and IN_STORAGE samples only', () => {
    expect(add(created(), 'ACGTACGT', null, 1, 'IN_STORAGE')).toHaveLength(1);
    for (const status of ['PENDING', 'RECEIVED', 'IN_SEQUENCING', 'DISCARDED']) expect(() => add(created(), 'ACGTACGT', null, 1, status)).toThrow(BadInputError);
  });

  it('refuses samples once the job has left PENDING', () => {
    expect(() => add(withStatus('QUEUED'), 'GGGGCCCC', null, 2)).toThrow(InvalidTransitionError);
  });

  it('refuses the same index pair, or one within Hamming distance < 3, in the same lane', () => {
    const one = fold([...createJob('job-1', { name: 'R', platform: 'MISEQ' }), ...add(created(), 'ACGTACGT', 'TTGGCCAA', 1)]);
    expect(() => add(one, 'ACGTACGT', 'TTGGCCAA', 1)).toThrow(ConflictError);
    expect(() => add(one, 'ACGTACGA', 'TTGGCCAT', 1)).toThrow(ConflictError); // distance 2
    expect(add(one, 'ACGTACCA', 'TTGGCCAT', 1)).toHaveLength(1); // distance 3
    expect(add(one, 'ACGTACGT', 'TTGGCCAA', 2)).toHaveLength(1); // another lane
    expect(() => add(one, 'ACGTACGT', 'TTGGCCAA', null)).toThrow(ConflictError); // lane-less shares every lane
  });

  it('computes Hamming distance over the shorter index', () => {
    expect(hamming('ACGTACGT', 'ACGTACGA')).toBe(1);
    expect(hamming('ACGTAC', 'ACGTACGTAA')).toBe(0);
    expect(indexCollision({ sampleId: 'a', lane: 3, i7Index: 'AAAAAA', i5Index: null }, [{ sampleId: 'b', lane: 3, i7Index: 'AAAATT', i5Index: null }])).not.toBeNull();
  });

  it('validates index alphabet and lane', () => {
    expect(() => add(created(), 'ACGTXX', null, 1)).toThrow(BadInputError);
    expect(() => add(created(), 'ACGTACGT', null, 9)).toThrow(BadInputError);
  });
});

describe('QC verdict', () => {
  const m = (q30Percent: number | null, clusterDensityKmm2: number | null) => ({ q30Percent, clusterDensityKmm2, percentPf: null, yieldGb: null });
  it.each([
    [m(74.9, 1000), 'FAIL'],
    [m(75, 1000), 'WARN'],
    [m(79.9, 1000), 'WARN'],
    [m(80, 1000), 'PASS'],
    [m(92, 799), 'WARN'],
    [m(92, 1201), 'WARN'],
    [m(92, 800), 'PASS'],
    [m(70, 2000), 'FAIL'],
    [m(null, null), 'PASS'],
  ] as const)('%o → %s', (metrics, verdict) => {
    expect(qcVerdict(metrics)).toBe(verdict);
  });
});

describe('sample sheet', () => {
  it('is a BCL Convert v2 sheet with reads from the read structure and one data row per sample and lane', () => {
    const job = { ...(created() as Job), samples: [
      { sampleId: 'a', lane: 1, i7Index: 'ACGTACGTAC', i5Index: 'TTGGCCAATT' },
      { sampleId: 'b', lane: 2, i7Index: 'GGGGCCCCAA', i5Index: null },
      { sampleId: 'c', lane: null, i7Index: 'CATCATCATC', i5Index: 'GATGATGATG' },
    ] };
    const sheet = sampleSheet(job, (id) => `SMP-${id.toUpperCase()}`);
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
