import { submitSampleSaga, type SubmitSampleData } from '../../sagas/definitions/submit-sample.js';
import type { SagaDefinition, SagaStep } from '../../sagas/orchestrator/saga-definition.js';

/** The real submitSample saga under another type name (so only a test's own worker runs it), one step changed. */
export const variantOf = (type: string, stepName?: string, change: (step: SagaStep<SubmitSampleData>) => Partial<SagaStep<SubmitSampleData>> = () => ({})): SagaDefinition<SubmitSampleData> => ({
  ...submitSampleSaga,
  type,
  steps: submitSampleSaga.steps.map((step) => (step.name === stepName ? { ...step, ...change(step) } : step)),
});

/** Undoing registerSample never works (the samples subgraph refuses, say): two tries, then the saga needs a person. */
export const failingUndoSaga = () =>
  variantOf('submitSample-stuck', 'registerSample', () => ({
    retry: { attempts: 2, baseDelayMs: 20 },
    compensate: async () => {
      throw new Error('samples subgraph refused the rejection (injected)');
    },
  }));

/**
 * reservePosition waits for the test to open `gate` before it acts, and is retried often enough to
 * outlast a test holding the storage read model back.
 */
export const gatedReserveSaga = (gate: Promise<void>) =>
  variantOf('submitSample-gated', 'reservePosition', (step) => ({
    retry: { attempts: 30, baseDelayMs: 20, maxDelayMs: 100 },
    timeoutMs: 120_000,
    action: async (context) => {
      await gate;
      return step.action(context);
    },
  }));
