import { BadInputError, ConflictError, InvalidTransitionError } from '../../../platform/errors.js';
import { validateBarcode } from '../../../platform/lab-rules.js';
import type { LegacyDecider, Decision } from '../../../event-store/decider.js';
import {
  SAMPLE_TYPES,
  STATUS_EVENT,
  type BarcodeClaimed,
  type SampleEvent,
  type SampleRegistered,
  type SampleStatus,
  type SampleStatusEvent,
  type SampleType,
} from './events.js';

export interface Sample {
  id: string;
  barcode: string;
  sampleType: SampleType;
  status: SampleStatus;
  volumeUl: number | null;
  concentrationNgUl: number | null;
  submitter: string | null;
  projectCode: string | null;
  metadata: unknown;
  parentId: string | null;
  statusReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export type SampleState = { status: 'NONE' } | Sample;

export const exists = (state: SampleState): state is Sample => state.status !== 'NONE';

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

export const sampleDecider: LegacyDecider<SampleState, SampleEvent> = {
  streamType: 'Sample',
  stateSchema: 1,
  initialState: () => ({ status: 'NONE' }),
  evolve: (state, event) => {
    if (event.type === 'SampleRegistered') {
      const { sampleId, ...data } = event.data;
      return { id: sampleId, ...data, status: 'PENDING', statusReason: null, createdAt: event.occurredAt, updatedAt: event.occurredAt };
    }
    if (!exists(state)) return state;
    return { ...state, status: event.data.to, statusReason: event.data.reason, updatedAt: event.occurredAt };
  },
};

export interface RegisterSample {
  sampleId: string;
  tenantId: string;
  barcode: string;
  sampleType: SampleType;
  volumeUl?: number | null;
  concentrationNgUl?: number | null;
  submitter?: string | null;
  projectCode?: string | null;
  metadata?: unknown;
  parentId?: string | null;
}

export const barcodeClaimStream = (tenantId: string, barcode: string) => `SampleBarcode-${tenantId}/${barcode}`;

export { validateBarcode };

const nonNegative = (value: number | null | undefined, field: string): number | null => {
  if (value === null || value === undefined) return null;
  if (!Number.isFinite(value) || value < 0) throw new BadInputError(`${field} must be a number ≥ 0`, { field });
  return value;
};

const text = (value: string | null | undefined, field: string, max = 200): string | null => {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed.length > max) throw new BadInputError(`${field} is longer than ${max} characters`, { field });
  return trimmed === '' ? null : trimmed;
};

/** Registers a new sample and claims its barcode in the same transaction (unique per tenant). */
export const registerSample = (command: RegisterSample, state: SampleState): Decision<SampleRegistered> => {
  if (exists(state)) throw new ConflictError(`sample ${command.sampleId} already exists`);
  const barcode = validateBarcode(command.barcode);
  if (!SAMPLE_TYPES.includes(command.sampleType)) throw new BadInputError(`unknown sample type ${command.sampleType}`, { field: 'sampleType' });
  if (command.parentId === command.sampleId) throw new BadInputError('a sample cannot be its own parent', { field: 'parentId' });
  const claim: BarcodeClaimed = { type: 'BarcodeClaimed', data: { barcode, sampleId: command.sampleId } };
  return {
    events: [
      {
        type: 'SampleRegistered',
        data: {
          sampleId: command.sampleId,
          barcode,
          sampleType: command.sampleType,
          volumeUl: nonNegative(command.volumeUl, 'volumeUl'),
          concentrationNgUl: nonNegative(command.concentrationNgUl, 'concentrationNgUl'),
          submitter: text(command.submitter, 'submitter'),
          projectCode: text(command.projectCode, 'projectCode', 64),
          metadata: command.metadata ?? null,
          parentId: command.parentId ?? null,
        },
      },
    ],
    alsoAppend: [
      {
        streamId: barcodeClaimStream(command.tenantId, barcode),
        expectedVersion: 0,
        events: [claim],
        onConflict: () => new ConflictError(`barcode ${barcode} is already registered`, { field: 'barcode' }),
      },
    ],
  };
};

/** Moves a sample to `to` if the transition table allows it. */
export const changeStatus = (state: SampleState, to: SampleStatus, reason: string | null = null): SampleStatusEvent[] => {
  if (!exists(state)) throw new InvalidTransitionError('NONE', to);
  if (!TRANSITIONS[state.status].includes(to)) throw new InvalidTransitionError(state.status, to);
  const needsReason = to === 'REJECTED' || to === 'DISCARDED';
  const why = text(reason, 'reason', 500);
  if (needsReason && !why) throw new BadInputError(`a reason is required to move a sample to ${to}`, { field: 'reason' });
  return [{ type: STATUS_EVENT[to]!, data: { sampleId: state.id, from: state.status, to, reason: why } } as SampleStatusEvent];
};
