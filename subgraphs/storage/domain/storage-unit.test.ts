import { describe, expect, it } from 'vitest';
import { given } from '../../../event-store/testing/decider-spec.js';
import { foldEvents } from '../../../event-store/decider.js';
import { BadInputError, NotFoundError } from '../../../platform/errors.js';
import type { StorageUnitCreated, StorageUnitEvent } from '../events.js';
import { storageUnitDecider, type CreateStorageUnit, type StorageUnitState } from './storage-unit.js';

const created = (unitId: string, kind: StorageUnitCreated['data']['kind'], extra: Partial<StorageUnitCreated['data']> = {}): StorageUnitCreated => ({
  type: 'StorageUnitCreated',
  data: { unitId, name: 'Unit', kind, parentId: null, ancestors: [], zone: null, rows: null, columns: null, minTempC: null, maxTempC: null, ...extra },
});
const site = created('site', 'FACILITY');
const freezer = created('f', 'FREEZER', { parentId: 'site', ancestors: ['site'], zone: 'MINUS_20', minTempC: -25, maxTempC: -15 });
const stateOf = (...events: StorageUnitEvent[]): StorageUnitState => foldEvents(storageUnitDecider, events);
const create = (data: Omit<CreateStorageUnit['data'], 'name' | 'parent'> & { name?: string }, parent: StorageUnitState | null): CreateStorageUnit => ({
  type: 'CreateStorageUnit',
  data: { name: 'Unit', ...data, parent },
});
const read = (celsius: number) => ({ type: 'RecordTemperature', data: { unitId: 'f', celsius, recordedAt: '2026-01-01T00:00:00.000Z' } }) as const;

describe('creating storage units', () => {
  it('creates a facility, a freezer with its zone limits, and a box inheriting the zone and ancestors', () => {
    given(storageUnitDecider).when(create({ unitId: 'site', kind: 'FACILITY' }, null)).then([site]);
    given(storageUnitDecider).when(create({ unitId: 'f', kind: 'FREEZER', parentId: 'site', zone: 'MINUS_20' }, stateOf(site))).then([freezer]);
    given(storageUnitDecider)
      .when(create({ unitId: 'b', kind: 'BOX', parentId: 'f', rows: 2, columns: 3 }, stateOf(freezer)))
      .then([created('b', 'BOX', { parentId: 'f', ancestors: ['site', 'f'], zone: 'MINUS_20', rows: 2, columns: 3 })]);
  });
  it('refuses a unit that exists, a wrong parent, a zone against the parent, a box without a grid', () => {
    given(storageUnitDecider, [site]).when(create({ unitId: 'site', kind: 'FACILITY' }, null)).thenThrows(BadInputError, /already exists/);
    given(storageUnitDecider).when(create({ unitId: 'r', kind: 'RACK' }, null)).thenThrows(BadInputError, /a RACK needs a parent/);
    given(storageUnitDecider).when(create({ unitId: 'b', kind: 'BOX', parentId: 'site', rows: 1, columns: 1 }, stateOf(site))).thenThrows(BadInputError, /cannot sit in a FACILITY/);
    given(storageUnitDecider).when(create({ unitId: 'r', kind: 'RACK', parentId: 'f', zone: 'PLUS_4' }, stateOf(freezer))).thenThrows(BadInputError, /differs from the parent/);
    given(storageUnitDecider).when(create({ unitId: 'b', kind: 'BOX', parentId: 'f' }, stateOf(freezer))).thenThrows(BadInputError, /rows and columns are required/);
    given(storageUnitDecider).when(create({ unitId: 'f2', kind: 'FREEZER', parentId: 'site' }, stateOf(site))).thenThrows(BadInputError, /needs a zone/);
    given(storageUnitDecider).when(create({ unitId: 'x', kind: 'FACILITY', name: ' ' }, null)).thenThrows(BadInputError, /name must be/);
  });
});

describe('temperature zones by kind', () => {
  it('refuses a zone on a FACILITY: a building holds freezers of every zone', () => {
    given(storageUnitDecider).when(create({ unitId: 'site', kind: 'FACILITY', zone: 'PLUS_4' }, null)).thenThrows(BadInputError, 'a FACILITY has no zone: each freezer in it has its own');
  });
  it('gives each freezer of a facility its own zone, also under a facility created with one before that was refused', () => {
    const zonedSite = stateOf(created('site', 'FACILITY', { zone: 'PLUS_4' }));
    given(storageUnitDecider)
      .when(create({ unitId: 'f', kind: 'FREEZER', parentId: 'site', zone: 'MINUS_80' }, zonedSite))
      .then([created('f', 'FREEZER', { parentId: 'site', ancestors: ['site'], zone: 'MINUS_80', minTempC: -90, maxTempC: -70 })]);
    // The old facility's zone is not a freezer's: a freezer still needs its own.
    given(storageUnitDecider).when(create({ unitId: 'f', kind: 'FREEZER', parentId: 'site' }, zonedSite)).thenThrows(BadInputError, 'a FREEZER needs a zone');
  });
  it("keeps a rack and a box at their freezer's zone", () => {
    const rack = created('r', 'RACK', { parentId: 'f', ancestors: ['site', 'f'], zone: 'MINUS_20' });
    given(storageUnitDecider).when(create({ unitId: 'r', kind: 'RACK', parentId: 'f' }, stateOf(freezer))).then([rack]);
    given(storageUnitDecider).when(create({ unitId: 'r', kind: 'RACK', parentId: 'f', zone: 'MINUS_20' }, stateOf(freezer))).then([rack]);
    given(storageUnitDecider)
      .when(create({ unitId: 'b', kind: 'BOX', parentId: 'r', rows: 1, columns: 1 }, stateOf(rack)))
      .then([created('b', 'BOX', { parentId: 'r', ancestors: ['site', 'f', 'r'], zone: 'MINUS_20', rows: 1, columns: 1 })]);
    given(storageUnitDecider).when(create({ unitId: 'b', kind: 'BOX', parentId: 'r', zone: 'MINUS_80', rows: 1, columns: 1 }, stateOf(rack))).thenThrows(BadInputError, "zone MINUS_80 differs from the parent's MINUS_20");
  });
  it('still reads a facility created with a zone', () => {
    const old = stateOf(created('site', 'FACILITY', { zone: 'PLUS_4' }));
    expect(old).toMatchObject({ id: 'site', kind: 'FACILITY', zone: 'PLUS_4' });
  });
});

describe('recording temperatures', () => {
  it('records a reading in range', () => {
    given(storageUnitDecider, [freezer]).when(read(-20)).then([{ type: 'TemperatureRecorded', data: { unitId: 'f', celsius: -20, recordedAt: '2026-01-01T00:00:00.000Z', inRange: true } }]);
  });
  it('starts an excursion on the first reading out of range, and ends it on the first back in range', () => {
    const out = { type: 'TemperatureRecorded', data: { unitId: 'f', celsius: -5, recordedAt: '2026-01-01T00:00:00.000Z', inRange: false } } as const;
    given(storageUnitDecider, [freezer])
      .when(read(-5))
      .then([out, { type: 'TemperatureExcursionStarted', data: { unitId: 'f', celsius: -5, minTempC: -25, maxTempC: -15, recordedAt: '2026-01-01T00:00:00.000Z' } }]);
    given(storageUnitDecider, [freezer, { type: 'TemperatureExcursionStarted', data: { unitId: 'f', celsius: -5, minTempC: -25, maxTempC: -15, recordedAt: '2026-01-01T00:00:00.000Z' } }])
      .when(read(-20))
      .then([
        { type: 'TemperatureRecorded', data: { unitId: 'f', celsius: -20, recordedAt: '2026-01-01T00:00:00.000Z', inRange: true } },
        { type: 'TemperatureRecovered', data: { unitId: 'f', celsius: -20, recordedAt: '2026-01-01T00:00:00.000Z' } },
      ]);
  });
  it('files a backfilled reading older than the latest without changing the excursion state', () => {
    const at = (celsius: number, recordedAt: string) => ({ type: 'RecordTemperature', data: { unitId: 'f', celsius, recordedAt } }) as const;
    const recorded = (celsius: number, recordedAt: string, inRange: boolean) => ({ type: 'TemperatureRecorded', data: { unitId: 'f', celsius, recordedAt, inRange } }) as const;
    const hot = [freezer, recorded(-5, '2026-01-01T10:00:00.000Z', false), { type: 'TemperatureExcursionStarted', data: { unitId: 'f', celsius: -5, minTempC: -25, maxTempC: -15, recordedAt: '2026-01-01T10:00:00.000Z' } }] as const;
    given(storageUnitDecider, [...hot]).when(at(-20, '2026-01-01T09:00:00.000Z'), '2026-01-01T10:05:00.000Z').then([recorded(-20, '2026-01-01T09:00:00.000Z', true)]);
    given(storageUnitDecider, [...hot, recorded(-20, '2026-01-01T09:00:00.000Z', true)]).when(at(-3, '2026-01-01T10:06:00.000Z'), '2026-01-01T10:06:00.000Z').then([recorded(-3, '2026-01-01T10:06:00.000Z', false)]);
    // An old out-of-range reading starts nothing on a unit in range now.
    given(storageUnitDecider, [freezer, recorded(-20, '2026-01-01T10:00:00.000Z', true)]).when(at(-5, '2026-01-01T08:00:00.000Z'), '2026-01-01T10:05:00.000Z').then([recorded(-5, '2026-01-01T08:00:00.000Z', false)]);
  });
  it('refuses a unit that does not exist, one without limits, and implausible readings', () => {
    given(storageUnitDecider).when(read(-20)).thenThrows(NotFoundError, 'storage unit f not found');
    given(storageUnitDecider, [site]).when(read(20)).thenThrows(BadInputError, /no temperature limits/);
    given(storageUnitDecider, [freezer]).when(read(Number.NaN)).thenThrows(BadInputError, /not a plausible temperature/);
  });
  it('refuses a reading from more than five minutes ahead of the server, which would stay the latest until then', () => {
    const at = (recordedAt: string) => ({ type: 'RecordTemperature', data: { unitId: 'f', celsius: -20, recordedAt } }) as const;
    given(storageUnitDecider, [freezer]).when(at('2030-01-01T00:00:00.000Z'), '2026-01-01T00:00:00.000Z').thenThrows(BadInputError, /in the future/);
    given(storageUnitDecider, [freezer]).when(at('2026-01-01T00:04:00.000Z'), '2026-01-01T00:00:00.000Z').then([
      { type: 'TemperatureRecorded', data: { unitId: 'f', celsius: -20, recordedAt: '2026-01-01T00:04:00.000Z', inRange: true } },
    ]);
  });
});
