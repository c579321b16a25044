import type { Event } from '../../event-store/types.js';

import { SAMPLE_TYPES, type SampleType } from '../../platform/lab-rules.js';

export { SAMPLE_TYPES, type SampleType };

export const SAMPLE_STATUSES = ['PENDING', 'RECEIVED', 'VALIDATED', 'REJECTED', 'IN_STORAGE', 'IN_SEQUENCING', 'SEQUENCED', 'FAILED', 'ARCHIVED', 'DISCARDED'] as const;
export type SampleStatus = (typeof SAMPLE_STATUSES)[number];

export type SampleRegistered = Event<
  'SampleRegistered',
  {
    sampleId: string;
    barcode: string;
    sampleType: SampleType;
    volumeUl: number | null;
    concentrationNgUl: number | null;
    submitter: string | null;
    projectCode: string | null;
    metadata: unknown;
    parentId: string | null;
    /** Set when the sample was made from its parent by aliquotSample or extractSample (absent otherwise). */
    derivation?: Derivation;
  }
>;

export const DERIVATION_KINDS = ['ALIQUOT', 'EXTRACT'] as const;
export type DerivationKind = (typeof DERIVATION_KINDS)[number];
/** How a child sample was made: what was done to the parent and how much of it was used. */
export type Derivation = { kind: DerivationKind; volumeTakenUl: number };

/**
 * Volume taken from a sample to make a child; `remainingVolumeUl` is what the sample holds after it
 * (whole nanolitres, so readers never recompute and never drift).
 */
export type SampleVolumeTaken = Event<
  'SampleVolumeTaken',
  { sampleId: string; childId: string; kind: DerivationKind; volumeTakenUl: number; remainingVolumeUl: number }
>;

/** Every status change carries where it came from, so subscribers and the audit trail need no lookup. */
type StatusChanged<T extends string> = Event<T, { sampleId: string; from: SampleStatus; to: SampleStatus; reason: string | null }>;

export type SampleReceived = StatusChanged<'SampleReceived'>;
export type SampleValidated = StatusChanged<'SampleValidated'>;
export type SampleRejected = StatusChanged<'SampleRejected'>;
export type SampleDiscarded = StatusChanged<'SampleDiscarded'>;
export type SampleArchived = StatusChanged<'SampleArchived'>;
export type SampleResubmitted = StatusChanged<'SampleResubmitted'>;
export type SampleStored = StatusChanged<'SampleStored'>;
export type SampleSequencingStarted = StatusChanged<'SampleSequencingStarted'>;
export type SampleSequenced = StatusChanged<'SampleSequenced'>;
export type SampleSequencingFailed = StatusChanged<'SampleSequencingFailed'>;

export type SampleStatusEvent =
  | SampleReceived
  | SampleValidated
  | SampleRejected
  | SampleDiscarded
  | SampleArchived
  | SampleResubmitted
  | SampleStored
  | SampleSequencingStarted
  | SampleSequenced
  | SampleSequencingFailed;

/** Registration and status moves: the sample's lifecycle, which sampleStatusChanged reports. */
export type SampleLifecycleEvent = SampleRegistered | SampleStatusEvent;
/**
 * Storage placed (inStorage) or took out for good a sample that is not yet through QC: its status
 * stays where it is, and validating it later makes it IN_STORAGE at once (API.md: IN_STORAGE
 * follows from placing a sample).
 */
export type SampleStorageNoted = Event<'SampleStorageNoted', { sampleId: string; inStorage: boolean }>;

export type SampleEvent = SampleLifecycleEvent | SampleVolumeTaken | SampleStorageNoted;

/** The event that records arriving in each status. */
export const STATUS_EVENT: Record<SampleStatus, SampleStatusEvent['type'] | null> = {
  PENDING: 'SampleResubmitted',
  RECEIVED: 'SampleReceived',
  VALIDATED: 'SampleValidated',
  REJECTED: 'SampleRejected',
  IN_STORAGE: 'SampleStored',
  IN_SEQUENCING: 'SampleSequencingStarted',
  SEQUENCED: 'SampleSequenced',
  FAILED: 'SampleSequencingFailed',
  ARCHIVED: 'SampleArchived',
  DISCARDED: 'SampleDiscarded',
};

/** The barcode claim: a stream per (tenant, barcode) whose existence makes the barcode taken. */
export type BarcodeClaimed = Event<'BarcodeClaimed', { barcode: string; sampleId: string }>;
export type BarcodeEvent = BarcodeClaimed;

/** Everything the samples context publishes. */
export type SamplesEvent = SampleEvent | BarcodeEvent;
