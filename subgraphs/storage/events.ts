import type { Event } from '../../event-store/types.js';

import { TEMPERATURE_ZONES, type TemperatureZone } from '../../platform/lab-rules.js';

export const ZONES = TEMPERATURE_ZONES;
export type { TemperatureZone };
export const KINDS = ['FACILITY', 'FREEZER', 'RACK', 'BOX'] as const;
export type StorageKind = (typeof KINDS)[number];

export type StorageUnitCreated = Event<
  'StorageUnitCreated',
  {
    unitId: string;
    name: string;
    kind: StorageKind;
    parentId: string | null;
    /** Root first: every unit this one sits in, so rollups touch a known set of rows. */
    ancestors: string[];
    zone: TemperatureZone | null;
    rows: number | null;
    columns: number | null;
    minTempC: number | null;
    maxTempC: number | null;
  }
>;
export type TemperatureRecorded = Event<'TemperatureRecorded', { unitId: string; celsius: number; recordedAt: string; inRange: boolean }>;
export type TemperatureExcursionStarted = Event<
  'TemperatureExcursionStarted',
  { unitId: string; celsius: number; minTempC: number; maxTempC: number; recordedAt: string }
>;
export type TemperatureRecovered = Event<'TemperatureRecovered', { unitId: string; celsius: number; recordedAt: string }>;
/**
 * A unit's positions in use (occupied, or held: reserved for a sample or kept for a checked-out
 * tube) rose across 80% or 95% of its capacity. `reserved` is absent on events from before it was
 * counted (occupancy alone crossed then).
 */
export type CapacityThresholdCrossed = Event<
  'CapacityThresholdCrossed',
  { unitId: string; threshold: 80 | 95; occupied: number; reserved?: number; capacity: number; utilization: number }
>;
export type StorageUnitEvent = StorageUnitCreated | TemperatureRecorded | TemperatureExcursionStarted | TemperatureRecovered | CapacityThresholdCrossed;

/** Facts about one position of a box. */
type PositionFact<T extends string, Extra = {}> = Event<T, { positionId: string; boxId: string; label: string; sampleId: string } & Extra>;
export type PositionReserved = PositionFact<'PositionReserved'>;
export type ReservationReleased = PositionFact<'ReservationReleased'>;
export type PositionFilled = PositionFact<'PositionFilled'>;
/** CHECKED_OUT keeps the position held for the sample's return. */
export type PositionVacated = PositionFact<'PositionVacated', { reason: 'MOVED' | 'CHECKED_OUT' | 'REMOVED' }>;
export type PositionEvent = PositionReserved | ReservationReleased | PositionFilled | PositionVacated;

/** Chain of custody of one sample in storage. */
type CustodyFact<T extends string, Extra = {}> = Event<T, { sampleId: string; positionId: string; label: string } & Extra>;
export type CustodyReserved = CustodyFact<'CustodyReserved'>;
export type CustodyReservationReleased = CustodyFact<'CustodyReservationReleased'>;
export type CustodyStored = CustodyFact<'CustodyStored'>;
export type CustodyMoved = CustodyFact<'CustodyMoved', { fromPositionId: string; fromLabel: string }>;
export type CustodyCheckedOut = CustodyFact<'CustodyCheckedOut', { reason: string }>;
export type CustodyCheckedIn = CustodyFact<'CustodyCheckedIn'>;
export type CustodyRemoved = CustodyFact<'CustodyRemoved', { reason: string }>;
export type CustodyEvent = CustodyReserved | CustodyReservationReleased | CustodyStored | CustodyMoved | CustodyCheckedOut | CustodyCheckedIn | CustodyRemoved;

/** Everything the storage context publishes. */
export type StorageEvent = StorageUnitEvent | PositionEvent | CustodyEvent;
