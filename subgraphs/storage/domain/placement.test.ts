import { describe, expect, it } from 'vitest';
import { given, givenAcross } from '../../../event-store/testing/decider-spec.js';
import { BadInputError, ConflictError } from '../../../platform/errors.js';
import type { CustodyEvent, PositionEvent } from '../events.js';
import { parseZoneRules, zonesFor } from '../../../platform/lab-rules.js';
import { custodyDecider, placement, positionDecider, PositionTakenError, sampleMove, zoneSuits, type SampleFacts, type Target } from './placement.js';

const A1: Target = { positionId: 'p-a1', boxId: 'box', label: 'A1', zone: 'MINUS_80' };
const B2: Target = { positionId: 'p-b2', boxId: 'box', label: 'B2', zone: 'MINUS_80' };
const dna: SampleFacts = { sampleId: 's1', sampleType: 'DNA', status: 'VALIDATED', zones: zonesFor('DNA') };
const at = (t: Target, sampleId = 's1') => ({ positionId: t.positionId, boxId: t.boxId, label: t.label, sampleId });
const held = (t: Target, sampleId = 's1') => ({ sampleId, positionId: t.positionId, label: t.label });

// Position facts
const reserved = (t: Target, sampleId = 's1'): PositionEvent => ({ type: 'PositionReserved', data: at(t, sampleId) });
const released = (t: Target, sampleId = 's1'): PositionEvent => ({ type: 'ReservationReleased', data: at(t, sampleId) });
const filled = (t: Target, sampleId = 's1'): PositionEvent => ({ type: 'PositionFilled', data: at(t, sampleId) });
const vacated = (t: Target, reason: 'MOVED' | 'CHECKED_OUT' | 'REMOVED', sampleId = 's1'): PositionEvent => ({ type: 'PositionVacated', data: { ...at(t, sampleId), reason } });
// Custody facts
const custodyReserved = (t: Target): CustodyEvent => ({ type: 'CustodyReserved', data: held(t) });
const custodyReleased = (t: Target): CustodyEvent => ({ type: 'CustodyReservationReleased', data: held(t) });
const stored = (t: Target): CustodyEvent => ({ type: 'CustodyStored', data: held(t) });
const checkedOut = (t: Target, reason = 'QC aliquot'): CustodyEvent => ({ type: 'CustodyCheckedOut', data: { ...held(t), reason } });
const checkedIn = (t: Target): CustodyEvent => ({ type: 'CustodyCheckedIn', data: held(t) });
const removed = (t: Target, reason: string): CustodyEvent => ({ type: 'CustodyRemoved', data: { ...held(t), reason } });
const moved = (from: Target, to: Target): CustodyEvent => ({ type: 'CustodyMoved', data: { ...held(to), fromPositionId: from.positionId, fromLabel: from.label } });

const reserve = (sample: SampleFacts = dna, target: Target = A1) => ({ type: 'ReservePosition', data: { sample, target } }) as const;
const release = (target: Target = A1) => ({ type: 'ReleaseReservation', data: { sampleId: 's1', target } }) as const;
const store = (sample: SampleFacts = dna, target: Target = A1) => ({ type: 'StoreSample', data: { sample, target } }) as const;
const checkOut = (reason = 'QC aliquot', target: Target = A1) => ({ type: 'CheckOutSample', data: { sampleId: 's1', target, reason } }) as const;
const checkIn = (target: Target = A1) => ({ type: 'CheckInSample', data: { sampleId: 's1', target } }) as const;
const remove = (reason = 'submission undone', target: Target = A1) => ({ type: 'RemoveSample', data: { sampleId: 's1', target, reason } }) as const;
const move = (from: Target, to: Target) => ({ type: 'MoveSample', data: { sample: dna, from, to } }) as const;

describe('storing a sample (one sample per position, a sample in at most one position)', () => {
  it('stores a VALIDATED sample in a free position', () => {
    givenAcross(placement).when(store()).then({ position: [filled(A1)], custody: [stored(A1)] });
  });
  it('stores it in the position reserved for it', () => {
    givenAcross(placement, { position: [reserved(A1)], custody: [custodyReserved(A1)] }).when(store()).then({ position: [filled(A1)], custody: [stored(A1)] });
  });
  it('puts a checked-out sample back where it was as a check-in', () => {
    givenAcross(placement, { position: [filled(A1), vacated(A1, 'CHECKED_OUT')], custody: [stored(A1), checkedOut(A1)] })
      .when(store({ ...dna, status: 'IN_STORAGE' }))
      .then({ position: [filled(A1)], custody: [checkedIn(A1)] });
  });
  it.each([
    ['an occupied position', { position: [filled(A1, 's2')] }, /position A1 is occupied/],
    ['a position reserved for another sample', { position: [reserved(A1, 's2')] }, /position A1 is reserved/],
    ['a sample already stored elsewhere', { custody: [stored(B2)] }, /already stored at B2/],
    ['a sample holding a reservation elsewhere', { custody: [custodyReserved(B2)] }, /reservation for another position/],
    ['a sample checked out from elsewhere', { custody: [stored(B2), checkedOut(B2)] }, /checked out from B2: check it in there, then move it/],
  ] as const)('refuses %s', (_, history, message) => {
    givenAcross(placement, history).when(store()).thenThrows(ConflictError, message);
  });
  it('stores a RECEIVED sample (it waits for QC in the cold)', () => {
    givenAcross(placement).when(store({ ...dna, status: 'RECEIVED' })).then({ position: [filled(A1)], custody: [stored(A1)] });
  });
  it('stores (and reserves for) an IN_STORAGE sample taken out of storage for good, which API.md leaves IN_STORAGE', () => {
    const out = { custody: [stored(B2), removed(B2, 'moved to another site')] };
    givenAcross(placement, out).when(store({ ...dna, status: 'IN_STORAGE' })).then({ position: [filled(A1)], custody: [stored(A1)] });
    givenAcross(placement, out).when(reserve({ ...dna, status: 'IN_STORAGE' })).then({ position: [reserved(A1)], custody: [custodyReserved(A1)] });
    givenAcross(placement, { custody: [stored(B2)] }).when(store({ ...dna, status: 'IN_STORAGE' })).thenThrows(ConflictError, /already stored at B2/);
  });
  it('refuses samples that are not RECEIVED or VALIDATED, and the wrong zone', () => {
    givenAcross(placement).when(store({ ...dna, status: 'PENDING' })).thenThrows(BadInputError, /only RECEIVED or VALIDATED samples, or IN_STORAGE ones taken out of storage/);
    givenAcross(placement).when(store({ ...dna, status: 'DISCARDED' })).thenThrows(BadInputError, /only RECEIVED or VALIDATED samples, or IN_STORAGE ones taken out of storage/);
    givenAcross(placement).when(store({ ...dna, sampleType: 'RNA', zones: zonesFor('RNA') }, { ...A1, zone: 'MINUS_20' })).thenThrows(BadInputError, /RNA samples cannot be kept in a MINUS_20 box/);
  });
});

describe('reserving and releasing a position', () => {
  it('reserves a free position for a VALIDATED sample', () => {
    givenAcross(placement).when(reserve()).then({ position: [reserved(A1)], custody: [custodyReserved(A1)] });
  });
  it('refuses a position someone holds, as taken (the free-position search moves on)', () => {
    givenAcross(placement, { position: [reserved(A1, 's2')] }).when(reserve()).thenThrows(PositionTakenError, /position A1 is reserved/);
  });
  it.each([
    ['a sample already stored', { custody: [stored(B2)] }, /already stored at B2/],
    ['a second reservation', { custody: [custodyReserved(B2)] }, /already holds a reservation/],
    ['a checked-out sample (its own position is held for it)', { custody: [stored(B2), checkedOut(B2)] }, /checked out from B2: check it in there first/],
  ] as const)('refuses %s', (_, history, message) => {
    givenAcross(placement, history).when(reserve()).thenThrows(ConflictError, message);
  });
  it('reserves for a RECEIVED sample', () => {
    givenAcross(placement).when(reserve({ ...dna, status: 'RECEIVED' })).then({ position: [reserved(A1)], custody: [custodyReserved(A1)] });
  });
  it('refuses samples that are not RECEIVED or VALIDATED, and the wrong zone', () => {
    givenAcross(placement).when(reserve({ ...dna, status: 'PENDING' })).thenThrows(BadInputError, /only RECEIVED or VALIDATED samples, or IN_STORAGE ones taken out of storage/);
    givenAcross(placement).when(reserve({ ...dna, sampleType: 'RNA', zones: zonesFor('RNA') }, { ...A1, zone: 'MINUS_20' })).thenThrows(BadInputError, /needs MINUS_80/);
  });
  it('releases a real reservation', () => {
    givenAcross(placement, { position: [reserved(A1)], custody: [custodyReserved(A1)] }).when(release()).then({ position: [released(A1)], custody: [custodyReleased(A1)] });
  });
  it('refuses to release what is not reserved', () => {
    givenAcross(placement).when(release()).thenThrows(ConflictError, /position A1 holds no reservation/);
    givenAcross(placement, { position: [filled(A1), vacated(A1, 'CHECKED_OUT')], custody: [stored(A1), checkedOut(A1)] }).when(release()).thenThrows(ConflictError, /holds no reservation/);
  });
});

describe('moving a stored sample', () => {
  const storedAtA1 = { from: [filled(A1)], custody: [stored(A1)] };
  it('moves it to a free position', () => {
    givenAcross(sampleMove, storedAtA1).when(move(A1, B2)).then({ from: [vacated(A1, 'MOVED')], to: [filled(B2)], custody: [moved(A1, B2)] });
  });
  it('refuses a taken position, a checked-out sample, and the position it is in', () => {
    givenAcross(sampleMove, { ...storedAtA1, to: [filled(B2, 's2')] }).when(move(A1, B2)).thenThrows(ConflictError, /position B2 is occupied/);
    givenAcross(sampleMove, { from: [filled(A1), vacated(A1, 'CHECKED_OUT')], custody: [stored(A1), checkedOut(A1)] }).when(move(A1, B2)).thenThrows(ConflictError, /not in storage/);
    givenAcross(sampleMove, storedAtA1).when(move(A1, A1)).thenThrows(BadInputError, /already in that position/);
  });
  it('refuses a from-position that does not hold the sample, and the wrong zone', () => {
    givenAcross(sampleMove, { from: [filled(A1, 's2')], custody: [stored(A1)] }).when(move(A1, B2)).thenThrows(ConflictError, /position A1 does not hold this sample/);
    givenAcross(sampleMove, storedAtA1).when({ type: 'MoveSample', data: { sample: dna, from: A1, to: { ...B2, zone: 'PLUS_4' } } }).thenThrows(BadInputError, /DNA samples cannot be kept/);
  });
});

describe('checking out, in, and removing', () => {
  const storedAtA1 = { position: [filled(A1)], custody: [stored(A1)] };
  const outOfA1 = { position: [filled(A1), vacated(A1, 'CHECKED_OUT')], custody: [stored(A1), checkedOut(A1)] };
  it('checks a stored sample out, keeping its position held', () => {
    givenAcross(placement, storedAtA1).when(checkOut(' QC aliquot ')).then({ position: [vacated(A1, 'CHECKED_OUT')], custody: [checkedOut(A1)] });
  });
  it('refuses a check-out twice, from a position not holding it, or without a reason', () => {
    givenAcross(placement, outOfA1).when(checkOut()).thenThrows(ConflictError, /sample is not in storage/);
    givenAcross(placement, { position: [], custody: [stored(A1)] }).when(checkOut()).thenThrows(ConflictError, /position A1 does not hold this sample/);
    givenAcross(placement, storedAtA1).when(checkOut(' ')).thenThrows(BadInputError, /reason is required to check a sample out/);
  });
  it('checks it back in to the held position', () => {
    givenAcross(placement, outOfA1).when(checkIn()).then({ position: [filled(A1)], custody: [checkedIn(A1)] });
  });
  it('refuses a check-in of a sample not checked out, or into a position no longer held', () => {
    givenAcross(placement, storedAtA1).when(checkIn()).thenThrows(ConflictError, /sample is not checked out/);
    givenAcross(placement, { position: [filled(A1, 's2')], custody: outOfA1.custody }).when(checkIn()).thenThrows(ConflictError, /no longer held for this sample/);
  });
  it('removes a stored (or checked-out) sample for good, freeing its position', () => {
    givenAcross(placement, storedAtA1).when(remove()).then({ position: [vacated(A1, 'REMOVED')], custody: [removed(A1, 'submission undone')] });
    givenAcross(placement, outOfA1).when(remove()).then({ position: [vacated(A1, 'REMOVED')], custody: [removed(A1, 'submission undone')] });
  });
  it('refuses to remove a sample not in storage, from a position not holding it, or without a reason', () => {
    givenAcross(placement).when(remove()).thenThrows(ConflictError, /sample is not in storage/);
    givenAcross(placement, { position: [filled(A1, 's2')], custody: [stored(A1)] }).when(remove()).thenThrows(ConflictError, /does not hold this sample/);
    givenAcross(placement, storedAtA1).when(remove('  ')).thenThrows(BadInputError, /reason is required to remove a sample from storage/);
  });
});

describe('each stream keeps its own invariant', () => {
  it('a position: one sample at a time', () => {
    given(positionDecider).when({ type: 'ReservePosition', data: { target: A1, sampleId: 's1' } }).then([reserved(A1)]);
    given(positionDecider, [reserved(A1, 's2')]).when({ type: 'FillPosition', data: { target: A1, sampleId: 's1' } }).thenThrows(ConflictError, /is reserved/);
    given(positionDecider, [filled(A1)]).when({ type: 'VacatePosition', data: { target: A1, sampleId: 's1', reason: 'MOVED' } }).then([vacated(A1, 'MOVED')]);
    given(positionDecider, [filled(A1), vacated(A1, 'CHECKED_OUT')]).when({ type: 'ReturnToPosition', data: { target: A1, sampleId: 's1' } }).then([filled(A1)]);
    given(positionDecider).when({ type: 'ReleasePosition', data: { target: A1 } }).thenThrows(ConflictError, /holds no reservation/);
  });
  it('a custody record: one position per sample', () => {
    given(custodyDecider).when({ type: 'StoreCustody', data: { sampleId: 's1', target: A1 } }).then([stored(A1)]);
    given(custodyDecider, [stored(A1)]).when({ type: 'ReserveCustody', data: { sampleId: 's1', target: B2 } }).thenThrows(ConflictError, /already stored at A1/);
    given(custodyDecider, [stored(A1), checkedOut(A1), checkedIn(A1)]).when({ type: 'MoveCustody', data: { sampleId: 's1', from: A1, to: B2 } }).then([moved(A1, B2)]);
    given(custodyDecider, [stored(A1), removed(A1, 'gone')]).when({ type: 'RemoveCustody', data: { sampleId: 's1', target: A1, reason: 'again' } }).thenThrows(ConflictError, /not in storage/);
  });
});

describe('zones', () => {
  it('applies the zone rules of API.md', () => {
    expect([zoneSuits('RNA', 'MINUS_80'), zoneSuits('RNA', 'MINUS_20')]).toEqual([true, false]);
    expect([zoneSuits('DNA', 'MINUS_20'), zoneSuits('LIBRARY', 'PLUS_4')]).toEqual([true, false]);
    expect([zoneSuits('BLOOD', 'PLUS_4'), zoneSuits('PLASMA', 'ROOM_TEMPERATURE'), zoneSuits('SALIVA', 'MINUS_80')]).toEqual([true, false, true]);
    expect([zoneSuits('TISSUE', 'PLUS_37'), zoneSuits('OTHER', null)]).toEqual([true, true]);
  });
  it('keeps anything that −80 °C keeps in CRYO (below −130 °C)', () => {
    for (const type of ['RNA', 'DNA', 'LIBRARY', 'BLOOD', 'PLASMA', 'SALIVA']) expect(zoneSuits(type, 'CRYO'), type).toBe(true);
  });
  it('takes the lab configuration over the defaults, per sample type', () => {
    const lab = parseZoneRules('{"SALIVA": ["MINUS_80", "PLUS_4", "ROOM_TEMPERATURE"], "CELL_LINE": ["CRYO"], "RNA": []}');
    expect([zoneSuits('SALIVA', 'ROOM_TEMPERATURE'), zoneSuits('SALIVA', 'ROOM_TEMPERATURE', lab), zoneSuits('SALIVA', 'MINUS_20', lab)]).toEqual([false, true, false]);
    expect([zoneSuits('CELL_LINE', 'PLUS_37'), zoneSuits('CELL_LINE', 'PLUS_37', lab), zoneSuits('CELL_LINE', 'CRYO', lab)]).toEqual([true, false, true]);
    expect([zoneSuits('RNA', 'PLUS_4', lab), zoneSuits('DNA', 'PLUS_4', lab)]).toEqual([true, false]);
    const saliva: SampleFacts = { sampleId: 's1', sampleType: 'SALIVA', status: 'RECEIVED', zones: zonesFor('SALIVA', lab) };
    givenAcross(placement).when(store(saliva, { ...A1, zone: 'ROOM_TEMPERATURE' })).then({ position: [filled(A1)], custody: [stored(A1)] });
    givenAcross(placement).when(store({ ...saliva, zones: zonesFor('SALIVA') }, { ...A1, zone: 'ROOM_TEMPERATURE' })).thenThrows(BadInputError, /SALIVA samples cannot be kept in a ROOM_TEMPERATURE box/);
  });
  it('refuses a lab configuration it cannot apply, naming every problem', () => {
    expect(() => parseZoneRules('not json')).toThrow(/JSON object/);
    expect(() => parseZoneRules('["RNA"]')).toThrow(/JSON object/);
    expect(() => parseZoneRules('{"PLUTONIUM": ["CRYO"], "RNA": ["MINUS_273"], "DNA": "CRYO"}')).toThrow(/unknown sample type PLUTONIUM; RNA needs a list of zones .*; DNA needs a list of zones/);
  });
});
