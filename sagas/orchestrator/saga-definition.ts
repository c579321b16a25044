import type { SubgraphCall } from './subgraph-client.js';

/** Exponential backoff with jitter, per step. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  /** @default 10_000 */
  maxDelayMs?: number;
}

export interface StepContext<Data> {
  sagaId: string;
  tenantId: string;
  /** Saga input and every output saved by earlier steps. */
  data: Data;
  /** Saga id + step name: the idempotency key every command of this step sends. */
  idempotencyKey: string;
  /** Calls a subgraph's GraphQL endpoint as the saga (signed identity, read-your-writes across steps). */
  call: SubgraphCall;
  /** Aborted when the step's timeout passes. */
  signal: AbortSignal;
  /** 1 on the first try of this step, 2 on its first retry, … */
  attempt: number;
  /** Why the saga is compensating (for compensations). */
  reason: string | null;
  /** While compensating: the API code of the step failure that started it (null if it had none). */
  failure: { code: string | null } | null;
}

export interface SagaStep<Data> {
  name: string;
  /** Does the step's work; what it returns is saved into the saga's data (e.g. the new sample id). */
  action(context: StepContext<Data>): Promise<Partial<Data> | void>;
  /** Undoes the step using the outputs it saved. Steps without one need no undoing. */
  compensate?(context: StepContext<Data>): Promise<void>;
  /** A step that does not apply to this saga is SKIPPED. */
  skip?(data: Data): boolean;
  retry?: RetryPolicy;
  /** Per attempt; a function lets later attempts wait longer (or a test bound only the first). @default 10_000 */
  timeoutMs?: number | ((attempt: number) => number);
}

/** A workflow as plain data and functions: a second saga is a short new file. */
export interface SagaDefinition<Data> {
  type: string;
  steps: ReadonlyArray<SagaStep<Data>>;
  /** Whole-saga deadline: past it the saga is TIMED_OUT and compensates. */
  deadlineMs: number;
  /** The sample the saga is about, for `Saga.sample` and alerts. */
  sampleIdOf?(data: Data): string | null | undefined;
}

/** A failure a retry cannot fix (bad input, no capacity): compensate at once. */
export class PermanentStepError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200 };

export const backoff = (policy: RetryPolicy, attempt: number, random = Math.random): number => {
  const ceiling = Math.min(policy.maxDelayMs ?? 10_000, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
};
