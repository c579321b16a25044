import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../../event-store/decider.js';
import { DomainError, InvalidTransitionError } from '../../../platform/errors.js';
import { SAMPLE_STATUSES, SAMPLE_TYPES, type SampleEvent, type SampleStatus } from '../events.js';
import { moveTo, sampleDecider, TRANSITIONS, type RegisterSample, type SampleState } from './sample.js';

const SEED = 19;
const NOW = { now: '2026-11-21T10:00:00.000Z', version: 0 };
const registerSample = (data: RegisterSample['data'], state: SampleState) => sampleDecider.decide({ type: 'RegisterSample', data }, state, NOW);
const changeStatus = (state: SampleState, to: SampleStatus, reason: string | null) => sampleDecider.decide(moveTo(to, ID, reason), state, NOW);
const ID = '00000000-0000-4000-8000-000000000001';
const at = (event: SampleEvent, version: number): Envelope<SampleEvent> => ({ ...event, occurredAt: '2026-11-21T10:00:00.000Z', streamVersion: version });

/** Runs a decision; a refusal must be a typed domain error, never a TypeError or RangeError. */
const decide = <T>(run: () => T): T | DomainError => {
  try {
    return run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
};

const hostileText = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', ' ', '\u0000', 'x'.repeat(10_000), '=cmd'));
const anyNumber = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, -1, 1e308), fc.constant(null));

describe('sample decider, for any input', () => {
  it('registers a well-formed sample or refuses with a domain error', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.stringMatching(/^[A-Z0-9_-]{1,40}$/), hostileText),
        fc.oneof(fc.constantFrom(...SAMPLE_TYPES), fc.string()),
        anyNumber,
        anyNumber,
        fc.option(hostileText),
        fc.option(hostileText),
        (barcode, sampleType, volumeUl, concentrationNgUl, submitter, projectCode) => {
          const outcome = decide(() => registerSample({ sampleId: ID, barcode, sampleType: sampleType as never, volumeUl, concentrationNgUl, submitter, projectCode }, sampleDecider.initialState()));
          if (outcome instanceof DomainError) return;
          const data = (outcome[0] as Extract<SampleEvent, { type: 'SampleRegistered' }>).data;
          expect(data.barcode).toMatch(/^[A-Z0-9_-]{6,32}$/);
          expect(SAMPLE_TYPES).toContain(data.sampleType);
          for (const value of [data.volumeUl, data.concentrationNgUl]) if (value !== null) expect(Number.isFinite(value) && value >= 0).toBe(true);
          if (data.submitter !== null) expect(data.submitter.length).toBeLessThanOrEqual(200);
          if (data.projectCode !== null) expect(data.projectCode.length).toBeLessThanOrEqual(64);
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('follows only the transition table, whatever commands arrive in whatever order', () => {
    const registered = () => registerSample({ sampleId: ID, barcode: 'SMP-000001', sampleType: 'DNA' }, sampleDecider.initialState())[0]!;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...SAMPLE_STATUSES), fc.option(hostileText)), { maxLength: 30 }), (commands) => {
        let state: SampleState = sampleDecider.evolve(sampleDecider.initialState(), at(registered(), 1));
        let version = 1;
        for (const [to, reason] of commands) {
          const before = state as Exclude<SampleState, { status: 'NONE' }>;
          const outcome = decide(() => changeStatus(state, to, reason));
          if (outcome instanceof DomainError) {
            if (!TRANSITIONS[before.status].includes(to)) expect(outcome).toBeInstanceOf(InvalidTransitionError);
            continue;
          }
          expect(TRANSITIONS[before.status]).toContain(to);
          expect(outcome[0]!.data).toMatchObject({ from: before.status, to });
          // Validating a sample whose tube is in a box (it was IN_STORAGE before a failed run) also stores it.
          const storedToo = to === 'VALIDATED' && before.inStorage;
          expect(outcome.slice(1).map((event) => event.data)).toEqual(storedToo ? [expect.objectContaining({ from: 'VALIDATED', to: 'IN_STORAGE' })] : []);
          for (const event of outcome) state = sampleDecider.evolve(state, at(event, ++version));
          expect(state.status).toBe(storedToo ? 'IN_STORAGE' : to);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
