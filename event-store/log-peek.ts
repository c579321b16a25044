import { HorizonBackoff } from './bus/horizon-backoff.js';
import { COMMIT_HORIZON, type EventRow, type EventStore } from './event-store.js';
import { checkpointOfRow, compareCheckpoints, type Checkpoint } from './position.js';
import type { StoredEvent } from './types.js';

export interface Peek {
  /** An event of a type the consumer handles is readable after its checkpoint: a batch has work. */
  handled: boolean;
  /** Such an event is committed but still behind an older open transaction: look again soon. */
  waiting: boolean;
  /** Readable events lie after its checkpoint (maybe none it handles): the checkpoint could move. */
  behind: boolean;
}

/** What a consumer is told when the peeker cannot know: run a batch, which finds out. */
const UNKNOWN: Peek = { handled: true, waiting: true, behind: true };

/** Events read per round of a flush; a flush reads at most this many rounds before giving up knowing. */
const CHUNK = 1000;
const MAX_ROUNDS = 10;
/** Not-yet-readable events whose types are read; with more, any type may be among them. */
const BEYOND = 16;
/** Types remembered at most (a consumer left far behind is then told UNKNOWN and catches up by batches). */
const MAX_KNOWN = 50_000;
/** A consumer not heard from for this long (its runner stopped, or stands by) no longer holds types in memory. */
const FORGET_AFTER_MS = 30_000;

/** What a watcher's event carries beyond the tail's own columns: read only for watched types ($5). */
const WATCHED_COLUMNS = ['stream_id', 'stream_type', 'stream_version', 'schema_version', 'data', 'metadata', 'tenant_id', 'occurred_at'];

/**
 * The log's readable events after `$1/$2` (position, type and id, in commit order, at most `$3`; the
 * whole event for the types `$5` someone watches), the types of the first BEYOND committed events
 * not readable yet (behind an older open transaction; under load there can be hundreds, re-read by
 * every flush until that transaction ends), and the checkpoints of the consumers `$4` asking: one
 * statement per flush.
 */
export const TAIL_SQL = `
  SELECT NULL AS consumer, e.*, true AS readable
  FROM (SELECT transaction_id::text, global_position::text, event_type, event_id,
          ${WATCHED_COLUMNS.map((column) => `CASE WHEN event_type = ANY($5::text[]) THEN ${column} END AS ${column}`).join(', ')}
        FROM es.events
        WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint) AND transaction_id < ${COMMIT_HORIZON}
        ORDER BY es.events.transaction_id, es.events.global_position LIMIT $3) e
  UNION ALL
  SELECT NULL, NULL, NULL, b.event_type, NULL, ${WATCHED_COLUMNS.map(() => 'NULL').join(', ')}, false
  FROM (SELECT event_type FROM es.events
        WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint) AND transaction_id >= ${COMMIT_HORIZON}
        ORDER BY es.events.transaction_id, es.events.global_position LIMIT ${BEYOND}) b
  UNION ALL
  SELECT c.consumer, c.transaction_id::text, c.global_position::text, NULL, NULL, ${WATCHED_COLUMNS.map(() => 'NULL').join(', ')}, NULL
  FROM es.checkpoints c WHERE c.consumer = ANY($4::text[])`;

/** Where the readable log ends now: every event up to it is committed and none before it can appear. */
export const READABLE_END_SQL = `
  SELECT transaction_id::text, global_position::text FROM es.events WHERE transaction_id < ${COMMIT_HORIZON}
  ORDER BY es.events.transaction_id DESC, es.events.global_position DESC LIMIT 1`;

type TailRow =
  | ({ consumer: null; readable: true } & EventRow)
  | { consumer: null; transaction_id: null; global_position: null; event_type: string; readable: false }
  | { consumer: string; transaction_id: string; global_position: string; event_type: null; readable: null };

/** Someone told of each new readable event of `types` as the peeker first reads it (see watch). */
interface Watcher {
  types: ReadonlySet<string>;
  onEvent: (event: StoredEvent) => void;
}

interface Asking {
  handles: ReadonlySet<string>;
  /** Events of `handles` the asker has in hand already (a live policy's reactions): not work for its batch. */
  inHand?: (at: Checkpoint) => boolean;
  resolve: (peek: Peek) => void;
}

/**
 * Tells each runner of a process whether the log holds anything for it, from one shared tail of the
 * log's event types. Every append wakes every runner; before, each one that found events after its
 * checkpoint opened a transaction to step over them, whatever their types (a dozen commits per
 * event, all on the path of the next read). Now the runners that handle none of the new events stay
 * asleep, and their checkpoints move lazily (see ProjectionRunner's checkpointEveryMs).
 *
 * The peeker reads each event's type once (positions and types only, no payloads), from where it
 * started, and remembers them back to the oldest checkpoint of a consumer still asking. A consumer
 * behind what it remembers is told UNKNOWN: its batches catch it up into the known range.
 */
export class LogPeeker {
  /** Readable events after `from`, up to `head`, in commit order. */
  private known: Array<{ at: Checkpoint; type: string }> = [];
  private from: Checkpoint | null = null;
  private head: Checkpoint | null = null;
  private pending: Map<string, Asking[]> | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** Each asking consumer's checkpoint as last read, and when. */
  private readonly seen = new Map<string, { at: Checkpoint; when: number }>();
  /**
   * Per set of handled types (one per consumer): the log holds none of them after `since` up to
   * `to`. A consumer that ignores most events keeps its checkpoint far back (it moves lazily), and
   * every flush scanned the whole tail after it again; readable events never change, so each is
   * scanned once. A checkpoint before `since` (a rebuild) is scanned in full.
   */
  private readonly clearTo = new WeakMap<ReadonlySet<string>, { since: Checkpoint; to: Checkpoint }>();
  private readonly watchers = new Set<Watcher>();
  /** A watched event left behind an older open transaction, or a failed read: when to read again. */
  private readonly lookAgain = new HorizonBackoff(20);
  private lookAgainTimer: NodeJS.Timeout | null = null;

  constructor(private readonly store: EventStore) {}

  /**
   * Calls `onEvent` with each event of `types` committed from now on, as soon as a flush (any runner's
   * wake-up in this process) reads it, and before the runners asking are answered: a live policy's
   * early look, without a read of its own and ahead of the batches the same event wakes. The tail
   * carries the watched events whole (they are rare: alert sources) and only the others' types.
   */
  watch(types: ReadonlySet<string>, onEvent: (event: StoredEvent) => void): () => void {
    const watcher = { types, onEvent };
    this.watchers.add(watcher);
    return () => void this.watchers.delete(watcher);
  }

  /**
   * Whether `consumer` (reading `handles`) has anything to do; every consumer asking in one tick
   * shares one statement. Events `inHand` says it has (reacted to live) count as nothing to do: they
   * only make it `behind`.
   */
  peek(consumer: string, handles: ReadonlySet<string>, inHand?: (at: Checkpoint) => boolean): Promise<Peek> {
    return new Promise((resolve) => {
      const pending = this.scheduled();
      const asking = pending.get(consumer);
      if (asking) asking.push({ handles, inHand, resolve });
      else pending.set(consumer, [{ handles, inHand, resolve }]);
    });
  }

  /**
   * Resolves once the peeker knows where the log's readable end was (its first flush), so a watcher
   * registered before is told of every event committed after: until then the first flush would
   * start the tail after an event committed in between, and hand it to nobody. One try: when
   * PostgreSQL does not answer, the runners' batches still handle what the watchers miss.
   */
  async ready(): Promise<void> {
    if (this.head) return;
    this.scheduled();
    await new Promise((resolve) => setImmediate(resolve));
    await this.flushing;
  }

  /**
   * Reads the tail with nobody asking, for the watchers: a live policy's runner busy in a batch
   * asks nothing, and its events must still be handed over while it is (it joins any flush due).
   */
  poke(): void {
    this.scheduled();
  }

  /** The askers of the next flush, scheduling it if none is due. */
  private scheduled(): Map<string, Asking[]> {
    if (!this.pending) {
      this.pending = new Map();
      // One flush at a time: each reads on from the head the one before it reached.
      setImmediate(() => (this.flushing = this.flushing.then(() => this.flush())));
    }
    return this.pending;
  }

  /** Named, so each connection plans it once (it runs on every wake-up of every process). */
  private async query<R extends object>(name: string, text: string, values: unknown[]): Promise<R[]> {
    return (await this.store.pool.query<R>({ name, text, values })).rows;
  }

  private async flush(): Promise<void> {
    const batch = this.pending!;
    this.pending = null;
    try {
      if (!this.head) {
        const [end] = await this.query<{ transaction_id: string; global_position: string }>('tracseq_readable_end', READABLE_END_SQL, []);
        this.head = this.from = end ? checkpointOfRow(end) : { transactionId: 0n, globalPosition: 0n };
      }
      const checkpoints = new Map<string, Checkpoint>();
      /** Types of committed events not yet readable (behind an older open transaction); null: too many to tell. */
      let beyond: Set<string> | null = new Set<string>();
      let complete = false;
      for (let round = 0; round < MAX_ROUNDS && !complete; round++) {
        const rows = await this.query<TailRow>('tracseq_log_tail', TAIL_SQL, [String(this.head.transactionId), String(this.head.globalPosition), CHUNK, round === 0 ? [...batch.keys()] : [], this.watchedTypes()]);
        const events: Array<TailRow & { readable: true; at: Checkpoint }> = [];
        let notReadable = 0;
        for (const row of rows) {
          if (row.readable === null) checkpoints.set(row.consumer, checkpointOfRow(row));
          else if (row.readable) events.push({ ...row, at: checkpointOfRow(row) });
          else {
            notReadable++;
            beyond?.add(row.event_type);
          }
        }
        if (notReadable >= BEYOND) beyond = null;
        events.sort((a, b) => compareCheckpoints(a.at, b.at));
        for (const { at, event_type: type } of events) this.known.push({ at, type });
        this.handOver(events);
        if (events.length > 0) this.head = events[events.length - 1]!.at;
        complete = events.length < CHUNK;
      }
      const now = Date.now();
      for (const [consumer, asking] of batch) {
        const at = checkpoints.get(consumer);
        if (at) this.seen.set(consumer, { at, when: now });
        for (const { handles, inHand, resolve } of asking) resolve(at && complete ? this.peekFrom(at, handles, beyond, inHand) : UNKNOWN);
      }
      this.forget(now);
      this.watchAgainIf(beyond === null || this.watchedTypes().some((type) => beyond!.has(type)));
    } catch {
      // Each runner then opens its batch, which meets the failure and goes through its own retry.
      for (const asking of batch.values()) for (const { resolve } of asking) resolve(UNKNOWN);
      this.watchAgainIf(true);
    }
  }

  /**
   * A runner asks again by itself while events it handles wait behind an older open transaction; a
   * watcher does not ask (its runner may be held in a batch): while a watched type may be waiting,
   * or the read failed, the peeker reads again by itself, soon and then less often, until it has
   * handed the event over. Nothing else would: no new append, no new notification.
   */
  private watchAgainIf(waiting: boolean): void {
    if (!waiting || this.watchers.size === 0) {
      this.lookAgain.reset();
      return;
    }
    if (this.lookAgainTimer) return;
    this.lookAgainTimer = setTimeout(() => {
      this.lookAgainTimer = null;
      this.poke();
    }, this.lookAgain.delay());
    this.lookAgainTimer.unref();
  }

  private watchedTypes(): string[] {
    const types = new Set<string>();
    for (const watcher of this.watchers) for (const type of watcher.types) types.add(type);
    return [...types];
  }

  private handOver(events: ReadonlyArray<EventRow>): void {
    for (const watcher of this.watchers) {
      for (const row of events) {
        if (!watcher.types.has(row.event_type) || row.data === null) continue;
        try {
          watcher.onEvent(this.store.storedEvent(row));
        } catch {
          // Missed: the watcher's runner still handles the event in its batch.
        }
      }
    }
  }

  /**
   * Whether an event of `types` lies after `after` and up to `upTo`, from memory; null when that
   * stretch of the log is not known here (read before the peeker started, or not read yet).
   */
  handledBetween(after: Checkpoint, upTo: Checkpoint, types: ReadonlySet<string>): boolean | null {
    if (!this.head || compareCheckpoints(after, this.from!) < 0 || compareCheckpoints(upTo, this.head) > 0) return null;
    for (let i = this.indexAfter(after); i < this.known.length && compareCheckpoints(this.known[i]!.at, upTo) <= 0; i++) {
      if (types.has(this.known[i]!.type)) return true;
    }
    return false;
  }

  /** The index of the first known event after `at` (known is in commit order). */
  private indexAfter(at: Checkpoint): number {
    let low = 0;
    let high = this.known.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareCheckpoints(this.known[middle]!.at, at) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private peekFrom(at: Checkpoint, handles: ReadonlySet<string>, beyond: ReadonlySet<string> | null, inHand?: (at: Checkpoint) => boolean): Peek {
    if (compareCheckpoints(at, this.from!) < 0) return UNKNOWN;
    const first = this.indexAfter(at);
    // Not with inHand: an event in hand now is work again if its reaction fails.
    const clear = inHand ? undefined : this.clearTo.get(handles);
    const skip = clear && compareCheckpoints(at, clear.since) >= 0 && compareCheckpoints(clear.to, at) > 0 ? clear : undefined;
    let handled = false;
    for (let i = skip ? this.indexAfter(skip.to) : first; i < this.known.length && !handled; i++) {
      const { type, at: position } = this.known[i]!;
      handled = handles.has(type) && !inHand?.(position);
    }
    if (!handled && !inHand && this.known.length > 0) this.clearTo.set(handles, { since: skip?.since ?? at, to: this.known[this.known.length - 1]!.at });
    let waiting = beyond === null;
    for (const type of beyond ?? []) waiting ||= handles.has(type);
    return { handled, waiting, behind: first < this.known.length };
  }

  /** Drops the types no consumer still asking can need: those at or before every such consumer's checkpoint. */
  private forget(now: number): void {
    let oldest: Checkpoint | null = null;
    for (const [consumer, { at, when }] of this.seen) {
      if (now - when > FORGET_AFTER_MS) this.seen.delete(consumer);
      else if (!oldest || compareCheckpoints(at, oldest) < 0) oldest = at;
    }
    let drop = 0;
    if (oldest && compareCheckpoints(oldest, this.from!) > 0) {
      while (drop < this.known.length && compareCheckpoints(this.known[drop]!.at, oldest) <= 0) drop++;
    }
    if (this.known.length - drop > MAX_KNOWN) drop = this.known.length - MAX_KNOWN / 2;
    if (drop === 0) return;
    this.from = this.known[drop - 1]!.at;
    this.known = this.known.slice(drop);
  }
}

const peekers = new WeakMap<EventStore, LogPeeker>();

/** The peeker shared by every runner on one event store (one per process). */
export const logPeeker = (store: EventStore): LogPeeker => {
  let peeker = peekers.get(store);
  if (!peeker) peekers.set(store, (peeker = new LogPeeker(store)));
  return peeker;
};
