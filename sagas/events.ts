/**
 * The sagas context's published events, all on one stream per saga (`Saga-<id>`). Other contexts
 * (notifications' alert policy) import this module type-only. Every event carries the saga's id,
 * type and its status after the event.
 */
import type { Event } from '../event-store/types.js';

export type SagaStatus = 'RUNNING' | 'COMPLETED' | 'COMPENSATING' | 'COMPENSATED' | 'FAILED' | 'TIMED_OUT';

type SagaFact<T extends string, Extra = {}> = Event<T, { sagaId: string; sagaType: string; status: SagaStatus } & Extra>;

export type SagaStarted = SagaFact<'SagaStarted'>;
export type SagaStepSkipped = SagaFact<'SagaStepSkipped', { step: string }>;
/**
 * `sampleId`: the sample the saga is about once a step made it known (null before; absent in events
 * written before it was recorded). It ties the saga into the sample's audit trail by fact, not by a
 * correlation id a client may reuse.
 */
export type SagaStepCompleted = SagaFact<'SagaStepCompleted', { step: string; attempts: number; timings: { waitMs: number; callMs: number; dbMs: number }; sampleId?: string | null }>;
/** `retryInMs` when the step is tried again, `final` when the saga compensates instead. */
export type SagaStepFailed = SagaFact<'SagaStepFailed', { step: string; attempts: number; error: string; retryInMs?: number; final?: boolean }>;
export type SagaTimedOut = SagaFact<'SagaTimedOut'>;
export type SagaCompleted = SagaFact<'SagaCompleted'>;
export type SagaStepCompensated = SagaFact<'SagaStepCompensated', { step: string }>;
export type SagaCompensationFailed = SagaFact<'SagaCompensationFailed', { step: string; attempts: number; error: string; retryInMs: number }>;
/**
 * The saga ended without doing its work: COMPENSATED or TIMED_OUT (undone cleanly), or FAILED (a
 * compensation gave up and something is left half-done for a person to undo).
 */
export type SagaFailed = SagaFact<'SagaFailed', { error: string | null; sampleId: string | null }>;

export type SagaEvent =
  | SagaStarted
  | SagaStepSkipped
  | SagaStepCompleted
  | SagaStepFailed
  | SagaTimedOut
  | SagaCompleted
  | SagaStepCompensated
  | SagaCompensationFailed
  | SagaFailed;
