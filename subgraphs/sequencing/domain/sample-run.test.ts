import { describe, it } from 'vitest';
import { given, givenAcross } from '../../../event-store/testing/decider-spec.js';
import { ConcurrencyError, ConflictError, InvalidTransitionError } from '../../../platform/errors.js';
import type { JobEvent, SampleRunEvent } from '../events.js';
import { jobEnd, jobStart, sampleRunDecider, type EndRun, type StartRun } from './sample-run.js';

const jobId = 'job-b';
const created: JobEvent = { type: 'JobCreated', data: { jobId, name: 'Run B', platform: 'NOVASEQ_X', priority: 'NORMAL', readStructure: null } };
const added = (sampleId: string, i7Index: string): JobEvent => ({ type: 'JobSampleAdded', data: { jobId, sampleId, lane: 1, i7Index, i5Index: null } });
const queued: JobEvent = { type: 'JobQueued', data: { jobId } };
const started: JobEvent = { type: 'JobStarted', data: { jobId, flowcellId: 'FC-B', sampleIds: ['s1', 's2'] } };
const QUEUED = [created, added('s1', 'AAAAAAAA'), added('s2', 'CCCCCCCC'), queued];
const RUNNING = [...QUEUED, started];

const claimedBy = (sampleId: string, holder: string, jobName = `Run ${holder}`, flowcellId = `FC-${holder}`): SampleRunEvent =>
  ({ type: 'SampleRunClaimed', data: { sampleId, jobId: holder, jobName, flowcellId } });
const releasedBy = (sampleId: string, holder: string): SampleRunEvent => ({ type: 'SampleRunReleased', data: { sampleId, jobId: holder } });
const claim = (sampleId: string, holder = jobId) => ({ type: 'ClaimSampleRun' as const, data: { sampleId, jobId: holder, jobName: 'Run B', flowcellId: 'FC-B' } });
const release = (sampleId: string, holder = jobId) => ({ type: 'ReleaseSampleRun' as const, data: { sampleId, jobId: holder } });

describe('a sample\'s run claim', () => {
  it('is claimed when free, and again once released', () => {
    given(sampleRunDecider).when(claim('s1')).then([claimedBy('s1', jobId, 'Run B', 'FC-B')]);
    given(sampleRunDecider, [claimedBy('s1', 'job-a'), releasedBy('s1', 'job-a')]).when(claim('s1')).then([claimedBy('s1', jobId, 'Run B', 'FC-B')]);
  });
  it('is refused while another job holds it, and a no-op for its own holder', () => {
    given(sampleRunDecider, [claimedBy('s1', 'job-a')]).when(claim('s1')).thenThrows(ConflictError, 'is on "Run job-a" (flowcell FC-job-a)');
    given(sampleRunDecider, [claimedBy('s1', jobId)]).when(claim('s1')).then([]);
  });
  it('is released by its holder only; a job that never claimed it releases nothing', () => {
    given(sampleRunDecider, [claimedBy('s1', jobId)]).when(release('s1')).then([releasedBy('s1', jobId)]);
    given(sampleRunDecider, [claimedBy('s1', 'job-a')]).when(release('s1')).then([]);
    given(sampleRunDecider).when(release('s1')).then([]);
  });
});

describe('starting a job claims its samples in the same commit', () => {
  const loaded = { id: jobId, version: QUEUED.length, sampleIds: ['s1', 's2'] };
  const facts = (status = 'VALIDATED') => [{ sampleId: 's1', barcode: 'SMP-1', status }, { sampleId: 's2', barcode: 'SMP-2', status: 'IN_STORAGE' }];
  const start = (status?: string): StartRun => ({ type: 'StartJob', data: { flowcellId: 'FC-B', samples: facts(status) } });

  it('records JobStarted and one claim per sample', () => {
    givenAcross(jobStart(loaded), { job: QUEUED }).when(start())
      .then({ job: [started], 'sample:s1': [claimedBy('s1', jobId, 'Run B', 'FC-B')], 'sample:s2': [claimedBy('s2', jobId, 'Run B', 'FC-B')] });
  });
  it('claims a sample another run held and released (a failed run, requeued)', () => {
    givenAcross(jobStart(loaded), { job: QUEUED, 'sample:s2': [claimedBy('s2', 'job-a'), releasedBy('s2', 'job-a')] }).when(start())
      .then({ job: [started], 'sample:s1': [claimedBy('s1', jobId, 'Run B', 'FC-B')], 'sample:s2': [claimedBy('s2', jobId, 'Run B', 'FC-B')] });
  });
  it('is refused SAMPLE_ON_ANOTHER_RUN, naming the barcode and the other run, while another job holds a sample', () => {
    givenAcross(jobStart(loaded), { job: QUEUED, 'sample:s2': [claimedBy('s2', 'job-a', 'Run A', 'FC-A')] }).when(start())
      .thenThrows(ConflictError, 'SMP-2 is on "Run A" (flowcell FC-A)');
  });
  it('is refused SAMPLE_NOT_READY when a sample has left VALIDATED / IN_STORAGE, though no run holds it', () => {
    givenAcross(jobStart(loaded), { job: QUEUED }).when(start('FAILED')).thenThrows(ConflictError, 'SMP-1 is FAILED');
  });
  it('refuses a job that is not QUEUED before looking at claims', () => {
    givenAcross(jobStart(loaded), { job: RUNNING, 'sample:s1': [claimedBy('s1', jobId)] }).when(start()).thenThrows(InvalidTransitionError);
  });
  it('is a concurrency conflict when the job has a sample whose claim was not loaded (it changed while PENDING since the read)', () => {
    givenAcross(jobStart({ ...loaded, sampleIds: ['s1'] }), { job: QUEUED }).when(start()).thenThrows(ConcurrencyError);
  });
});

describe('ending a job releases its samples\' claims in the same commit', () => {
  const loaded = { id: jobId, version: RUNNING.length, sampleIds: ['s1', 's2'] };
  const held = { 'sample:s1': [claimedBy('s1', jobId)], 'sample:s2': [claimedBy('s2', jobId)] };
  const released = { 'sample:s1': [releasedBy('s1', jobId)], 'sample:s2': [releasedBy('s2', jobId)] };
  const fail: EndRun = { type: 'FailJob', data: { reason: 'laser fault' } };

  it('on failure, completion, and cancellation while paused', () => {
    givenAcross(jobEnd(loaded), { job: RUNNING, ...held }).when(fail)
      .then({ job: [{ type: 'JobFailed', data: { jobId, reason: 'laser fault', sampleIds: ['s1', 's2'] } }], ...released });
    givenAcross(jobEnd(loaded), { job: RUNNING, ...held }).when({ type: 'CompleteJob', data: { qcOverrideReason: 'checked by hand' } })
      .then({ job: [{ type: 'JobCompleted', data: { jobId, qcVerdict: null, sampleIds: ['s1', 's2'], qcOverrideReason: 'checked by hand' } }], ...released });
    givenAcross(jobEnd(loaded), { job: [...RUNNING, { type: 'JobPaused', data: { jobId } }], ...held }).when({ type: 'CancelJob', data: { reason: null } })
      .then({ job: [{ type: 'JobCancelled', data: { jobId, reason: null, sampleIds: ['s1', 's2'] } }], ...released });
  });
  it('releases nothing a job never claimed (started before claims existed) and nothing of a job not on an instrument', () => {
    givenAcross(jobEnd(loaded), { job: RUNNING }).when(fail).then({ job: [{ type: 'JobFailed', data: { jobId, reason: 'laser fault', sampleIds: ['s1', 's2'] } }] });
    givenAcross(jobEnd({ ...loaded, sampleIds: [] }), { job: QUEUED }).when({ type: 'CancelJob', data: { reason: null } }).then({ job: [{ type: 'JobCancelled', data: { jobId, reason: null } }] });
  });
  it('keeps the claims when the job refuses the end', () => {
    givenAcross(jobEnd(loaded), { job: RUNNING, ...held }).when({ type: 'CancelJob', data: { reason: null } }).thenThrows(InvalidTransitionError);
  });
  it('is a concurrency conflict when the job got onto an instrument after the read that found it off one', () => {
    givenAcross(jobEnd({ ...loaded, sampleIds: [] }), { job: RUNNING }).when(fail).thenThrows(ConcurrencyError);
  });
});
