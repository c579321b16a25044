import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { EventStore } from '../../event-store/event-store.js';
import { IdentitySigner } from '../../platform/identity-signer.js';
import type { Logger } from '../../platform/logger.js';
import { backoff, DEFAULT_RETRY, PermanentStepError, type SagaDefinition, type SagaStep, type StepContext } from './saga-definition.js';
import type { SagaRow, StepRow } from './saga-schema.js';
import { subgraphCaller } from './subgraph-client.js';

export interface SagaWorkerOptions {
  db: Kysely<any>;
  store: EventStore;
  definitions: ReadonlyArray<SagaDefinition<any>>;
  subgraphUrls: Record<string, string>;
  internalSecret: string;
  logger?: Logger;
  /** How long a claimed saga stays this worker's; a crashed worker's sagas are resumed after it. @default 30_000 */
  leaseMs?: number;
  /** Sagas run at once by this worker. @default 16 */
  concurrency?: number;
  /** Poll for due sagas when idle. @default 200 */
  pollMs?: number;
}

class LeaseLost extends Error {}

/**
 * Runs due sagas. Claims with FOR UPDATE SKIP LOCKED plus a lease, so any number of workers (in any
 * number of processes) can run without two running one saga's step at once. Every step transition
 * is persisted before the next; a worker that dies mid-step leaves the saga to whoever claims it
 * once the lease expires, and the step runs again with the same idempotency key.
 */
export class SagaWorker {
  readonly id = `worker-${randomUUID()}`;
  private readonly definitions: Map<string, SagaDefinition<any>>;
  private readonly signer: IdentitySigner;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly options: SagaWorkerOptions) {
    this.definitions = new Map(options.definitions.map((definition) => [definition.type, definition]));
    this.signer = new IdentitySigner(options.internalSecret);
    this.leaseMs = options.leaseMs ?? 30_000;
    this.concurrency = options.concurrency ?? 16;
    this.pollMs = options.pollMs ?? 200;
  }

  start(): this {
    this.loop = this.run();
    return this;
  }

  /** Lets in-flight steps finish (their sagas stay claimed until the lease ends if cut short). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.running]);
  }

  /** Nudges an idle worker (a saga was just submitted in this process). */
  poke(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const free = this.concurrency - this.running.size;
      let claimed: SagaRow[] = [];
      if (free > 0) {
        try {
          claimed = await this.claim(free);
        } catch (error) {
          this.options.logger?.error({ err: error }, 'claiming sagas failed');
        }
      }
      for (const saga of claimed) {
        const task = this.drive(saga).catch((error) => {
          if (!(error instanceof LeaseLost)) this.options.logger?.error({ err: error, sagaId: saga.id }, 'saga step crashed');
        });
        this.running.add(task);
        void task.finally(() => {
          this.running.delete(task);
          this.wake?.();
        });
      }
      if (claimed.length === 0 || this.running.size >= this.concurrency) await this.sleep(this.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async claim(limit: number): Promise<SagaRow[]> {
    const { rows } = await sql<SagaRow>`
      UPDATE sagas.instances SET lease_owner = ${this.id}, lease_until = now() + make_interval(secs => ${this.leaseMs / 1000})
      WHERE id IN (
        SELECT id FROM sagas.instances
        WHERE status IN ('RUNNING', 'COMPENSATING') AND next_run_at <= now() AND (lease_until IS NULL OR lease_until < now())
          AND type = ANY(${[...this.definitions.keys()]}::text[])
        ORDER BY next_run_at LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING *`.execute(this.options.db);
    return rows;
  }

  /** Advances one claimed saga step by step until it waits (backoff), finishes, or loses its lease. */
  private async drive(claimed: SagaRow): Promise<void> {
    const definition = this.definitions.get(claimed.type);
    if (!definition) throw new Error(`no definition for saga type ${claimed.type}`);
    let saga = claimed;
    for (;;) {
      const steps = (await sql<StepRow>`SELECT * FROM sagas.steps WHERE saga_id = ${saga.id} ORDER BY idx`.execute(this.options.db)).rows;
      const next = saga.status === 'RUNNING' ? await this.forward(definition, saga, steps) : await this.backward(definition, saga, steps);
      if (!next) return;
      saga = next;
    }
  }

  private async forward(definition: SagaDefinition<any>, saga: SagaRow, steps: StepRow[]): Promise<SagaRow | null> {
    if (Date.now() > saga.deadline_at.getTime()) {
      return this.update(saga, { status: 'COMPENSATING', error: `deadline of ${definition.deadlineMs} ms exceeded`, timed_out: true }, 'SagaTimedOut');
    }
    const index = saga.current_step;
    const step = definition.steps[index];
    if (!step) {
      const done = await this.update(saga, { status: 'COMPLETED', finished_at: new Date(), lease_owner: null, lease_until: null }, 'SagaCompleted');
      return done && null;
    }
    if (step.skip?.(saga.data)) {
      await this.setStep(saga, index, { status: 'SKIPPED', finished_at: new Date() });
      return this.update(saga, { current_step: index + 1 }, 'SagaStepSkipped', { step: step.name });
    }
    const attempts = (steps[index]?.attempts ?? 0) + 1;
    await this.setStep(saga, index, { status: 'RUNNING', attempts, started_at: new Date() });
    try {
      const output = await this.execute(step, saga, 'action', attempts);
      await this.setStep(saga, index, { status: 'DONE', finished_at: new Date(), last_error: null });
      return this.update(saga, { current_step: index + 1, data: { ...saga.data, ...(output.result ?? {}) }, last_position: output.position }, 'SagaStepCompleted', { step: step.name, attempts });
    } catch (error) {
      const message = (error as Error).message;
      const policy = step.retry ?? DEFAULT_RETRY;
      if (!(error instanceof PermanentStepError) && attempts < policy.attempts) {
        await this.setStep(saga, index, { status: 'PENDING', last_error: message });
        const delay = backoff(policy, attempts);
        await this.update(saga, { next_run_at: new Date(Date.now() + delay), lease_owner: null, lease_until: null }, 'SagaStepFailed', { step: step.name, attempts, error: message, retryInMs: delay });
        return null;
      }
      await this.setStep(saga, index, { status: 'FAILED', last_error: message, finished_at: new Date() });
      return this.update(saga, { status: 'COMPENSATING', error: `${step.name}: ${message}` }, 'SagaStepFailed', { step: step.name, attempts, error: message, final: true });
    }
  }

  /** Compensates DONE steps in reverse, each with the outputs it saved. */
  private async backward(definition: SagaDefinition<any>, saga: SagaRow, steps: StepRow[]): Promise<SagaRow | null> {
    const pending = [...steps].reverse().find((row) => row.status === 'DONE' || row.status === 'COMPENSATING');
    if (!pending) {
      const status = saga.timed_out ? 'TIMED_OUT' : 'COMPENSATED';
      await this.update(saga, { status, finished_at: new Date(), lease_owner: null, lease_until: null }, 'SagaFailed', {
        sagaType: saga.type, status, error: saga.error, sampleId: definition.sampleIdOf?.(saga.data) ?? null,
      });
      return null;
    }
    const step = definition.steps[pending.idx]!;
    if (!step.compensate) {
      await this.setStep(saga, pending.idx, { status: 'COMPENSATED', finished_at: new Date() });
      return saga;
    }
    const attempts = pending.undo_attempts + 1;
    await this.setStep(saga, pending.idx, { status: 'COMPENSATING', undo_attempts: attempts });
    try {
      const output = await this.execute(step, saga, 'compensate', attempts);
      await this.setStep(saga, pending.idx, { status: 'COMPENSATED', finished_at: new Date() });
      return this.update(saga, { last_position: output.position }, 'SagaStepCompensated', { step: step.name });
    } catch (error) {
      const message = (error as Error).message;
      const policy = step.retry ?? DEFAULT_RETRY;
      if (!(error instanceof PermanentStepError) && attempts < policy.attempts) {
        await this.setStep(saga, pending.idx, { last_error: message });
        await this.update(saga, { next_run_at: new Date(Date.now() + backoff(policy, attempts)), lease_owner: null, lease_until: null }, null);
        return null;
      }
      // A compensation that cannot succeed needs a person: the saga ends FAILED (and raises an alert).
      await this.setStep(saga, pending.idx, { status: 'FAILED', last_error: message, finished_at: new Date() });
      await this.update(saga, { status: 'FAILED', error: `${saga.error}; compensating ${step.name} failed: ${message}`, finished_at: new Date(), lease_owner: null, lease_until: null }, 'SagaFailed', {
        sagaType: saga.type, status: 'FAILED', error: message, sampleId: definition.sampleIdOf?.(saga.data) ?? null,
      });
      return null;
    }
  }

  private async execute(step: SagaStep<any>, saga: SagaRow, kind: 'action' | 'compensate', attempt: number): Promise<{ result: Record<string, unknown> | void; position: string }> {
    const timeoutMs = step.timeoutMs ?? 10_000;
    const controller = new AbortController();
    const position = { value: saga.last_position };
    const context: StepContext<any> = {
      sagaId: saga.id,
      tenantId: saga.tenant_id,
      data: saga.data,
      idempotencyKey: `${saga.id}:${step.name}${kind === 'compensate' ? ':undo' : ''}`,
      signal: controller.signal,
      attempt,
      reason: saga.error,
      call: subgraphCaller({ urls: this.options.subgraphUrls, signer: this.signer, tenantId: saga.tenant_id, subject: saga.actor ?? `saga:${saga.id}`, signal: controller.signal, position }),
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`step timed out after ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      const result = await Promise.race([kind === 'action' ? step.action(context) : step.compensate!(context), timeout]);
      return { result: result ?? undefined, position: position.value };
    } finally {
      clearTimeout(timer);
    }
  }

  private async setStep(saga: SagaRow, index: number, change: Partial<StepRow>): Promise<void> {
    const columns = Object.keys(change);
    const values = Object.values(change);
    await sql`UPDATE sagas.steps SET ${sql.join(columns.map((column, i) => sql`${sql.ref(column)} = ${values[i]}`))}
      WHERE saga_id = ${saga.id} AND idx = ${index}
        AND EXISTS (SELECT 1 FROM sagas.instances WHERE id = ${saga.id} AND lease_owner = ${this.id})`.execute(this.options.db);
  }

  /**
   * Persists a transition (only while this worker still holds the lease, renewing it) and records it
   * as an event on the saga's stream, so subscribers and the audit trail see progress.
   */
  private async update(saga: SagaRow, change: Partial<SagaRow> & { next_run_at?: Date; lease_owner?: string | null; lease_until?: Date | null }, eventType: string | null, eventData: Record<string, unknown> = {}): Promise<SagaRow> {
    const renew = change.lease_owner === undefined ? { lease_until: new Date(Date.now() + this.leaseMs) } : {};
    const all: Record<string, unknown> = { ...change, ...renew };
    if (all.data) all.data = JSON.stringify(all.data);
    const columns = Object.keys(all);
    const { rows } = await sql<SagaRow>`UPDATE sagas.instances SET ${sql.join(columns.map((column) => sql`${sql.ref(column)} = ${all[column]}`))}
      WHERE id = ${saga.id} AND lease_owner = ${this.id} RETURNING *`.execute(this.options.db);
    const updated = rows[0];
    if (!updated) throw new LeaseLost(`lost the lease on saga ${saga.id}`);
    if (eventType) {
      await this.options.store.append(`Saga-${saga.id}`, null, [{ type: eventType, data: { sagaId: saga.id, sagaType: saga.type, status: updated.status, ...eventData } }], {
        tenantId: saga.tenant_id,
        actor: saga.actor,
        correlationId: saga.correlation_id,
        occurredAt: new Date().toISOString(),
      });
    }
    return updated;
  }
}
