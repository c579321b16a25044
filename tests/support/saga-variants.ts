import { submitSampleSaga, type SubmitSampleData } from '../../sagas/definitions/submit-sample.js';
import type { SagaDefinition, SagaStep } from '../../sagas/orchestrator/saga-definition.js';

/** The real submitSample saga under another type name, with one step's action wrapped. */
const variant = (type: string, stepName: string, wrap: (step: SagaStep<SubmitSampleData>) => Partial<SagaStep<SubmitSampleData>>): SagaDefinition<SubmitSampleData> => ({
  ...submitSampleSaga,
  type,
  steps: submitSampleSaga.steps.map((step) => (step.name === stepName ? { ...step, ...wrap(step) } : step)),
});

/** storeSample waits `stallMs` before acting; with stallMs 0 it is the plain saga. */
export const slowStoreSaga = (stallMs: number) =>
  variant('submitSample-slow', 'storeSample', (step) => ({
    timeoutMs: stallMs + 10_000,
    action: async (context) => {
      await new Promise((resolve) => setTimeout(resolve, stallMs));
      return step.action(context);
    },
  }));

/** reservePosition fails `times` times (an outage), then works. */
export const flakyReserveSaga = (times: number) => {
  let failures = 0;
  return variant('submitSample-flaky', 'reservePosition', (step) => ({
    retry: { attempts: 5, baseDelayMs: 20 },
    action: async (context) => {
      if (failures++ < times) throw new Error(`storage unavailable (injected failure ${failures})`);
      return step.action(context);
    },
  }));
};

/**
 * receiveSample hangs on its first attempt until its timeout aborts it; only that attempt is bounded
 * by `timeoutMs`, so the retry's real call may take as long as a loaded machine needs.
 */
export const hangingReceiveSaga = (timeoutMs: number) => {
  let calls = 0;
  return variant('submitSample-hanging', 'receiveSample', (step) => ({
    timeoutMs: (attempt) => (attempt === 1 ? timeoutMs : 60_000),
    action: async (context) => {
      if (calls++ === 0) await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
      return step.action(context);
    },
  }));
};

/** A deadline shorter than its slowest step: the saga times out and compensates. */
export const impatientSaga = () => ({
  ...variant('submitSample-impatient', 'reservePosition', (step) => ({
    action: async (context) => {
      await new Promise((resolve) => setTimeout(resolve, 800));
      return step.action(context);
    },
  })),
  deadlineMs: 500,
});
