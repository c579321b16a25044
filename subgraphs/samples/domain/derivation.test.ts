import { describe, expect, it } from 'vitest';
import { foldEvents } from '../../../event-store/decider.js';
import { givenAcross, given } from '../../../event-store/testing/decider-spec.js';
import { BadInputError, ConcurrencyError, ConflictError, InsufficientVolumeError, NotFoundError, StatusForbidsError } from '../../../platform/errors.js';
import { SAMPLE_STATUSES, STATUS_EVENT, type SampleEvent, type SampleRegistered, type SampleStatus, type SampleStatusEvent, type SampleType } from '../events.js';
import { sampleDerivation, type DeriveSample } from './derivation.js';
import { DERIVABLE_STATUSES, sampleDecider } from './sample.js';
import { barcodeDecider } from './barcode.js';

const PARENT = '00000000-0000-4000-8000-0000000000a1';
const CHILD = '00000000-0000-4000-8000-0000000000c1';

const parentRegistered = (sampleType: SampleType = 'BLOOD', volumeUl: number | null = 50): SampleRegistered => ({
  type: 'SampleRegistered',
  data: { sampleId: PARENT, barcode: 'PARENT-0001', sampleType, volumeUl, concentrationNgUl: 12, submitter: 'Ada', projectCode: 'P1', metadata: null, parentId: null },
});
const moved = (from: SampleStatus, to: SampleStatus) => ({ type: STATUS_EVENT[to]!, data: { sampleId: PARENT, from, to, reason: null } }) as SampleStatusEvent;
/** A parent in `status` (the decider reads only the last move's `to`). */
const parentIn = (status: SampleStatus, sampleType: SampleType = 'BLOOD', volumeUl: number | null = 50): SampleEvent[] =>
  status === 'PENDING' ? [parentRegistered(sampleType, volumeUl)] : [parentRegistered(sampleType, volumeUl), moved('PENDING', status)];

const derive = (kind: DeriveSample['data']['kind'], extra: Partial<DeriveSample['data']> = {}): DeriveSample => ({
  type: 'DeriveSample',
  data: { kind, parentId: PARENT, childId: CHILD, barcode: 'CHILD-0001', volumeTakenUl: 10, ...extra },
});
const claimed = { type: 'BarcodeClaimed', data: { barcode: 'CHILD-0001', sampleId: CHILD } } as const;
const taken = (kind: 'ALIQUOT' | 'EXTRACT', volumeTakenUl: number, remainingVolumeUl: number) => ({
  type: 'SampleVolumeTaken',
  data: { sampleId: PARENT, childId: CHILD, kind, volumeTakenUl, remainingVolumeUl },
});
const child = (data: Partial<SampleRegistered['data']>): SampleRegistered => ({
  type: 'SampleRegistered',
  data: { sampleId: CHILD, barcode: 'CHILD-0001', sampleType: 'BLOOD', volumeUl: null, concentrationNgUl: null, submitter: 'Ada', projectCode: 'P1', metadata: null, parentId: PARENT, ...data },
});

describe('aliquoting a sample', () => {
  it('takes the volume from the parent and registers a child of the same type, with the parent and how it was made', () => {
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED') })
      .when(derive('ALIQUOT', { volumeTakenUl: 12.5 }))
      .then({
        parent: [taken('ALIQUOT', 12.5, 37.5) as never],
        child: [child({ volumeUl: 12.5, concentrationNgUl: 12, derivation: { kind: 'ALIQUOT', volumeTakenUl: 12.5 } })],
        barcode: [claimed],
      });
  });

  it('may take everything the parent holds, leaving exactly 0 µL', () => {
    givenAcross(sampleDerivation, { parent: parentIn('IN_STORAGE', 'DNA', 0.3) })
      .when(derive('ALIQUOT', { volumeTakenUl: 0.3, volumeUl: 0.1 }))
      .then({
        parent: [taken('ALIQUOT', 0.3, 0) as never],
        child: [child({ sampleType: 'DNA', volumeUl: 0.1, concentrationNgUl: 12, derivation: { kind: 'ALIQUOT', volumeTakenUl: 0.3 } })],
        barcode: [claimed],
      });
  });

  it('refuses an aliquot that would hold more than the volume taken for it', () => {
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED') })
      .when(derive('ALIQUOT', { volumeTakenUl: 1, volumeUl: 999_999 }))
      .thenThrows(BadInputError, 'an aliquot holds at most the 1 µL taken for it, not 999999 µL');
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED') }).when(derive('ALIQUOT', { volumeTakenUl: 1, volumeUl: 1.001 })).thenThrows(BadInputError, /at most the 1 µL/);
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED') })
      .when(derive('ALIQUOT', { volumeTakenUl: 1, volumeUl: 1 }))
      .then({ parent: [taken('ALIQUOT', 1, 49) as never], child: [child({ volumeUl: 1, concentrationNgUl: 12, derivation: { kind: 'ALIQUOT', volumeTakenUl: 1 } })], barcode: [claimed] });
    const states = { parent: foldEvents(sampleDecider, parentIn('VALIDATED')), child: sampleDecider.initialState(), barcode: barcodeDecider.initialState() };
    expect(() => sampleDerivation.decide(derive('ALIQUOT', { volumeTakenUl: 1, volumeUl: 2 }), states, { now: '2026-01-01T00:00:00.000Z', versions: { parent: 2, child: 0, barcode: 0 } })).toThrow(
      expect.objectContaining({ details: { field: 'volumeUl' } }),
    );
  });

  it('refuses an aliquot of another type than the parent', () => {
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED', 'BLOOD') }).when(derive('ALIQUOT', { sampleType: 'RNA' })).thenThrows(BadInputError, 'an aliquot of a BLOOD sample is BLOOD, not RNA');
  });
});

describe('extracting from a sample', () => {
  it('registers the product type, with the volume the bench measured (unknown when not given)', () => {
    givenAcross(sampleDerivation, { parent: parentIn('RECEIVED', 'BLOOD') })
      .when(derive('EXTRACT', { sampleType: 'DNA', volumeTakenUl: 200 / 1000 }))
      .then({
        parent: [taken('EXTRACT', 0.2, 49.8) as never],
        child: [child({ sampleType: 'DNA', derivation: { kind: 'EXTRACT', volumeTakenUl: 0.2 } })],
        barcode: [claimed],
      });
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED', 'TISSUE') })
      .when(derive('EXTRACT', { sampleType: 'RNA', volumeUl: 30, concentrationNgUl: 85 }))
      .then({
        parent: [taken('EXTRACT', 10, 40) as never],
        child: [child({ sampleType: 'RNA', volumeUl: 30, concentrationNgUl: 85, derivation: { kind: 'EXTRACT', volumeTakenUl: 10 } })],
        barcode: [claimed],
      });
  });

  it.each([['BLOOD', 'RNA'], ['BLOOD', 'PLASMA'], ['SALIVA', 'DNA'], ['CELL_LINE', 'RNA'], ['PLASMA', 'DNA']] as const)('extracts %s → %s', (source, product) => {
    const decided = sampleDerivation.decide(derive('EXTRACT', { sampleType: product }), { parent: foldEvents(sampleDecider, parentIn('VALIDATED', source)), child: { status: 'NONE' }, barcode: { owner: null } }, { now: '2026-01-01T00:00:00.000Z', versions: { parent: 2, child: 0, barcode: 0 } });
    expect(decided.child?.[0]).toMatchObject({ data: { sampleType: product, parentId: PARENT } });
  });

  it('refuses a product the source cannot give, and an extraction that names none', () => {
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED', 'DNA') }).when(derive('EXTRACT', { sampleType: 'RNA' })).thenThrows(BadInputError, 'RNA cannot be extracted from DNA (nothing can)');
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED', 'BLOOD') }).when(derive('EXTRACT', { sampleType: 'LIBRARY' })).thenThrows(BadInputError, 'only DNA, RNA, PLASMA');
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED', 'BLOOD') }).when(derive('EXTRACT')).thenThrows(BadInputError, 'needs the sample type it produces');
  });
});

describe('what a derivation refuses', () => {
  it('derives only from a sample the lab holds and may still use: received, not rejected, not final', () => {
    expect([...DERIVABLE_STATUSES].sort()).toEqual(['FAILED', 'IN_SEQUENCING', 'IN_STORAGE', 'RECEIVED', 'SEQUENCED', 'VALIDATED']);
  });

  it.each(SAMPLE_STATUSES)('a parent in %s', (status) => {
    for (const kind of ['ALIQUOT', 'EXTRACT'] as const) {
      const when = givenAcross(sampleDerivation, { parent: parentIn(status) }).when(derive(kind, { sampleType: kind === 'EXTRACT' ? 'DNA' : null }));
      if (DERIVABLE_STATUSES.includes(status)) when.then({ parent: [taken(kind, 10, 40) as never], child: [child({ sampleType: kind === 'EXTRACT' ? 'DNA' : 'BLOOD', volumeUl: kind === 'ALIQUOT' ? 10 : null, concentrationNgUl: kind === 'ALIQUOT' ? 12 : null, derivation: { kind, volumeTakenUl: 10 } })], barcode: [claimed] });
      else when.thenThrows(StatusForbidsError, `a ${status} sample cannot be ${kind === 'ALIQUOT' ? 'aliquoted' : 'extracted from'}`);
    }
  });

  it('refuses to take more than the parent holds, saying how much it holds', () => {
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED', 'BLOOD', 10) }).when(derive('ALIQUOT', { volumeTakenUl: 10.001 })).thenThrows(InsufficientVolumeError, 'holds 10 µL, less than the 10.001 µL asked for');
    try {
      sampleDecider.decide({ type: 'TakeSampleVolume', data: { sampleId: PARENT, childId: CHILD, kind: 'ALIQUOT', volumeTakenUl: 11 } }, foldEvents(sampleDecider, parentIn('VALIDATED', 'BLOOD', 10)), { now: '', version: 2 });
      expect.unreachable();
    } catch (error) {
      expect((error as InsufficientVolumeError).code).toBe('INSUFFICIENT_VOLUME');
      expect((error as InsufficientVolumeError).details).toEqual({ requestedUl: 11, remainingUl: 10 });
    }
  });

  it('refuses to take from a parent whose volume was never recorded', () => {
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED', 'BLOOD', null) }).when(derive('ALIQUOT')).thenThrows(InsufficientVolumeError, 'has no recorded volume');
  });

  it.each([0, -1, 0.0004, Number.NaN, Number.POSITIVE_INFINITY, 1e300])('refuses to take %s µL', (volumeTakenUl) => {
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED') }).when(derive('ALIQUOT', { volumeTakenUl })).thenThrows(BadInputError, /volumeTakenUl must be a volume > 0/);
  });

  it('refuses a parent that does not exist, a child barcode already claimed, and a stale expectedVersion', () => {
    givenAcross(sampleDerivation).when(derive('ALIQUOT')).thenThrows(NotFoundError, `sample ${PARENT} not found`);
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED'), barcode: [{ type: 'BarcodeClaimed', data: { barcode: 'CHILD-0001', sampleId: 'other' } }] })
      .when(derive('ALIQUOT'))
      .thenThrows(ConflictError, 'barcode CHILD-0001 is already registered');
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED') }).when(derive('ALIQUOT', { expectedParentVersion: 1 })).thenThrows(ConcurrencyError, 'is at version 2, expected 1');
    givenAcross(sampleDerivation, { parent: parentIn('VALIDATED') }).when(derive('ALIQUOT', { expectedParentVersion: 2 })).then({
      parent: [taken('ALIQUOT', 10, 40) as never],
      child: [child({ volumeUl: 10, concentrationNgUl: 12, derivation: { kind: 'ALIQUOT', volumeTakenUl: 10 } })],
      barcode: [claimed],
    });
  });

  it('refuses a derivation record without a parent on plain registration', () => {
    given(sampleDecider).when({ type: 'RegisterSample', data: { sampleId: CHILD, barcode: 'CHILD-0001', sampleType: 'DNA', derivation: { kind: 'ALIQUOT', volumeTakenUl: 1 } } }).thenThrows(BadInputError, /needs its parent/);
  });
});

describe('the parent after a derivation', () => {
  it('holds the remaining volume the event recorded, and the child records its parent and derivation', () => {
    const history = [...parentIn('VALIDATED'), taken('ALIQUOT', 12.5, 37.5) as SampleEvent];
    expect(foldEvents(sampleDecider, history)).toMatchObject({ volumeUl: 37.5, status: 'VALIDATED' });
    expect(foldEvents(sampleDecider, [child({ derivation: { kind: 'EXTRACT', volumeTakenUl: 1 } })])).toMatchObject({ parentId: PARENT, derivation: { kind: 'EXTRACT', volumeTakenUl: 1 } });
    expect(foldEvents(sampleDecider, [parentRegistered()])).toMatchObject({ derivation: null });
  });
});
