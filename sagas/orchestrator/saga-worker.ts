import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { appendWithin } from '../../event-store/append-within.js';
import { sqlRunnerOf } from '../../event-store/event-store.js';
import { LeaderLoop } from '../../event-store/bus/leader-loop.js';
import type { PgListener } from '../../event-store/bus/pg-listener.js';
import { IdentitySigner } from '../../platform/identity-signer.js';
import type { Logger } from '../../platform/logger.js';
import { inStoredTrace } from '../../platform/tracing/propagation.js';
import { backoff, DEFAULT_RETRY, PermanentStepError, type SagaDefinition, type SagaStep, type StepContext } from './saga-definition.js';
import type { SagaRow, StepRow } from './saga-schema.js';
import { SAGAS_CHANNEL } from './saga-starter.js';
import { subgraphCaller } from './subgraph-client.js';

/**
 * Where a worker can die between running a step and recording it (the fault-injection test kills it
 * at each): `step-started` (the attempt is recorded, the step has not run), `step-executed` (the
 * step's command ran, nothing recorded yet), `mid-transition` (inside the transition's transaction,
 * tables written, its event not yet), `transition-committed` (all recorded, next step not run: its
 * attempt is recorded by the same transition, as `step-started` would find it).
 */
export type FaultPoint = 'step-started' | 'step-executed' | 'mid-transition' | 'transition-committed';
export type FaultHook = (point: FaultPoint, where: { sagaId: string; step: string | null; event: string | null }) => void | Promise<void>;

export interface SagaWorkerOptions {
  db: Kysely<any>;
  definitions: ReadonlyArray<SagaDefinition<any>>;
  subgraphUrls: Record<string, string>;
  internalSecret: string;
  logger?: Logger;
  /** Woken by NOTIFY on new sagas; without one the worker only polls. */
  listener?: PgListener;
  /** How long a claimed saga stays this worker's; a crashed worker's sagas are resumed after it. @default 30_000 */
  leaseMs?: number;
  /** Sagas run at once by this worker. @default 16 */
  concurrency?: number;
  /**
   * Longest idle sleep. With a listener, NOTIFY wakes the worker for new sagas and it sleeps until
   * the next retry or lease expiry it knows of, so this only bounds what it cannot know.
   * @default 5_000 with a listener, 200 without
   */
  pollMs?: number;
  /** Test-only: called at each point a crash could interrupt (see FaultPoint). */
  faults?: FaultHook;
}

class LeaseLost extends Error {}

type SagaChange = Partial<Omit<SagaRow, 'data'>> & { data?: Record<string, unknown>; next_run_at?: Date; lease_owner?: string | null; lease_until?: Date | null };

interface Transition {
  saga: SagaChange;
  step?: { index: number; change: Partial<StepRow> };
  /** The next step's attempt, recorded with this transition (one round trip and commit fewer per step). */
  begin?: number;
  event?: { type: string; data?: Record<string, unknown> };
}

/** Where a step's time went, recorded on its SagaStepCompleted event (bench:sagas sums them). */
interface StepTimings {
  /** From the step being due to this worker starting it (claim queue, backoff overrun). */
  waitMs: number;
  /** The step's subgraph calls, round trip (the subgraph's own work included). */
  callMs: number;
  /** The worker's own writes: recording the attempt and the transition. */
  dbMs: number;
}

/**
 * Runs due sagas. Claims with FOR UPDATE SKIP LOCKED plus a lease, so any number of workers (in any
 * number of processes) can run without two running one saga's step at once. A transition (the
 * instance row, the step row and the saga's event) is one transaction; a worker that dies anywhere
 * leaves the saga to whoever claims it once the lease expires, and an interrupted step runs again
 * with the same idempotency key, so it has its effect once.
 */
export class SagaWorker {
  readonly id = `worker-${randomUUID()}`;
  private readonly definitions: Map<string, SagaDefinition<any>>;
  private readonly signer: IdentitySigner;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly running = new Set<Promise<void>>();
  /** Sagas this worker is driving: never claimed again by it, whatever their lease says. */
  private readonly driving = new Set<string>();
  /** Per saga driven, the step whose attempt its last transition recorded (run next without beginAttempt). */
  private readonly begun = new Map<string, number>();
  /** Many workers run at once (claims skip each other's sagas): a loop without a lock. */
  private readonly loop: LeaderLoop;

  constructor(private readonly options: SagaWorkerOptions) {
    this.definitions = new Map(options.definitions.map((definition) => [definition.type, definition]));
    this.signer = new IdentitySigner(options.internalSecret);
    this.leaseMs = options.leaseMs ?? 30_000;
    this.concurrency = options.concurrency ?? 16;
    this.pollMs = options.pollMs ?? (options.listener ? 5_000 : 200);
    this.loop = new LeaderLoop(() => this.step(), {
      wake: options.listener ? { listener: options.listener, channels: [SAGAS_CHANNEL] } : undefined,
      onFailure: () => this.pollMs,
    });
  }

  start(): this {
    this.loop.start().catch((error) => this.options.logger?.warn({ err: error }, 'listening for new sagas failed; polling'));
    return this;
  }

  /** Lets in-flight steps finish (their sagas stay claimed until the lease ends if cut short). */
  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.allSettled([...this.running]);
  }

  /** Wakes an idle worker (new saga, or a slot came free). */
  poke(): void {
    this.loop.wake();
  }

  /** Claims what it has room for and starts driving it; sleeps (null: not) until there may be more. */
  private async step(): Promise<number | null> {
    const free = this.concurrency - this.running.size;
    let claimed: SagaRow[] = [];
    let sleepMs = this.pollMs;
    if (free > 0) {
      try {
        claimed = await this.claim(free);
        if (claimed.length === 0) sleepMs = await this.untilNextDue();
      } catch (error) {
        this.options.logger?.error({ err: error }, 'claiming sagas failed');
      }
    }
    for (const saga of claimed) {
      this.driving.add(saga.id);
      const task = this.drive(saga).catch((error) => {
        if (!(error instanceof LeaseLost)) this.options.logger?.error({ err: error, sagaId: saga.id }, 'saga step crashed');
      });
      this.running.add(task);
      void task.finally(() => {
        this.running.delete(task);
        this.driving.delete(saga.id);
        this.begun.delete(saga.id);
        this.poke();
      });
    }
    return claimed.length === 0 || this.running.size >= this.concurrency ? sleepMs : null;
  }

  /** How long until a saga this worker could run becomes due (a retry's backoff, a dead worker's lease). */
  private async untilNextDue(): Promise<number> {
    const { rows } = await sql<{ ms: number | null }>`
      SELECT extract(epoch FROM min(greatest(next_run_at, coalesce(lease_until, next_run_at))) - now()) * 1000 AS ms
      FROM sagas.instances WHERE status IN ('RUNNING', 'COMPENSATING') AND type = ANY(${[...this.definitions.keys()]}::text[])`.execute(this.options.db);
    const ms = rows[0]?.ms;
    return ms === null || ms === undefined ? this.pollMs : Math.min(this.pollMs, Math.max(1, Math.ceil(Number(ms))));
  }

  private async claim(limit: number): Promise<SagaRow[]> {
    const { rows } = await sql<SagaRow & { due_at: Date }>`
      UPDATE sagas.instances i SET lease_owner = ${this.id}, lease_until = now() + make_interval(secs => ${this.leaseMs / 1000})
      FROM (
        SELECT id, greatest(next_run_at, coalesce(lease_until, next_run_at)) AS due_at FROM sagas.instances
        WHERE status IN ('RUNNING', 'COMPENSATING') AND next_run_at <= now() AND (lease_until IS NULL OR lease_until < now())
          AND type = ANY(${[...this.definitions.keys()]}::text[]) AND id <> ALL(${[...this.driving]}::uuid[])
        ORDER BY next_run_at LIMIT ${limit}
        FOR UPDATE SKIP LOCKED) due
      WHERE i.id = due.id
      RETURNING i.*, due.due_at`.execute(this.options.db);
    return rows;
  }

  /** Advances one claimed saga step by step until it waits (backoff), finishes, or loses its lease. */
  private async drive(claimed: SagaRow & { due_at?: Date }): Promise<void> {
    const definition = this.definitions.get(claimed.type);
    if (!definition) throw new Error(`no definition for saga type ${claimed.type}`);
    // The lease makes this worker the only writer of the saga's rows: read them once, keep them current.
    const steps = (await sql<StepRow>`SELECT * FROM sagas.steps WHERE saga_id = ${claimed.id} ORDER BY idx`.execute(this.options.db)).rows;
    let saga: SagaRow = claimed;
    let dueAt = claimed.due_at ? claimed.due_at.getTime() : Date.now();
    for (;;) {
      const next = saga.status === 'RUNNING' ? await this.forward(definition, saga, steps, dueAt) : await this.backward(definition, saga, steps);
      if (!next) return;
      saga = next;
      dueAt = Date.now();
    }
  }

  private async forward(definition: SagaDefinition<any>, saga: SagaRow, steps: StepRow[], dueAt: number): Promise<SagaRow | null> {
    if (Date.now() > saga.deadline_at.getTime()) {
      return this.transition(saga, steps, { saga: { status: 'COMPENSATING', error: `deadline of ${definition.deadlineMs} ms exceeded`, timed_out: true }, event: { type: 'SagaTimedOut' } });
    }
    const index = saga.current_step;
    const step = definition.steps[index];
    if (!step) {
      await this.transition(saga, steps, { saga: { status: 'COMPLETED', finished_at: new Date(), lease_owner: null, lease_until: null }, event: { type: 'SagaCompleted' } });
      return null;
    }
    if (step.skip?.(saga.data)) {
      return this.transition(saga, steps, {
        saga: { current_step: index + 1 },
        step: { index, change: { status: 'SKIPPED', finished_at: new Date() } },
        event: { type: 'SagaStepSkipped', data: { step: step.name } },
      });
    }
    const waitMs = Math.max(0, Date.now() - dueAt);
    let dbStarted = performance.now();
    const begun = this.begun.get(saga.id) === index;
    this.begun.delete(saga.id);
    const attempts = begun ? steps[index]!.attempts : await this.beginAttempt(saga, steps, index, 'attempts');
    const dbMs = performance.now() - dbStarted;
    await this.fault('step-started', saga, step.name, null);
    const callStarted = performance.now();
    try {
      const output = await this.execute(step, saga, 'action', attempts);
      const callMs = performance.now() - callStarted;
      await this.fault('step-executed', saga, step.name, null);
      dbStarted = performance.now();
      // Evaluated inside the transition, just before its event is written.
      const timings = (): StepTimings => ({ waitMs, callMs: round(callMs), dbMs: round(dbMs + performance.now() - dbStarted) });
      const data = { ...saga.data, ...(output.result ?? {}) };
      const next = definition.steps[index + 1];
      // The next step runs right after this transition: its attempt is recorded in the same transaction.
      const beginNext = next && !next.skip?.(data) && Date.now() < saga.deadline_at.getTime() ? index + 1 : undefined;
      return await this.transition(saga, steps, {
        saga: { current_step: index + 1, data, last_position: output.position },
        step: { index, change: { status: 'DONE', finished_at: new Date(), last_error: null } },
        begin: beginNext,
        event: { type: 'SagaStepCompleted', data: { step: step.name, attempts, timings, sampleId: definition.sampleIdOf?.(data) ?? null } },
      });
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      await this.fault('step-executed', saga, step.name, null);
      const message = (error as Error).message;
      const policy = step.retry ?? DEFAULT_RETRY;
      if (!(error instanceof PermanentStepError) && attempts < policy.attempts) {
        const delay = backoff(policy, attempts);
        await this.transition(saga, steps, {
          saga: { next_run_at: new Date(Date.now() + delay), lease_owner: null, lease_until: null },
          step: { index, change: { status: 'PENDING', last_error: message } },
          event: { type: 'SagaStepFailed', data: { step: step.name, attempts, error: message, retryInMs: delay } },
        });
        return null;
      }
      return this.transition(saga, steps, {
        saga: { status: 'COMPENSATING', error: `${step.name}: ${message}`, error_code: (error as { code?: string }).code ?? null },
        step: { index, change: { status: 'FAILED', last_error: message, finished_at: new Date() } },
        event: { type: 'SagaStepFailed', data: { step: step.name, attempts, error: message, final: true } },
      });
    }
  }

  /** Compensates DONE steps in reverse, each with the outputs it saved. */
  private async backward(definition: SagaDefinition<any>, saga: SagaRow, steps: StepRow[]): Promise<SagaRow | null> {
    const pending = [...steps].reverse().find((row) => row.status === 'DONE' || row.status === 'COMPENSATING');
    if (!pending) {
      const status = saga.timed_out ? 'TIMED_OUT' : 'COMPENSATED';
      await this.transition(saga, steps, {
        saga: { status, finished_at: new Date(), lease_owner: null, lease_until: null },
        event: { type: 'SagaFailed', data: { sagaType: saga.type, status, error: saga.error, sampleId: definition.sampleIdOf?.(saga.data) ?? null } },
      });
      return null;
    }
    const step = definition.steps[pending.idx]!;
    if (!step.compensate) {
      return this.transition(saga, steps, { saga: {}, step: { index: pending.idx, change: { status: 'COMPENSATED', finished_at: new Date() } } });
    }
    const attempts = await this.beginAttempt(saga, steps, pending.idx, 'undo_attempts');
    await this.fault('step-started', saga, `${step.name}:undo`, null);
    try {
      const output = await this.execute(step, saga, 'compensate', attempts);
      await this.fault('step-executed', saga, `${step.name}:undo`, null);
      return this.transition(saga, steps, {
        saga: { last_position: output.position },
        step: { index: pending.idx, change: { status: 'COMPENSATED', finished_at: new Date() } },
        event: { type: 'SagaStepCompensated', data: { step: step.name } },
      });
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      await this.fault('step-executed', saga, `${step.name}:undo`, null);
      const message = (error as Error).message;
      const policy = step.retry ?? DEFAULT_RETRY;
      if (!(error instanceof PermanentStepError) && attempts < policy.attempts) {
        const delay = backoff(policy, attempts);
        await this.transition(saga, steps, {
          saga: { next_run_at: new Date(Date.now() + delay), lease_owner: null, lease_until: null },
          step: { index: pending.idx, change: { last_error: message } },
          event: { type: 'SagaCompensationFailed', data: { step: step.name, attempts, error: message, retryInMs: delay } },
        });
        return null;
      }
      // A compensation that cannot succeed needs a person: the saga ends FAILED (and raises an alert).
      await this.transition(saga, steps, {
        saga: { status: 'FAILED', error: `${saga.error}; compensating ${step.name} failed: ${message}`, finished_at: new Date(), lease_owner: null, lease_until: null },
        step: { index: pending.idx, change: { status: 'FAILED', last_error: message, finished_at: new Date() } },
        event: { type: 'SagaFailed', data: { sagaType: saga.type, status: 'FAILED', error: message, sampleId: definition.sampleIdOf?.(saga.data) ?? null } },
      });
      return null;
    }
  }

  private async execute(step: SagaStep<any>, saga: SagaRow, kind: 'action' | 'compensate', attempt: number): Promise<{ result: Record<string, unknown> | void; position: string }> {
    const timeoutMs = typeof step.timeoutMs === 'function' ? step.timeoutMs(attempt) : (step.timeoutMs ?? 10_000);
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
      failure: saga.status === 'COMPENSATING' || saga.status === 'FAILED' ? { code: saga.error_code } : null,
      call: subgraphCaller({
        urls: this.options.subgraphUrls,
        signer: this.signer,
        tenantId: saga.tenant_id,
        subject: saga.actor ?? `saga:${saga.id}`,
        correlationId: saga.correlation_id,
        signal: controller.signal,
        position,
      }),
    };
    let timer: NodeJS.Timeout | undefined;
    // A step may outlast the lease; the lease is only meant to run out when this worker is gone.
    const heartbeat = setInterval(() => {
      sql`UPDATE sagas.instances SET lease_until = now() + make_interval(secs => ${this.leaseMs / 1000}) WHERE id = ${saga.id} AND lease_owner = ${this.id}`
        .execute(this.options.db)
        .catch((error) => this.options.logger?.warn({ err: error, sagaId: saga.id }, 'renewing a saga lease failed'));
    }, this.leaseMs / 3);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`step timed out after ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      const run = () => Promise.race([kind === 'action' ? step.action(context) : step.compensate!(context), timeout]);
      // Tracing: the step (and the subgraph calls it makes) joins the trace of the request that started the saga.
      const result = await inStoredTrace(saga.trace_context, `saga ${saga.type} ${step.name}${kind === 'compensate' ? ' compensate' : ''}`, { 'tracseq.saga.id': saga.id, 'tracseq.saga.step': step.name, 'tracseq.saga.attempt': attempt }, run);
      return { result: result ?? undefined, position: position.value };
    } finally {
      clearTimeout(timer);
      clearInterval(heartbeat);
    }
  }

  private async fault(point: FaultPoint, saga: SagaRow, step: string | null, event: string | null): Promise<void> {
    await this.options.faults?.(point, { sagaId: saga.id, step, event });
  }

  /** Records a new attempt of a step (and renews the lease) in one statement, before the step runs. */
  private async beginAttempt(saga: SagaRow, steps: StepRow[], index: number, counter: 'attempts' | 'undo_attempts'): Promise<number> {
    const status = counter === 'attempts' ? 'RUNNING' : 'COMPENSATING';
    const { rows } = await sql<StepRow>`
      WITH owned AS (
        UPDATE sagas.instances SET lease_until = now() + make_interval(secs => ${this.leaseMs / 1000})
        WHERE id = ${saga.id} AND lease_owner = ${this.id} RETURNING id)
      UPDATE sagas.steps SET status = ${status}, ${sql.ref(counter)} = ${sql.ref(counter)} + 1, started_at = coalesce(started_at, now())
      WHERE saga_id = (SELECT id FROM owned) AND idx = ${index}
      RETURNING *`.execute(this.options.db);
    const row = rows[0];
    if (!row) throw new LeaseLost(`lost the lease on saga ${saga.id}`);
    steps[index] = row;
    return row[counter];
  }

  /**
   * Persists a transition in one transaction, only while this worker holds the lease (renewing it
   * unless the change releases it): the instance row, the step row and the saga's event, which feeds
   * sagaUpdated subscribers, the audit trail and the SAGA_FAILED alert. All of it or none of it.
   */
  private async transition(saga: SagaRow, steps: StepRow[], transition: Transition): Promise<SagaRow> {
    const change: Record<string, unknown> = { ...transition.saga };
    if (change.lease_owner === undefined) change.lease_until = new Date(Date.now() + this.leaseMs);
    if (change.data) change.data = JSON.stringify(change.data);
    const sets = Object.keys(change).map((column) => sql`${sql.ref(column)} = ${change[column]}`);
    const step = transition.step;
    const stepSets = step ? Object.entries(step.change).map(([column, value]) => sql`${sql.ref(column)} = ${value}`) : [];
    const begin = transition.begin;
    const updated = await this.options.db.transaction().execute(async (trx) => {
      const { rows } = step
        ? await sql<SagaRow & { step_row: StepRow; begun_row: StepRow | null }>`
            WITH s AS (UPDATE sagas.steps SET ${sql.join(stepSets)} WHERE saga_id = ${saga.id} AND idx = ${step.index} RETURNING *),
            b AS (UPDATE sagas.steps SET status = 'RUNNING', attempts = attempts + 1, started_at = coalesce(started_at, now())
              WHERE saga_id = ${saga.id} AND idx = ${begin ?? -1} RETURNING *)
            UPDATE sagas.instances SET ${sql.join(sets)} WHERE id = ${saga.id} AND lease_owner = ${this.id}
            RETURNING *, (SELECT to_jsonb(s) FROM s) AS step_row, (SELECT to_jsonb(b) FROM b) AS begun_row`.execute(trx)
        : await sql<SagaRow & { step_row: null; begun_row: null }>`UPDATE sagas.instances SET ${sql.join(sets)} WHERE id = ${saga.id} AND lease_owner = ${this.id}
            RETURNING *, NULL::jsonb AS step_row, NULL::jsonb AS begun_row`.execute(trx);
      const row = rows[0];
      if (!row) throw new LeaseLost(`lost the lease on saga ${saga.id}`);
      const event = transition.event;
      if (event) {
        await this.fault('mid-transition', saga, step ? (steps[step.index]?.name ?? null) : null, event.type);
        const data = Object.fromEntries(Object.entries(event.data ?? {}).map(([key, value]) => [key, typeof value === 'function' ? value() : value]));
        await appendWithin(sqlRunnerOf(trx), {
          streams: [{ streamId: `Saga-${saga.id}`, expectedVersion: null, events: [{ type: event.type, data: { sagaId: saga.id, sagaType: saga.type, status: row.status, ...data } }] }],
          metadata: { tenantId: saga.tenant_id, actor: saga.actor, correlationId: saga.correlation_id, occurredAt: new Date().toISOString() },
        });
      }
      return row;
    });
    const asStep = (row: StepRow): StepRow => ({ ...row, started_at: row.started_at && new Date(row.started_at), finished_at: row.finished_at && new Date(row.finished_at) });
    if (step && updated.step_row) steps[step.index] = asStep(updated.step_row);
    if (begin !== undefined && updated.begun_row) {
      steps[begin] = asStep(updated.begun_row);
      this.begun.set(saga.id, begin);
    }
    const { step_row: _, begun_row: __, ...instance } = updated;
    await this.fault('transition-committed', saga, step ? (steps[step.index]?.name ?? null) : null, transition.event?.type ?? null);
    return instance as SagaRow;
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;
