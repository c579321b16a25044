import { describe, expect, it } from 'vitest';
import { BadInputError, ConflictError } from '../../../platform/errors.js';
import {
  checkInSample,
  checkOutSample,
  moveSample,
  releaseReservation,
  removeSample,
  reservePosition,
  storeSample,
  zoneSuits,
  type Custody,
  type PositionState,
  type SampleFacts,
  type Target,
} from './placement.js';

const A1: Target = { positionId: 'p-a1', boxId: 'box', label: 'A1', zone: 'MINUS_80' };
const B2: Target = { positionId: 'p-b2', boxId: 'box', label: 'B2', zone: 'MINUS_80' };
const dna: SampleFacts = { sampleId: 's1', sampleType: 'DNA', status: 'VALIDATED' };
const free: PositionState = { state: 'AVAILABLE', sampleId: null };
const reservedFor = (sampleId: string): PositionState => ({ state: 'RESERVED', sampleId });
const holding = (sampleId: string): PositionState => ({ state: 'OCCUPIED', sampleId });
const nowhere: Custody = { positionId: null, label: null, reservedPositionId: null, checkedOut: false };
const storedAt = (t: Target): Custody => ({ positionId: t.positionId, label: t.label, reservedPositionId: null, checkedOut: false });
const outOf = (t: Target): Custody => ({ ...storedAt(t), checkedOut: true });

describe('placing samples (one sample per position, a sample in at most one position)', () => {
  it('stores a VALIDATED sample in a free position or one reserved for it', () => {
    expect(storeSample(dna, A1, free, nowhere)[0][0]!.type).toBe('PositionFilled');
    expect(storeSample(dna, A1, reservedFor('s1'), { ...nowhere, reservedPositionId: 'p-a1' })[1][0]!.type).toBe('CustodyStored');
  });

  it.each([
    ['an occupied position', holding('s2'), nowhere, ConflictError],
    ['a position reserved for another sample', reservedFor('s2'), nowhere, ConflictError],
    ['a sample already stored elsewhere', free, storedAt(B2), ConflictError],
    ['a sample holding a reservation elsewhere', free, { ...nowhere, reservedPositionId: 'p-b2' }, ConflictError],
    ['a sample checked out from elsewhere', free, outOf(B2), ConflictError],
  ] as const)('refuses %s', (_, position, custody, error) => {
    expect(() => storeSample(dna, A1, position, custody)).toThrow(error);
  });

  it('refuses samples that are not VALIDATED, and the wrong zone', () => {
    expect(() => storeSample({ ...dna, status: 'RECEIVED' }, A1, free, nowhere)).toThrow(BadInputError);
    expect(() => storeSample({ ...dna, sampleType: 'RNA' }, { ...A1, zone: 'MINUS_20' }, free, nowhere)).toThrow(BadInputError);
  });

  it('reserves only free positions, once per sample, and releases only real reservations', () => {
    expect(reservePosition(dna, A1, free, nowhere)[0][0]!.type).toBe('PositionReserved');
    expect(() => reservePosition(dna, A1, reservedFor('s2'), nowhere)).toThrow(ConflictError);
    expect(() => reservePosition(dna, A1, free, { ...nowhere, reservedPositionId: 'p-b2' })).toThrow(ConflictError);
    expect(releaseReservation(A1, reservedFor('s1'), { ...nowhere, reservedPositionId: 'p-a1' })[0][0]!.type).toBe('ReservationReleased');
    expect(() => releaseReservation(A1, free, nowhere)).toThrow(ConflictError);
  });

  it('moves a stored sample to a free position only', () => {
    const [from, to, custody] = moveSample(dna, A1, B2, holding('s1'), free, storedAt(A1));
    expect([from[0]!.type, to[0]!.type, custody[0]!.type]).toEqual(['PositionVacated', 'PositionFilled', 'CustodyMoved']);
    expect(() => moveSample(dna, A1, B2, holding('s1'), holding('s2'), storedAt(A1))).toThrow(ConflictError);
    expect(() => moveSample(dna, A1, B2, holding('s1'), free, outOf(A1))).toThrow(ConflictError);
    expect(() => moveSample(dna, A1, A1, holding('s1'), holding('s1'), storedAt(A1))).toThrow(BadInputError);
  });

  it('checks out (keeping the position held) and back in, each only from the right state', () => {
    const [vacated] = checkOutSample('s1', A1, holding('s1'), storedAt(A1), 'QC aliquot');
    expect(vacated[0]!.data).toMatchObject({ reason: 'CHECKED_OUT' });
    expect(() => checkOutSample('s1', A1, holding('s1'), outOf(A1), 'again')).toThrow(ConflictError);
    expect(() => checkOutSample('s1', A1, holding('s1'), storedAt(A1), ' ')).toThrow(BadInputError);
    expect(checkInSample('s1', A1, reservedFor('s1'), outOf(A1))[1][0]!.type).toBe('CustodyCheckedIn');
    expect(() => checkInSample('s1', A1, holding('s1'), storedAt(A1))).toThrow(ConflictError);
  });

  it('removes a stored sample for good, freeing its position', () => {
    const [vacated, custody] = removeSample('s1', A1, holding('s1'), storedAt(A1), 'submission undone');
    expect(vacated[0]!.data).toMatchObject({ reason: 'REMOVED' });
    expect(custody[0]!.type).toBe('CustodyRemoved');
    expect(() => removeSample('s1', A1, free, nowhere, 'x')).toThrow(ConflictError);
  });

  it('applies the zone rules of API.md', () => {
    expect([zoneSuits('RNA', 'MINUS_80'), zoneSuits('RNA', 'MINUS_20')]).toEqual([true, false]);
    expect([zoneSuits('DNA', 'MINUS_20'), zoneSuits('LIBRARY', 'PLUS_4')]).toEqual([true, false]);
    expect([zoneSuits('BLOOD', 'PLUS_4'), zoneSuits('PLASMA', 'ROOM_TEMPERATURE'), zoneSuits('SALIVA', 'MINUS_80')]).toEqual([true, false, true]);
    expect([zoneSuits('TISSUE', 'PLUS_37'), zoneSuits('OTHER', null)]).toEqual([true, true]);
  });
});
