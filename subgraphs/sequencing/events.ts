import type { Event } from '../../event-store/types.js';
import type { JobSample, Platform, Priority, QcVerdict, RunMetrics } from './domain/events.js';

/*
 * The sequencing context's published events (job stream), imported type-only by other contexts.
 * Created by the a13-labctx helper with only the job events, so the samples policy can import them;
 * the seq-core helper owns this file.
 */
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

