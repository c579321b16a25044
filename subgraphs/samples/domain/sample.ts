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
  /** Placed in storage before QC: validating it then makes it IN_STORAGE at once. */
  storedBeforeQc: boolean;
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

/**
 * Where storage put the sample decides its status only once it has passed QC: a VALIDATED sample
 * placed becomes IN_STORAGE; a RECEIVED one waits for QC in its box, remembered, and validation
 * completes the move. A sample taken out for good before QC is no longer waiting there.
 */
const noteStorage = (command: NoteSampleStorage, state: SampleState): SampleEvent[] => {
  const { sampleId, inStorage } = command.data;
  if (!exists(state)) throw new NotFoundError(`sample ${sampleId} not found`);
  if (!inStorage) return state.storedBeforeQc ? storageNoted(state, false) : [];
  if (state.status === 'RECEIVED') return state.storedBeforeQc ? [] : storageNoted(state, true);
  return move(moveTo('IN_STORAGE', sampleId), state);
};

/** Validation of a sample already waiting in storage also records it as stored (two moves, one decision). */
const validate = (command: MoveSample, state: SampleState): SampleStatusEvent[] => {
  const validated = move(command, state);
  if (!exists(state) || !state.storedBeforeQc) return validated;
  return [...validated, { type: 'SampleStored', data: { sampleId: state.id, from: 'VALIDATED', to: 'IN_STORAGE', reason: 'stored before QC' } }];
};

/** One sample: registration, and its moves through the transition table. */
export const sampleDecider: Decider<SampleCommand, SampleEvent, SampleState> = {
  streamType: 'Sample',
  // 2: the state gained `derivation` and follows volume taken; 3: `storedBeforeQc`.
  stateSchema: 3,
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
        return { id: sampleId, ...data, derivation: derivation ?? null, status: 'PENDING', statusReason: null, storedBeforeQc: false, createdAt: event.occurredAt, updatedAt: event.occurredAt };
      }
      case 'SampleVolumeTaken':
        return exists(state) ? { ...state, volumeUl: event.data.remainingVolumeUl, updatedAt: event.occurredAt } : state;
      case 'SampleStorageNoted':
        return exists(state) ? { ...state, storedBeforeQc: event.data.inStorage, updatedAt: event.occurredAt } : state;
      default:
        return exists(state)
          ? { ...state, status: event.data.to, statusReason: event.data.reason, storedBeforeQc: state.storedBeforeQc && event.data.to !== 'IN_STORAGE', updatedAt: event.occurredAt }
          : state;
    }
  },
};

