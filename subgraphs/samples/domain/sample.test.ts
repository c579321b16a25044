import { describe, expect, it } from 'vitest';
import { BadInputError, ConflictError, InvalidTransitionError } from '../../../platform/errors.js';
import type { Envelope } from '../../../event-store/decider.js';
import { SAMPLE_STATUSES, type SampleEvent, type SampleStatus } from './events.js';
import { changeStatus, registerSample, sampleDecider, TRANSITIONS, type SampleState } from './sample.js';

const ID = '00000000-0000-4000-8000-000000000001';
const at = (event: SampleEvent, version: number): Envelope<SampleEvent> => ({ ...event, occurredAt: '2026-11-21T10:00:00.000Z', streamVersion: version });
const given = (...events: SampleEvent[]): SampleState => events.reduce<SampleState>((state, event, i) => sampleDecider.evolve(state, at(event, i + 1)), sampleDecider.initialState());
const registered = () => registerSample({ sampleId: ID, tenantId: 'lab', barcode: 'SMP-000001', sampleType: 'DNA' }, sampleDecider.initialState()).events[0]!;
const inStatus = (status: SampleStatus): SampleState => {
  const state = given(registered());
  return status === 'PENDING' ? state : { ...(state as Exclude<SampleState, { status: 'NONE' }>), status };
};

/** API.md's table, written out independently of the implementation's. */
const ALLOWED = `PENDING→RECEIVED PENDING→REJECTED PENDING→DISCARDED RECEIVED→VALIDATED RECEIVED→REJECTED RECEIVED→DISCARDED
  VALIDATED→IN_STORAGE VALIDATED→IN_SEQUENCING VALIDATED→REJECTED VALIDATED→DISCARDED IN_STORAGE→IN_SEQUENCING IN_STORAGE→DISCARDED
  IN_SEQUENCING→SEQUENCED IN_SEQUENCING→FAILED FAILED→VALIDATED FAILED→DISCARDED SEQUENCED→ARCHIVED REJECTED→PENDING REJECTED→DISCARDED`
  .split(/\s+/)
  .filter(Boolean);

describe('sample status transitions', () => {
  const pairs = SAMPLE_STATUSES.flatMap((from) => SAMPLE_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)('%s → %s follows the API table', (from, to) => {
    const decide = () => changeStatus(inStatus(from), to, 'because');
    if (ALLOWED.includes(`${from}→${to}`)) {
      const [event] = decide();
      expect(event!.data).toMatchObject({ from, to });
      expect(sampleDecider.evolve(inStatus(from), at(event!, 2)).status).toBe(to);
    } else {
      expect(decide).toThrow(InvalidTransitionError);
      try {
        decide();
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
    expect(() => changeStatus(inStatus('RECEIVED'), 'REJECTED', '  ')).toThrow(BadInputError);
    expect(changeStatus(inStatus('RECEIVED'), 'REJECTED', 'haemolysed')[0]!.data.reason).toBe('haemolysed');
  });
});

describe('registering a sample', () => {
  const register = (barcode: string, extra: Record<string, unknown> = {}) =>
    registerSample({ sampleId: ID, tenantId: 'lab', barcode, sampleType: 'DNA', ...extra }, sampleDecider.initialState());

  it.each(['ABC123', 'SMP-2026_0001', 'A'.repeat(32)])('accepts barcode %s', (barcode) => {
    expect(register(barcode).events[0]!.data.barcode).toBe(barcode);
  });

  it.each(['ABC12', 'A'.repeat(33), 'abc123', 'ABC 123', 'ABC/123', 'ÄBC123'])('refuses barcode %s', (barcode) => {
    expect(() => register(barcode)).toThrow(BadInputError);
  });

  it('claims the barcode in the same write so it stays unique per tenant', () => {
    const decision = register('SMP-000001');
    expect(decision.alsoAppend).toEqual([expect.objectContaining({ streamId: 'SampleBarcode-lab/SMP-000001', expectedVersion: 0 })]);
    expect(decision.alsoAppend![0]!.onConflict()).toBeInstanceOf(ConflictError);
  });

  it('refuses negative volumes and concentrations', () => {
    expect(() => register('SMP-000001', { volumeUl: -1 })).toThrow(BadInputError);
    expect(() => register('SMP-000001', { concentrationNgUl: Number.NaN })).toThrow(BadInputError);
  });

  it('starts PENDING with created and updated times from the event', () => {
    expect(given(registered())).toMatchObject({ id: ID, status: 'PENDING', createdAt: '2026-11-21T10:00:00.000Z', barcode: 'SMP-000001' });
  });

  it('refuses to register the same sample twice', () => {
    expect(() => registerSample({ sampleId: ID, tenantId: 'lab', barcode: 'SMP-000001', sampleType: 'DNA' }, given(registered()))).toThrow(ConflictError);
  });
});
