/**
 * What each event is about. The audit trail of a sample or a run is every event about it, from any
 * context; this table says, per event type, which records an event names. It is keyed by every
 * published event type, so a new event type does not compile until someone classifies it here.
 */
import type { StoredOf } from '../../../event-store/projection.js';
import type { SagaEvent } from '../../../sagas/events.js';
import type { AccessEvent } from '../../access/events.js';
import type { NotificationsEvent } from '../../notifications/events.js';
import type { SamplesEvent } from '../../samples/events.js';
import type { SequencingEvent } from '../../sequencing/events.js';
import type { StorageEvent } from '../../storage/events.js';
import type { AuditEvent } from '../events.js';

/** Every event the log holds. */
export type AuditedEvent = SamplesEvent | StorageEvent | SequencingEvent | SagaEvent | NotificationsEvent | AccessEvent | AuditEvent;

/**
 * Whatever is about `container` is about `member` too: what came before the link, and what comes
 * while it holds (a job's events are about its samples until one is taken off the job).
 */
export interface Link {
  container: string;
  member: string;
}

export interface Subjects {
  /** The records this event names directly. */
  about: readonly string[];
  /** Containment this event establishes. */
  links?: readonly Link[];
  /** Containment this event ends: the container's later events are no longer about the member. */
  unlinks?: readonly Link[];
}

type Extractors = { [T in AuditedEvent['type']]: (event: StoredOf<AuditedEvent, T>) => Subjects };

const present = (...ids: ReadonlyArray<string | null | undefined>): string[] => ids.filter((id): id is string => typeof id === 'string' && id !== '');
const containing = (container: string, members: readonly string[]): Link[] => members.map((member) => ({ container, member }));

const sampleOnly = (event: { data: { sampleId: string } }): Subjects => ({ about: [event.data.sampleId] });
const unit = (event: { data: { unitId: string } }): Subjects => ({ about: [event.data.unitId] });
const position = (event: { data: { positionId: string; sampleId: string } }): Subjects => ({ about: [event.data.positionId, event.data.sampleId] });
const custody = (event: { data: { positionId: string; sampleId: string } }): Subjects => ({ about: [event.data.sampleId, event.data.positionId] });
const job = (event: { data: { jobId: string } }): Subjects => ({ about: [event.data.jobId] });
const jobWithSamples = (event: { data: { jobId: string; sampleIds: string[] } }): Subjects => ({
  about: [event.data.jobId, ...event.data.sampleIds],
  links: containing(event.data.jobId, event.data.sampleIds),
});
const saga = (event: { data: { sagaId: string } }): Subjects => ({ about: [event.data.sagaId] });
const alert = (event: { data: { alertId: string } }): Subjects => ({ about: [event.data.alertId] });
const apiKey = (event: { data: { keyId: string } }): Subjects => ({ about: [event.data.keyId] });

export const SUBJECTS: Extractors = {
  // samples: a child's registration is part of its parent's trail too
  SampleRegistered: (e) => ({ about: present(e.data.sampleId, e.data.parentId) }),
  // taking volume for a child is part of both trails: the parent's loss and the child's origin
  SampleVolumeTaken: (e) => ({ about: [e.data.sampleId, e.data.childId] }),
  SampleStorageNoted: sampleOnly,
  SampleReceived: sampleOnly,
  SampleValidated: sampleOnly,
  SampleRejected: sampleOnly,
  SampleDiscarded: sampleOnly,
  SampleArchived: sampleOnly,
  SampleResubmitted: sampleOnly,
  SampleStored: sampleOnly,
  SampleSequencingStarted: sampleOnly,
  SampleSequenced: sampleOnly,
  SampleSequencingFailed: sampleOnly,
  BarcodeClaimed: sampleOnly,
  // storage: a unit's readings are about the unit; positions and custody name the sample
  StorageUnitCreated: unit,
  TemperatureRecorded: unit,
  TemperatureExcursionStarted: unit,
  TemperatureRecovered: unit,
  CapacityThresholdCrossed: unit,
  PositionReserved: position,
  ReservationReleased: position,
  PositionFilled: position,
  PositionVacated: position,
  CustodyReserved: custody,
  CustodyReservationReleased: custody,
  CustodyStored: custody,
  CustodyMoved: (e) => ({ about: [e.data.sampleId, e.data.positionId, e.data.fromPositionId] }),
  CustodyCheckedOut: custody,
  CustodyCheckedIn: custody,
  CustodyRemoved: custody,
  // sequencing: a job, a library, a pool and a run contain what they were made from
  JobCreated: job,
  JobSampleAdded: (e) => ({ about: [e.data.jobId, e.data.sampleId], links: [{ container: e.data.jobId, member: e.data.sampleId }] }),
  JobSampleRemoved: (e) => ({ about: [e.data.jobId, e.data.sampleId], unlinks: [{ container: e.data.jobId, member: e.data.sampleId }] }),
  JobQueued: job,
  JobStarted: jobWithSamples,
  JobPaused: job,
  JobResumed: job,
  RunMetricsRecorded: job,
  JobCompleted: jobWithSamples,
  JobFailed: jobWithSamples,
  JobCancelled: job,
  JobRequeued: jobWithSamples,
  // a run's claim on a tube is bookkeeping: JobStarted and its end already say it, in both trails
  SampleRunClaimed: () => ({ about: [] }),
  SampleRunReleased: () => ({ about: [] }),
  IndexKitImported: (e) => ({ about: [e.data.kitId] }),
  LibraryPrepared: (e) => ({ about: [e.data.libraryId, e.data.sampleId], links: [{ container: e.data.libraryId, member: e.data.sampleId }] }),
  LibraryQcRecorded: (e) => ({ about: [e.data.libraryId] }),
  LibraryBarcodeClaimed: (e) => ({ about: [e.data.libraryId] }),
  PoolCreated: (e) => {
    const libraries = e.data.members.map((member) => member.libraryId);
    return { about: [e.data.poolId, ...libraries], links: containing(e.data.poolId, libraries) };
  },
  RunCreated: (e) => ({ about: [e.data.runId] }),
  PoolLoaded: (e) => ({ about: [e.data.runId, e.data.poolId], links: [{ container: e.data.runId, member: e.data.poolId }] }),
  LaneQcRecorded: (e) => ({ about: [e.data.runId] }),
  RunCompleted: (e) => ({ about: [e.data.runId] }),
  // sagas: about their saga, and, from the step that made it known, the sample they submitted
  SagaStarted: saga,
  SagaStepSkipped: saga,
  SagaStepCompleted: (e) => ({
    about: present(e.data.sagaId, e.data.sampleId),
    links: e.data.sampleId ? [{ container: e.data.sagaId, member: e.data.sampleId }] : [],
  }),
  SagaStepFailed: saga,
  SagaTimedOut: saga,
  SagaCompleted: saga,
  SagaStepCompensated: saga,
  SagaCompensationFailed: saga,
  SagaFailed: (e) => ({ about: present(e.data.sagaId, e.data.sampleId) }),
  // notifications: an alert about a sample stays in its trail as it is acknowledged and resolved
  AlertRaised: (e) => ({
    about: present(e.data.alertId, e.data.sampleId, e.data.storageUnitId, e.data.sequencingJobId, e.data.sequencingRunId),
    links: e.data.sampleId ? [{ container: e.data.alertId, member: e.data.sampleId }] : [],
  }),
  AlertRepeated: alert,
  AlertAcknowledged: alert,
  AlertResolved: alert,
  AlertEscalated: alert,
  // The slot is bookkeeping behind "one open alert per kind and subject": the alert's own events record what happened.
  AlertSlotOpened: () => ({ about: [] }),
  AlertSlotCleared: () => ({ about: [] }),
  // access
  ApiKeyCreated: apiKey,
  ApiKeyRevoked: apiKey,
  // audit: a signature is in the signed record's trail
  RecordSigned: (e) => ({ about: [e.data.signatureId, e.data.recordId] }),
};

