import { sql, type Kysely, type Transaction } from 'kysely';
import { LeaderLoop } from './bus/leader-loop.js';
import type { PgListener } from './bus/pg-listener.js';
import { HorizonBackoff } from './bus/horizon-backoff.js';
import { CheckpointMovedError, ensureCheckpoint, readCheckpoint, saveCheckpoint } from './checkpoints.js';
import { DeadLetterPolicy, errorText } from './dead-letters.js';
import { EVENTS_CHANNEL, sqlRunnerOf, type EventStore } from './event-store.js';
import type { Logger } from './logger.js';
import { checkpointOf, compareCheckpoints, formatCheckpoint, type Checkpoint } from './position.js';
import type { EventConsumer } from './projection.js';
import type { StoredEvent } from './types.js';
import { inEventTrace, inEventsTrace } from './trace-context.js';
import { logPeeker } from './log-peek.js';

export const CHECKPOINTS_CHANNEL = 'tracseq_checkpoints';
/**
 * `<consumer> <position>`: a Kafka consumer's transaction applied events up to that position in one
 * partition (sent just after it commits). Its read model may show them before its gap-free checkpoint
 * passes them; the PostgreSQL bus applies in log order, so its checkpoints say it all. Its own
 * channel: a reach is no checkpoint, and must never be read as one.
 */
export const REACH_CHANNEL = 'tracseq_reach';
/** Live reactions remembered for the batch at most (see ProjectionRunner.reacted). */
const MAX_REACTED = 10_000;

export interface ProjectionRunnerOptions {
  /** @default 500 */
  batchSize?: number;
  /** Attempts for one failing event before it goes to es.dead_letters. @default 3 */
  maxAttempts?: number;
  /** Re-read delay when committed events wait behind an older open transaction. @default 20 */
  horizonRetryMs?: number;
  /** Safety re-read when no notification came (e.g. lost during a reconnect). @default 5000 */
  idlePollMs?: number;
  /**
   * How often at most the checkpoint moves over events this projection ignores. Such events wake
   * the runner but open no transaction; the checkpoint catches up with them this long after (read-
   * your-writes does not wait for it: see ConsistencyWaiter). @default 1000
   */
  checkpointEveryMs?: number;
  logger?: Logger;
}

class ApplyError extends Error {
  constructor(readonly event: StoredEvent, override readonly cause: unknown) {
    super(`applying ${event.type} ${event.eventId}: ${errorText(cause)}`);
  }
}

/** A batch applied at once failed: which event is to blame is found by applying the same events one by one. */
class BatchApplyError extends Error {
  constructor(override readonly cause: unknown) {
    super(`applying a batch: ${errorText(cause)}`);
  }
}

/**
 * Feeds one projection from the postgres event bus. One active runner per projection across all
 * processes (LeaderLoop: advisory lock; others stand by). Each batch applies its events and advances
 * the checkpoint in one transaction, so a crash or restart neither loses nor repeats an event.
 * Woken by LISTEN/NOTIFY from appends, not by polling.
 */
export class ProjectionRunner {
  private readonly loop: LeaderLoop;
  private readonly deadLetters: DeadLetterPolicy;
  /** Events given up on: dead-lettered by the next batch, in its transaction, instead of applied. */
  private readonly givenUp = new Map<string, unknown>();
  private readonly batchSize: number;
  private readonly horizon: HorizonBackoff;
  private readonly idlePollMs: number;
  private readonly checkpointEveryMs: number;
  /** When this runner's checkpoint last moved (its last batch). */
  private movedAt = 0;
  private readonly logger?: Logger;
  /** Checkpoint after the last committed batch (for tests). */
  checkpoint: Checkpoint | null = null;
  /** `checkpoint` when a wake-up last found nothing to read and the runner went back to sleep (for tests). */
  idleAt: Checkpoint | null = null;
  /** After a failed batch apply: the next batch goes event by event, so a failing event is named and dead-lettered. */
  private oneByOne = false;
  private readonly peeker: ReturnType<typeof logPeeker>;
  private unwatch: () => void = () => undefined;
  /** Live reactions, one after another in the order the peeker saw their events. */
  private reacting: Promise<void> = Promise.resolve();
  /**
   * Per event reacted to live and not yet reached by a batch: whether the reaction succeeded. The
   * batch waits for it and applies only what it missed, so an event is not handled twice at once
   * (the second, a no-op by idempotency, still cost its command's load and competed with the first).
   */
  private readonly reacted = new Map<string, { at: Checkpoint; reaction: Promise<boolean> }>();
  /**
   * Positions of the reactions in flight or done (not failed): no work for a batch, which then only
   * has to move the checkpoint over them, and does so lazily (checkpointEveryMs) instead of opening
   * a transaction per event in the moments the alert is being delivered.
   */
  private readonly inHand = new Set<string>();

  constructor(
    db: Kysely<any>,
    private readonly store: EventStore,
    private readonly listener: PgListener,
    readonly projection: EventConsumer,
    options: ProjectionRunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.horizon = new HorizonBackoff(options.horizonRetryMs ?? 20);
    this.idlePollMs = options.idlePollMs ?? 5000;
    this.checkpointEveryMs = options.checkpointEveryMs ?? 1000;
    this.logger = options.logger;
    this.peeker = logPeeker(store);
    this.deadLetters = new DeadLetterPolicy(projection.name, { maxAttempts: options.maxAttempts });
    this.loop = new LeaderLoop((conn) => this.step(conn), {
      lock: { db, key: `projection:${projection.name}` },
      wake: { listener, channels: [EVENTS_CHANNEL], reconnect: true },
      onLead: async (conn) => {
        // A batch's rows and its checkpoint commit together, and both derive from the durable log:
        // a crash that loses the last batches' commits rewinds them together, and they are applied
        // again. So the runner's session does not wait for its commits to reach the disk (each
        // commit's flush queued behind and in front of the commands' own).
        await sql`SET synchronous_commit = off`.execute(conn);
        await ensureCheckpoint(conn, projection.name);
      },
      onFailure: (error) => this.failed(error),
    });
  }

  get active(): boolean {
    return this.loop.active;
  }

  async start(): Promise<void> {
    await this.loop.start();
    const { react, handles, name } = this.projection;
    if (!react) return;
    // A live policy: its events as the process's shared peek first reads them; every append makes
    // that peek read, even while this runner is in a batch and asks nothing.
    const poke = () => {
      if (this.loop.active) this.peeker.poke();
    };
    this.listener.on(EVENTS_CHANNEL, poke);
    const unwatch = this.peeker.watch(handles, (event) => {
      // Only where this runner leads: one process reacts early, the others leave it to the leader;
      // and not to what a batch already applied (it read the event before the peeker did).
      const at = checkpointOf(event);
      if (!this.loop.active || this.passed(at)) return;
      const reaction = this.reacting.then(() => inEventTrace(name, event, () => react(event))).then(
        () => true,
        (error: unknown) => {
          this.logger?.warn({ projection: name, eventId: event.eventId, err: error }, 'live reaction failed; the batch handles the event');
          // Work for a batch after all, now rather than at the next lazy checkpoint move.
          this.inHand.delete(formatCheckpoint(at));
          this.loop.wake();
          return false;
        },
      );
      this.reacting = reaction.then(() => undefined);
      // A batch that never comes (leadership lost) must not keep them all: the oldest go first.
      if (this.reacted.size >= MAX_REACTED) this.forgetReaction(this.reacted.keys().next().value!);
      this.reacted.set(event.eventId, { at, reaction });
      this.inHand.add(formatCheckpoint(at));
    });
    this.unwatch = () => {
      this.listener.off(EVENTS_CHANNEL, poke);
      unwatch();
    };
    // Reacted to live from here on: an event committed before the shared tail first read the log's end was not.
    await this.peeker.ready();
  }

  async stop(): Promise<void> {
    this.unwatch();
    await Promise.all([this.loop.stop(), this.reacting]);
  }

  private forgetReaction(eventId: string): void {
    const reacted = this.reacted.get(eventId);
    if (!reacted) return;
    this.reacted.delete(eventId);
    this.inHand.delete(formatCheckpoint(reacted.at));
  }

  /** Whether this runner's checkpoint is at or past `at` (a batch has applied or stepped over it). */
  private passed(at: Checkpoint): boolean {
    return this.checkpoint !== null && compareCheckpoints(at, this.checkpoint) <= 0;
  }

  private async step(conn: Kysely<any>): Promise<number | null> {
    // Every append wakes every runner; most find nothing for themselves (events of types they ignore,
    // or events behind an older open transaction). One statement for all of a process's runners
    // tells, before a batch opens a transaction.
    const { handled, waiting, behind } = await this.peeker.peek(this.projection.name, this.projection.handles, this.projection.react && ((at) => this.inHand.has(formatCheckpoint(at))));
    const moveDue = this.movedAt + this.checkpointEveryMs - Date.now();
    if (!handled && this.givenUp.size === 0 && !(behind && moveDue <= 0)) {
      this.idleAt = this.checkpoint;
      return waiting ? this.horizon.delay() : behind ? moveDue : this.idlePollMs;
    }
    const { applied, caughtUp } = await this.runBatch(conn);
    if (applied > 0) {
      this.horizon.reset();
      this.movedAt = Date.now();
    }
    if (applied === this.batchSize) return null;
    return caughtUp ? this.idlePollMs : this.horizon.delay();
  }

  private failed(error: unknown): number {
    const name = this.projection.name;
    if (error instanceof BatchApplyError) {
      this.logger?.warn({ projection: name, err: error.cause }, 'projection failed to apply a batch; retrying it event by event');
      this.oneByOne = true;
      return 0;
    }
    if (error instanceof CheckpointMovedError) {
      // Not a failure: a rebuild reset the checkpoint while this batch ran; the next batch starts from the reset.
      this.logger?.warn({ projection: name }, 'checkpoint reset under a batch (rebuild); reading again');
      return 0;
    }
    if (!(error instanceof ApplyError)) {
      this.logger?.error({ projection: name, err: error }, 'projection runner lost its connection; retrying');
      return 1000;
    }
    const { attempts, giveUp, backoffMs } = this.deadLetters.failed(error.event.eventId);
    this.logger?.warn({ projection: name, eventId: error.event.eventId, attempts, err: error.cause }, 'projection failed to apply an event');
    if (giveUp) this.givenUp.set(error.event.eventId, error.cause);
    return backoffMs;
  }

  private async runBatch(conn: Kysely<any>): Promise<{ applied: number; caughtUp: boolean }> {
    const name = this.projection.name;
    return conn.transaction().execute(async (trx) => {
      // Checkpoint, batch lock and window in one statement; only the events this projection handles
      // come with their payloads, the rest only move the checkpoint.
      const run = sqlRunnerOf(trx);
      const expected = this.checkpoint ?? (await readCheckpoint(trx, name));
      const { from, waiting, events, read, last } = await this.store.readBatch(name, expected, this.batchSize, this.projection.handles, run);
      if (compareCheckpoints(from, expected) !== 0) {
        // Moved under this runner (a rebuild, or another leader before it): read again from there.
        this.checkpoint = from;
        return { applied: 0, caughtUp: false };
      }
      if (!last) return { applied: 0, caughtUp: !waiting };
      if (this.projection.applyBatch && !this.oneByOne) await this.applyBatch(trx, events);
      else for (const event of events) await this.applyOne(trx, event);
      // Compare-and-set from the checkpoint read, with the checkpoint's wake-up sent on commit.
      await saveCheckpoint(trx, name, last, from, { channel: CHECKPOINTS_CHANNEL, payload: `${name} ${last.position}` });
      this.checkpoint = checkpointOf(last);
      return { applied: read, caughtUp: false };
    }).then((outcome) => {
      if (outcome.applied > 0) this.oneByOne = false;
      // Reactions to events this batch passed without handling (read by a batch already running).
      for (const [eventId, { at }] of this.reacted) if (this.passed(at)) this.forgetReaction(eventId);
      return outcome;
    });
  }

  /** The batch's events this projection reads, in one call (dead-lettered ones recorded instead, as one by one). */
  private async applyBatch(trx: Transaction<any>, events: readonly StoredEvent[]): Promise<void> {
    const handled: StoredEvent[] = [];
    for (const event of events) {
      if (this.givenUp.has(event.eventId)) await this.applyOne(trx, event);
      else if (this.projection.handles.has(event.type)) handled.push(event);
    }
    if (handled.length === 0) return;
    try {
      // Tracing: each event's trace shows it applied (its events come from many requests' traces).
      await inEventsTrace(this.projection.name, handled, () => this.projection.applyBatch!(trx, handled));
    } catch (error) {
      throw new BatchApplyError(error);
    }
  }

  private async applyOne(trx: Transaction<any>, event: StoredEvent): Promise<void> {
    if (this.givenUp.has(event.eventId)) {
      await this.deadLetters.record(trx, event, this.givenUp.get(event.eventId));
      this.givenUp.delete(event.eventId);
      this.logger?.error({ projection: this.projection.name, eventId: event.eventId, position: event.position }, 'event dead-lettered');
      return;
    }
    if (!this.projection.handles.has(event.type)) return;
    const reacted = this.reacted.get(event.eventId);
    if (reacted) {
      this.forgetReaction(event.eventId);
      if (await reacted.reaction) return;
    }
    try {
      await inEventTrace(this.projection.name, event, () => this.projection.apply(trx, event)); // tracing: joins the command's trace
    } catch (error) {
      throw new ApplyError(event, error);
    }
  }
}
