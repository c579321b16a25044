import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { Agent } from 'undici';
import type { EventStore } from '../../event-store/event-store.js';
import { LeaderLoop } from '../../event-store/bus/leader-loop.js';
import type { PgListener } from '../../event-store/bus/pg-listener.js';
import { IdentitySigner } from '../../platform/identity-signer.js';
import type { Logger } from '../../platform/logger.js';
import { inStoredTrace } from '../../platform/tracing/propagation.js';
import { backoff, DEFAULT_RETRY, PermanentStepError, type SagaDefinition, type SagaStep, type StepContext } from './saga-definition.js';
import type { SagaRow, StepRow } from './saga-schema.js';
import { SAGAS_CHANNEL } from './saga-starter.js';
import { applyTransition, attemptOf, persisted, type Transition } from './saga-transition.js';
import { TransitionWriter } from './transition-writer.js';
import { subgraphCaller } from './subgraph-client.js';

/**
 * Where a worker can die between running a step and recording it (the fault-injection test kills it
 * at each): `step-started` (the attempt is recorded, the step has not run), `step-executed` (the
 * step's command ran, nothing recorded yet), `transition-committed` (all recorded, next step not
 * run: its attempt is recorded by the same transition, as `step-started` would find it). A
 * transition is one statement, so there is no point inside it to die at.
 */
export type FaultPoint = 'step-started' | 'step-executed' | 'transition-committed';
export type FaultHook = (point: FaultPoint, where: { sagaId: string; step: string | null; event: string | null }) => void | Promise<void>;

export interface SagaWorkerOptions {
  db: Kysely<any>;
  /** Writes transitions' rows and events, those ready at once in one statement (EventStore.appendManyWith). */
  store: EventStore;
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

/** A claimed saga with its step rows (jsonb: dates as text; null for a saga without steps). */
type ClaimedSaga = SagaRow & { due_at: Date; step_rows: StepRow[] | null };

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
  /** Keep-alive connections to the subgraphs, shared by every step this worker runs. */
  private readonly http = new Agent({ keepAliveTimeout: 30_000 });
  private readonly writer: TransitionWriter;

  constructor(private readonly options: SagaWorkerOptions) {
    this.definitions = new Map(options.definitions.map((definition) => [definition.type, definition]));
    this.writer = new TransitionWriter(options.store, this.id);
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
    // stop() may be called again (a test stops the worker, then the system): close the agent once.
    if (!this.http.closed) await this.http.close();
  }

  /** Wakes an idle worker (new saga, or a slot came free). */
  poke(): void {
    this.loop.wake();
  }

  /** Claims what it has room for and starts driving it; sleeps (null: not) until there may be more. */
  private async step(): Promise<number | null> {
    const free = this.concurrency - this.running.size;
    let claimed: ClaimedSaga[] = [];
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

  private async claim(limit: number): Promise<ClaimedSaga[]> {
    // The claimed sagas' steps come with them: the lease makes this worker their only writer, so it
    // reads them once and keeps them current in memory. The claimed rows are found by id (= ANY of
    // the due ids): joined to `due` directly, a plan made while sagas.instances looked empty walked
    // every instance and ran `due` once per row.
    const { rows } = await sql<ClaimedSaga>`
      WITH due AS MATERIALIZED (
        SELECT id, greatest(next_run_at, coalesce(lease_until, next_run_at)) AS due_at FROM sagas.instances
        WHERE status IN ('RUNNING', 'COMPENSATING') AND next_run_at <= now() AND (lease_until IS NULL OR lease_until < now())
          AND type = ANY(${[...this.definitions.keys()]}::text[]) AND id <> ALL(${[...this.driving]}::uuid[])
        ORDER BY next_run_at LIMIT ${limit}
        FOR UPDATE SKIP LOCKED),
      claimed AS (
        UPDATE sagas.instances i SET lease_owner = ${this.id}, lease_until = now() + make_interval(secs => ${this.leaseMs / 1000})
        WHERE i.id = ANY(ARRAY(SELECT id FROM due))
        RETURNING i.*)
      SELECT c.*, due.due_at, (SELECT jsonb_agg(s ORDER BY s.idx) FROM sagas.steps s WHERE s.saga_id = c.id) AS step_rows
      FROM claimed c JOIN due ON due.id = c.id`.execute(this.options.db);
    return rows;
  }

  /** Advances one claimed saga step by step until it waits (backoff), finishes, or loses its lease. */
  private async drive(claimed: ClaimedSaga): Promise<void> {
    const definition = this.definitions.get(claimed.type);
    if (!definition) throw new Error(`no definition for saga type ${claimed.type}`);
    const { step_rows: rows, due_at: due, ...row } = claimed;
    const steps = (rows ?? []).map(asStep);
    let saga: SagaRow = row;
    let dueAt = due.getTime();
    for (;;) {
      const next = saga.status === 'RUNNING' ? await this.forward(definition, saga, steps, dueAt) : await this.backward(definition, saga, steps);
      if (!next) return;
      saga = next;
      dueAt = Date.now();
    }
  }

  private async forward(definition: SagaDefinition<any>, saga: SagaRow, steps: StepRow[], dueAt: number): Promise<SagaRow | null> {
    if (Date.now() > saga.deadline_at.getTime()) {
      return this.transition(saga, steps, { saga: { status: 'COMPENSATING', error: `deadline of ${definition.deadlineMs} ms exceeded`, timed_out: true }, events: [{ type: 'SagaTimedOut' }] });
    }
    const index = saga.current_step;
    const step = definition.steps[index];
    if (!step) {
      await this.transition(saga, steps, { saga: { status: 'COMPLETED', finished_at: new Date(), lease_owner: null }, events: [{ type: 'SagaCompleted' }] });
      return null;
    }
    if (step.skip?.(saga.data)) {
      return this.transition(saga, steps, {
        saga: { current_step: index + 1 },
        steps: [{ index, change: { status: 'SKIPPED', finished_at: new Date() } }],
        events: [{ type: 'SagaStepSkipped', data: { step: step.name } }],
      });
    }
    const waitMs = Math.max(0, Date.now() - dueAt);
    let dbStarted = performance.now();
    const begun = this.begun.get(saga.id) === index;
    this.begun.delete(saga.id);
    if (!begun) saga = await this.transition(saga, steps, { saga: {}, steps: [{ index, change: attemptOf(steps[index]!, 'attempts', new Date()) }] });
    const attempts = steps[index]!.attempts;
    const dbMs = performance.now() - dbStarted;
    await this.fault('step-started', saga, step.name, null);
    const callStarted = performance.now();
    try {
      const output = await this.execute(step, saga, 'action', attempts);
      const callMs = performance.now() - callStarted;
      await this.fault('step-executed', saga, step.name, null);
      dbStarted = performance.now();
      // Evaluated just before the transition is sent.
      const timings = (): StepTimings => ({ waitMs, callMs: round(callMs), dbMs: round(dbMs + performance.now() - dbStarted) });
      const data = { ...saga.data, ...(output.result ?? {}) };
      const now = new Date();
      const done = { index, change: { status: 'DONE', finished_at: now, last_error: null } };
      const completed = { type: 'SagaStepCompleted', data: { step: step.name, attempts, timings, sampleId: definition.sampleIdOf?.(data) ?? null }, status: 'RUNNING' };
      // The steps after it that do not apply are skipped by the same transition, and the saga
      // completes with it when none is left; otherwise the next step's attempt is recorded with it.
      let next = index + 1;
      const skipped: Array<{ index: number; name: string }> = [];
      for (; definition.steps[next]?.skip?.(data); next++) skipped.push({ index: next, name: definition.steps[next]!.name });
      const skips = {
        steps: skipped.map((s) => ({ index: s.index, change: { status: 'SKIPPED', finished_at: now } })),
        events: skipped.map((s) => ({ type: 'SagaStepSkipped', data: { step: s.name }, status: 'RUNNING' })),
      };
      if (!definition.steps[next]) {
        await this.transition(saga, steps, {
          saga: { current_step: next, data, last_position: output.position, status: 'COMPLETED', finished_at: now, lease_owner: null },
          steps: [done, ...skips.steps],
          events: [completed, ...skips.events, { type: 'SagaCompleted' }],
        });
        return null;
      }
      const beginNext = Date.now() < saga.deadline_at.getTime();
      const after = await this.transition(saga, steps, {
        saga: { current_step: next, data, last_position: output.position },
        steps: [done, ...skips.steps, ...(beginNext ? [{ index: next, change: attemptOf(steps[next]!, 'attempts', now) }] : [])],
        events: [completed, ...skips.events],
      });
      if (beginNext) this.begun.set(saga.id, next);
      return after;
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      await this.fault('step-executed', saga, step.name, null);
      const message = (error as Error).message;
      const policy = step.retry ?? DEFAULT_RETRY;
      if (!(error instanceof PermanentStepError) && attempts < policy.attempts) {
        const delay = backoff(policy, attempts);
        await this.transition(saga, steps, {
          saga: { next_run_at: new Date(Date.now() + delay), lease_owner: null },
          steps: [{ index, change: { status: 'PENDING', last_error: message } }],
          events: [{ type: 'SagaStepFailed', data: { step: step.name, attempts, error: message, retryInMs: delay } }],
        });
        return null;
      }
      return this.transition(saga, steps, {
        saga: { status: 'COMPENSATING', error: `${step.name}: ${message}`, error_code: (error as { code?: string }).code ?? null },
        steps: [{ index, change: { status: 'FAILED', last_error: message, finished_at: new Date() } }],
        events: [{ type: 'SagaStepFailed', data: { step: step.name, attempts, error: message, final: true } }],
      });
    }
  }

  /** Compensates DONE steps in reverse, each with the outputs it saved. */
  private async backward(definition: SagaDefinition<any>, saga: SagaRow, steps: StepRow[]): Promise<SagaRow | null> {
    const pending = [...steps].reverse().find((row) => row.status === 'DONE' || row.status === 'COMPENSATING');
    if (!pending) {
      const status = saga.timed_out ? 'TIMED_OUT' : 'COMPENSATED';
      await this.transition(saga, steps, {
        saga: { status, finished_at: new Date(), lease_owner: null },
        events: [{ type: 'SagaFailed', data: { sagaType: saga.type, status, error: saga.error, sampleId: definition.sampleIdOf?.(saga.data) ?? null } }],
      });
      return null;
    }
    const step = definition.steps[pending.idx]!;
    if (!step.compensate) {
      return this.transition(saga, steps, { saga: {}, steps: [{ index: pending.idx, change: { status: 'COMPENSATED', finished_at: new Date() } }] });
    }
    saga = await this.transition(saga, steps, { saga: {}, steps: [{ index: pending.idx, change: attemptOf(pending, 'undo_attempts', new Date()) }] });
    const attempts = steps[pending.idx]!.undo_attempts;
    await this.fault('step-started', saga, `${step.name}:undo`, null);
    try {
      const output = await this.execute(step, saga, 'compensate', attempts);
      await this.fault('step-executed', saga, `${step.name}:undo`, null);
      return this.transition(saga, steps, {
        saga: { last_position: output.position },
        steps: [{ index: pending.idx, change: { status: 'COMPENSATED', finished_at: new Date() } }],
        events: [{ type: 'SagaStepCompensated', data: { step: step.name } }],
      });
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      await this.fault('step-executed', saga, `${step.name}:undo`, null);
      const message = (error as Error).message;
      const policy = step.retry ?? DEFAULT_RETRY;
      if (!(error instanceof PermanentStepError) && attempts < policy.attempts) {
        const delay = backoff(policy, attempts);
        await this.transition(saga, steps, {
          saga: { next_run_at: new Date(Date.now() + delay), lease_owner: null },
          steps: [{ index: pending.idx, change: { last_error: message } }],
          events: [{ type: 'SagaCompensationFailed', data: { step: step.name, attempts, error: message, retryInMs: delay } }],
        });
        return null;
      }
      // A compensation that cannot succeed needs a person: the saga ends FAILED (and raises an alert).
      await this.transition(saga, steps, {
        saga: { status: 'FAILED', error: `${saga.error}; compensating ${step.name} failed: ${message}`, finished_at: new Date(), lease_owner: null },
        steps: [{ index: pending.idx, change: { status: 'FAILED', last_error: message, finished_at: new Date() } }],
        events: [{ type: 'SagaFailed', data: { sagaType: saga.type, status: 'FAILED', error: message, sampleId: definition.sampleIdOf?.(saga.data) ?? null } }],
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
        dispatcher: this.http,
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

  /**
   * Persists a transition in one statement (shared with other sagas' transitions ready at the same
   * time: TransitionWriter), only while this worker holds the lease (renewing it
   * unless the change releases it): the instance row, the step rows and the saga's events, which
   * feed sagaUpdated subscribers, the audit trail and the SAGA_FAILED alert. All of it or none of it.
   * Recording a step's attempt before it runs is a transition without events.
   */
  private async transition(saga: SagaRow, steps: StepRow[], transition: Transition): Promise<SagaRow> {
    const after = applyTransition(saga, steps, transition);
    const held = await this.writer.write(persisted(after, transition, { owner: this.id, until: new Date(Date.now() + this.leaseMs) }));
    if (!held) throw new LeaseLost(`lost the lease on saga ${saga.id}`);
    for (const row of after.steps) steps[row.idx] = row;
    const last = transition.events?.at(-1);
    if (last) await this.fault('transition-committed', saga, transition.steps?.[0] ? (steps[transition.steps[0].index]?.name ?? null) : null, last.type);
    return after.saga;
  }
}

/** A step row as jsonb gives it (dates as text). */
const asStep = (row: StepRow): StepRow => ({ ...row, started_at: row.started_at && new Date(row.started_at), finished_at: row.finished_at && new Date(row.finished_at) });

const round = (ms: number) => Math.round(ms * 10) / 10;
