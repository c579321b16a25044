import { describe, expect, it } from 'vitest';
import { given, givenAcross, SPEC_NOW } from '../../../event-store/testing/decider-spec.js';
import { foldEvents } from '../../../event-store/decider.js';
import { BadInputError, ConflictError, InvalidTransitionError, NotFoundError } from '../../../platform/errors.js';
import { SAMPLE_STATUSES, STATUS_EVENT, type BarcodeClaimed, type SampleEvent, type SampleRegistered, type SampleStatus, type SampleStatusEvent } from '../events.js';
import { barcodeDecider } from './barcode.js';
import { sampleRegistration } from './registration.js';
import { moveTo, sampleDecider, TRANSITIONS, type RegisterSample } from './sample.js';
import { MAX_CONCENTRATION_NG_UL, MAX_VOLUME_UL } from '../../../platform/lab-rules.js';
import { INPUT_LIMITS } from '../../../platform/graphql/input-bounds.js';

const ID = '00000000-0000-4000-8000-000000000001';
const register = (barcode = 'SMP-000001', extra: Partial<RegisterSample['data']> = {}): RegisterSample => ({ type: 'RegisterSample', data: { sampleId: ID, barcode, sampleType: 'DNA', ...extra } });
const registered = (barcode = 'SMP-000001'): SampleRegistered => ({
  type: 'SampleRegistered',
  data: { sampleId: ID, barcode, sampleType: 'DNA', volumeUl: null, concentrationNgUl: null, submitter: null, projectCode: null, metadata: null, parentId: null },
});
const movedTo = (from: SampleStatus, to: SampleStatus, reason: string | null = null) => ({ type: STATUS_EVENT[to]!, data: { sampleId: ID, from, to, reason } }) as SampleStatusEvent;
/** A history that leaves the sample in `status` (the decider only reads the last move's `to`). */
const historyTo = (status: SampleStatus): SampleEvent[] => (status === 'PENDING' ? [registered()] : [registered(), movedTo('PENDING', status)]);

/** API.md's table, written out independently of the implementation's. */
const ALLOWED = `PENDING→RECEIVED PENDING→REJECTED PENDING→DISCARDED RECEIVED→VALIDATED RECEIVED→REJECTED RECEIVED→DISCARDED
  VALIDATED→IN_STORAGE VALIDATED→IN_SEQUENCING VALIDATED→REJECTED VALIDATED→DISCARDED IN_STORAGE→IN_SEQUENCING IN_STORAGE→DISCARDED
  IN_SEQUENCING→SEQUENCED IN_SEQUENCING→FAILED FAILED→VALIDATED FAILED→DISCARDED SEQUENCED→ARCHIVED REJECTED→PENDING REJECTED→DISCARDED`
  .split(/\s+/)
  .filter(Boolean);

describe('sample status transitions', () => {
  const pairs = SAMPLE_STATUSES.flatMap((from) => SAMPLE_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)('%s → %s follows the API table', (from, to) => {
    const when = given(sampleDecider, historyTo(from)).when(moveTo(to, ID, 'because'));
    if (ALLOWED.includes(`${from}→${to}`)) {
      when.then([movedTo(from, to, 'because')]);
      expect(foldEvents(sampleDecider, [...historyTo(from), movedTo(from, to, 'because')])).toMatchObject({ status: to, statusReason: 'because' });
    } else {
      when.thenThrows(InvalidTransitionError, new RegExp(`${from}.*${to}`));
      try {
        sampleDecider.decide(moveTo(to, ID, 'because'), foldEvents(sampleDecider, historyTo(from)), { now: SPEC_NOW, version: 2 });
      } catch (error) {
        expect((error as InvalidTransitionError).details).toEqual({ from, to });
      }
    }
  });

  it('keeps the implementation table equal to the API table', () => {
    const implemented = Object.entries(TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}→${to}`));
    expect(implemented.sort()).toEqual([...ALLOWED].sort());
  });

  it('needs a reason to reject or discard', () => {
    given(sampleDecider, historyTo('RECEIVED')).when(moveTo('REJECTED', ID, '  ')).thenThrows(BadInputError, /reason is required/);
    given(sampleDecider, historyTo('RECEIVED')).when(moveTo('DISCARDED', ID)).thenThrows(BadInputError, /reason is required/);
    given(sampleDecider, historyTo('RECEIVED')).when(moveTo('REJECTED', ID, ' haemolysed ')).then([movedTo('RECEIVED', 'REJECTED', 'haemolysed')]);
  });

  it('refuses a reason longer than 500 characters', () => {
    given(sampleDecider, historyTo('RECEIVED')).when(moveTo('REJECTED', ID, 'x'.repeat(501))).thenThrows(BadInputError, /longer than 500/);
  });

  it('refuses to move a sample that does not exist', () => {
    given(sampleDecider).when(moveTo('RECEIVED', ID)).thenThrows(NotFoundError, `sample ${ID} not found`);
  });

  it('moves to the lab-work statuses by the commands the lab-work policy issues', () => {
    given(sampleDecider, historyTo('VALIDATED')).when({ type: 'MarkSampleStored', data: { sampleId: ID } }).then([{ type: 'SampleStored', data: { sampleId: ID, from: 'VALIDATED', to: 'IN_STORAGE', reason: null } }]);
    given(sampleDecider, historyTo('IN_STORAGE')).when({ type: 'StartSampleSequencing', data: { sampleId: ID } }).then([movedTo('IN_STORAGE', 'IN_SEQUENCING')]);
    given(sampleDecider, historyTo('IN_SEQUENCING')).when({ type: 'MarkSampleSequenced', data: { sampleId: ID } }).then([movedTo('IN_SEQUENCING', 'SEQUENCED')]);
    given(sampleDecider, historyTo('IN_SEQUENCING')).when({ type: 'MarkSampleSequencingFailed', data: { sampleId: ID } }).then([movedTo('IN_SEQUENCING', 'FAILED')]);
    given(sampleDecider, historyTo('SEQUENCED')).when({ type: 'MarkSampleStored', data: { sampleId: ID } }).thenThrows(InvalidTransitionError);
  });
});

describe('a sample placed in storage before QC', () => {
  const note = (inStorage: boolean) => ({ type: 'NoteSampleStorage' as const, data: { sampleId: ID, inStorage } });
  const noted = (inStorage: boolean): SampleEvent => ({ type: 'SampleStorageNoted', data: { sampleId: ID, inStorage } });

  it('stays RECEIVED while it waits, and validation makes it IN_STORAGE in the same decision', () => {
    given(sampleDecider, historyTo('RECEIVED')).when(note(true)).then([noted(true)]);
    given(sampleDecider, [...historyTo('RECEIVED'), noted(true)])
      .when(moveTo('VALIDATED', ID))
      .then([movedTo('RECEIVED', 'VALIDATED'), movedTo('VALIDATED', 'IN_STORAGE', 'stored before QC')]);
    expect(foldEvents(sampleDecider, [...historyTo('RECEIVED'), noted(true), movedTo('RECEIVED', 'VALIDATED'), movedTo('VALIDATED', 'IN_STORAGE')])).toMatchObject({ status: 'IN_STORAGE', inStorage: true });
  });

  it('is only validated once taken out of storage for good before QC', () => {
    given(sampleDecider, [...historyTo('RECEIVED'), noted(true)]).when(note(false)).then([noted(false)]);
    given(sampleDecider, [...historyTo('RECEIVED'), noted(true), noted(false)]).when(moveTo('VALIDATED', ID)).then([movedTo('RECEIVED', 'VALIDATED')]);
  });

  it('records nothing twice, and nothing for a sample that never waited in storage', () => {
    given(sampleDecider, [...historyTo('RECEIVED'), noted(true)]).when(note(true)).then([]);
    given(sampleDecider, historyTo('RECEIVED')).when(note(false)).then([]);
    given(sampleDecider, [...historyTo('IN_STORAGE'), noted(false)]).when(note(false)).then([]);
  });

  it('moves a validated sample placed in storage to IN_STORAGE, and refuses one whose material is gone', () => {
    given(sampleDecider, historyTo('VALIDATED')).when(note(true)).then([movedTo('VALIDATED', 'IN_STORAGE')]);
    given(sampleDecider, historyTo('DISCARDED')).when(note(true)).thenThrows(InvalidTransitionError, /DISCARDED.*IN_STORAGE/);
    given(sampleDecider, historyTo('ARCHIVED')).when(note(true)).thenThrows(InvalidTransitionError);
    given(sampleDecider).when(note(true)).thenThrows(NotFoundError);
  });

  it('a rejected and resubmitted sample still waiting in storage becomes IN_STORAGE once it passes QC', () => {
    const history = [...historyTo('RECEIVED'), noted(true), movedTo('RECEIVED', 'REJECTED', 'low volume'), movedTo('REJECTED', 'PENDING'), movedTo('PENDING', 'RECEIVED')];
    given(sampleDecider, history).when(moveTo('VALIDATED', ID)).then([movedTo('RECEIVED', 'VALIDATED'), movedTo('VALIDATED', 'IN_STORAGE', 'stored before QC')]);
  });
});

describe('a sample whose tube is in storage, whatever its status', () => {
  const note = (inStorage: boolean) => ({ type: 'NoteSampleStorage' as const, data: { sampleId: ID, inStorage } });
  const noted = (inStorage: boolean): SampleEvent => ({ type: 'SampleStorageNoted', data: { sampleId: ID, inStorage } });
  /** Validated, then placed in a box (storage's CustodyStored, as the lab-work policy records it). */
  const stored: SampleEvent[] = [registered(), movedTo('PENDING', 'RECEIVED'), movedTo('RECEIVED', 'VALIDATED'), movedTo('VALIDATED', 'IN_STORAGE')];
  const failedOnARun = (before: SampleEvent[] = stored): SampleEvent[] => [...before, movedTo('IN_STORAGE', 'IN_SEQUENCING'), movedTo('IN_SEQUENCING', 'FAILED')];
  const backInStorage = [movedTo('FAILED', 'VALIDATED'), movedTo('VALIDATED', 'IN_STORAGE', 'still in storage')];

  it('is IN_STORAGE again when a failed run is requeued (or the sample validated from FAILED) while its tube is still in the box', () => {
    given(sampleDecider, failedOnARun()).when(moveTo('VALIDATED', ID)).then(backInStorage);
    expect(foldEvents(sampleDecider, [...failedOnARun(), ...backInStorage])).toMatchObject({ status: 'IN_STORAGE', inStorage: true });
  });

  it('is only VALIDATED after a failed run when its tube was taken out of storage for good', () => {
    given(sampleDecider, stored).when(note(false)).then([noted(false)]);
    given(sampleDecider, failedOnARun([...stored, noted(false)])).when(moveTo('VALIDATED', ID)).then([movedTo('FAILED', 'VALIDATED')]);
  });

  it('keeps IN_SEQUENCING while on a run, noting a placement or a removal without a status move', () => {
    const running = [...historyTo('VALIDATED'), movedTo('VALIDATED', 'IN_SEQUENCING')];
    given(sampleDecider, running).when(note(true)).then([noted(true)]);
    given(sampleDecider, [...running, noted(true)]).when(note(true)).then([]);
    given(sampleDecider, [...stored, movedTo('IN_STORAGE', 'IN_SEQUENCING')]).when(note(false)).then([noted(false)]);
    given(sampleDecider, [...running, noted(true), movedTo('IN_SEQUENCING', 'FAILED')]).when(moveTo('VALIDATED', ID)).then(backInStorage);
  });

  it('notes an IN_STORAGE sample taken out and put back, its status staying IN_STORAGE', () => {
    given(sampleDecider, [...stored, noted(false)]).when(note(true)).then([noted(true)]);
    given(sampleDecider, stored).when(note(true)).then([]);
  });

  it('forgets the box once the sample is discarded or archived (that frees its position)', () => {
    given(sampleDecider, [...stored, movedTo('IN_STORAGE', 'DISCARDED', 'used up')]).when(note(false)).then([]);
    expect(foldEvents(sampleDecider, [...failedOnARun(), movedTo('FAILED', 'DISCARDED', 'degraded')])).toMatchObject({ inStorage: false });
  });

  it('folds streams written before it noted storage in every status: SampleStored alone says the tube went into a box', () => {
    // Before: a VALIDATED sample's placement was only its SampleStored; a received one's a note, then validation's two moves.
    const storedBeforeQc = [registered(), movedTo('PENDING', 'RECEIVED'), noted(true), movedTo('RECEIVED', 'VALIDATED'), movedTo('VALIDATED', 'IN_STORAGE', 'stored before QC')];
    for (const history of [failedOnARun(), failedOnARun(storedBeforeQc)]) given(sampleDecider, history).when(moveTo('VALIDATED', ID)).then(backInStorage);
  });
});

describe('registering a sample', () => {
  it('registers a sample and claims its barcode in the same decision', () => {
    givenAcross(sampleRegistration).when(register()).then({ sample: [registered()], barcode: [{ type: 'BarcodeClaimed', data: { barcode: 'SMP-000001', sampleId: ID } }] });
  });

  it.each(['ABC123', 'SMP-2026_0001', 'A'.repeat(32)])('accepts barcode %s', (barcode) => {
    given(sampleDecider).when(register(barcode)).then([registered(barcode)]);
  });

  it.each(['ABC12', 'A'.repeat(33), 'abc123', 'ABC 123', 'ABC/123', 'ÄBC123'])('refuses barcode %s', (barcode) => {
    given(sampleDecider).when(register(barcode)).thenThrows(BadInputError, /barcode/);
  });

  it('refuses a barcode another sample of the lab has claimed, with CONFLICT', () => {
    const claimed: BarcodeClaimed = { type: 'BarcodeClaimed', data: { barcode: 'SMP-000001', sampleId: 'other' } };
    givenAcross(sampleRegistration, { barcode: [claimed] })
      .when(register())
      .thenThrows(ConflictError, 'barcode SMP-000001 is already registered');
    given(barcodeDecider, [claimed])
      .when({ type: 'ClaimBarcode', data: { barcode: 'SMP-000001', sampleId: ID } })
      .thenThrows(ConflictError, /already registered/);
  });

  it('refuses unknown sample types, negative volumes and concentrations, and long texts', () => {
    given(sampleDecider).when(register('SMP-000001', { sampleType: 'SOUP' as never })).thenThrows(BadInputError, /unknown sample type SOUP/);
    given(sampleDecider).when(register('SMP-000001', { volumeUl: -1 })).thenThrows(BadInputError, /volumeUl/);
    given(sampleDecider).when(register('SMP-000001', { concentrationNgUl: Number.NaN })).thenThrows(BadInputError, /concentrationNgUl/);
    given(sampleDecider).when(register('SMP-000001', { submitter: 'x'.repeat(201) })).thenThrows(BadInputError, /submitter is longer than 200/);
    given(sampleDecider).when(register('SMP-000001', { projectCode: 'x'.repeat(65) })).thenThrows(BadInputError, /projectCode is longer than 64/);
  });

  it('refuses a volume or concentration above the documented limits, naming the field, on every path', () => {
    // docs/input-limits.md: one litre, 1 g/ml; the GraphQL edge checks the same numbers earlier.
    expect([MAX_VOLUME_UL, MAX_CONCENTRATION_NG_UL]).toEqual([INPUT_LIMITS.volumeUl!.max, INPUT_LIMITS.concentrationNgUl!.max]);
    given(sampleDecider).when(register('SMP-000001', { volumeUl: 2_000_000 })).thenThrows(BadInputError, 'volumeUl must be between 0 and 1000000');
    given(sampleDecider).when(register('SMP-000001', { concentrationNgUl: 5e9 })).thenThrows(BadInputError, 'concentrationNgUl must be between 0 and 1000000');
    expect(() => sampleDecider.decide(register('SMP-000001', { volumeUl: 1_000_000.001 }), sampleDecider.initialState(), { now: SPEC_NOW, version: 0 })).toThrow(
      expect.objectContaining({ details: { field: 'volumeUl', min: 0, max: 1_000_000 } }),
    );
    given(sampleDecider)
      .when(register('SMP-000001', { volumeUl: 1_000_000, concentrationNgUl: 1_000_000 }))
      .then([{ ...registered(), data: { ...registered().data, volumeUl: 1_000_000, concentrationNgUl: 1_000_000 } }]);
  });

  it('keeps a volume to whole nanolitres and refuses one below 0.001 µL, as aliquots do', () => {
    given(sampleDecider).when(register('SMP-000001', { volumeUl: 0.0001 })).thenThrows(BadInputError, 'volumeUl must be 0 or at least 0.001 µL (volumes count in whole nanolitres)');
    expect(() => sampleDecider.decide(register('SMP-000001', { volumeUl: 0.0004 }), sampleDecider.initialState(), { now: SPEC_NOW, version: 0 })).toThrow(
      expect.objectContaining({ details: { field: 'volumeUl', min: 0.001 } }),
    );
    const withVolume = (volumeUl: number): SampleRegistered => ({ ...registered(), data: { ...registered().data, volumeUl } });
    given(sampleDecider).when(register('SMP-000001', { volumeUl: 0.001 })).then([withVolume(0.001)]);
    given(sampleDecider).when(register('SMP-000001', { volumeUl: 12.3456 })).then([withVolume(12.346)]);
    given(sampleDecider).when(register('SMP-000001', { volumeUl: 0.1 + 0.2 })).then([withVolume(0.3)]);
    given(sampleDecider).when(register('SMP-000001', { volumeUl: 0 })).then([withVolume(0)]);
  });

  it('refuses a sample that is its own parent', () => {
    given(sampleDecider).when(register('SMP-000001', { parentId: ID })).thenThrows(BadInputError, /own parent/);
  });

  it('starts PENDING with created and updated times from the event', () => {
    expect(foldEvents(sampleDecider, [registered()], { occurredAt: '2026-11-21T10:00:00.000Z' })).toMatchObject({ id: ID, status: 'PENDING', createdAt: '2026-11-21T10:00:00.000Z', barcode: 'SMP-000001' });
  });

  it('refuses to register the same sample twice', () => {
    given(sampleDecider, [registered()]).when(register()).thenThrows(ConflictError, /already exists/);
  });
});
