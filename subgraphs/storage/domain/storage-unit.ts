import type { Command, Decider } from '../../../event-store/decider.js';
import { BadInputError, NotFoundError } from '../../../platform/errors.js';
import { nameUuid } from '../../../platform/ids.js';
import type { StorageKind, StorageUnitCreated, StorageUnitEvent, TemperatureZone } from '../events.js';

/** What creation recorded, plus whether the unit is outside its temperature range now, as of its latest reading. */
export type StorageUnit = Omit<StorageUnitCreated['data'], 'unitId'> & {
  id: string;
  inExcursion: boolean;
  /** When the latest reading was taken (`recordedAt`), whatever order readings arrived in. */
  latestReadingAt: string | null;
};

export type StorageUnitState = { kind: 'NONE' } | StorageUnit;
export const unitExists = (state: StorageUnitState): state is StorageUnit => state.kind !== 'NONE';

/** Which kind may sit in which: a lab's physical hierarchy. */
const PARENTS: Record<StorageKind, readonly StorageKind[]> = { FACILITY: [], FREEZER: ['FACILITY'], RACK: ['FREEZER'], BOX: ['RACK', 'FREEZER'] };

/**
 * Which kinds are kept at a temperature zone. A freezer (fridge, incubator, LN2 tank) has its own; a
 * rack or box is at the zone of the freezer it sits in; a facility is a building that holds freezers
 * of every zone, so it has none.
 */
const ZONED: Record<StorageKind, 'OWN' | 'INHERITED' | null> = { FACILITY: null, FREEZER: 'OWN', RACK: 'INHERITED', BOX: 'INHERITED' };

/** Operating range by zone, used when a freezer is created without explicit limits. */
export const ZONE_LIMITS: Record<TemperatureZone, [number, number]> = {
  MINUS_80: [-90, -70],
  MINUS_20: [-25, -15],
  PLUS_4: [2, 8],
  ROOM_TEMPERATURE: [15, 25],
  PLUS_37: [35, 39],
  CRYO: [-196, -130],
};

export const MAX_ROWS = 26;
export const MAX_COLUMNS = 48;

export type CreateStorageUnitData = {
  unitId: string;
  name: string;
  kind: StorageKind;
  parentId?: string | null;
  zone?: TemperatureZone | null;
  rows?: number | null;
  columns?: number | null;
  minTempC?: number | null;
  maxTempC?: number | null;
};

const createStorageUnit = (command: CreateStorageUnitData, parent: StorageUnitState | null): StorageUnitCreated[] => {
  const name = command.name.trim();
  if (name.length === 0 || name.length > 100) throw new BadInputError('name must be 1–100 characters', { field: 'name' });
  const allowed = PARENTS[command.kind];
  if (allowed.length === 0 && command.parentId) throw new BadInputError(`a ${command.kind} has no parent`, { field: 'parentId' });
  if (allowed.length > 0) {
    if (!parent || !unitExists(parent)) throw new BadInputError(`a ${command.kind} needs a parent (${allowed.join(' or ')})`, { field: 'parentId' });
    if (!allowed.includes(parent.kind)) throw new BadInputError(`a ${command.kind} cannot sit in a ${parent.kind}`, { field: 'parentId' });
  }
  if (!ZONED[command.kind] && command.zone) throw new BadInputError(`a ${command.kind} has no zone: each freezer in it has its own`, { field: 'zone' });
  // Only a cold place passes its zone down. A facility created before facilities were refused a
  // zone may still carry one: it keeps it, but binds none of its freezers.
  const inherited = ZONED[command.kind] === 'INHERITED' && parent && unitExists(parent) && ZONED[parent.kind] ? parent.zone : null;
  if (inherited && command.zone && command.zone !== inherited) {
    throw new BadInputError(`zone ${command.zone} differs from the parent's ${inherited}`, { field: 'zone' });
  }
  const zone = inherited ?? command.zone ?? null;
  if (ZONED[command.kind] === 'OWN' && !zone) throw new BadInputError(`a ${command.kind} needs a zone`, { field: 'zone' });
  const isBox = command.kind === 'BOX';
  if (isBox !== (command.rows != null && command.columns != null) || (!isBox && (command.rows != null || command.columns != null))) {
    throw new BadInputError('rows and columns are required for a BOX and only for a BOX', { field: 'rows' });
  }
  if (isBox && (!Number.isInteger(command.rows) || command.rows! < 1 || command.rows! > MAX_ROWS || !Number.isInteger(command.columns) || command.columns! < 1 || command.columns! > MAX_COLUMNS)) {
    throw new BadInputError(`a box has 1–${MAX_ROWS} rows and 1–${MAX_COLUMNS} columns`, { field: 'rows' });
  }
  const monitored = command.kind === 'FREEZER' || command.minTempC != null || command.maxTempC != null;
  const [defaultMin, defaultMax] = zone ? ZONE_LIMITS[zone] : [null, null];
  const minTempC = monitored ? (command.minTempC ?? defaultMin) : null;
  const maxTempC = monitored ? (command.maxTempC ?? defaultMax) : null;
  for (const [field, value] of [['minTempC', minTempC], ['maxTempC', maxTempC]] as const) {
    if (value != null && (!Number.isFinite(value) || value < -273.15 || value > 200)) throw new BadInputError(`${field} is not a plausible temperature`, { field });
  }
  if (minTempC != null && maxTempC != null && minTempC >= maxTempC) throw new BadInputError('minTempC must be below maxTempC', { field: 'minTempC' });
  const ancestors = parent && unitExists(parent) ? [...parent.ancestors, parent.id] : [];
  return [
    {
      type: 'StorageUnitCreated',
      data: { unitId: command.unitId, name, kind: command.kind, parentId: command.parentId ?? null, ancestors, zone, rows: command.rows ?? null, columns: command.columns ?? null, minTempC, maxTempC },
    },
  ];
};

/** A reading outside [min, max] starts an excursion; the first one back inside ends it. */
/** How far ahead of the server's clock a sensor's clock may run: more is a mistyped or broken timestamp. */
const CLOCK_SKEW_MS = 5 * 60_000;

const recordTemperature = (unit: StorageUnit, celsius: number, recordedAt: string, now: string): StorageUnitEvent[] => {
  if (unit.minTempC == null || unit.maxTempC == null) throw new BadInputError(`${unit.name} has no temperature limits to monitor`, { field: 'unitId' });
  // A reading from the future would stay the unit's latest until then, hiding every real one.
  if (Date.parse(recordedAt) > Date.parse(now) + CLOCK_SKEW_MS) throw new BadInputError('recordedAt is in the future (more than 5 minutes ahead of the server)', { field: 'recordedAt' });
  if (!Number.isFinite(celsius) || celsius < -273.15 || celsius > 200) throw new BadInputError('celsius is not a plausible temperature', { field: 'celsius' });
  const inRange = celsius >= unit.minTempC && celsius <= unit.maxTempC;
  const events: StorageUnitEvent[] = [{ type: 'TemperatureRecorded', data: { unitId: unit.id, celsius, recordedAt, inRange } }];
  // A backfilled reading older than the latest goes into the history only: the unit's state now is
  // its latest reading's, and an hour-old in-range value must not end an excursion going on.
  if (unit.latestReadingAt !== null && Date.parse(recordedAt) < Date.parse(unit.latestReadingAt)) return events;
  if (!inRange && !unit.inExcursion) {
    events.push({ type: 'TemperatureExcursionStarted', data: { unitId: unit.id, celsius, minTempC: unit.minTempC, maxTempC: unit.maxTempC, recordedAt } });
  }
  if (inRange && unit.inExcursion) events.push({ type: 'TemperatureRecovered', data: { unitId: unit.id, celsius, recordedAt } });
  return events;
};

/** The parent's state travels with the command: the unit inherits its zone and ancestors. */
export type CreateStorageUnit = Command<'CreateStorageUnit', CreateStorageUnitData & { parent: StorageUnitState | null }>;
export type RecordTemperature = Command<'RecordTemperature', { unitId: string; celsius: number; recordedAt: string }>;
export type StorageUnitCommand = CreateStorageUnit | RecordTemperature;

export const storageUnitDecider: Decider<StorageUnitCommand, StorageUnitEvent, StorageUnitState> = {
  streamType: 'StorageUnit',
  // 2: latestReadingAt.
  stateSchema: 2,
  initialState: () => ({ kind: 'NONE' }),
  decide: (command, state, { now }) => {
    switch (command.type) {
      case 'CreateStorageUnit': {
        if (unitExists(state)) throw new BadInputError('unit already exists');
        const { parent, ...data } = command.data;
        return createStorageUnit(data, parent);
      }
      case 'RecordTemperature':
        if (!unitExists(state)) throw new NotFoundError(`storage unit ${command.data.unitId} not found`);
        return recordTemperature(state, command.data.celsius, command.data.recordedAt, now);
      default: {
        const unknown: never = command;
        throw new Error(`unknown storage unit command ${(unknown as Command).type}`);
      }
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'StorageUnitCreated': {
        const { unitId, ...data } = event.data;
        return { id: unitId, ...data, inExcursion: false, latestReadingAt: null };
      }
      case 'TemperatureRecorded': {
        if (!unitExists(state)) return state;
        const { recordedAt } = event.data;
        return state.latestReadingAt === null || Date.parse(recordedAt) > Date.parse(state.latestReadingAt) ? { ...state, latestReadingAt: recordedAt } : state;
      }
      case 'TemperatureExcursionStarted':
        return unitExists(state) ? { ...state, inExcursion: true } : state;
      case 'TemperatureRecovered':
        return unitExists(state) ? { ...state, inExcursion: false } : state;
      default:
        return state;
    }
  },
};


export const positionLabel = (row: number, column: number): string => `${String.fromCharCode(64 + row)}${column}`;

/** A box's positions are named from the box id and label, so the same box always has the same position ids. */
export const positionId = (boxId: string, label: string): string => nameUuid(boxId, label);

export const boxPositions = (boxId: string, rows: number, columns: number) =>
  Array.from({ length: rows * columns }, (_, index) => {
    const row = Math.floor(index / columns) + 1;
    const column = (index % columns) + 1;
    const label = positionLabel(row, column);
    return { id: positionId(boxId, label), row, column, label };
  });
