export const PLATFORMS = ['NOVASEQ_X', 'NOVASEQ_6000', 'NEXTSEQ_2000', 'MISEQ', 'PROMETHION'] as const;
export type Platform = (typeof PLATFORMS)[number];
export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'STAT'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const JOB_STATUSES = ['PENDING', 'QUEUED', 'RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
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

// The job's published events live in ../events.ts (what other contexts import, type-only).
export type {
  JobCreated,
  JobSampleAdded,
  JobSampleRemoved,
  JobQueued,
  JobStarted,
  JobPaused,
  JobResumed,
  RunMetricsRecorded,
  JobCompleted,
  JobFailed,
  JobCancelled,
  JobRequeued,
  JobEvent,
} from '../events.js';

export const JOB_EVENTS: ReadonlySet<string> = new Set([
  'JobCreated', 'JobSampleAdded', 'JobSampleRemoved', 'JobQueued', 'JobStarted', 'JobPaused', 'JobResumed',
  'RunMetricsRecorded', 'JobCompleted', 'JobFailed', 'JobCancelled', 'JobRequeued',
]);
