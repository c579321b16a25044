import type { Command, Decider } from '../../../event-store/decider.js';
import { BadInputError, ConflictError, InsufficientVolumeError, InvalidTransitionError, NotFoundError, StatusForbidsError } from '../../../platform/errors.js';
import { boundedText, positiveVolume, toMicrolitres, toNanolitres, validateSampleFields } from '../../../platform/lab-rules.js';
import {
  STATUS_EVENT,
  type Derivation,
  type DerivationKind,
  type SampleEvent,
  type SampleRegistered,
  type SampleStatus,
  type SampleStatusEvent,
  type SampleStorageNoted,
  type SampleType,
  type SampleVolumeTaken,
} from '../events.js';

/** What registration recorded, plus where the sample's lifecycle has got to (volumeUl: what is left). */
export type Sample = Omit<SampleRegistered['data'], 'sampleId' | 'derivation'> & {
  id: string;
  derivation: Derivation | null;
  status: SampleStatus;
  statusReason: string | null;
  createdAt: string;
  updatedAt: string;
};

/** What the decider also remembers beyond what readers see. */
export type SampleAggregate = Sample & {
  /**
   * Its tube holds a storage position now (placed, not taken out for good; a checked-out tube keeps
   * its position), whatever its status: a sample in a box that passes QC, or is made runnable again
   * after a failed run, is IN_STORAGE at once.
   */
  inStorage: boolean;
};

export type SampleState = { status: 'NONE' } | SampleAggregate;

export const exists = (state: SampleState): state is SampleAggregate => state.status !== 'NONE';

/** Allowed status transitions (API.md); anything else is INVALID_TRANSITION. */
export const TRANSITIONS: Record<SampleStatus, readonly SampleStatus[]> = {
  PENDING: ['RECEIVED', 'REJECTED', 'DISCARDED'],
  RECEIVED: ['VALIDATED', 'REJECTED', 'DISCARDED'],
  VALIDATED: ['IN_STORAGE', 'IN_SEQUENCING', 'REJECTED', 'DISCARDED'],
  IN_STORAGE: ['IN_SEQUENCING', 'DISCARDED'],
  IN_SEQUENCING: ['SEQUENCED', 'FAILED'],
  FAILED: ['VALIDATED', 'DISCARDED'],
  SEQUENCED: ['ARCHIVED'],
  REJECTED: ['PENDING', 'DISCARDED'],
  ARCHIVED: [],
  DISCARDED: [],
};

export type RegisterSample = Command<
  'RegisterSample',
  {
    sampleId: string;
    barcode: string;
    sampleType: SampleType;
    volumeUl?: number | null;
    concentrationNgUl?: number | null;
    submitter?: string | null;
    projectCode?: string | null;
    metadata?: unknown;
    parentId?: string | null;
    derivation?: Derivation;
  }
>;

/** Takes volume from this sample to make the child `childId` (the parent's half of a derivation). */
export type TakeSampleVolume = Command<'TakeSampleVolume', { sampleId: string; childId: string; kind: DerivationKind; volumeTakenUl: number }>;

/**
 * The status each move command leads to: the six a user issues (API.md mutations) and the four the
 * lab-work policy issues when storage or sequencing report work on the sample.
 */
export const MOVES = {
  ReceiveSample: 'RECEIVED',
  ValidateSample: 'VALIDATED',
  RejectSample: 'REJECTED',
  DiscardSample: 'DISCARDED',
  ArchiveSample: 'ARCHIVED',
  ResubmitSample: 'PENDING',
  MarkSampleStored: 'IN_STORAGE',
  StartSampleSequencing: 'IN_SEQUENCING',
  MarkSampleSequenced: 'SEQUENCED',
  MarkSampleSequencingFailed: 'FAILED',
} as const satisfies Record<string, SampleStatus>;

export type MoveCommandType = keyof typeof MOVES;
export type MoveSample<T extends MoveCommandType = MoveCommandType> = T extends MoveCommandType ? Command<T, { sampleId: string; reason?: string | null }> : never;
/** Storage placed the sample (inStorage) or took it out for good: the lab-work policy's command. */
export type NoteSampleStorage = Command<'NoteSampleStorage', { sampleId: string; inStorage: boolean }>;
export type SampleCommand = RegisterSample | MoveSample | TakeSampleVolume | NoteSampleStorage;

/**
 * The statuses a sample can be aliquoted or extracted in, read off the transition table: those the
 * lab reaches from RECEIVED without rejecting the sample, minus the final ones (nothing leaves
 * them: the material is gone). So not PENDING (not in the lab yet), REJECTED, ARCHIVED, DISCARDED.
 */
export const DERIVABLE_STATUSES: readonly SampleStatus[] = (() => {
  const reached = new Set<SampleStatus>(['RECEIVED']);
  for (const from of reached) for (const to of TRANSITIONS[from]) if (to !== 'REJECTED') reached.add(to);
  return [...reached].filter((status) => TRANSITIONS[status].length > 0);
})();

const PAST: Record<DerivationKind, string> = { ALIQUOT: 'aliquoted', EXTRACT: 'extracted from' };

const MOVE_TO = Object.fromEntries(Object.entries(MOVES).map(([type, to]) => [to, type])) as Record<SampleStatus, MoveCommandType>;

/** The command that moves a sample to `to` (one per target status). */
export const moveTo = (to: SampleStatus, sampleId: string, reason: string | null = null): MoveSample => ({ type: MOVE_TO[to], data: { sampleId, reason } }) as MoveSample;

const register = (command: RegisterSample, state: SampleState): SampleRegistered[] => {
  const { data } = command;
  if (exists(state)) throw new ConflictError(`sample ${data.sampleId} already exists`);
  const fields = validateSampleFields(data);
  if (data.parentId === data.sampleId) throw new BadInputError('a sample cannot be its own parent', { field: 'parentId' });
  if (data.derivation && !data.parentId) throw new BadInputError('a derived sample needs its parent', { field: 'parentId' });
  const derived = data.derivation ? { derivation: data.derivation } : {};
  return [{ type: 'SampleRegistered', data: { sampleId: data.sampleId, ...fields, metadata: data.metadata ?? null, parentId: data.parentId ?? null, ...derived } }];
};

/** Overdraw and unknown volume are refused; the remainder is computed in whole nanolitres. */
const takeVolume = (command: TakeSampleVolume, state: SampleState): SampleVolumeTaken[] => {
  const { data } = command;
  if (!exists(state)) throw new NotFoundError(`sample ${data.sampleId} not found`);
  if (!DERIVABLE_STATUSES.includes(state.status)) throw new StatusForbidsError(state.status, PAST[data.kind]);
  const taken = positiveVolume(data.volumeTakenUl, 'volumeTakenUl');
  const requestedUl = toMicrolitres(taken);
  if (state.volumeUl === null) throw new InsufficientVolumeError(`sample ${state.barcode} has no recorded volume to take ${requestedUl} µL from`, { requestedUl, remainingUl: null });
  const held = toNanolitres(state.volumeUl);
  if (taken > held) throw new InsufficientVolumeError(`sample ${state.barcode} holds ${toMicrolitres(held)} µL, less than the ${requestedUl} µL asked for`, { requestedUl, remainingUl: toMicrolitres(held) });
  return [{ type: 'SampleVolumeTaken', data: { sampleId: state.id, childId: data.childId, kind: data.kind, volumeTakenUl: requestedUl, remainingVolumeUl: toMicrolitres(held - taken) } }];
};

const move = (command: MoveSample, state: SampleState): SampleStatusEvent[] => {
  const to = MOVES[command.type];
  if (!exists(state)) throw new NotFoundError(`sample ${command.data.sampleId} not found`);
  if (!TRANSITIONS[state.status].includes(to)) throw new InvalidTransitionError(state.status, to);
  const why = boundedText(command.data.reason, 'reason', 500);
  if ((to === 'REJECTED' || to === 'DISCARDED') && !why) throw new BadInputError(`a reason is required to move a sample to ${to}`, { field: 'reason' });
  // STATUS_EVENT pairs each status with its event type; the union cannot see that pairing.
  return [{ type: STATUS_EVENT[to]!, data: { sampleId: state.id, from: state.status, to, reason: why } } as SampleStatusEvent];
};

const storageNoted = (state: SampleAggregate, inStorage: boolean): SampleStorageNoted[] => [{ type: 'SampleStorageNoted', data: { sampleId: state.id, inStorage } }];

/** A status nothing leaves: the material is gone, so where its tube was no longer matters. */
const isFinal = (status: SampleStatus): boolean => TRANSITIONS[status].length === 0;

/**
 * Storage placed the sample (or took it out for good). A VALIDATED sample placed becomes IN_STORAGE;
 * in any other status the sample only remembers where its tube is, and its status stays (RECEIVED
 * waiting for QC, IN_SEQUENCING while on a run, FAILED until it is made runnable again, IN_STORAGE
 * taken out and put back): validation then completes the move to IN_STORAGE. Each fact is noted
 * once; a final sample is refused a placement and ignores a removal (discarding or archiving it
 * frees its position).
 */
const noteStorage = (command: NoteSampleStorage, state: SampleState): SampleEvent[] => {
  const { sampleId, inStorage } = command.data;
  if (!exists(state)) throw new NotFoundError(`sample ${sampleId} not found`);
  if (!inStorage) return state.inStorage ? storageNoted(state, false) : [];
  if (state.status === 'VALIDATED') return move(moveTo('IN_STORAGE', sampleId), state);
  if (isFinal(state.status)) throw new InvalidTransitionError(state.status, 'IN_STORAGE');
  return state.inStorage ? [] : storageNoted(state, true);
};

/** Why a validation that finds the tube in a box also records IN_STORAGE, by where it came from. */
const BACK_IN_STORAGE: Partial<Record<SampleStatus, string>> = { RECEIVED: 'stored before QC', FAILED: 'still in storage' };

/**
 * Validation of a sample whose tube is in a box (placed while it waited for QC, or kept there through
 * a failed run: requeueJob's re-validation and validateSample from FAILED) also records it as stored,
 * VALIDATED then IN_STORAGE in one decision (both moves in API.md's table).
 */
const validate = (command: MoveSample, state: SampleState): SampleStatusEvent[] => {
  const validated = move(command, state);
  if (!exists(state) || !state.inStorage) return validated;
  const reason = BACK_IN_STORAGE[state.status] ?? 'in storage';
  return [...validated, { type: 'SampleStored', data: { sampleId: state.id, from: 'VALIDATED', to: 'IN_STORAGE', reason } }];
};

/**
 * Where the tube is after a status move: storing puts it in a box (older streams record a VALIDATED
 * sample's placement only as SampleStored), discarding or archiving frees its position; every other
 * move leaves it where it was.
 */
const inStorageAfter = (state: SampleAggregate, to: SampleStatus): boolean => (to === 'IN_STORAGE' ? true : isFinal(to) ? false : state.inStorage);

/** One sample: registration, and its moves through the transition table. */
export const sampleDecider: Decider<SampleCommand, SampleEvent, SampleState> = {
  streamType: 'Sample',
  // 2: the state gained `derivation` and follows volume taken; 3: `storedBeforeQc`; 4: it became
  // `inStorage`, kept whatever the status (a stored sample's snapshot said false).
  stateSchema: 4,
  initialState: () => ({ status: 'NONE' }),
  decide: (command, state) => {
    switch (command.type) {
      case 'RegisterSample':
        return register(command, state);
      case 'ValidateSample':
        return validate(command, state);
      case 'NoteSampleStorage':
        return noteStorage(command, state);
      case 'ReceiveSample':
      case 'RejectSample':
      case 'DiscardSample':
      case 'ArchiveSample':
      case 'ResubmitSample':
      case 'MarkSampleStored':
      case 'StartSampleSequencing':
      case 'MarkSampleSequenced':
      case 'MarkSampleSequencingFailed':
        return move(command, state);
      case 'TakeSampleVolume':
        return takeVolume(command, state);
      default: {
        const unknown: never = command;
        throw new Error(`unknown sample command ${(unknown as Command).type}`);
      }
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'SampleRegistered': {
        const { sampleId, derivation, ...data } = event.data;
        return { id: sampleId, ...data, derivation: derivation ?? null, status: 'PENDING', statusReason: null, inStorage: false, createdAt: event.occurredAt, updatedAt: event.occurredAt };
      }
      case 'SampleVolumeTaken':
        return exists(state) ? { ...state, volumeUl: event.data.remainingVolumeUl, updatedAt: event.occurredAt } : state;
      case 'SampleStorageNoted':
        return exists(state) ? { ...state, inStorage: event.data.inStorage, updatedAt: event.occurredAt } : state;
      default:
        return exists(state)
          ? { ...state, status: event.data.to, statusReason: event.data.reason, inStorage: inStorageAfter(state, event.data.to), updatedAt: event.occurredAt }
          : state;
    }
  },
};

