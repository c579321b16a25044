/**
 * The sequencing context's published events: every event type it records, one union per stream.
 * Other contexts, platform/replicas and sagas import this module with `import type` only.
 */
import type { Event } from '../../event-store/types.js';

export type Platform = 'NOVASEQ_X' | 'NOVASEQ_6000' | 'NEXTSEQ_2000' | 'MISEQ' | 'PROMETHION';
export type Priority = 'LOW' | 'NORMAL' | 'HIGH' | 'STAT';
export type JobStatus = 'PENDING' | 'QUEUED' | 'RUNNING' | 'PAUSED' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export type QcVerdict = 'PASS' | 'WARN' | 'FAIL';

export type RunMetrics = {
  q30Percent: number | null;
  clusterDensityKmm2: number | null;
  percentPf: number | null;
  yieldGb: number | null;
};

export type JobSample = {
  sampleId: string;
  lane: number | null;
  i7Index: string;
  i5Index: string | null;
};

export type JobCreated = Event<'JobCreated', { jobId: string; name: string; platform: Platform; priority: Priority; readStructure: string | null }>;
export type JobSampleAdded = Event<'JobSampleAdded', { jobId: string } & JobSample>;
export type JobSampleRemoved = Event<'JobSampleRemoved', { jobId: string; sampleId: string }>;
export type JobQueued = Event<'JobQueued', { jobId: string }>;
/** Carries the job's samples so other contexts react without reading ours. */
export type JobStarted = Event<'JobStarted', { jobId: string; flowcellId: string; sampleIds: string[] }>;
export type JobPaused = Event<'JobPaused', { jobId: string }>;
export type JobResumed = Event<'JobResumed', { jobId: string }>;
export type RunMetricsRecorded = Event<'RunMetricsRecorded', { jobId: string; metrics: RunMetrics; qcVerdict: QcVerdict }>;
export type JobCompleted = Event<'JobCompleted', { jobId: string; qcVerdict: QcVerdict | null; sampleIds: string[] }>;
export type JobFailed = Event<'JobFailed', { jobId: string; reason: string; sampleIds: string[] }>;
export type JobCancelled = Event<'JobCancelled', { jobId: string; reason: string | null }>;
export type JobRequeued = Event<'JobRequeued', { jobId: string; sampleIds: string[] }>;

/** Stream `SequencingJob-<uuid>`. */
export type JobEvent =
  | JobCreated
  | JobSampleAdded
  | JobSampleRemoved
  | JobQueued
  | JobStarted
  | JobPaused
  | JobResumed
  | RunMetricsRecorded
  | JobCompleted
  | JobFailed
  | JobCancelled
  | JobRequeued;

/** Every event the sequencing context records. */
export type SequencingEvent = JobEvent;
