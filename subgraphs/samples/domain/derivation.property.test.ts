import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../../event-store/decider.js';
import { InsufficientVolumeError } from '../../../platform/errors.js';
import type { SampleEvent } from '../events.js';
import { exists, sampleDecider, type SampleState } from './sample.js';

const SEED = 15;
const ID = '00000000-0000-4000-8000-0000000000a1';
const at = (event: SampleEvent, version: number): Envelope<SampleEvent> => ({ ...event, occurredAt: '2026-12-01T10:00:00.000Z', streamVersion: version });
/** A volume as a person types it: up to three decimals of µL. */
const volume = (max: number) => fc.integer({ min: 1, max }).map((nl) => nl / 1000);

describe('volume taken from a sample, for any sequence of takes', () => {
  it('leaves exactly the registered volume less what was taken, and refuses the take that would overdraw', () => {
    fc.assert(
      fc.property(volume(5_000_000), fc.array(volume(2_000_000), { maxLength: 40 }), (registeredUl, takes) => {
        let state: SampleState = sampleDecider.evolve(sampleDecider.initialState(), at({
          type: 'SampleRegistered',
          data: { sampleId: ID, barcode: 'PROP-0001', sampleType: 'BLOOD', volumeUl: registeredUl, concentrationNgUl: null, submitter: null, projectCode: null, metadata: null, parentId: null },
        }, 1));
        state = sampleDecider.evolve(state, at({ type: 'SampleReceived', data: { sampleId: ID, from: 'PENDING', to: 'RECEIVED', reason: null } }, 2));
        // The reference: integer nanolitres, no floating point at all.
        let leftNl = Math.round(registeredUl * 1000);
        let version = 2;
        for (const [index, takeUl] of takes.entries()) {
          const takeNl = Math.round(takeUl * 1000);
          const decide = () => sampleDecider.decide({ type: 'TakeSampleVolume', data: { sampleId: ID, childId: `c${index}`, kind: 'ALIQUOT', volumeTakenUl: takeUl } }, state, { now: '', version });
          if (takeNl > leftNl) {
            expect(decide).toThrow(InsufficientVolumeError);
            continue;
          }
          const [event] = decide();
          leftNl -= takeNl;
          expect(event!.data).toMatchObject({ volumeTakenUl: takeUl, remainingVolumeUl: leftNl / 1000 });
          state = sampleDecider.evolve(state, at(event!, ++version));
        }
        if (!exists(state)) throw new Error('sample vanished');
        // Exactly equal, not close: ten takes of 0.1 µL from 1 µL leave 0, not 1.3e-16.
        expect(state.volumeUl).toBe(leftNl / 1000);
        expect(String(state.volumeUl)).toMatch(/^\d+(\.\d{1,3})?$/);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('takes 0.1 µL ten times from 1 µL and leaves exactly 0', () => {
    let state: SampleState = sampleDecider.evolve(sampleDecider.initialState(), at({
      type: 'SampleRegistered',
      data: { sampleId: ID, barcode: 'PROP-0002', sampleType: 'DNA', volumeUl: 1, concentrationNgUl: null, submitter: null, projectCode: null, metadata: null, parentId: null },
    }, 1));
    state = sampleDecider.evolve(state, at({ type: 'SampleValidated', data: { sampleId: ID, from: 'PENDING', to: 'VALIDATED', reason: null } }, 2));
    for (let i = 0; i < 10; i++) {
      const [event] = sampleDecider.decide({ type: 'TakeSampleVolume', data: { sampleId: ID, childId: `c${i}`, kind: 'ALIQUOT', volumeTakenUl: 0.1 } }, state, { now: '', version: 2 + i });
      state = sampleDecider.evolve(state, at(event!, 3 + i));
    }
    expect(exists(state) && state.volumeUl).toBe(0);
    expect(() => sampleDecider.decide({ type: 'TakeSampleVolume', data: { sampleId: ID, childId: 'c10', kind: 'ALIQUOT', volumeTakenUl: 0.001 } }, state, { now: '', version: 12 })).toThrow(InsufficientVolumeError);
  });
});
