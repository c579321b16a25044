/* eslint-disable */
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  DateTime: { input: string; output: string; }
  JSON: { input: unknown; output: unknown; }
};

/** Something in the lab that needs a person. One open alert per kind and subject: a repeat updates it. */
export type Alert = {
  __typename?: 'Alert';
  acknowledgedAt: Maybe<Scalars['DateTime']['output']>;
  acknowledgedBy: Maybe<Scalars['String']['output']>;
  escalationLevel: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  kind: AlertKind;
  message: Scalars['String']['output'];
  raisedAt: Scalars['DateTime']['output'];
  resolvedAt: Maybe<Scalars['DateTime']['output']>;
  /** The sample the alert is about. Its barcode comes with the alert (a barcode never changes); other fields from samples. */
  sample: Maybe<Sample>;
  sequencingJob: Maybe<SequencingJob>;
  /** The sequencing run a lane QC alert (QC_FAILED, QC_WARNING) is about; its message names the run and its lanes with that verdict. */
  sequencingRun: Maybe<SequencingRun>;
  severity: Severity;
  sourceEventId: Scalars['ID']['output'];
  status: AlertStatus;
  storageUnit: Maybe<StorageUnit>;
};

export type AlertConnection = {
  __typename?: 'AlertConnection';
  edges: Array<AlertEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type AlertEdge = {
  __typename?: 'AlertEdge';
  cursor: Scalars['String']['output'];
  node: Alert;
};

export type AlertKind =
  | 'CAPACITY'
  | 'ESCALATION'
  | 'QC_FAILED'
  | 'QC_WARNING'
  | 'SAGA_FAILED'
  | 'SAMPLE_REJECTED'
  | 'TEMPERATURE_EXCURSION';

export type AlertPayload = {
  __typename?: 'AlertPayload';
  alert: Alert;
  position: Scalars['String']['output'];
};

export type AlertStatus =
  | 'ACKNOWLEDGED'
  | 'OPEN'
  | 'RESOLVED';

/**
 * Part of a sample taken as a new sample of the same type. Volumes count in whole nanolitres
 * (0.001 µL); the child inherits the parent's submitter and project.
 */
export type AliquotSampleInput = {
  /** The child's barcode. */
  barcode: Scalars['String']['input'];
  /** The child's concentration; defaults to the parent's. */
  concentrationNgUl?: InputMaybe<Scalars['Float']['input']>;
  metadata?: InputMaybe<Scalars['JSON']['input']>;
  parentId: Scalars['ID']['input'];
  /** The parent's type (the default); any other is refused. */
  sampleType?: InputMaybe<SampleType>;
  /** µL taken from the parent; at most what it holds (INSUFFICIENT_VOLUME otherwise). */
  volumeTakenUl: Scalars['Float']['input'];
  /** The child's volume; defaults to the volume taken. */
  volumeUl?: InputMaybe<Scalars['Float']['input']>;
};

/** A partner integration's key. The secret is shown once, when created; only its hash is kept. */
export type ApiKey = {
  __typename?: 'ApiKey';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** The persisted-query manifests (file names without .json) whose operations this key may run; null: any. */
  manifests: Maybe<Array<Scalars['String']['output']>>;
  name: Scalars['String']['output'];
  /** Only operations from a persisted-query manifest, sent by id. */
  persistedOnly: Scalars['Boolean']['output'];
  revokedAt: Maybe<Scalars['DateTime']['output']>;
  roles: Array<Scalars['String']['output']>;
};

export type AuditExportFormat =
  | 'CSV'
  | 'JSON';

/** The kinds of record with an audit trail of their own, which people can sign and export. */
export type AuditRecordType =
  | 'RUN'
  | 'SAMPLE';

/** A record's audit trail as a file to save. */
export type AuditTrailExport = {
  __typename?: 'AuditTrailExport';
  content: Scalars['String']['output'];
  /** text/csv (RFC 4180, header row, formula-like cells prefixed with ') or application/json. */
  contentType: Scalars['String']['output'];
  fileName: Scalars['String']['output'];
};

export type Chemistry =
  | 'FOUR_COLOUR'
  | 'NANOPORE'
  | 'ONE_COLOUR'
  | 'TWO_COLOUR';

export type CreateApiKeyPayload = {
  __typename?: 'CreateApiKeyPayload';
  apiKey: ApiKey;
  /** Send as header x-api-key. Shown once. */
  secret: Scalars['String']['output'];
};

export type CreatePoolInput = {
  /** Defaults as MISO LIMS: error at ≤ 1, warning at ≤ 2. */
  indexCheck?: InputMaybe<IndexCheckInput>;
  libraries: Array<PoolLibraryInput>;
  name: Scalars['String']['input'];
  targetMolarityNm: Scalars['Float']['input'];
  volumeUl: Scalars['Float']['input'];
};

export type CreateSequencingJobInput = {
  /** One of the platform's InstrumentModel.flowcellTypes (e.g. MISEQ_V3); QC then uses that flowcell's thresholds. */
  flowcellType?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  platform: SequencingPlatform;
  priority?: InputMaybe<Priority>;
  /** Illumina platforms: e.g. 151T8B8B151T (without one, the sheet and the index checks take 151T8B8B151T); limits as for runs. None on PROMETHION. */
  readStructure?: InputMaybe<Scalars['String']['input']>;
};

export type CreateSequencingRunInput = {
  /** Nanopore runs (required): MinKNOW experiment_id, 1–40 of A–Z, a–z, 0–9, _ and -. */
  experimentId?: InputMaybe<Scalars['String']['input']>;
  /** Nanopore runs (required): the flow cell's id, e.g. PAK12345. */
  flowCellId?: InputMaybe<Scalars['String']['input']>;
  /** One of the instrument's flowcellTypes, e.g. S1, or FLO-PRO114 for a PromethION. */
  flowcellType: Scalars['String']['input'];
  /** An InstrumentModel code, e.g. NOVASEQ_6000 or PROMETHION. */
  instrument: Scalars['String']['input'];
  /** Nanopore runs (required): the kit's product code, e.g. SQK-NBD114-24. */
  kit?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  /** Illumina runs (required): e.g. 151T8B8B151T; U (UMI) and S (skip) segments become OverrideCycles. At most 301 cycles a read, 24 index (B) cycles an index read, 650 in all. */
  readStructure?: InputMaybe<Scalars['String']['input']>;
};

export type CreateStorageUnitInput = {
  columns?: InputMaybe<Scalars['Int']['input']>;
  kind: StorageKind;
  maxTempC?: InputMaybe<Scalars['Float']['input']>;
  /** Defaults to the zone's operating range for a FREEZER. */
  minTempC?: InputMaybe<Scalars['Float']['input']>;
  name: Scalars['String']['input'];
  parentId?: InputMaybe<Scalars['ID']['input']>;
  rows?: InputMaybe<Scalars['Int']['input']>;
  /** Required for a FREEZER; RACKs and BOXes inherit their freezer's; a FACILITY takes none (each freezer in it has its own). */
  zone?: InputMaybe<TemperatureZone>;
};

export type CustodyRecord = {
  __typename?: 'CustodyRecord';
  /** RESERVED, RESERVATION_RELEASED, STORED, MOVED, CHECKED_OUT, CHECKED_IN or REMOVED. */
  action: Scalars['String']['output'];
  actor: Maybe<Scalars['String']['output']>;
  at: Scalars['DateTime']['output'];
  /** MOVED only: the position the sample left. */
  fromPosition: Maybe<StoragePosition>;
  note: Maybe<Scalars['String']['output']>;
  /** The position this record is about (for MOVED: where the sample went), as it is now: `position { label unit { name parent { name } } }`. */
  position: Maybe<StoragePosition>;
  /** The label of `position` (e.g. A1): which box it is in, `position { unit { name } }` says. */
  positionLabel: Maybe<Scalars['String']['output']>;
};

export type DensityBand = {
  __typename?: 'DensityBand';
  max: Scalars['Float']['output'];
  min: Scalars['Float']['output'];
};

/** ALIQUOT: part of the same material. EXTRACT: a new material isolated from it (e.g. DNA from BLOOD). */
export type DerivationKind =
  | 'ALIQUOT'
  | 'EXTRACT';

export type DerivedSamplePayload = {
  __typename?: 'DerivedSamplePayload';
  /** The parent, with its remaining volume. */
  parent: Sample;
  /** Event-store position of this write; send it as x-tracseq-consistent-with to read your write. */
  position: Scalars['String']['output'];
  /** The new child sample. */
  sample: Sample;
};

/**
 * A new material isolated from a sample (DNA or RNA from BLOOD, TISSUE, SALIVA, CELL_LINE or PLASMA;
 * PLASMA from BLOOD). The child inherits the parent's submitter and project.
 */
export type ExtractSampleInput = {
  /** The extract's barcode. */
  barcode: Scalars['String']['input'];
  concentrationNgUl?: InputMaybe<Scalars['Float']['input']>;
  metadata?: InputMaybe<Scalars['JSON']['input']>;
  parentId: Scalars['ID']['input'];
  /** What the extraction produced. */
  sampleType: SampleType;
  /** µL of the parent used; at most what it holds (INSUFFICIENT_VOLUME otherwise). */
  volumeTakenUl: Scalars['Float']['input'];
  /** The eluate's volume, as measured (unknown when not given). */
  volumeUl?: InputMaybe<Scalars['Float']['input']>;
};

export type FlowcellType = {
  __typename?: 'FlowcellType';
  code: Scalars['String']['output'];
  lanes: Scalars['Int']['output'];
  /** Patterned flowcells are judged by %PF and occupancy, not cluster density. */
  patterned: Scalars['Boolean']['output'];
};

/** How the i5 index is written in this instrument's BCL Convert v2 sample sheet. */
export type I5Orientation =
  | 'FORWARD'
  | 'REVERSE_COMPLEMENT';

export type ImportIndexKitInput = {
  /** CSV with a header row: index_id, i7, i5 (optional, forward orientation), well (optional). */
  csv: Scalars['String']['input'];
  name: Scalars['String']['input'];
};

export type ImportRowError = {
  __typename?: 'ImportRowError';
  barcode: Maybe<Scalars['String']['output']>;
  message: Scalars['String']['output'];
  /** Data row number, counting from 1 after the header row. */
  row: Scalars['Int']['output'];
};

export type ImportSamplesPayload = {
  __typename?: 'ImportSamplesPayload';
  errors: Array<ImportRowError>;
  imported: Array<Sample>;
  position: Scalars['String']['output'];
};

/** Combined i7 + i5 mismatches: at most errorMismatches refuses the pool, at most warningMismatches warns. */
export type IndexCheckInput = {
  errorMismatches: Scalars['Int']['input'];
  warningMismatches: Scalars['Int']['input'];
};

export type IndexKit = {
  __typename?: 'IndexKit';
  id: Scalars['ID']['output'];
  indexes: Array<KitIndex>;
  name: Scalars['String']['output'];
};

export type IndexKitPayload = {
  __typename?: 'IndexKitPayload';
  kit: IndexKit;
  position: Scalars['String']['output'];
};

/** An instrument model of the catalogue (values cited in subgraphs/sequencing/domain/instruments.ts). */
export type InstrumentModel = {
  __typename?: 'InstrumentModel';
  chemistry: Chemistry;
  code: Scalars['String']['output'];
  /** At most 4 per model (the catalogue's largest: NovaSeq 6000 SP, S1, S2, S4). */
  flowcellTypes: Array<FlowcellType>;
  i5Orientation: Maybe<I5Orientation>;
  /** Illumina's sample sheet v2 [Header] values, where documented. */
  instrumentPlatform: Maybe<Scalars['String']['output']>;
  instrumentType: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
};

export type JobPayload = {
  __typename?: 'JobPayload';
  job: SequencingJob;
  position: Scalars['String']['output'];
};

export type JobSample = {
  __typename?: 'JobSample';
  i5Index: Maybe<Scalars['String']['output']>;
  i7Index: Scalars['String']['output'];
  lane: Maybe<Scalars['Int']['output']>;
  sample: Sample;
};

export type JobStatus =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'FAILED'
  | 'PAUSED'
  | 'PENDING'
  | 'QUEUED'
  | 'RUNNING';

export type KitIndex = {
  __typename?: 'KitIndex';
  /** Forward (kit) orientation. */
  i5: Maybe<Scalars['String']['output']>;
  i7: Scalars['String']['output'];
  indexId: Scalars['String']['output'];
  well: Maybe<Scalars['String']['output']>;
};

/** One stored event, the audit trail's unit. */
export type LabEvent = {
  __typename?: 'LabEvent';
  actor: Maybe<Scalars['String']['output']>;
  correlationId: Maybe<Scalars['ID']['output']>;
  data: Scalars['JSON']['output'];
  id: Scalars['ID']['output'];
  occurredAt: Scalars['DateTime']['output'];
  position: Scalars['String']['output'];
  streamId: Scalars['ID']['output'];
  streamType: Scalars['String']['output'];
  type: Scalars['String']['output'];
  version: Scalars['Int']['output'];
};

/** ZPL: Zebra Programming Language II, for the thermal printers labs use. */
export type LabelFormat =
  | 'ZPL';

/** CODE128: linear barcode. DATAMATRIX: 2D ECC 200, for small tube caps. */
export type LabelSymbology =
  | 'CODE128'
  | 'DATAMATRIX';

export type LaneMetrics = {
  __typename?: 'LaneMetrics';
  clusterDensityKmm2: Maybe<Scalars['Float']['output']>;
  occupancyPercent: Maybe<Scalars['Float']['output']>;
  percentPf: Maybe<Scalars['Float']['output']>;
  q30Percent: Maybe<Scalars['Float']['output']>;
  yieldGb: Maybe<Scalars['Float']['output']>;
};

export type LaneMetricsInput = {
  clusterDensityKmm2?: InputMaybe<Scalars['Float']['input']>;
  /** Patterned flowcells: % of nanowells occupied. */
  occupancyPercent?: InputMaybe<Scalars['Float']['input']>;
  percentPf?: InputMaybe<Scalars['Float']['input']>;
  q30Percent?: InputMaybe<Scalars['Float']['input']>;
  yieldGb?: InputMaybe<Scalars['Float']['input']>;
};

export type LaneQc = {
  __typename?: 'LaneQc';
  lane: Scalars['Int']['output'];
  metrics: LaneMetrics;
  /** Why the verdict is not PASS. */
  reasons: Array<Scalars['String']['output']>;
  recordedAt: Scalars['DateTime']['output'];
  recordedBy: Maybe<Scalars['String']['output']>;
  verdict: QcVerdict;
};

export type Library = {
  __typename?: 'Library';
  barcode: Scalars['String']['output'];
  concentrationNgUl: Scalars['Float']['output'];
  /** Forward (kit) orientation. */
  i5Index: Maybe<Scalars['String']['output']>;
  i7Index: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  indexId: Maybe<Scalars['String']['output']>;
  kit: Maybe<IndexKit>;
  /** The tube label as a printer program (ZPL II at 203 dpi): the barcode, then the library barcode, Library with its index id, and the preparation date. DATAMATRIX on 1.28 × 0.5 in cryo-tube stock, CODE128 on 2 × 1 in stock. */
  label: Scalars['String']['output'];
  meanFragmentBp: Scalars['Float']['output'];
  /** concentration / (660 × mean fragment size) × 10^6. */
  molarityNm: Scalars['Float']['output'];
  pools: Array<Pool>;
  qcNote: Maybe<Scalars['String']['output']>;
  /** Who recorded the last QC verdict. */
  qcRecordedBy: Maybe<Scalars['String']['output']>;
  sample: Sample;
  status: LibraryStatus;
  volumeUl: Scalars['Float']['output'];
};


export type LibraryLabelArgs = {
  format?: InputMaybe<LabelFormat>;
  symbology?: InputMaybe<LabelSymbology>;
};

export type LibraryPayload = {
  __typename?: 'LibraryPayload';
  library: Library;
  position: Scalars['String']['output'];
};

export type LibraryQcVerdict =
  | 'FAIL'
  | 'PASS';

export type LibraryStatus =
  | 'PREPARED'
  | 'QC_FAILED'
  | 'QC_PASSED';

/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type Mutation = {
  __typename?: 'Mutation';
  acknowledgeAlert: AlertPayload;
  /** Only while PENDING, only VALIDATED or IN_STORAGE samples; indexes as long as the read structure's index cycles (an i5 only with a second index read); two samples sharing a lane must differ by more combined i7 + i5 mismatches than the lab's index-check warning level (SEQUENCING_LAB_CONFIG indexCheck; by default 3 or more apart), else CONFLICT with reason INDEX_COLLISION. */
  addSampleToJob: JobPayload;
  /** Takes an aliquot: the parent's volume falls by volumeTakenUl and the child is registered PENDING, in one commit. expectedVersion is the parent's. */
  aliquotSample: DerivedSamplePayload;
  archiveSample: SamplePayload;
  cancelJob: JobPayload;
  checkInSample: PositionPayload;
  checkOutSample: PositionPayload;
  /** Needs recorded run metrics, or an explicit qcOverrideReason (the samples then become SEQUENCED without a verdict). */
  completeJob: JobPayload;
  /** Every loaded lane needs QC, or an explicit qcOverrideReason. */
  completeSequencingRun: SequencingRunPayload;
  /** manifests binds the key to those persisted-query manifests: it can run no other manifest's operations. */
  createApiKey: CreateApiKeyPayload;
  createPool: PoolPayload;
  createSequencingJob: JobPayload;
  createSequencingRun: SequencingRunPayload;
  createStorageUnit: StorageUnitPayload;
  discardSample: SamplePayload;
  /** Records an extraction: the parent's volume falls by volumeTakenUl and the extract is registered PENDING, in one commit. expectedVersion is the parent's. */
  extractSample: DerivedSamplePayload;
  failJob: JobPayload;
  importIndexKit: IndexKitPayload;
  /** CSV with a header row of RegisterSampleInput field names; good rows are registered, bad rows reported. */
  importSamples: ImportSamplesPayload;
  /** Lane count of the run's flowcell enforced; a lane holds one pool. No library of the pool may have failed QC (CONFLICT, reason LIBRARY_QC_FAILED). On an Illumina run every index must be as long as the read structure's index cycles; on a run without a second index read a library's i5 is not read, so the pool's libraries must differ by i7 alone (CONFLICT, reason INDEX_COLLISION). A Nanopore flow cell has lane 1 only, and each library on it needs a MinKNOW barcode (its kit index id, barcode01…), each once. */
  loadPoolOnLane: SequencingRunPayload;
  moveSample: PositionPayload;
  pauseJob: JobPayload;
  prepareLibrary: LibraryPayload;
  queueJob: JobPayload;
  receiveSample: SamplePayload;
  /** Judged by the lab's thresholds for the run's instrument and flowcell type; recording again replaces the lane's QC. */
  recordLaneQc: SequencingRunPayload;
  recordLibraryQc: LibraryPayload;
  /** Judged by the lab's QC thresholds for the job's platform and flowcell type (SEQUENCING_LAB_CONFIG), as a run's lanes are. */
  recordRunMetrics: JobPayload;
  recordTemperature: TemperaturePayload;
  registerSample: SamplePayload;
  rejectSample: SamplePayload;
  releaseReservation: PositionPayload;
  removeSampleFromJob: JobPayload;
  /** Takes a sample out of storage for good (its position becomes AVAILABLE), e.g. when a submission is undone. */
  removeSampleFromStorage: PositionPayload;
  requeueJob: JobPayload;
  /** Reserves the first free position that suits the sample, in a box under `underUnitId` or of `zone`; a position taken meanwhile is skipped for the next. NO_CAPACITY when no suitable position exists; CONFLICT (retryable, `extensions.reason`) when every candidate was taken concurrently. */
  reserveFreePosition: PositionPayload;
  reservePosition: PositionPayload;
  resolveAlert: AlertPayload;
  /** REJECTED → PENDING: the submitter sent a corrected sample under the same barcode. */
  resubmitSample: SamplePayload;
  resumeJob: JobPayload;
  revokeApiKey: ApiKey;
  /** Signs a record with a meaning. Needs a person's token (name claim) authenticated at most SIGNATURE_MAX_AUTH_AGE seconds ago; VERIFIED and APPROVED need someone other than who recorded the record's QC results; APPROVED needs a manager. */
  signRecord: SignaturePayload;
  startJob: JobPayload;
  /** The sample must be VALIDATED, or checked out from this position. */
  storeSample: PositionPayload;
  /** Registers, receives, reserves a position for, validates and stores a sample, then notifies; undone on failure (no free position: NO_CAPACITY, the sample stays RECEIVED). Runs asynchronously: watch `saga(id)`. */
  submitSample: SagaPayload;
  validateSample: SamplePayload;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationAcknowledgeAlertArgs = {
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationAddSampleToJobArgs = {
  i5Index?: InputMaybe<Scalars['String']['input']>;
  i7Index: Scalars['String']['input'];
  jobId: Scalars['ID']['input'];
  lane?: InputMaybe<Scalars['Int']['input']>;
  sampleId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationAliquotSampleArgs = {
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  input: AliquotSampleInput;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationArchiveSampleArgs = {
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationCancelJobArgs = {
  jobId: Scalars['ID']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationCheckInSampleArgs = {
  sampleId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationCheckOutSampleArgs = {
  reason: Scalars['String']['input'];
  sampleId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationCompleteJobArgs = {
  jobId: Scalars['ID']['input'];
  qcOverrideReason?: InputMaybe<Scalars['String']['input']>;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationCompleteSequencingRunArgs = {
  qcOverrideReason?: InputMaybe<Scalars['String']['input']>;
  runId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationCreateApiKeyArgs = {
  manifests?: InputMaybe<Array<Scalars['String']['input']>>;
  name: Scalars['String']['input'];
  persistedOnly?: InputMaybe<Scalars['Boolean']['input']>;
  roles: Array<Scalars['String']['input']>;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationCreatePoolArgs = {
  input: CreatePoolInput;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationCreateSequencingJobArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  input: CreateSequencingJobInput;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationCreateSequencingRunArgs = {
  input: CreateSequencingRunInput;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationCreateStorageUnitArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  input: CreateStorageUnitInput;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationDiscardSampleArgs = {
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  reason: Scalars['String']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationExtractSampleArgs = {
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  input: ExtractSampleInput;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationFailJobArgs = {
  jobId: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationImportIndexKitArgs = {
  input: ImportIndexKitInput;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationImportSamplesArgs = {
  csv: Scalars['String']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationLoadPoolOnLaneArgs = {
  lane: Scalars['Int']['input'];
  poolId: Scalars['ID']['input'];
  runId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationMoveSampleArgs = {
  sampleId: Scalars['ID']['input'];
  toPositionId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationPauseJobArgs = {
  jobId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationPrepareLibraryArgs = {
  input: PrepareLibraryInput;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationQueueJobArgs = {
  jobId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationReceiveSampleArgs = {
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationRecordLaneQcArgs = {
  lane: Scalars['Int']['input'];
  metrics: LaneMetricsInput;
  runId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationRecordLibraryQcArgs = {
  libraryId: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
  verdict: LibraryQcVerdict;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationRecordRunMetricsArgs = {
  jobId: Scalars['ID']['input'];
  metrics: RunMetricsInput;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationRecordTemperatureArgs = {
  celsius: Scalars['Float']['input'];
  recordedAt?: InputMaybe<Scalars['DateTime']['input']>;
  unitId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationRegisterSampleArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  input: RegisterSampleInput;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationRejectSampleArgs = {
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  reason: Scalars['String']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationReleaseReservationArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  positionId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationRemoveSampleFromJobArgs = {
  jobId: Scalars['ID']['input'];
  sampleId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationRemoveSampleFromStorageArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  reason: Scalars['String']['input'];
  sampleId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationRequeueJobArgs = {
  jobId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationReserveFreePositionArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  sampleId: Scalars['ID']['input'];
  underUnitId?: InputMaybe<Scalars['ID']['input']>;
  zone?: InputMaybe<TemperatureZone>;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationReservePositionArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  positionId: Scalars['ID']['input'];
  sampleId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationResolveAlertArgs = {
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationResubmitSampleArgs = {
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationResumeJobArgs = {
  jobId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationSignRecordArgs = {
  meaning: SignatureMeaning;
  record: RecordRef;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationStartJobArgs = {
  flowcellId: Scalars['String']['input'];
  jobId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationStoreSampleArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  positionId: Scalars['ID']['input'];
  sampleId: Scalars['ID']['input'];
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationSubmitSampleArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  input: SubmitSampleInput;
};


/** Status mutations take an optional idempotencyKey: a retried call (e.g. a saga step) returns the first result. */
export type MutationValidateSampleArgs = {
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type Pool = {
  __typename?: 'Pool';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  members: Array<PoolMember>;
  molarityNm: Scalars['Float']['output'];
  name: Scalars['String']['output'];
  runs: Array<SequencingRun>;
  volumeUl: Scalars['Float']['output'];
  warnings: Array<PoolWarning>;
};

export type PoolLibraryInput = {
  libraryId: Scalars['ID']['input'];
  /** Relative share of the pool's molecules (default 1). */
  proportion?: InputMaybe<Scalars['Float']['input']>;
};

export type PoolMember = {
  __typename?: 'PoolMember';
  library: Library;
  proportion: Scalars['Float']['output'];
  /** Volume of the library in the pool. */
  volumeUl: Scalars['Float']['output'];
};

export type PoolPayload = {
  __typename?: 'PoolPayload';
  pool: Pool;
  position: Scalars['String']['output'];
  /** Index and colour-balance warnings of this pool (errors refuse it). */
  warnings: Array<PoolWarning>;
};

export type PoolWarning = {
  __typename?: 'PoolWarning';
  kind: PoolWarningKind;
  message: Scalars['String']['output'];
};

export type PoolWarningKind =
  | 'COLOUR_BALANCE'
  | 'INDEX_COLLISION';

export type PositionPayload = {
  __typename?: 'PositionPayload';
  position: Scalars['String']['output'];
  storagePosition: StoragePosition;
};

export type PositionState =
  | 'AVAILABLE'
  | 'MAINTENANCE'
  | 'OCCUPIED'
  | 'RESERVED';

export type PrepareLibraryInput = {
  barcode: Scalars['String']['input'];
  concentrationNgUl: Scalars['Float']['input'];
  i5Index?: InputMaybe<Scalars['String']['input']>;
  i7Index?: InputMaybe<Scalars['String']['input']>;
  indexId?: InputMaybe<Scalars['String']['input']>;
  /** An index of an imported kit, or explicit sequences (i5 in forward orientation). */
  kitId?: InputMaybe<Scalars['ID']['input']>;
  meanFragmentBp: Scalars['Float']['input'];
  sampleId: Scalars['ID']['input'];
  volumeUl: Scalars['Float']['input'];
};

export type Priority =
  | 'HIGH'
  | 'LOW'
  | 'NORMAL'
  | 'STAT';

export type Q30Thresholds = {
  __typename?: 'Q30Thresholds';
  failBelow: Scalars['Float']['output'];
  warnBelow: Scalars['Float']['output'];
};

export type QcThresholds = {
  __typename?: 'QcThresholds';
  /** Non-patterned flowcells only (K/mm²); null: not judged. */
  clusterDensityKmm2: Maybe<DensityBand>;
  /** Patterned flowcells only; null: not judged. */
  minOccupancyPercent: Maybe<Scalars['Float']['output']>;
  /** Null: not judged. */
  minPercentPf: Maybe<Scalars['Float']['output']>;
  q30: Q30Thresholds;
};

export type QcVerdict =
  | 'FAIL'
  | 'PASS'
  | 'WARN';

export type Query = {
  __typename?: 'Query';
  alert: Maybe<Alert>;
  /** Newest first. */
  alerts: AlertConnection;
  /** Your lab's API keys (admin). */
  apiKeys: Array<ApiKey>;
  /** A sample's or a run's audit trail as CSV or JSON. */
  auditTrailExport: AuditTrailExport;
  /** The first AVAILABLE position for a sample of this type (a SampleType value, e.g. RNA; anything else is BAD_USER_INPUT) in a box under `underUnitId`, or in any box of `zone`; null when none is free. `spread` > 1 picks at random among the first `spread` free ones (fewer collisions for concurrent callers). */
  findFreePosition: Maybe<StoragePosition>;
  indexKit: Maybe<IndexKit>;
  /** By name (at most 500). */
  indexKits: Array<IndexKit>;
  instrumentModels: Array<InstrumentModel>;
  library: Maybe<Library>;
  pool: Maybe<Pool>;
  saga: Maybe<Saga>;
  /** Newest first. */
  sagas: SagaConnection;
  sample: Maybe<Sample>;
  sampleByBarcode: Maybe<Sample>;
  /** Newest first. `first` defaults to 50, at most 500. */
  samples: SampleConnection;
  sequencingJob: Maybe<SequencingJob>;
  /** Newest first. */
  sequencingJobs: SequencingJobConnection;
  sequencingRun: Maybe<SequencingRun>;
  storageUnit: Maybe<StorageUnit>;
  storageUnits: Array<StorageUnit>;
};


export type QueryAlertArgs = {
  id: Scalars['ID']['input'];
};


export type QueryAlertsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  minSeverity?: InputMaybe<Severity>;
  status?: InputMaybe<Array<AlertStatus>>;
};


export type QueryAuditTrailExportArgs = {
  format: AuditExportFormat;
  record: RecordRef;
};


export type QueryFindFreePositionArgs = {
  sampleType: Scalars['String']['input'];
  spread?: InputMaybe<Scalars['Int']['input']>;
  underUnitId?: InputMaybe<Scalars['ID']['input']>;
  zone?: InputMaybe<TemperatureZone>;
};


export type QueryIndexKitArgs = {
  id: Scalars['ID']['input'];
};


export type QueryLibraryArgs = {
  id: Scalars['ID']['input'];
};


export type QueryPoolArgs = {
  id: Scalars['ID']['input'];
};


export type QuerySagaArgs = {
  id: Scalars['ID']['input'];
};


export type QuerySagasArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<Array<SagaStatus>>;
  type?: InputMaybe<Scalars['String']['input']>;
};


export type QuerySampleArgs = {
  id: Scalars['ID']['input'];
};


export type QuerySampleByBarcodeArgs = {
  barcode: Scalars['String']['input'];
};


export type QuerySamplesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<SampleFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QuerySequencingJobArgs = {
  id: Scalars['ID']['input'];
};


export type QuerySequencingJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  platform?: InputMaybe<SequencingPlatform>;
  status?: InputMaybe<Array<JobStatus>>;
};


export type QuerySequencingRunArgs = {
  id: Scalars['ID']['input'];
};


export type QueryStorageUnitArgs = {
  id: Scalars['ID']['input'];
};


export type QueryStorageUnitsArgs = {
  kind?: InputMaybe<StorageKind>;
  parentId?: InputMaybe<Scalars['ID']['input']>;
  zone?: InputMaybe<TemperatureZone>;
};

export type RecordRef = {
  id: Scalars['ID']['input'];
  type: AuditRecordType;
};

export type RegisterSampleInput = {
  barcode: Scalars['String']['input'];
  concentrationNgUl?: InputMaybe<Scalars['Float']['input']>;
  metadata?: InputMaybe<Scalars['JSON']['input']>;
  parentId?: InputMaybe<Scalars['ID']['input']>;
  projectCode?: InputMaybe<Scalars['String']['input']>;
  sampleType: SampleType;
  submitter?: InputMaybe<Scalars['String']['input']>;
  volumeUl?: InputMaybe<Scalars['Float']['input']>;
};

export type RunLane = {
  __typename?: 'RunLane';
  lane: Scalars['Int']['output'];
  pool: Pool;
};

export type RunMetrics = {
  __typename?: 'RunMetrics';
  clusterDensityKmm2: Maybe<Scalars['Float']['output']>;
  percentPf: Maybe<Scalars['Float']['output']>;
  q30Percent: Maybe<Scalars['Float']['output']>;
  yieldGb: Maybe<Scalars['Float']['output']>;
};

export type RunMetricsInput = {
  clusterDensityKmm2?: InputMaybe<Scalars['Float']['input']>;
  percentPf?: InputMaybe<Scalars['Float']['input']>;
  q30Percent?: InputMaybe<Scalars['Float']['input']>;
  yieldGb?: InputMaybe<Scalars['Float']['input']>;
};

export type RunStatus =
  | 'COMPLETED'
  | 'PLANNED';

/** A multi-step lab workflow across subgraphs, run durably with compensation. */
export type Saga = {
  __typename?: 'Saga';
  error: Maybe<Scalars['String']['output']>;
  finishedAt: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  sample: Maybe<Sample>;
  startedAt: Scalars['DateTime']['output'];
  status: SagaStatus;
  steps: Array<SagaStep>;
  type: Scalars['String']['output'];
};

export type SagaConnection = {
  __typename?: 'SagaConnection';
  edges: Array<SagaEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type SagaEdge = {
  __typename?: 'SagaEdge';
  cursor: Scalars['String']['output'];
  node: Saga;
};

export type SagaPayload = {
  __typename?: 'SagaPayload';
  position: Scalars['String']['output'];
  saga: Saga;
};

export type SagaStatus =
  | 'COMPENSATED'
  | 'COMPENSATING'
  | 'COMPLETED'
  | 'FAILED'
  | 'RUNNING'
  | 'TIMED_OUT';

export type SagaStep = {
  __typename?: 'SagaStep';
  attempts: Scalars['Int']['output'];
  finishedAt: Maybe<Scalars['DateTime']['output']>;
  lastError: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  startedAt: Maybe<Scalars['DateTime']['output']>;
  status: SagaStepStatus;
};

export type SagaStepStatus =
  | 'COMPENSATED'
  | 'COMPENSATING'
  | 'DONE'
  | 'FAILED'
  | 'PENDING'
  | 'RUNNING'
  | 'SKIPPED';

/** A biological sample tracked by the lab, identified by its barcode within a tenant. */
export type Sample = {
  __typename?: 'Sample';
  /** Alerts about this sample, newest first. */
  alerts: Array<Alert>;
  /** Shareable: notifications answers it with an alert about the sample (it never changes after registration). */
  barcode: Scalars['String']['output'];
  /** Samples made from this one (aliquots, extracts, or registered with it as parent), oldest first. */
  children: Array<Sample>;
  concentrationNgUl: Maybe<Scalars['Float']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** Every placement, move, check-out and check-in, oldest first. */
  custody: Array<CustodyRecord>;
  /** How this sample was made from `parent`; null when registered directly (also with a parentId). */
  derivation: Maybe<SampleDerivation>;
  /** Every event about this sample from any context (its stream, barcode claim, storage, sequencing, sagas, alerts, signatures), in commit order. */
  history: Array<LabEvent>;
  id: Scalars['ID']['output'];
  /** A printable label: the barcode, the barcode as text, the type and the registration date (UTC), sized for a cryo tube. */
  label: Scalars['String']['output'];
  /** Libraries prepared from this sample, oldest first. */
  libraries: Array<Library>;
  /**
   * Ancestors and descendants, up to `depth` generations each way (1–25). Every sample in it
   * resolves its libraries (and through them pools and runs) from the sequencing subgraph, e.g.
   * `lineage { descendants { barcode libraries { barcode pools { runs { name } } } } }`.
   */
  lineage: SampleLineage;
  /** Where the sample is kept now; null when not in storage (or checked out). */
  location: Maybe<StoragePosition>;
  metadata: Maybe<Scalars['JSON']['output']>;
  parent: Maybe<Sample>;
  projectCode: Maybe<Scalars['String']['output']>;
  sampleType: SampleType;
  /** Jobs this sample was added to, newest first. */
  sequencingJobs: Array<SequencingJob>;
  /** Signatures on this sample, oldest first. */
  signatures: Array<Signature>;
  status: SampleStatus;
  /** The reason given with the latest status change (rejection, discard), if any. */
  statusReason: Maybe<Scalars['String']['output']>;
  submitter: Maybe<Scalars['String']['output']>;
  updatedAt: Scalars['DateTime']['output'];
  /** Aggregate version: pass it as expectedVersion to guard against concurrent edits. */
  version: Scalars['Int']['output'];
  /** µL the sample holds now: the registered volume less every volume taken for its aliquots and extracts. */
  volumeUl: Maybe<Scalars['Float']['output']>;
};


/** A biological sample tracked by the lab, identified by its barcode within a tenant. */
export type SampleLabelArgs = {
  format?: InputMaybe<LabelFormat>;
  symbology?: InputMaybe<LabelSymbology>;
};


/** A biological sample tracked by the lab, identified by its barcode within a tenant. */
export type SampleLineageArgs = {
  depth?: InputMaybe<Scalars['Int']['input']>;
};

export type SampleConnection = {
  __typename?: 'SampleConnection';
  edges: Array<SampleEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

/** How a sample was made from its parent. */
export type SampleDerivation = {
  __typename?: 'SampleDerivation';
  kind: DerivationKind;
  /** µL taken from the parent. */
  volumeTakenUl: Scalars['Float']['output'];
};

export type SampleEdge = {
  __typename?: 'SampleEdge';
  cursor: Scalars['String']['output'];
  node: Sample;
};

export type SampleFilter = {
  barcodePrefix?: InputMaybe<Scalars['String']['input']>;
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  createdBefore?: InputMaybe<Scalars['DateTime']['input']>;
  projectCode?: InputMaybe<Scalars['String']['input']>;
  sampleType?: InputMaybe<Array<SampleType>>;
  /** Case-insensitive match on barcode, submitter or project code. */
  search?: InputMaybe<Scalars['String']['input']>;
  status?: InputMaybe<Array<SampleStatus>>;
};

/** A sample's family in the derivation tree (aliquots, extracts, registrations with a parent). */
export type SampleLineage = {
  __typename?: 'SampleLineage';
  /** Parent, grandparent, …: nearest first. */
  ancestors: Array<Sample>;
  /** Children, grandchildren, …: generation by generation, oldest first within one. */
  descendants: Array<Sample>;
};

export type SamplePayload = {
  __typename?: 'SamplePayload';
  /** Event-store position of this write; send it as x-tracseq-consistent-with to read your write. */
  position: Scalars['String']['output'];
  sample: Sample;
};

export type SampleStatus =
  | 'ARCHIVED'
  | 'DISCARDED'
  | 'FAILED'
  | 'IN_SEQUENCING'
  | 'IN_STORAGE'
  | 'PENDING'
  | 'RECEIVED'
  | 'REJECTED'
  | 'SEQUENCED'
  | 'VALIDATED';

export type SampleStatusChange = {
  __typename?: 'SampleStatusChange';
  at: Scalars['DateTime']['output'];
  /** Null when the sample was just registered. */
  from: Maybe<SampleStatus>;
  sample: Sample;
  to: SampleStatus;
};

export type SampleType =
  | 'BLOOD'
  | 'CELL_LINE'
  | 'DNA'
  | 'LIBRARY'
  | 'OTHER'
  | 'PLASMA'
  | 'RNA'
  | 'SALIVA'
  | 'TISSUE';

export type SequencingJob = {
  __typename?: 'SequencingJob';
  completedAt: Maybe<Scalars['DateTime']['output']>;
  createdAt: Scalars['DateTime']['output'];
  failureReason: Maybe<Scalars['String']['output']>;
  flowcellId: Maybe<Scalars['String']['output']>;
  /** A flowcell type of the platform's instrument (e.g. MISEQ_V3), when given: QC thresholds may depend on it. */
  flowcellType: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  metrics: Maybe<RunMetrics>;
  name: Scalars['String']['output'];
  platform: SequencingPlatform;
  priority: Priority;
  qcVerdict: Maybe<QcVerdict>;
  /** e.g. 151T8B8B151T (template, barcode, skip, UMI segments). */
  readStructure: Maybe<Scalars['String']['output']>;
  /** Illumina sample sheet v2 (CSV) for BCL Convert. */
  sampleSheet: Maybe<Scalars['String']['output']>;
  samples: Array<JobSample>;
  startedAt: Maybe<Scalars['DateTime']['output']>;
  status: JobStatus;
};

export type SequencingJobConnection = {
  __typename?: 'SequencingJobConnection';
  edges: Array<SequencingJobEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type SequencingJobEdge = {
  __typename?: 'SequencingJobEdge';
  cursor: Scalars['String']['output'];
  node: SequencingJob;
};

export type SequencingPlatform =
  | 'MISEQ'
  | 'NEXTSEQ_2000'
  | 'NOVASEQ_6000'
  | 'NOVASEQ_X'
  | 'PROMETHION';

export type SequencingRun = {
  __typename?: 'SequencingRun';
  completedAt: Maybe<Scalars['DateTime']['output']>;
  completedBy: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** Nanopore runs: MinKNOW experiment_id. */
  experimentId: Maybe<Scalars['String']['output']>;
  /** Nanopore runs: the flow cell's id (MinKNOW flow_cell_id), e.g. PAK12345. */
  flowCellId: Maybe<Scalars['String']['output']>;
  flowcellType: Scalars['String']['output'];
  /** Every event about this run (its stream, the pools loaded onto it and the alerts raised about it, signatures included), in commit order. */
  history: Array<LabEvent>;
  id: Scalars['ID']['output'];
  instrument: InstrumentModel;
  /** Nanopore runs: the kit's product code, e.g. SQK-NBD114-24. */
  kit: Maybe<Scalars['String']['output']>;
  laneCount: Scalars['Int']['output'];
  /** Per-lane QC, lane order (at most 8 lanes). */
  laneQc: Array<LaneQc>;
  /** At most one per lane of the flowcell: 8 on the catalogue's largest (NovaSeq X 10B/25B). */
  lanes: Array<RunLane>;
  name: Scalars['String']['output'];
  qcOverrideReason: Maybe<Scalars['String']['output']>;
  /** The lab's QC thresholds for this instrument and flowcell type (SEQUENCING_LAB_CONFIG, cited defaults). */
  qcThresholds: QcThresholds;
  /** Worst lane verdict, once completed (null when completed by override with no lane judged). */
  qcVerdict: Maybe<QcVerdict>;
  /** Illumina runs: e.g. 151T8B8B151T. Null for Nanopore runs. */
  readStructure: Maybe<Scalars['String']['output']>;
  /**
   * Illumina: BCL Convert v2 sample sheet, one row per library per lane, i5 as the instrument wants it.
   * Nanopore: MinKNOW sample sheet (CSV: flow_cell_id, kit, sample_id, experiment_id, barcode, alias), one row
   * per library, barcode = the library's kit index id (barcode01…), alias = the library barcode.
   * Null, with an error naming the library and index, only for a run whose pools were loaded before loadPoolOnLane
   * checked their indexes against the read structure: no sheet can be written for it, and the rest of the run still answers.
   */
  sampleSheet: Maybe<Scalars['String']['output']>;
  /** Signatures on this run, oldest first. */
  signatures: Array<Signature>;
  status: RunStatus;
};

export type SequencingRunPayload = {
  __typename?: 'SequencingRunPayload';
  position: Scalars['String']['output'];
  run: SequencingRun;
  /** loadPoolOnLane: the pool's colour-balance warnings on this run's instrument (empty otherwise). */
  warnings: Array<PoolWarning>;
};

export type Severity =
  | 'CRITICAL'
  | 'INFO'
  | 'WARNING';

/** An electronic signature: never edited; linked to the record by the hash of its trail when signed. */
export type Signature = {
  __typename?: 'Signature';
  /** False once the record changed after signing: the signature no longer covers its current state. */
  coversCurrentState: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
  meaning: SignatureMeaning;
  /** The signer's printed name (the token's `name` claim) at signing time. */
  printedName: Scalars['String']['output'];
  recordId: Scalars['ID']['output'];
  recordType: AuditRecordType;
  signedAt: Scalars['DateTime']['output'];
  /** The signer's subject (the token's `sub`). */
  signer: Scalars['String']['output'];
  /** sha256 (hex) of the record's trail, signatures excluded, as canonical JSON at signing time. */
  trailHash: Scalars['String']['output'];
  /** How many trail events the hash covers. */
  trailLength: Scalars['Int']['output'];
};

/** What a signature attests (21 CFR Part 11 §11.50). */
export type SignatureMeaning =
  | 'APPROVED'
  | 'RESPONSIBLE'
  | 'REVIEWED'
  | 'VERIFIED';

export type SignaturePayload = {
  __typename?: 'SignaturePayload';
  /** Event-store position of this write; send it as x-tracseq-consistent-with to read your write. */
  position: Scalars['String']['output'];
  signature: Signature;
};

export type StorageKind =
  | 'BOX'
  | 'FACILITY'
  | 'FREEZER'
  | 'RACK';

export type StoragePosition = {
  __typename?: 'StoragePosition';
  column: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  /** Row letter and column number, e.g. A1. */
  label: Scalars['String']['output'];
  row: Scalars['Int']['output'];
  sample: Maybe<Sample>;
  state: PositionState;
  unit: StorageUnit;
};

/** A place that holds samples: FACILITY > FREEZER > RACK > BOX. Counts roll up the tree. */
export type StorageUnit = {
  __typename?: 'StorageUnit';
  capacity: Scalars['Int']['output'];
  children: Array<StorageUnit>;
  /** BOX only. */
  columns: Maybe<Scalars['Int']['output']>;
  id: Scalars['ID']['output'];
  kind: StorageKind;
  /**
   * One print job: this unit's own label (its id as the barcode, name, zone), then for a BOX one tube
   * label per stored sample, row by row (barcode, type, position and the day it was put there).
   */
  labels: Scalars['String']['output'];
  latestTemperature: Maybe<TemperatureReading>;
  maxTempC: Maybe<Scalars['Float']['output']>;
  minTempC: Maybe<Scalars['Float']['output']>;
  name: Scalars['String']['output'];
  occupied: Scalars['Int']['output'];
  parent: Maybe<StorageUnit>;
  /** BOX only, row by row (A1, A2, …). */
  positions: Array<StoragePosition>;
  reserved: Scalars['Int']['output'];
  /** BOX only. */
  rows: Maybe<Scalars['Int']['output']>;
  /** Newest first; `limit` defaults to 100, at most 1000. */
  temperatureHistory: Array<TemperatureReading>;
  /** occupied / capacity (0 when there is no capacity). */
  utilization: Scalars['Float']['output'];
  zone: Maybe<TemperatureZone>;
};


/** A place that holds samples: FACILITY > FREEZER > RACK > BOX. Counts roll up the tree. */
export type StorageUnitLabelsArgs = {
  format?: InputMaybe<LabelFormat>;
  symbology?: InputMaybe<LabelSymbology>;
};


/** A place that holds samples: FACILITY > FREEZER > RACK > BOX. Counts roll up the tree. */
export type StorageUnitTemperatureHistoryArgs = {
  limit?: InputMaybe<Scalars['Int']['input']>;
  since?: InputMaybe<Scalars['DateTime']['input']>;
};

export type StorageUnitPayload = {
  __typename?: 'StorageUnitPayload';
  position: Scalars['String']['output'];
  unit: StorageUnit;
};

export type SubmitSampleInput = {
  /** Who to tell once the sample is stored (kept in the saga's notification outbox). */
  notify?: InputMaybe<Scalars['String']['input']>;
  sample: RegisterSampleInput;
  /** Store in the first free suitable position of a box under this unit… */
  storageUnitId?: InputMaybe<Scalars['ID']['input']>;
  /** …or in any box of this zone. */
  zone?: InputMaybe<TemperatureZone>;
};

export type Subscription = {
  __typename?: 'Subscription';
  /** Alerts at least this severe as they are raised, and again whenever an open one repeats (a freezer that recovered and failed again, another failing lane, an escalation's next level): the same id, with the repeat's message and the highest severity so far. */
  alertRaised: Alert;
  /** Every event stored for your lab, optionally only some stream types (e.g. Sample, StorageUnit) and event types. */
  labEvents: LabEvent;
  /** A pool when it is created or loaded onto a run's lane; only this pool when id is given. */
  poolChanged: Pool;
  /** A run after each change (created, pool loaded, lane QC, completed); only this run when id is given. */
  runUpdated: SequencingRun;
  /** The saga after each step it takes, until it finishes. */
  sagaUpdated: Saga;
  /** A sample's status changed (registration included, from null); only this sample when sampleId is given. */
  sampleStatusChanged: SampleStatusChange;
};


export type SubscriptionAlertRaisedArgs = {
  minSeverity?: InputMaybe<Severity>;
};


export type SubscriptionLabEventsArgs = {
  eventTypes?: InputMaybe<Array<Scalars['String']['input']>>;
  streamTypes?: InputMaybe<Array<Scalars['String']['input']>>;
};


export type SubscriptionPoolChangedArgs = {
  id?: InputMaybe<Scalars['ID']['input']>;
};


export type SubscriptionRunUpdatedArgs = {
  id?: InputMaybe<Scalars['ID']['input']>;
};


export type SubscriptionSagaUpdatedArgs = {
  id: Scalars['ID']['input'];
};


export type SubscriptionSampleStatusChangedArgs = {
  sampleId?: InputMaybe<Scalars['ID']['input']>;
};

export type TemperaturePayload = {
  __typename?: 'TemperaturePayload';
  position: Scalars['String']['output'];
  reading: TemperatureReading;
};

export type TemperatureReading = {
  __typename?: 'TemperatureReading';
  celsius: Scalars['Float']['output'];
  inRange: Scalars['Boolean']['output'];
  recordedAt: Scalars['DateTime']['output'];
};

/** CRYO: liquid nitrogen, below −130 °C. */
export type TemperatureZone =
  | 'CRYO'
  | 'MINUS_20'
  | 'MINUS_80'
  | 'PLUS_4'
  | 'PLUS_37'
  | 'ROOM_TEMPERATURE';

export type AcknowledgeAlertMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
}>;


export type AcknowledgeAlertMutation = { __typename?: 'Mutation', acknowledgeAlert: { __typename?: 'AlertPayload', position: string, alert: { __typename?: 'Alert', id: string, status: AlertStatus, acknowledgedBy: string | null, acknowledgedAt: string | null } } };

export type AlertRaisedSubscriptionVariables = Exact<{
  minSeverity?: InputMaybe<Severity>;
}>;


export type AlertRaisedSubscription = { __typename?: 'Subscription', alertRaised: { __typename?: 'Alert', id: string, kind: AlertKind, severity: Severity, message: string, raisedAt: string, sample: { __typename?: 'Sample', id: string, barcode: string, location: { __typename?: 'StoragePosition', label: string, unit: { __typename?: 'StorageUnit', name: string } } | null } | null, storageUnit: { __typename?: 'StorageUnit', id: string, name: string, zone: TemperatureZone | null } | null, sequencingJob: { __typename?: 'SequencingJob', id: string, name: string } | null } };

export type FreezerContentsQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type FreezerContentsQuery = { __typename?: 'Query', storageUnit: { __typename?: 'StorageUnit', id: string, name: string, kind: StorageKind, zone: TemperatureZone | null, capacity: number, occupied: number, reserved: number, utilization: number, latestTemperature: { __typename?: 'TemperatureReading', celsius: number, recordedAt: string, inRange: boolean } | null, children: Array<{ __typename?: 'StorageUnit', id: string, name: string, utilization: number, children: Array<{ __typename?: 'StorageUnit', id: string, name: string, rows: number | null, columns: number | null, utilization: number, positions: Array<{ __typename?: 'StoragePosition', id: string, label: string, row: number, column: number, state: PositionState, sample: { __typename?: 'Sample', id: string, barcode: string, status: SampleStatus } | null }> }> }> } | null };

export type OpenAlertsQueryVariables = Exact<{
  minSeverity?: InputMaybe<Severity>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type OpenAlertsQuery = { __typename?: 'Query', alerts: { __typename?: 'AlertConnection', totalCount: number, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, edges: Array<{ __typename?: 'AlertEdge', node: { __typename?: 'Alert', id: string, kind: AlertKind, severity: Severity, status: AlertStatus, message: string, raisedAt: string, escalationLevel: number, acknowledgedBy: string | null, storageUnit: { __typename?: 'StorageUnit', name: string, latestTemperature: { __typename?: 'TemperatureReading', celsius: number, recordedAt: string } | null } | null, sample: { __typename?: 'Sample', id: string, barcode: string } | null } }> } };

export type ResolveAlertMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  note?: InputMaybe<Scalars['String']['input']>;
}>;


export type ResolveAlertMutation = { __typename?: 'Mutation', resolveAlert: { __typename?: 'AlertPayload', position: string, alert: { __typename?: 'Alert', id: string, status: AlertStatus, resolvedAt: string | null } } };

export type SagaProgressSubscriptionVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type SagaProgressSubscription = { __typename?: 'Subscription', sagaUpdated: { __typename?: 'Saga', id: string, status: SagaStatus, error: string | null, finishedAt: string | null, steps: Array<{ __typename?: 'SagaStep', name: string, status: SagaStepStatus, attempts: number, lastError: string | null }>, sample: { __typename?: 'Sample', id: string, barcode: string, status: SampleStatus, location: { __typename?: 'StoragePosition', label: string } | null } | null } };

export type SampleDetailQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type SampleDetailQuery = { __typename?: 'Query', sample: { __typename?: 'Sample', id: string, barcode: string, sampleType: SampleType, status: SampleStatus, statusReason: string | null, volumeUl: number | null, concentrationNgUl: number | null, submitter: string | null, projectCode: string | null, metadata: unknown | null, createdAt: string, updatedAt: string, version: number, parent: { __typename?: 'Sample', id: string, barcode: string } | null, location: { __typename?: 'StoragePosition', label: string, unit: { __typename?: 'StorageUnit', id: string, name: string, zone: TemperatureZone | null, latestTemperature: { __typename?: 'TemperatureReading', celsius: number, recordedAt: string, inRange: boolean } | null, parent: { __typename?: 'StorageUnit', name: string } | null } } | null, custody: Array<{ __typename?: 'CustodyRecord', action: string, actor: string | null, at: string, positionLabel: string | null, note: string | null }>, sequencingJobs: Array<{ __typename?: 'SequencingJob', id: string, name: string, platform: SequencingPlatform, status: JobStatus, qcVerdict: QcVerdict | null, completedAt: string | null }>, alerts: Array<{ __typename?: 'Alert', id: string, kind: AlertKind, severity: Severity, status: AlertStatus, message: string, raisedAt: string }>, history: Array<{ __typename?: 'LabEvent', id: string, type: string, occurredAt: string, actor: string | null, position: string }> } | null };

export type SampleListQueryVariables = Exact<{
  filter?: InputMaybe<SampleFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type SampleListQuery = { __typename?: 'Query', samples: { __typename?: 'SampleConnection', totalCount: number, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, edges: Array<{ __typename?: 'SampleEdge', cursor: string, node: (
        { __typename?: 'Sample' }
        & { ' $fragmentRefs'?: { 'SampleRowFragment': SampleRowFragment } }
      ) }> } };

export type SampleRowFragment = { __typename?: 'Sample', id: string, barcode: string, sampleType: SampleType, status: SampleStatus, projectCode: string | null, updatedAt: string, location: { __typename?: 'StoragePosition', label: string, unit: { __typename?: 'StorageUnit', name: string } } | null } & { ' $fragmentName'?: 'SampleRowFragment' };

export type SubmitSampleMutationVariables = Exact<{
  input: SubmitSampleInput;
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
}>;


export type SubmitSampleMutation = { __typename?: 'Mutation', submitSample: { __typename?: 'SagaPayload', position: string, saga: { __typename?: 'Saga', id: string, status: SagaStatus, steps: Array<{ __typename?: 'SagaStep', name: string, status: SagaStepStatus }> } } };

export const SampleRowFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SampleRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Sample"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"barcode"}},{"kind":"Field","name":{"kind":"Name","value":"sampleType"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"projectCode"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"unit"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<SampleRowFragment, unknown>;
export const AcknowledgeAlertDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AcknowledgeAlert"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"note"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"acknowledgeAlert"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"note"},"value":{"kind":"Variable","name":{"kind":"Name","value":"note"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"position"}},{"kind":"Field","name":{"kind":"Name","value":"alert"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedBy"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedAt"}}]}}]}}]}}]} as unknown as DocumentNode<AcknowledgeAlertMutation, AcknowledgeAlertMutationVariables>;
export const AlertRaisedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"AlertRaised"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"minSeverity"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Severity"}},"defaultValue":{"kind":"EnumValue","value":"WARNING"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"alertRaised"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"minSeverity"},"value":{"kind":"Variable","name":{"kind":"Name","value":"minSeverity"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"raisedAt"}},{"kind":"Field","name":{"kind":"Name","value":"sample"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"barcode"}},{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"unit"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"storageUnit"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"zone"}}]}},{"kind":"Field","name":{"kind":"Name","value":"sequencingJob"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<AlertRaisedSubscription, AlertRaisedSubscriptionVariables>;
export const FreezerContentsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"FreezerContents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"storageUnit"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"zone"}},{"kind":"Field","name":{"kind":"Name","value":"capacity"}},{"kind":"Field","name":{"kind":"Name","value":"occupied"}},{"kind":"Field","name":{"kind":"Name","value":"reserved"}},{"kind":"Field","name":{"kind":"Name","value":"utilization"}},{"kind":"Field","name":{"kind":"Name","value":"latestTemperature"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"celsius"}},{"kind":"Field","name":{"kind":"Name","value":"recordedAt"}},{"kind":"Field","name":{"kind":"Name","value":"inRange"}}]}},{"kind":"Field","name":{"kind":"Name","value":"children"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"utilization"}},{"kind":"Field","name":{"kind":"Name","value":"children"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"rows"}},{"kind":"Field","name":{"kind":"Name","value":"columns"}},{"kind":"Field","name":{"kind":"Name","value":"utilization"}},{"kind":"Field","name":{"kind":"Name","value":"positions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"row"}},{"kind":"Field","name":{"kind":"Name","value":"column"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"sample"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"barcode"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<FreezerContentsQuery, FreezerContentsQueryVariables>;
export const OpenAlertsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"OpenAlerts"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"minSeverity"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Severity"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"50"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"alerts"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"OPEN"},{"kind":"EnumValue","value":"ACKNOWLEDGED"}]}},{"kind":"Argument","name":{"kind":"Name","value":"minSeverity"},"value":{"kind":"Variable","name":{"kind":"Name","value":"minSeverity"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"raisedAt"}},{"kind":"Field","name":{"kind":"Name","value":"escalationLevel"}},{"kind":"Field","name":{"kind":"Name","value":"acknowledgedBy"}},{"kind":"Field","name":{"kind":"Name","value":"storageUnit"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"latestTemperature"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"celsius"}},{"kind":"Field","name":{"kind":"Name","value":"recordedAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"sample"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"barcode"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<OpenAlertsQuery, OpenAlertsQueryVariables>;
export const ResolveAlertDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ResolveAlert"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"note"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resolveAlert"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"note"},"value":{"kind":"Variable","name":{"kind":"Name","value":"note"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"position"}},{"kind":"Field","name":{"kind":"Name","value":"alert"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"resolvedAt"}}]}}]}}]}}]} as unknown as DocumentNode<ResolveAlertMutation, ResolveAlertMutationVariables>;
export const SagaProgressDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"SagaProgress"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sagaUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}}]}},{"kind":"Field","name":{"kind":"Name","value":"sample"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"barcode"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"label"}}]}}]}}]}}]}}]} as unknown as DocumentNode<SagaProgressSubscription, SagaProgressSubscriptionVariables>;
export const SampleDetailDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SampleDetail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sample"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"barcode"}},{"kind":"Field","name":{"kind":"Name","value":"sampleType"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"statusReason"}},{"kind":"Field","name":{"kind":"Name","value":"volumeUl"}},{"kind":"Field","name":{"kind":"Name","value":"concentrationNgUl"}},{"kind":"Field","name":{"kind":"Name","value":"submitter"}},{"kind":"Field","name":{"kind":"Name","value":"projectCode"}},{"kind":"Field","name":{"kind":"Name","value":"metadata"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"parent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"barcode"}}]}},{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"unit"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"zone"}},{"kind":"Field","name":{"kind":"Name","value":"latestTemperature"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"celsius"}},{"kind":"Field","name":{"kind":"Name","value":"recordedAt"}},{"kind":"Field","name":{"kind":"Name","value":"inRange"}}]}},{"kind":"Field","name":{"kind":"Name","value":"parent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"custody"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"positionLabel"}},{"kind":"Field","name":{"kind":"Name","value":"note"}}]}},{"kind":"Field","name":{"kind":"Name","value":"sequencingJobs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"qcVerdict"}},{"kind":"Field","name":{"kind":"Name","value":"completedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"alerts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"raisedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"history"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"occurredAt"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"position"}}]}}]}}]}}]} as unknown as DocumentNode<SampleDetailQuery, SampleDetailQueryVariables>;
export const SampleListDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SampleList"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"SampleFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"50"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"samples"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"SampleRow"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"SampleRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Sample"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"barcode"}},{"kind":"Field","name":{"kind":"Name","value":"sampleType"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"projectCode"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"label"}},{"kind":"Field","name":{"kind":"Name","value":"unit"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<SampleListQuery, SampleListQueryVariables>;
export const SubmitSampleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SubmitSample"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SubmitSampleInput"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"idempotencyKey"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"submitSample"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}},{"kind":"Argument","name":{"kind":"Name","value":"idempotencyKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"idempotencyKey"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"position"}},{"kind":"Field","name":{"kind":"Name","value":"saga"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"steps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]}}]}}]} as unknown as DocumentNode<SubmitSampleMutation, SubmitSampleMutationVariables>;