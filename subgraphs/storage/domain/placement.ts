import type { LegacyDecider } from '../../../event-store/decider.js';
import { BadInputError, ConflictError } from '../../../platform/errors.js';
import { ZONE_RULES, zoneSuits } from '../../../platform/lab-rules.js';
import type { CustodyEvent, PositionEvent, TemperatureZone } from './events.js';

/** The position is not AVAILABLE (someone else holds it): a search for a free one moves on. */
export class PositionTakenError extends ConflictError {
  constructor(label: string, state: string) {
    super(`position ${label} is ${state.toLowerCase()}`, { reason: 'POSITION_TAKEN' });
  }
}

/** One box position: the invariant "one sample per position" lives here. */
export type PositionState = { state: 'AVAILABLE' | 'RESERVED' | 'OCCUPIED'; sampleId: string | null };

export const positionDecider: LegacyDecider<PositionState, PositionEvent> = {
  streamType: 'StoragePosition',
  stateSchema: 1,
  initialState: () => ({ state: 'AVAILABLE', sampleId: null }),
  evolve: (_state, event) => {
    switch (event.type) {
      case 'PositionReserved':
        return { state: 'RESERVED', sampleId: event.data.sampleId };
      case 'PositionFilled':
        return { state: 'OCCUPIED', sampleId: event.data.sampleId };
      case 'ReservationReleased':
        return { state: 'AVAILABLE', sampleId: null };
      case 'PositionVacated':
        return event.data.reason === 'CHECKED_OUT' ? { state: 'RESERVED', sampleId: event.data.sampleId } : { state: 'AVAILABLE', sampleId: null };
    }
  },
};

/** One sample's custody: the invariant "a sample in at most one position" lives here. */
export interface Custody {
  positionId: string | null;
  label: string | null;
  reservedPositionId: string | null;
  checkedOut: boolean;
}

export const custodyDecider: LegacyDecider<Custody, CustodyEvent> = {
  streamType: 'SampleCustody',
  stateSchema: 1,
  initialState: () => ({ positionId: null, label: null, reservedPositionId: null, checkedOut: false }),
  evolve: (state, event) => {
    const { positionId, label } = event.data;
    switch (event.type) {
      case 'CustodyReserved':
        return { ...state, reservedPositionId: positionId };
      case 'CustodyReservationReleased':
        return { ...state, reservedPositionId: null };
      case 'CustodyStored':
      case 'CustodyMoved':
      case 'CustodyCheckedIn':
        return { positionId, label, reservedPositionId: null, checkedOut: false };
      case 'CustodyCheckedOut':
        return { ...state, checkedOut: true };
      case 'CustodyRemoved':
        return { positionId: null, label: null, reservedPositionId: null, checkedOut: false };
    }
  },
};

export { ZONE_RULES, zoneSuits } from '../../../platform/lab-rules.js';

export interface Target {
  positionId: string;
  boxId: string;
  label: string;
  zone: TemperatureZone | null;
}

export interface SampleFacts {
  sampleId: string;
  sampleType: string;
  status: string;
}

const assertZone = (sample: SampleFacts, target: Target) => {
  if (!zoneSuits(sample.sampleType, target.zone)) {
    throw new BadInputError(`${sample.sampleType} samples cannot be kept in a ${target.zone ?? 'zone-less'} box (needs ${ZONE_RULES[sample.sampleType]!.join(' or ')})`, { field: 'positionId' });
  }
};

const fact = (target: Target, sampleId: string) => ({ positionId: target.positionId, boxId: target.boxId, label: target.label, sampleId });

export const reservePosition = (sample: SampleFacts, target: Target, position: PositionState, custody: Custody): [PositionEvent[], CustodyEvent[]] => {
  if (position.state !== 'AVAILABLE') throw new PositionTakenError(target.label, position.state);
  if (custody.positionId && !custody.checkedOut) throw new ConflictError(`sample is already stored at ${custody.label}`);
  if (custody.reservedPositionId) throw new ConflictError('sample already holds a reservation');
  // A checked-out sample's own position is held for its return; a second hold would keep two.
  if (custody.checkedOut) throw new ConflictError(`sample is checked out from ${custody.label}: check it in there first`);
  if (sample.status !== 'VALIDATED' && !custody.checkedOut) throw new BadInputError(`only VALIDATED samples can be stored (sample is ${sample.status})`, { field: 'sampleId' });
  assertZone(sample, target);
  return [[{ type: 'PositionReserved', data: fact(target, sample.sampleId) }], [{ type: 'CustodyReserved', data: { sampleId: sample.sampleId, positionId: target.positionId, label: target.label } }]];
};

export const releaseReservation = (target: Target, position: PositionState, custody: Custody): [PositionEvent[], CustodyEvent[]] => {
  if (position.state !== 'RESERVED' || !position.sampleId || custody.reservedPositionId !== target.positionId) {
    throw new ConflictError(`position ${target.label} holds no reservation`);
  }
  return [
    [{ type: 'ReservationReleased', data: fact(target, position.sampleId) }],
    [{ type: 'CustodyReservationReleased', data: { sampleId: position.sampleId, positionId: target.positionId, label: target.label } }],
  ];
};

export const storeSample = (sample: SampleFacts, target: Target, position: PositionState, custody: Custody): [PositionEvent[], CustodyEvent[]] => {
  const heldForThis = position.state === 'RESERVED' && position.sampleId === sample.sampleId;
  if (position.state !== 'AVAILABLE' && !heldForThis) throw new ConflictError(`position ${target.label} is ${position.state.toLowerCase()}`);
  if (custody.positionId && !custody.checkedOut) throw new ConflictError(`sample is already stored at ${custody.label}`);
  if (custody.reservedPositionId && custody.reservedPositionId !== target.positionId) throw new ConflictError('sample holds a reservation for another position');
  if (sample.status !== 'VALIDATED' && !custody.checkedOut) throw new BadInputError(`only VALIDATED or checked-out samples can be stored (sample is ${sample.status})`, { field: 'sampleId' });
  // Its own position is held for a checked-out sample; returning elsewhere would orphan that hold.
  if (custody.checkedOut && custody.positionId !== target.positionId) throw new ConflictError(`sample is checked out from ${custody.label}: check it in there, then move it`);
  assertZone(sample, target);
  const custodyFact = { sampleId: sample.sampleId, positionId: target.positionId, label: target.label };
  return [[{ type: 'PositionFilled', data: fact(target, sample.sampleId) }], [custody.checkedOut ? { type: 'CustodyCheckedIn', data: custodyFact } : { type: 'CustodyStored', data: custodyFact }]];
};

export const moveSample = (sample: SampleFacts, from: Target, to: Target, fromPosition: PositionState, toPosition: PositionState, custody: Custody): [PositionEvent[], PositionEvent[], CustodyEvent[]] => {
  if (!custody.positionId || custody.checkedOut || custody.positionId !== from.positionId) throw new ConflictError('sample is not in storage (check it in first)');
  if (from.positionId === to.positionId) throw new BadInputError('sample is already in that position', { field: 'toPositionId' });
  if (toPosition.state !== 'AVAILABLE') throw new ConflictError(`position ${to.label} is ${toPosition.state.toLowerCase()}`);
  if (fromPosition.sampleId !== sample.sampleId) throw new ConflictError(`position ${from.label} does not hold this sample`);
  assertZone(sample, to);
  return [
    [{ type: 'PositionVacated', data: { ...fact(from, sample.sampleId), reason: 'MOVED' } }],
    [{ type: 'PositionFilled', data: fact(to, sample.sampleId) }],
    [{ type: 'CustodyMoved', data: { sampleId: sample.sampleId, positionId: to.positionId, label: to.label, fromPositionId: from.positionId, fromLabel: from.label } }],
  ];
};

export const checkOutSample = (sampleId: string, at: Target, position: PositionState, custody: Custody, reason: string): [PositionEvent[], CustodyEvent[]] => {
  if (!custody.positionId || custody.checkedOut) throw new ConflictError('sample is not in storage');
  if (position.sampleId !== sampleId || position.state !== 'OCCUPIED') throw new ConflictError(`position ${at.label} does not hold this sample`);
  const why = reason.trim();
  if (!why) throw new BadInputError('a reason is required to check a sample out', { field: 'reason' });
  return [
    [{ type: 'PositionVacated', data: { ...fact(at, sampleId), reason: 'CHECKED_OUT' } }],
    [{ type: 'CustodyCheckedOut', data: { sampleId, positionId: at.positionId, label: at.label, reason: why } }],
  ];
};

export const checkInSample = (sampleId: string, at: Target, position: PositionState, custody: Custody): [PositionEvent[], CustodyEvent[]] => {
  if (!custody.checkedOut || !custody.positionId) throw new ConflictError('sample is not checked out');
  if (position.state !== 'RESERVED' || position.sampleId !== sampleId) throw new ConflictError(`position ${at.label} is no longer held for this sample`);
  return [[{ type: 'PositionFilled', data: fact(at, sampleId) }], [{ type: 'CustodyCheckedIn', data: { sampleId, positionId: at.positionId, label: at.label } }]];
};

/** Out of storage for good: the position becomes AVAILABLE again. */
export const removeSample = (sampleId: string, at: Target, position: PositionState, custody: Custody, reason: string): [PositionEvent[], CustodyEvent[]] => {
  if (!custody.positionId) throw new ConflictError('sample is not in storage');
  if (position.sampleId !== sampleId) throw new ConflictError(`position ${at.label} does not hold this sample`);
  const why = reason.trim();
  if (!why) throw new BadInputError('a reason is required to remove a sample from storage', { field: 'reason' });
  return [
    [{ type: 'PositionVacated', data: { ...fact(at, sampleId), reason: 'REMOVED' } }],
    [{ type: 'CustodyRemoved', data: { sampleId, positionId: at.positionId, label: at.label, reason: why } }],
  ];
};
