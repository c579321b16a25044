import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { PgListener } from './bus/pg-listener.js';
import type { LogPeeker } from './log-peek.js';
import { checkpointOfRow, compareCheckpoints, formatCheckpoint, parsePosition, type Checkpoint } from './position.js';
import { CHECKPOINTS_CHANNEL, REACH_CHANNEL } from './projection-runner.js';

/**
 * Each consumer's checkpoint, and whether an event of a type it handles lies after it up to the
 * target position ($2, $3). Ordered LIMIT 1, so the commit-order index is walked from the checkpoint
 * (an EXISTS there was planned as a scan of the whole log; see firstEventAfter in event-store.ts).
 */
export const PENDING_SQL = `
  SELECT c.consumer, c.transaction_id::text, c.global_position::text,
         (SELECT true FROM es.events e
           WHERE (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)
             AND (e.transaction_id, e.global_position) <= ($2::xid8, $3::bigint)
             AND e.event_type = ANY (h.types)
           ORDER BY e.transaction_id, e.global_position LIMIT 1) IS NOT NULL AS pending
  FROM jsonb_to_recordset($1::jsonb) AS h(consumer text, types text[])
  JOIN es.checkpoints c ON c.consumer = h.consumer`;

/** What the waiter needs of a read model's consumer: its checkpoint's name and the events it reads. */
export interface ConsistentConsumer {
  name: string;
  handles: ReadonlySet<string>;
}

/**
 * Read-your-writes: waits until every named projection has applied the log up to a position.
 * Checkpoints arrive by NOTIFY, so a waiting request costs no queries after the first.
 *
 * A projection whose checkpoint is behind the position but which has no event to read up to it
 * (every event in between is of a type it ignores) already shows the log at that position: it is
 * not waited for. Most positions a request carries are of another context's events (an alert, a
 * saga step), and waiting for every read model to step over them put a commit of each on the path
 * of the read.
 */
export class ConsistencyWaiter {
  private readonly known = new Map<string, Checkpoint>();
  /** Per consumer, the furthest event it is heard to have applied anywhere (Kafka: beyond its checkpoint). */
  private readonly reach = new Map<string, Checkpoint>();
  private readonly changes = new EventEmitter();
  /** Each consumer waited for, with the event types it reads. */
  private readonly handles: ReadonlyMap<string, ReadonlySet<string>>;
  /** The query's parameter: each consumer with the event types it reads. */
  private readonly consumers: string;
  /** One check of the log per position at a time, whatever the number of requests waiting for it. */
  private readonly checking = new Map<string, Promise<Set<string>>>();
  /** Counts checkpoint moves: a wait whose first check began before one asks again (see waitFor). */
  private moves = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly listener: PgListener,
    consumers: readonly ConsistentConsumer[],
    /** The process's tail of event types (its runners keep it fresh): answers most checks without a query. */
    private readonly peeker?: LogPeeker,
  ) {
    this.changes.setMaxListeners(0);
    this.handles = new Map(consumers.map((consumer) => [consumer.name, consumer.handles]));
    this.consumers = JSON.stringify(consumers.map((consumer) => ({ consumer: consumer.name, types: [...consumer.handles] })));
  }

  async start(): Promise<void> {
    this.listener.on(CHECKPOINTS_CHANNEL, this.onCheckpoint);
    this.listener.on(REACH_CHANNEL, this.onReach);
    await this.listener.listen(CHECKPOINTS_CHANNEL);
    await this.listener.listen(REACH_CHANNEL);
  }

  stop(): void {
    this.listener.off(CHECKPOINTS_CHANNEL, this.onCheckpoint);
    this.listener.off(REACH_CHANNEL, this.onReach);
  }

  /** `<consumer> <position>` of one of these consumers, or null (another subgraph's, or malformed). */
  private heard(payload: string): { consumer: string; at: Checkpoint } | null {
    const [consumer, position] = payload.split(' ');
    return consumer && position && this.handles.has(consumer) ? { consumer, at: parsePosition(position) } : null;
  }

  private readonly onReach = (payload: string) => {
    const heard = this.heard(payload);
    if (!heard) return;
    const previous = this.reach.get(heard.consumer);
    if (!previous || compareCheckpoints(heard.at, previous) > 0) this.reach.set(heard.consumer, heard.at);
  };

  private readonly onCheckpoint = (payload: string) => {
    const heard = this.heard(payload);
    if (heard) this.advance(heard.consumer, heard.at);
  };

  private advance(consumer: string, checkpoint: Checkpoint): void {
    const previous = this.known.get(consumer);
    if (previous && compareCheckpoints(previous, checkpoint) >= 0) return;
    this.known.set(consumer, checkpoint);
    this.moves++;
    this.changes.emit('change');
  }

  /**
   * The furthest position any of these read models is known to have applied (by NOTIFY or a check),
   * checkpoints and Kafka reaches alike: an answer read from them shows nothing past it. On Kafka a
   * read model applies its partitions independently, so it can show an event past its gap-free
   * checkpoint (a sample IN_STORAGE while the storing, in another partition, is still unapplied
   * there); the gateway then made the next subgraph reach only the checkpoint, and that subgraph
   * could answer from before the storing. Null before any position is known.
   */
  furthest(): string | null {
    let furthest: Checkpoint | null = null;
    for (const at of [...this.known.values(), ...this.reach.values()]) if (!furthest || compareCheckpoints(at, furthest) > 0) furthest = at;
    return furthest && formatCheckpoint(furthest);
  }

  /** Whether every consumer not in `idle` has applied the log up to `target`. */
  private reached(target: Checkpoint, idle?: ReadonlySet<string>): boolean {
    for (const consumer of this.handles.keys()) {
      if (idle?.has(consumer)) continue;
      const at = this.known.get(consumer);
      if (at === undefined || compareCheckpoints(at, target) < 0) return false;
    }
    return true;
  }

  /**
   * Reads the checkpoints, and which consumers have nothing to read up to `target`: no event of a
   * type they handle between their checkpoint and it. (An event of a transaction still open now may
   * later land before `target` in log order; no caller can have seen it, so no read waits for it.)
   */
  private check(position: string, target: Checkpoint): Promise<Set<string>> {
    let checking = this.checking.get(position);
    if (!checking) {
      checking = this.pool
        .query<{ consumer: string; transaction_id: string; global_position: string; pending: boolean }>(
          PENDING_SQL,
          [this.consumers, String(target.transactionId), String(target.globalPosition)],
        )
        .then(({ rows }) => {
          for (const row of rows) this.advance(row.consumer, checkpointOfRow(row));
          return new Set(rows.filter((row) => !row.pending).map((row) => row.consumer));
        })
        .finally(() => this.checking.delete(position));
      this.checking.set(position, checking);
    }
    return checking;
  }

  /**
   * check() without a query, when every checkpoint is known here (by NOTIFY or an earlier check) and
   * the peeker holds the types of the log between each and `target`; null otherwise.
   */
  private idleFromMemory(target: Checkpoint): Set<string> | null {
    if (!this.peeker) return null;
    const idle = new Set<string>();
    for (const [consumer, types] of this.handles) {
      const at = this.known.get(consumer);
      if (!at) return null;
      if (compareCheckpoints(at, target) >= 0) continue;
      const pending = this.peeker.handledBetween(at, target, types);
      if (pending === null) return null;
      if (!pending) idle.add(consumer);
    }
    return idle;
  }

  /** Resolves true once the read models include `position`, false after `timeoutMs`. */
  async waitFor(position: string, timeoutMs: number): Promise<boolean> {
    const target = parsePosition(position);
    if (this.reached(target)) return true;
    // Caught up: at or past the target, or with nothing of its types left to apply up to it.
    const caughtUp = async () => this.reached(target, this.idleFromMemory(target) ?? (await this.check(position, target)));
    const movesBefore = this.moves;
    if (await caughtUp()) return true;
    return new Promise((resolve) => {
      let done = false;
      let asking = false;
      let again = false;
      // A consumer that had an event to apply may stop short of the target (the target was not yet
      // readable when its batch read), and its checkpoint then moves over the rest lazily: each
      // change asks again, not only "is it at the target yet".
      const ask = (): void => {
        asking = true;
        again = false;
        caughtUp().then(
          (yes) => {
            asking = false;
            if (yes) finish(true);
            else if (again && !done) ask();
          },
          () => void (asking = false),
        );
      };
      const onChange = () => {
        if (this.reached(target)) finish(true);
        else if (asking) again = true;
        else ask();
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (result: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.changes.off('change', onChange);
        resolve(result);
      };
      this.changes.on('change', onChange);
      // A checkpoint that moved while the first check's query ran was heard before anyone listened,
      // and that check's answer may predate it ("an event to apply" when it has just been applied):
      // ask again, or the wait would sleep until its timeout.
      if (this.moves !== movesBefore) onChange();
    });
  }
}
