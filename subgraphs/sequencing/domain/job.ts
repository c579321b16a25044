import type { Command, Decider } from '../../../event-store/decider.js';
import { BadInputError, ConflictError, InvalidTransitionError, NotFoundError } from '../../../platform/errors.js';
import { checkReadStructure, DEFAULT_READ_STRUCTURE, indexMisfit, parseReads, unreadI5 } from './read-structure.js';
import { flowcellType as catalogueFlowcell, instrumentModel, isPatterned } from './instruments.js';
import { laneVerdict, type QcThresholds } from './run-qc.js';
import { DEFAULT_INDEX_CHECK_LEVELS, mismatches, type IndexCheckLevels } from './index-check.js';
import type { JobEvent, JobSample, JobStatus, Platform, Priority, QcVerdict, RunMetrics } from '../events.js';

export const PLATFORMS: readonly Platform[] = ['NOVASEQ_X', 'NOVASEQ_6000', 'NEXTSEQ_2000', 'MISEQ', 'PROMETHION'];
export const PRIORITIES: readonly Priority[] = ['LOW', 'NORMAL', 'HIGH', 'STAT'];
export const JOB_STATUSES: readonly JobStatus[] = ['PENDING', 'QUEUED', 'RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED'];

export interface Job {
  id: string;
  name: string;
  platform: Platform;
  priority: Priority;
  status: JobStatus;
  readStructure: string | null;
  /** The flowcell type, when given at creation: QC thresholds may depend on it. */
  flowcellType: string | null;
  flowcellId: string | null;
  samples: JobSample[];
  metrics: RunMetrics | null;
  qcVerdict: QcVerdict | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  failureReason: string | null;
}

export type JobState = { status: 'NONE' } | Job;
export const jobExists = (state: JobState): state is Job => state.status !== 'NONE';

type NoData = Record<string, never>;
export type JobCommand =
  | Command<'CreateJob', { jobId: string; name: string; platform: Platform; priority?: Priority | null; readStructure?: string | null; flowcellType?: string | null }>
  /** The sample's barcode and status are the samples context's facts, read by the command path. */
  /** `levels`: the lab's index-check levels (lab-config.ts); the defaults when absent. */
  | Command<'AddSample', { sampleId: string; barcode: string; status: string; lane: number | null; i7Index: string; i5Index: string | null; levels?: IndexCheckLevels }>
  | Command<'RemoveSample', { sampleId: string }>
  | Command<'QueueJob', NoData>
  /**
   * `samples`: the samples context's facts about the job's samples (barcode, status), as this
   * context's replica has them at the caller's position. `onOtherRuns`: the job's samples another
   * job's run holds, from their claims (sample-run.ts), so decided on the write side.
   */
  | Command<'StartJob', { flowcellId: string; samples: readonly SampleFacts[]; onOtherRuns: readonly SampleOnRun[] }>
  | Command<'PauseJob', NoData>
  | Command<'ResumeJob', NoData>
  /** `thresholds`: the lab's for the job's platform and flowcell type (lab-config.ts), as for a run's lanes. */
  | Command<'RecordRunMetrics', { metrics: Partial<RunMetrics>; thresholds: QcThresholds }>
  /** Without recorded metrics a job completes only with an explicit override and its reason. */
  | Command<'CompleteJob', { qcOverrideReason?: string | null }>
  | Command<'FailJob', { reason: string }>
  | Command<'CancelJob', { reason: string | null }>
  | Command<'RequeueJob', NoData>;

export type JobDecider = Decider<JobCommand, JobEvent, JobState>;

const STATUS_AFTER: Partial<Record<JobEvent['type'], JobStatus>> = {
  JobQueued: 'QUEUED',
  JobStarted: 'RUNNING',
  JobPaused: 'PAUSED',
  JobResumed: 'RUNNING',
  JobCompleted: 'COMPLETED',
  JobFailed: 'FAILED',
  JobCancelled: 'CANCELLED',
  JobRequeued: 'QUEUED',
};

const evolve: JobDecider['evolve'] = (state, event) => {
  if (event.type === 'JobCreated') {
    const { jobId, flowcellType, ...data } = event.data;
    return { id: jobId, ...data, flowcellType: flowcellType ?? null, status: 'PENDING', flowcellId: null, samples: [], metrics: null, qcVerdict: null, createdAt: event.occurredAt, startedAt: null, completedAt: null, failureReason: null };
  }
  if (!jobExists(state)) return state;
  const next: Job = { ...state, status: STATUS_AFTER[event.type] ?? state.status };
  switch (event.type) {
    case 'JobSampleAdded': {
      const { jobId: _, ...sample } = event.data;
      return { ...next, samples: [...state.samples, sample] };
    }
    case 'JobSampleRemoved':
      return { ...next, samples: state.samples.filter((s) => s.sampleId !== event.data.sampleId) };
    case 'JobStarted':
      return { ...next, flowcellId: event.data.flowcellId, startedAt: state.startedAt ?? event.occurredAt };
    case 'RunMetricsRecorded':
      return { ...next, metrics: event.data.metrics, qcVerdict: event.data.qcVerdict };
    case 'JobCompleted':
      return { ...next, completedAt: event.occurredAt };
    case 'JobFailed':
      return { ...next, failureReason: event.data.reason, completedAt: event.occurredAt };
    case 'JobRequeued':
      return { ...next, failureReason: null, completedAt: null, metrics: null, qcVerdict: null };
    default:
      return next;
  }
};

/** Job transitions (API.md); anything else is INVALID_TRANSITION. */
export const JOB_TRANSITIONS: Record<JobStatus, readonly JobStatus[]> = {
  PENDING: ['QUEUED', 'CANCELLED'],
  QUEUED: ['RUNNING', 'CANCELLED'],
  RUNNING: ['PAUSED', 'COMPLETED', 'FAILED'],
  PAUSED: ['RUNNING', 'CANCELLED'],
  FAILED: ['QUEUED'],
  COMPLETED: [],
  CANCELLED: [],
};

const existing = (state: JobState): Job => {
  if (!jobExists(state)) throw new NotFoundError('sequencing job not found');
  return state;
};

const moveTo = (state: JobState, to: JobStatus): Job => {
  const job = existing(state);
  if (!JOB_TRANSITIONS[job.status].includes(to)) throw new InvalidTransitionError(job.status, to, 'job');
  return job;
};

const createJob = (state: JobState, jobId: string, input: { name: string; platform: Platform; priority?: Priority | null; readStructure?: string | null; flowcellType?: string | null }): JobEvent[] => {
  if (jobExists(state)) throw new ConflictError(`sequencing job ${jobId} already exists`);
  const name = input.name.trim();
  if (!name || name.length > 100) throw new BadInputError('name must be 1–100 characters', { field: 'name' });
  if (!PLATFORMS.includes(input.platform)) throw new BadInputError(`unknown platform ${input.platform}`, { field: 'platform' });
  const priority = input.priority ?? 'NORMAL';
  if (!PRIORITIES.includes(priority)) throw new BadInputError(`unknown priority ${priority}`, { field: 'priority' });
  const model = instrumentModel(input.platform)!;
  // A Nanopore job has no cycles to describe, as a Nanopore run has none (a blank one is none).
  const nanopore = model.vendor === 'OXFORD_NANOPORE';
  if (nanopore && input.readStructure?.trim()) throw new BadInputError(`${model.name} jobs have no read structure (it describes Illumina cycles)`, { field: 'readStructure' });
  const readStructure = nanopore ? null : input.readStructure ?? null;
  if (readStructure !== null) checkReadStructure(readStructure);
  let flowcellType: string | null = null;
  if (input.flowcellType) {
    const flowcell = catalogueFlowcell(model, input.flowcellType.trim());
    if (!flowcell) throw new BadInputError(`${model.name} has no flowcell type ${input.flowcellType} (${model.flowcells.map((f) => f.id).join(', ')})`, { field: 'flowcellType' });
    flowcellType = flowcell.id;
  }
  return [{ type: 'JobCreated', data: { jobId, name, platform: input.platform, priority, readStructure, ...(flowcellType ? { flowcellType } : {}) } }];
};

const INDEX = /^[ACGTN]{6,24}$/;
export const MAX_LANE = 8;

/**
 * The lanes a job's samples may name: its flowcell type's (a MiSeq v3 has one), or without one the
 * most any flowcell of its platform has (MAX_LANE for a platform the catalogue lists none for).
 */
const lanesOf = (job: Job): number => {
  const model = instrumentModel(job.platform);
  if (!model || model.flowcells.length === 0) return MAX_LANE;
  const chosen = job.flowcellType ? catalogueFlowcell(model, job.flowcellType) : null;
  return chosen ? chosen.lanes : Math.max(...model.flowcells.map((f) => f.lanes));
};

/** Combined i7 + i5 mismatches of two samples' index pairs (the i5 only when both have one), as a pool counts them. */
export const indexDistance = (a: Pick<JobSample, 'i7Index' | 'i5Index'>, b: Pick<JobSample, 'i7Index' | 'i5Index'>): number =>
  mismatches(a.i7Index, b.i7Index) + (a.i5Index && b.i5Index ? mismatches(a.i5Index, b.i5Index) : 0);

/** The most combined mismatches a job refuses between two index pairs in a lane (a lab's warning level is never below its error level). */
const jobRefusalLevel = (levels: IndexCheckLevels = DEFAULT_INDEX_CHECK_LEVELS): number => levels.warningMismatches;

/**
 * The sample sharing a lane with `candidate` (a lane-less sample shares every lane) whose index pair
 * is within the lab's warning level of it, if any. A job has no place to keep a warning (its samples
 * are in no pool), so what a pool would only warn about is refused here: with the default levels,
 * pairs must be 3 or more combined mismatches apart.
 */
export const indexCollision = (candidate: JobSample, others: readonly JobSample[], levels: IndexCheckLevels = DEFAULT_INDEX_CHECK_LEVELS): { sample: JobSample; mismatches: number } | null => {
  const refusedAt = jobRefusalLevel(levels);
  for (const other of others) {
    const sameLane = candidate.lane === null || other.lane === null || candidate.lane === other.lane;
    if (!sameLane) continue;
    const distance = indexDistance(candidate, other);
    if (distance <= refusedAt) return { sample: other, mismatches: distance };
  }
  return null;
};

/**
 * Whether an index pair fits the job's reads as its sample sheet takes them (its read structure, or
 * DEFAULT_READ_STRUCTURE without one): indexMisfit, the sheet's own rule, and an i5 only where the job
 * reads one (unreadI5). A Nanopore job has no sheet.
 */
const indexFit = (job: Job, i7: string, i5: string | null) => {
  if (instrumentModel(job.platform)?.vendor !== 'ILLUMINA') return null;
  const structure = job.readStructure ?? DEFAULT_READ_STRUCTURE;
  const reads = parseReads(structure);
  return indexMisfit(structure, reads, { i7, i5 }) ?? unreadI5(structure, reads, { i5 });
};

/** A sample is added to a job, and goes on its run, from these statuses only (API.md); starting moves it to IN_SEQUENCING. */
export const STARTABLE_SAMPLE_STATUSES: readonly string[] = ['VALIDATED', 'IN_STORAGE'];

const addSample = (state: JobState, { levels, ...sample }: JobSample & { status: string; barcode: string; levels?: IndexCheckLevels }): JobEvent[] => {
  const job = existing(state);
  if (job.status !== 'PENDING') throw new InvalidTransitionError(job.status, 'PENDING', 'job (samples can only be added while PENDING)');
  if (!STARTABLE_SAMPLE_STATUSES.includes(sample.status)) {
    throw new BadInputError(`sample ${sample.barcode} is ${sample.status}; only VALIDATED or IN_STORAGE samples can be sequenced`, { field: 'sampleId' });
  }
  if (job.samples.some((s) => s.sampleId === sample.sampleId)) throw new ConflictError(`sample ${sample.barcode} is already in this job`);
  const i7Index = sample.i7Index.trim().toUpperCase();
  const i5Index = sample.i5Index?.trim().toUpperCase() || null;
  if (!INDEX.test(i7Index) || (i5Index !== null && !INDEX.test(i5Index))) throw new BadInputError('indexes are 6–24 bases of A, C, G, T, N', { field: 'i7Index' });
  // The sheet writes the indexes for the job's reads: refused here, not when someone asks for the sheet.
  const misfit = indexFit(job, i7Index, i5Index);
  if (misfit) throw new BadInputError(`sample ${sample.barcode}: ${misfit.message}`, { field: misfit.index === 'i7' ? 'i7Index' : 'i5Index' });
  const lanes = lanesOf(job);
  if (sample.lane !== null && (!Number.isInteger(sample.lane) || sample.lane < 1 || sample.lane > lanes)) {
    throw new BadInputError(lanes === 1 ? `a ${job.flowcellType ?? job.platform} flowcell has one lane: lane must be 1 (or none)` : `lane must be 1–${lanes} on a ${job.flowcellType ?? job.platform} flowcell`, { field: 'lane', min: 1, max: lanes });
  }
  const candidate: JobSample = { sampleId: sample.sampleId, lane: sample.lane, i7Index, i5Index };
  const collision = indexCollision(candidate, job.samples, levels);
  if (collision) {
    const { sample: clash, mismatches: distance } = collision;
    const pair = (s: JobSample) => `${s.i7Index}${s.i5Index ? `+${s.i5Index}` : ''}`;
    throw new ConflictError(
      `index ${pair(candidate)} is too close to ${pair(clash)} in lane ${clash.lane ?? 'all'}: ${distance} combined mismatch${distance === 1 ? '' : 'es'}, the lab needs more than ${jobRefusalLevel(levels)}`,
      { field: 'i7Index', reason: 'INDEX_COLLISION', mismatches: distance, sampleIds: [candidate.sampleId, clash.sampleId] },
    );
  }
  return [{ type: 'JobSampleAdded', data: { jobId: job.id, ...candidate } }];
};

const removeSample = (state: JobState, sampleId: string): JobEvent[] => {
  const job = existing(state);
  if (job.status !== 'PENDING') throw new InvalidTransitionError(job.status, 'PENDING', 'job (samples can only be removed while PENDING)');
  if (!job.samples.some((s) => s.sampleId === sampleId)) throw new BadInputError('sample is not in this job', { field: 'sampleId' });
  return [{ type: 'JobSampleRemoved', data: { jobId: job.id, sampleId } }];
};

const sampleIds = (job: Job) => job.samples.map((s) => s.sampleId);

const queueJob = (state: JobState): JobEvent[] => {
  const job = moveTo(state, 'QUEUED');
  if (job.status === 'FAILED') return [{ type: 'JobRequeued', data: { jobId: job.id, sampleIds: sampleIds(job) } }];
  if (job.samples.length === 0) throw new BadInputError('add at least one sample before queueing', { field: 'jobId' });
  return [{ type: 'JobQueued', data: { jobId: job.id } }];
};

/** A sample another job's run holds (its claim, sample-run.ts), named for the person refused. */
export type SampleOnRun = { sampleId: string; barcode: string; jobId: string; jobName: string; flowcellId: string };
/** What this context knows of a sample from the samples context (its replica). */
export type SampleFacts = { sampleId: string; barcode: string; status: string };

const startJob = (state: JobState, flowcellId: string, facts: readonly SampleFacts[], onOtherRuns: readonly SampleOnRun[]): JobEvent[] => {
  const job = moveTo(state, 'RUNNING');
  if (job.status !== 'QUEUED') throw new InvalidTransitionError(job.status, 'RUNNING', 'job (use resumeJob for a paused job)');
  const busy = onOtherRuns.filter((other) => other.jobId !== job.id && job.samples.some((sample) => sample.sampleId === other.sampleId));
  if (busy.length > 0) {
    const where = busy.map((other) => `${other.barcode} is on "${other.jobName}" (flowcell ${other.flowcellId})`).join('; ');
    throw new ConflictError(`${where}: a sample is on one run at a time; complete, fail or cancel that run first`, {
      reason: 'SAMPLE_ON_ANOTHER_RUN',
      samples: busy.map(({ sampleId, jobId }) => ({ sampleId, jobId })),
    });
  }
  // A sample added while VALIDATED may since have been sequenced, failed or discarded elsewhere: the
  // samples context would refuse to move it to IN_SEQUENCING, so the run must not start with it.
  const notReady = job.samples.flatMap(({ sampleId }) => {
    const fact = facts.find((f) => f.sampleId === sampleId);
    return fact && STARTABLE_SAMPLE_STATUSES.includes(fact.status) ? [] : [{ sampleId, barcode: fact?.barcode ?? sampleId, status: fact?.status ?? 'UNKNOWN' }];
  });
  if (notReady.length > 0) {
    const which = notReady.map((sample) => `${sample.barcode} is ${sample.status}`).join('; ');
    throw new ConflictError(`${which}: only VALIDATED or IN_STORAGE samples go on a run (a failed job's samples are VALIDATED again once it is requeued)`, {
      reason: 'SAMPLE_NOT_READY',
      samples: notReady.map(({ sampleId, status }) => ({ sampleId, status })),
    });
  }
  const flowcell = flowcellId.trim();
  if (!/^[A-Za-z0-9_-]{4,40}$/.test(flowcell)) throw new BadInputError('flowcellId must be 4–40 characters of letters, digits, - and _', { field: 'flowcellId' });
  return [{ type: 'JobStarted', data: { jobId: job.id, flowcellId: flowcell, sampleIds: sampleIds(job) } }];
};

const pauseJob = (state: JobState): JobEvent[] => [{ type: 'JobPaused', data: { jobId: moveTo(state, 'PAUSED').id } }];

const resumeJob = (state: JobState): JobEvent[] => {
  const job = moveTo(state, 'RUNNING');
  if (job.status !== 'PAUSED') throw new InvalidTransitionError(job.status, 'RUNNING', 'job (use startJob for a queued job)');
  return [{ type: 'JobResumed', data: { jobId: job.id } }];
};

/**
 * A job's QC is a run lane's QC (domain/run-qc.ts) with the lab's thresholds for its platform and flowcell
 * type: Q30 < 75 FAIL, < 80 WARN by default (API.md); density judged only on non-patterned flowcells,
 * %PF as the lab sets it. A job has no occupancy metric.
 */
export const qcVerdict = (job: Pick<Job, 'platform' | 'flowcellType'>, metrics: RunMetrics, thresholds: QcThresholds): QcVerdict =>
  laneVerdict({ ...metrics, occupancyPercent: null }, thresholds, isPatterned(instrumentModel(job.platform)!, job.flowcellType)).verdict;

const recordRunMetrics = (state: JobState, input: Partial<RunMetrics>, thresholds: QcThresholds): JobEvent[] => {
  const job = existing(state);
  if (job.status !== 'RUNNING' && job.status !== 'PAUSED') throw new InvalidTransitionError(job.status, job.status, 'job (metrics are recorded while RUNNING or PAUSED)');
  const metrics: RunMetrics = { q30Percent: input.q30Percent ?? null, clusterDensityKmm2: input.clusterDensityKmm2 ?? null, percentPf: input.percentPf ?? null, yieldGb: input.yieldGb ?? null };
  for (const [field, value] of Object.entries(metrics)) {
    if (value !== null && (!Number.isFinite(value) || value < 0)) throw new BadInputError(`${field} must be a number ≥ 0`, { field });
  }
  if ((metrics.q30Percent ?? 0) > 100 || (metrics.percentPf ?? 0) > 100) throw new BadInputError('percentages are at most 100', { field: 'q30Percent' });
  // A record without a single value would be judged PASS and stand in for QC data at completion.
  if (Object.values(metrics).every((value) => value === null)) throw new BadInputError('give at least one run metric (q30Percent, clusterDensityKmm2, percentPf or yieldGb)', { field: 'metrics' });
  return [{ type: 'RunMetricsRecorded', data: { jobId: job.id, metrics, qcVerdict: qcVerdict(job, metrics, thresholds) } }];
};

const completeJob = (state: JobState, overrideReason: string | null): JobEvent[] => {
  const job = moveTo(state, 'COMPLETED');
  const reason = overrideReason?.trim() || null;
  if (reason !== null && reason.length > 500) throw new BadInputError('qcOverrideReason is at most 500 characters', { field: 'qcOverrideReason' });
  // Completing marks the samples SEQUENCED: without metrics that needs someone to say why.
  if (job.metrics === null && reason === null) {
    throw new BadInputError('no run metrics were recorded: record them first, or complete with a qcOverrideReason', { field: 'qcOverrideReason' });
  }
  return [{ type: 'JobCompleted', data: { jobId: job.id, qcVerdict: job.qcVerdict, sampleIds: sampleIds(job), ...(reason !== null ? { qcOverrideReason: reason } : {}) } }];
};

const failJob = (state: JobState, reason: string): JobEvent[] => {
  const job = moveTo(state, 'FAILED');
  if (!reason.trim()) throw new BadInputError('a reason is required', { field: 'reason' });
  return [{ type: 'JobFailed', data: { jobId: job.id, reason: reason.trim(), sampleIds: sampleIds(job) } }];
};

const cancelJob = (state: JobState, reason: string | null): JobEvent[] => {
  const job = moveTo(state, 'CANCELLED');
  // A run stopped on the instrument leaves its samples half sequenced: named, so they become FAILED.
  const onInstrument = job.status === 'PAUSED' ? { sampleIds: sampleIds(job) } : {};
  return [{ type: 'JobCancelled', data: { jobId: job.id, reason: reason?.trim() || null, ...onInstrument } }];
};

const requeueJob = (state: JobState): JobEvent[] => {
  const job = existing(state);
  if (job.status !== 'FAILED') throw new InvalidTransitionError(job.status, 'QUEUED', 'job (only a FAILED job is requeued)');
  return queueJob(state);
};

const decide: JobDecider['decide'] = (command, state) => {
  switch (command.type) {
    case 'CreateJob': {
      const { jobId, ...input } = command.data;
      return createJob(state, jobId, input);
    }
    case 'AddSample':
      return addSample(state, command.data);
    case 'RemoveSample':
      return removeSample(state, command.data.sampleId);
    case 'QueueJob':
      return queueJob(state);
    case 'StartJob':
      return startJob(state, command.data.flowcellId, command.data.samples, command.data.onOtherRuns);
    case 'PauseJob':
      return pauseJob(state);
    case 'ResumeJob':
      return resumeJob(state);
    case 'RecordRunMetrics':
      return recordRunMetrics(state, command.data.metrics, command.data.thresholds);
    case 'CompleteJob':
      return completeJob(state, command.data.qcOverrideReason ?? null);
    case 'FailJob':
      return failJob(state, command.data.reason);
    case 'CancelJob':
      return cancelJob(state, command.data.reason);
    case 'RequeueJob':
      return requeueJob(state);
    default: {
      const unknown: never = command;
      throw new BadInputError(`unknown command ${(unknown as { type: string }).type}`);
    }
  }
};

/** A sequencing job: created, filled with samples while PENDING, then run along JOB_TRANSITIONS. */
export const jobDecider: JobDecider = {
  streamType: 'SequencingJob',
  stateSchema: 1,
  initialState: () => ({ status: 'NONE' }),
  decide,
  evolve,
};
