import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../../event-store/decider.js';
import { DomainError } from '../../../platform/errors.js';
import type { CustodyEvent, PositionEvent, StorageUnitCreated, StorageUnitEvent, TemperatureZone } from '../events.js';
import { custodyDecider, placement, positionDecider, sampleMove, type Custody, type PlacementCommand, type PositionState, type SampleFacts, type Target } from './placement.js';
import { storageUnitDecider, type CreateStorageUnitData, type StorageUnitState } from './storage-unit.js';

const SEED = 19;
const env = <E extends { type: string }>(event: E): Envelope<never> => ({ ...event, occurredAt: '2026-11-21T10:00:00.000Z', streamVersion: 1 }) as never;

const NOW = '2026-11-21T10:00:00.000Z';
const createStorageUnit = (data: CreateStorageUnitData, parent: StorageUnitState | null): StorageUnitCreated[] => {
  const events = storageUnitDecider.decide({ type: 'CreateStorageUnit', data: { ...data, parent } }, storageUnitDecider.initialState(), { now: NOW, version: 0 });
  const created = events.filter((event): event is StorageUnitCreated => event.type === 'StorageUnitCreated');
  expect(created).toHaveLength(events.length);
  return created;
};
const recordTemperature = (unit: StorageUnitState, celsius: number, recordedAt: string) =>
  storageUnitDecider.decide({ type: 'RecordTemperature', data: { unitId: 'f', celsius, recordedAt } }, unit, { now: NOW, version: 1 });
/** One placement decision, as [position events, custody events]. */
const place = (command: PlacementCommand, position: PositionState, custody: Custody): [PositionEvent[], CustodyEvent[]] => {
  const events = placement.decide(command, { position, custody }, { now: NOW, versions: { position: 0, custody: 0 } });
  return [[...(events.position ?? [])], [...(events.custody ?? [])]];
};
const move = (sample: SampleFacts, from: Target, to: Target, fromPosition: PositionState, toPosition: PositionState, custody: Custody): [PositionEvent[], PositionEvent[], CustodyEvent[]] => {
  const events = sampleMove.decide({ type: 'MoveSample', data: { sample, from, to } }, { from: fromPosition, to: toPosition, custody }, { now: NOW, versions: { from: 0, to: 0, custody: 0 } });
  return [[...(events.from ?? [])], [...(events.to ?? [])], [...(events.custody ?? [])]];
};

const decide = <T>(run: () => T): T | DomainError => {
  try {
    return run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
};

const ZONES: TemperatureZone[] = ['MINUS_80', 'MINUS_20', 'PLUS_4', 'ROOM_TEMPERATURE', 'PLUS_37'];
const facility = () => storageUnitDecider.evolve(storageUnitDecider.initialState(), env(createStorageUnit({ unitId: 'site', name: 'Site', kind: 'FACILITY' }, null)[0]!));
const freezer = (): StorageUnitState => storageUnitDecider.evolve(storageUnitDecider.initialState(), env(createStorageUnit({ unitId: 'f', name: 'F', kind: 'FREEZER', parentId: 'site', zone: 'MINUS_20' }, facility())[0]!));
const anyNumber = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -273.15, 200, 1e308), fc.constant(null));

describe('storage unit decider, for any input', () => {
  it('creates a consistent unit or refuses with a domain error', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.constantFrom('', ' ', 'x'.repeat(101), 'Freezer 1')),
        fc.constantFrom('FACILITY', 'FREEZER', 'RACK', 'BOX') as fc.Arbitrary<'FACILITY' | 'FREEZER' | 'RACK' | 'BOX'>,
        fc.option(fc.constantFrom(...ZONES), { nil: null }),
        fc.oneof(fc.integer({ min: -5, max: 60 }), fc.double(), fc.constant(null)),
        fc.oneof(fc.integer({ min: -5, max: 60 }), fc.double(), fc.constant(null)),
        anyNumber,
        anyNumber,
        (name, kind, zone, rows, columns, minTempC, maxTempC) => {
          const parent = kind === 'FACILITY' ? null : kind === 'FREEZER' ? facility() : freezer();
          const outcome = decide(() => createStorageUnit({ unitId: 'u', name, kind, parentId: parent ? (parent as { id: string }).id : null, zone, rows, columns, minTempC, maxTempC }, parent));
          if (outcome instanceof DomainError) return;
          const data = outcome[0]!.data;
          expect(data.name.length).toBeGreaterThan(0);
          expect(data.name.length).toBeLessThanOrEqual(100);
          if (data.minTempC !== null && data.maxTempC !== null) expect(data.minTempC).toBeLessThan(data.maxTempC);
          if (kind === 'BOX') expect(Number.isInteger(data.rows) && Number.isInteger(data.columns)).toBe(true);
          // A facility has no zone, a freezer the one it was given, a rack or box its freezer's.
          expect(data.zone).toBe(kind === 'FACILITY' ? null : kind === 'FREEZER' ? zone : 'MINUS_20');
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('is in an excursion exactly when its latest plausible reading was out of range', () => {
    fc.assert(
      fc.property(fc.array(anyNumber.filter((n): n is number => n !== null), { maxLength: 30 }), (readings) => {
        let unit = freezer();
        let lastInRange: boolean | null = null;
        for (const celsius of readings) {
          const outcome = decide(() => recordTemperature(unit, celsius, '2026-11-21T10:00:00.000Z'));
          if (outcome instanceof DomainError) {
            expect(Number.isFinite(celsius) && celsius >= -273.15 && celsius <= 200).toBe(false);
            continue;
          }
          for (const event of outcome as StorageUnitEvent[]) unit = storageUnitDecider.evolve(unit, env(event));
          lastInRange = celsius >= -25 && celsius <= -15;
        }
        expect((unit as { inExcursion: boolean }).inExcursion).toBe(lastInRange === false);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('placement deciders, for any sequence of commands', () => {
  const targets: Target[] = [
    { positionId: 'p1', boxId: 'b', label: 'A1', zone: 'MINUS_80' },
    { positionId: 'p2', boxId: 'b', label: 'A2', zone: 'MINUS_80' },
  ];
  const samples = ['s1', 's2'];
  const command = fc.record({
    op: fc.constantFrom('reserve', 'release', 'store', 'move', 'checkOut', 'checkIn', 'remove'),
    sample: fc.nat(1),
    target: fc.nat(1),
    reason: fc.constantFrom('', ' ', 'audit'),
  });

  it('keeps one sample per position and each sample in at most one position', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        const positions: Record<string, PositionState> = { p1: positionDecider.initialState(), p2: positionDecider.initialState() };
        const custody: Record<string, Custody> = { s1: custodyDecider.initialState(), s2: custodyDecider.initialState() };
        for (const { op, sample: s, target: t, reason } of commands) {
          const sampleId = samples[s]!;
          const target = targets[t]!;
          const other = targets[1 - t]!;
          const facts = { sampleId, sampleType: 'DNA', status: 'VALIDATED', zones: ['MINUS_80', 'MINUS_20', 'CRYO'] as const };
          const own = custody[sampleId]!;
          const from = targets.find((x) => x.positionId === own.positionId) ?? target;
          const outcome = decide((): [PositionEvent[], ...unknown[]] => {
            switch (op) {
              case 'reserve': return place({ type: 'ReservePosition', data: { sample: facts, target } }, positions[target.positionId]!, own);
              case 'release': return place({ type: 'ReleaseReservation', data: { sampleId, target } }, positions[target.positionId]!, own);
              case 'store': return place({ type: 'StoreSample', data: { sample: facts, target } }, positions[target.positionId]!, own);
              case 'move': return move(facts, from, other, positions[from.positionId]!, positions[other.positionId]!, own);
              case 'checkOut': return place({ type: 'CheckOutSample', data: { sampleId, target: from, reason } }, positions[from.positionId]!, own);
              case 'checkIn': return place({ type: 'CheckInSample', data: { sampleId, target: from } }, positions[from.positionId]!, own);
              default: return place({ type: 'RemoveSample', data: { sampleId, target: from, reason } }, positions[from.positionId]!, own);
            }
          });
          if (outcome instanceof DomainError) continue;
          const events = outcome.flat() as Array<PositionEvent | CustodyEvent>;
          for (const event of events) {
            if (event.type.startsWith('Custody')) custody[sampleId] = custodyDecider.evolve(custody[sampleId]!, env(event));
            else positions[(event as PositionEvent).data.positionId] = positionDecider.evolve(positions[(event as PositionEvent).data.positionId]!, env(event));
          }
        }
        for (const position of Object.values(positions)) {
          if (position.state === 'AVAILABLE') expect(position.sampleId).toBeNull();
          else expect(samples).toContain(position.sampleId);
        }
        for (const sampleId of samples) {
          const held = Object.entries(positions).filter(([, p]) => p.sampleId === sampleId);
          expect(held.length).toBeLessThanOrEqual(1);
          const own = custody[sampleId]!;
          if (own.positionId && !own.checkedOut) expect(positions[own.positionId]).toEqual({ state: 'OCCUPIED', sampleId });
          if (own.positionId && own.checkedOut) expect(positions[own.positionId]).toEqual({ state: 'RESERVED', sampleId });
        }
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});

describe('defects the properties found', () => {
  it('refuses a second position for a checked-out sample (its own is held for its return)', () => {
    const [a1, a2] = [{ positionId: 'p1', boxId: 'b', label: 'A1', zone: 'MINUS_80' as const }, { positionId: 'p2', boxId: 'b', label: 'A2', zone: 'MINUS_80' as const }];
    const checkedOut: Custody = { positionId: 'p1', label: 'A1', reservedPositionId: null, checkedOut: true };
    expect(() => place({ type: 'ReservePosition', data: { sample: { sampleId: 's1', sampleType: 'DNA', status: 'IN_STORAGE', zones: null }, target: a2 } }, positionDecider.initialState(), checkedOut)).toThrow(/checked out from A1/);
    expect(a1.label).toBe('A1');
  });

  it('refuses temperature limits that are not plausible temperatures', () => {
    for (const minTempC of [Number.NaN, Number.NEGATIVE_INFINITY, -300, 1e308]) {
      expect(() => createStorageUnit({ unitId: 'u', name: 'Bench', kind: 'FACILITY', minTempC, maxTempC: 30 }, null)).toThrow(/minTempC is not a plausible temperature/);
    }
  });
});
