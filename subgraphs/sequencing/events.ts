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

/** `flowcellType`: a catalogued type of the platform's instrument (MISEQ_V3, S4…), which QC thresholds may depend on; absent on older jobs. */
export type JobCreated = Event<'JobCreated', { jobId: string; name: string; platform: Platform; priority: Priority; readStructure: string | null; flowcellType?: string | null }>;
export type JobSampleAdded = Event<'JobSampleAdded', { jobId: string } & JobSample>;
export type JobSampleRemoved = Event<'JobSampleRemoved', { jobId: string; sampleId: string }>;
export type JobQueued = Event<'JobQueued', { jobId: string }>;
/** Carries the job's samples so other contexts react without reading ours. */
export type JobStarted = Event<'JobStarted', { jobId: string; flowcellId: string; sampleIds: string[] }>;
export type JobPaused = Event<'JobPaused', { jobId: string }>;
export type JobResumed = Event<'JobResumed', { jobId: string }>;
export type RunMetricsRecorded = Event<'RunMetricsRecorded', { jobId: string; metrics: RunMetrics; qcVerdict: QcVerdict }>;
/** `qcOverrideReason`: why a job with no recorded metrics was completed anyway (present only then or when given). */
export type JobCompleted = Event<'JobCompleted', { jobId: string; qcVerdict: QcVerdict | null; sampleIds: string[]; qcOverrideReason?: string }>;
export type JobFailed = Event<'JobFailed', { jobId: string; reason: string; sampleIds: string[] }>;
/** `sampleIds`: set when the run was cancelled on the instrument (PAUSED): its samples' sequencing failed. */
export type JobCancelled = Event<'JobCancelled', { jobId: string; reason: string | null; sampleIds?: string[] }>;
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

/**
 * Stream `SampleRun-<sampleId>`: the claim that puts a tube on one instrument run at a time. A job's
 * start claims each of its samples in the commit that records `JobStarted`; its end (completed,
 * failed, or cancelled while paused) releases them in the commit that records that end.
 */
export type SampleRunClaimed = Event<'SampleRunClaimed', { sampleId: string; jobId: string; jobName: string; flowcellId: string }>;
export type SampleRunReleased = Event<'SampleRunReleased', { sampleId: string; jobId: string }>;
export type SampleRunEvent = SampleRunClaimed | SampleRunReleased;

export type KitIndex = { indexId: string; i7: string; i5: string | null; well: string | null };
/** Stream `IndexKit-<uuid>`. */
export type IndexKitImported = Event<'IndexKitImported', { kitId: string; name: string; indexes: KitIndex[] }>;
export type IndexKitEvent = IndexKitImported;

/** Index of a library: from a kit (kitId, indexId) or typed in (both null); i5 in forward orientation. */
export type LibraryIndex = { kitId: string | null; indexId: string | null; i7: string; i5: string | null };
/** Stream `Library-<uuid>`. Molarity nM = concentration ng/µl / (660 g/mol/bp × mean fragment bp) × 10^6. */
export type LibraryPrepared = Event<'LibraryPrepared', {
  libraryId: string; sampleId: string; barcode: string; index: LibraryIndex;
  volumeUl: number; concentrationNgUl: number; meanFragmentBp: number; molarityNm: number;
}>;
export type LibraryQcRecorded = Event<'LibraryQcRecorded', { libraryId: string; verdict: 'PASS' | 'FAIL'; note: string | null; recordedBy: string | null }>;
export type LibraryEvent = LibraryPrepared | LibraryQcRecorded;
/** Stream `LibraryBarcode-<tenant>/<barcode>`: the claim that keeps library barcodes unique per tenant. */
export type LibraryBarcodeClaimed = Event<'LibraryBarcodeClaimed', { barcode: string; libraryId: string }>;
export type LibraryBarcodeEvent = LibraryBarcodeClaimed;

export type PoolMember = { libraryId: string; proportion: number; volumeUl: number; i7: string; i5: string | null };
export type PoolWarning = { kind: 'INDEX_COLLISION' | 'COLOUR_BALANCE'; message: string };
/** Combined i7 + i5 mismatches at or below which two libraries are an index collision (ERROR) or too close (WARNING). */
export type IndexMismatchLevels = { errorMismatches: number; warningMismatches: number };
/**
 * Stream `Pool-<uuid>`. `levels`: the mismatch levels its libraries were judged by (createPool's `indexCheck`, else the
 * lab's configured ones); a lane the pool goes on is judged by them too. Absent on pools created before it was
 * recorded: they take the lab's configured levels (poolIndexLevels in lab-config.ts says why).
 */
export type PoolCreated = Event<'PoolCreated', { poolId: string; name: string; molarityNm: number; volumeUl: number; members: PoolMember[]; warnings: PoolWarning[]; levels?: IndexMismatchLevels }>;
export type PoolEvent = PoolCreated;

/** What MinKNOW needs of a Nanopore run beyond its libraries (its sample sheet's flow_cell_id, kit and experiment_id). */
export type MinknowRun = { flowCellId: string; kit: string; experimentId: string };
/** Stream `SequencingRun-<uuid>`. Illumina runs have a read structure; Nanopore runs (readStructure null) have `minknow`. */
export type RunCreated = Event<'RunCreated', { runId: string; name: string; instrument: string; flowcellType: string; lanes: number; readStructure: string | null; minknow?: MinknowRun }>;
export type PoolLoaded = Event<'PoolLoaded', { runId: string; lane: number; poolId: string }>;
export type LaneMetrics = { q30Percent: number | null; percentPf: number | null; occupancyPercent: number | null; clusterDensityKmm2: number | null; yieldGb: number | null };
/** A lane's metrics and the verdict the lab's thresholds gave them (`reasons` say why it is not PASS). */
export type LaneQcRecorded = Event<'LaneQcRecorded', { runId: string; lane: number; metrics: LaneMetrics; verdict: QcVerdict; reasons: string[]; recordedBy: string | null }>;
/** `qcVerdict`: the worst lane verdict (null when no lane was judged); `qcOverrideReason` only when a loaded lane had no QC. */
export type RunCompleted = Event<'RunCompleted', { runId: string; qcVerdict: QcVerdict | null; qcOverrideReason?: string; completedBy: string | null }>;
export type RunEvent = RunCreated | PoolLoaded | LaneQcRecorded | RunCompleted;

/** Every event the sequencing context records. */
export type SequencingEvent = JobEvent | SampleRunEvent | IndexKitEvent | LibraryEvent | LibraryBarcodeEvent | PoolEvent | RunEvent;
