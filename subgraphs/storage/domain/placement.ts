import { decideAcross, type Command, type Decider } from '../../../event-store/decider.js';
import { BadInputError, ConflictError } from '../../../platform/errors.js';
import type { CustodyEvent, PositionEvent, PositionVacated, TemperatureZone } from '../events.js';

/** The position is not AVAILABLE (someone else holds it): a search for a free one moves on. */
export class PositionTakenError extends ConflictError {
  constructor(label: string, state: string) {
    super(`position ${label} is ${state.toLowerCase()}`, { reason: 'POSITION_TAKEN' });
  }
}

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
  /** Where the lab's zone rules let this sample type go (null: anywhere). */
  zones: readonly TemperatureZone[] | null;
}

const fact = (target: Target, sampleId: string) => ({ positionId: target.positionId, boxId: target.boxId, label: target.label, sampleId });
const where = (target: Target) => ({ positionId: target.positionId, label: target.label });

/** One box position: the invariant "one sample per position" lives here. */
export type PositionState = { state: 'AVAILABLE' | 'RESERVED' | 'OCCUPIED'; sampleId: string | null };

export type PositionCommand =
  | Command<'ReservePosition', { target: Target; sampleId: string }>
  | Command<'ReleasePosition', { target: Target }>
  /** Into a free position, or the one reserved for this sample. */
  | Command<'FillPosition', { target: Target; sampleId: string }>
  /** A checked-out sample back into the position held for it. */
  | Command<'ReturnToPosition', { target: Target; sampleId: string }>
  | Command<'VacatePosition', { target: Target; sampleId: string; reason: PositionVacated['data']['reason'] }>;

export const positionDecider: Decider<PositionCommand, PositionEvent, PositionState> = {
  streamType: 'StoragePosition',
  stateSchema: 1,
  initialState: () => ({ state: 'AVAILABLE', sampleId: null }),
  decide: (command, position) => {
    const { target } = command.data;
    switch (command.type) {
      case 'ReservePosition':
        if (position.state !== 'AVAILABLE') throw new PositionTakenError(target.label, position.state);
        return [{ type: 'PositionReserved', data: fact(target, command.data.sampleId) }];
      case 'ReleasePosition':
        if (position.state !== 'RESERVED' || !position.sampleId) throw new ConflictError(`position ${target.label} holds no reservation`);
        return [{ type: 'ReservationReleased', data: fact(target, position.sampleId) }];
      case 'FillPosition': {
        const heldForThis = position.state === 'RESERVED' && position.sampleId === command.data.sampleId;
        if (position.state !== 'AVAILABLE' && !heldForThis) throw new ConflictError(`position ${target.label} is ${position.state.toLowerCase()}`);
        return [{ type: 'PositionFilled', data: fact(target, command.data.sampleId) }];
      }
      case 'ReturnToPosition':
        if (position.state !== 'RESERVED' || position.sampleId !== command.data.sampleId) throw new ConflictError(`position ${target.label} is no longer held for this sample`);
        return [{ type: 'PositionFilled', data: fact(target, command.data.sampleId) }];
      case 'VacatePosition': {
        const { sampleId, reason } = command.data;
        // Checking out needs the sample in place; moving or removing only needs the position to be its.
        if (position.sampleId !== sampleId || (reason === 'CHECKED_OUT' && position.state !== 'OCCUPIED')) throw new ConflictError(`position ${target.label} does not hold this sample`);
        return [{ type: 'PositionVacated', data: { ...fact(target, sampleId), reason } }];
      }
      default: {
        const unknown: never = command;
        throw new Error(`unknown position command ${(unknown as Command).type}`);
      }
    }
  },
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

export type CustodyCommand =
  | Command<'ReserveCustody', { sampleId: string; target: Target }>
  | Command<'ReleaseCustodyReservation', { sampleId: string; target: Target }>
  /** Into storage, or back into it after a check-out. */
  | Command<'StoreCustody', { sampleId: string; target: Target }>
  | Command<'MoveCustody', { sampleId: string; from: Target; to: Target }>
  | Command<'CheckOutCustody', { sampleId: string; target: Target; reason: string }>
  | Command<'CheckInCustody', { sampleId: string; target: Target }>
  | Command<'RemoveCustody', { sampleId: string; target: Target; reason: string }>;

export const custodyDecider: Decider<CustodyCommand, CustodyEvent, Custody> = {
  streamType: 'SampleCustody',
  stateSchema: 1,
  initialState: () => ({ positionId: null, label: null, reservedPositionId: null, checkedOut: false }),
  decide: (command, custody) => {
    const { sampleId } = command.data;
    switch (command.type) {
      case 'ReserveCustody':
        if (custody.positionId && !custody.checkedOut) throw new ConflictError(`sample is already stored at ${custody.label}`);
        if (custody.reservedPositionId) throw new ConflictError('sample already holds a reservation');
        // A checked-out sample's own position is held for its return; a second hold would keep two.
        if (custody.checkedOut) throw new ConflictError(`sample is checked out from ${custody.label}: check it in there first`);
        return [{ type: 'CustodyReserved', data: { sampleId, ...where(command.data.target) } }];
      case 'ReleaseCustodyReservation':
        if (custody.reservedPositionId !== command.data.target.positionId) throw new ConflictError(`position ${command.data.target.label} holds no reservation`);
        return [{ type: 'CustodyReservationReleased', data: { sampleId, ...where(command.data.target) } }];
      case 'StoreCustody': {
        const { target } = command.data;
        if (custody.positionId && !custody.checkedOut) throw new ConflictError(`sample is already stored at ${custody.label}`);
        if (custody.reservedPositionId && custody.reservedPositionId !== target.positionId) throw new ConflictError('sample holds a reservation for another position');
        // Its own position is held for a checked-out sample; returning elsewhere would orphan that hold.
        if (custody.checkedOut && custody.positionId !== target.positionId) throw new ConflictError(`sample is checked out from ${custody.label}: check it in there, then move it`);
        return [{ type: custody.checkedOut ? 'CustodyCheckedIn' : 'CustodyStored', data: { sampleId, ...where(target) } }];
      }
      case 'MoveCustody': {
        const { from, to } = command.data;
        if (!custody.positionId || custody.checkedOut || custody.positionId !== from.positionId) throw new ConflictError('sample is not in storage (check it in first)');
        if (from.positionId === to.positionId) throw new BadInputError('sample is already in that position', { field: 'toPositionId' });
        return [{ type: 'CustodyMoved', data: { sampleId, ...where(to), fromPositionId: from.positionId, fromLabel: from.label } }];
      }
      case 'CheckOutCustody':
        if (!custody.positionId || custody.checkedOut) throw new ConflictError('sample is not in storage');
        return [{ type: 'CustodyCheckedOut', data: { sampleId, ...where(command.data.target), reason: command.data.reason } }];
      case 'CheckInCustody':
        if (!custody.checkedOut || !custody.positionId) throw new ConflictError('sample is not checked out');
        return [{ type: 'CustodyCheckedIn', data: { sampleId, ...where(command.data.target) } }];
      case 'RemoveCustody':
        if (!custody.positionId) throw new ConflictError('sample is not in storage');
        return [{ type: 'CustodyRemoved', data: { sampleId, ...where(command.data.target), reason: command.data.reason } }];
      default: {
        const unknown: never = command;
        throw new Error(`unknown custody command ${(unknown as Command).type}`);
      }
    }
  },
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

export { zoneSuits } from '../../../platform/lab-rules.js';

const assertZone = (sample: SampleFacts, target: Target) => {
  if (sample.zones && (target.zone === null || !sample.zones.includes(target.zone))) {
    throw new BadInputError(`${sample.sampleType} samples cannot be kept in a ${target.zone ?? 'zone-less'} box (needs ${sample.zones.join(' or ')})`, { field: 'positionId' });
  }
};

/**
 * A sample may go into storage once it has arrived: received material (RNA awaiting QC) belongs in
 * the cold as much as validated material does. Pending (not yet here) and ended samples may not. An
 * IN_STORAGE sample taken out for good (its custody holds no position) keeps its status, since
 * API.md has no way back from IN_STORAGE, and may go back in.
 */
const STORABLE = ['RECEIVED', 'VALIDATED'];
const storable = (sample: SampleFacts, custody: Custody) =>
  STORABLE.includes(sample.status) || (sample.status === 'IN_STORAGE' && custody.positionId === null && custody.reservedPositionId === null);
const notStorable = (sample: SampleFacts) =>
  new BadInputError(`only RECEIVED or VALIDATED samples, or IN_STORAGE ones taken out of storage, can be stored (sample is ${sample.status})`, { field: 'sampleId' });

const requireReason = (reason: string, what: string): void => {
  if (!reason) throw new BadInputError(`a reason is required to ${what}`, { field: 'reason' });
};

/** What a user does with a sample and one position; each decided over the position and the sample's custody together. */
export type PlacementCommand =
  | Command<'ReservePosition', { sample: SampleFacts; target: Target }>
  | Command<'ReleaseReservation', { sampleId: string; target: Target }>
  | Command<'StoreSample', { sample: SampleFacts; target: Target }>
  | Command<'CheckOutSample', { sampleId: string; target: Target; reason: string }>
  | Command<'CheckInSample', { sampleId: string; target: Target }>
  | Command<'RemoveSample', { sampleId: string; target: Target; reason: string }>;

/**
 * A sample's move between its position and the custody record, committed together: two samples
 * racing for one position, or one sample racing into two positions, leave exactly one winner.
 * Each stream's decider keeps its own invariant; the lab's rules (status, zone) are checked here.
 */
export const placement = decideAcross({ position: positionDecider, custody: custodyDecider }, (command: PlacementCommand, { position, custody }, { now, versions }) => {
  const onPosition = (c: PositionCommand) => positionDecider.decide(c, position, { now, version: versions.position });
  const onCustody = (c: CustodyCommand) => custodyDecider.decide(c, custody, { now, version: versions.custody });
  switch (command.type) {
    case 'ReservePosition': {
      const { sample, target } = command.data;
      const positionEvents = onPosition({ type: 'ReservePosition', data: { target, sampleId: sample.sampleId } });
      const custodyEvents = onCustody({ type: 'ReserveCustody', data: { sampleId: sample.sampleId, target } });
      if (!storable(sample, custody)) throw notStorable(sample);
      assertZone(sample, target);
      return { position: positionEvents, custody: custodyEvents };
    }
    case 'ReleaseReservation': {
      const { sampleId, target } = command.data;
      return { position: onPosition({ type: 'ReleasePosition', data: { target } }), custody: onCustody({ type: 'ReleaseCustodyReservation', data: { sampleId, target } }) };
    }
    case 'StoreSample': {
      const { sample, target } = command.data;
      const positionEvents = onPosition({ type: 'FillPosition', data: { target, sampleId: sample.sampleId } });
      const custodyEvents = onCustody({ type: 'StoreCustody', data: { sampleId: sample.sampleId, target } });
      // A checked-out sample returns to its position whatever its status became meanwhile.
      if (!storable(sample, custody) && !custody.checkedOut) throw notStorable(sample);
      assertZone(sample, target);
      return { position: positionEvents, custody: custodyEvents };
    }
    case 'CheckOutSample': {
      const { sampleId, target } = command.data;
      const reason = command.data.reason.trim();
      const custodyEvents = onCustody({ type: 'CheckOutCustody', data: { sampleId, target, reason } });
      const positionEvents = onPosition({ type: 'VacatePosition', data: { target, sampleId, reason: 'CHECKED_OUT' } });
      requireReason(reason, 'check a sample out');
      return { position: positionEvents, custody: custodyEvents };
    }
    case 'CheckInSample': {
      const { sampleId, target } = command.data;
      const custodyEvents = onCustody({ type: 'CheckInCustody', data: { sampleId, target } });
      return { position: onPosition({ type: 'ReturnToPosition', data: { target, sampleId } }), custody: custodyEvents };
    }
    case 'RemoveSample': {
      const { sampleId, target } = command.data;
      const reason = command.data.reason.trim();
      const custodyEvents = onCustody({ type: 'RemoveCustody', data: { sampleId, target, reason } });
      const positionEvents = onPosition({ type: 'VacatePosition', data: { target, sampleId, reason: 'REMOVED' } });
      requireReason(reason, 'remove a sample from storage');
      return { position: positionEvents, custody: custodyEvents };
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown placement command ${(unknown as Command).type}`);
    }
  }
});

export type MoveSample = Command<'MoveSample', { sample: SampleFacts; from: Target; to: Target }>;

/** A stored sample into another free position: both positions and the custody record, together. */
export const sampleMove = decideAcross(
  { from: positionDecider, to: positionDecider, custody: custodyDecider },
  (command: MoveSample, states, { now, versions }) => {
    const { sample, from, to } = command.data;
    const custody = custodyDecider.decide({ type: 'MoveCustody', data: { sampleId: sample.sampleId, from, to } }, states.custody, { now, version: versions.custody });
    // A stored sample holds no reservation, so "free" and "free or held for it" are the same here.
    const filled = positionDecider.decide({ type: 'FillPosition', data: { target: to, sampleId: sample.sampleId } }, states.to, { now, version: versions.to });
    const vacated = positionDecider.decide({ type: 'VacatePosition', data: { target: from, sampleId: sample.sampleId, reason: 'MOVED' } }, states.from, { now, version: versions.from });
    assertZone(sample, to);
    return { from: vacated, to: filled, custody };
  },
);
