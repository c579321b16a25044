import { CompiledQuery, type Kysely } from 'kysely';
import type pg from 'pg';
import { CommitSnapshot } from './commit-snapshot.js';
import { ConcurrencyError } from './errors.js';
import { isUniqueViolation } from './unique-violation.js';
import { APPEND_QUIET_SQL, APPEND_SQL, EVENTS_CHANNEL, appendParameters, appendResultOf, conflictOf, type AppendRow } from './append-statement.js';
import { checkpointOfRow, formatPosition, START, type Checkpoint } from './position.js';
import { batchLockKey } from './checkpoints.js';
import { onceThisTick } from './once-this-tick.js';
import {
  type AppendResult,
  type AppendUnit,
  type Event,
  type EventMetadata,
  type ExpectedVersion,
  type IdempotencyClaim,
  type StoredEvent,
} from './types.js';

/** Rewrites stored data of an older schema version into the shape current code expects. */
export type Upcaster = (data: Record<string, unknown>, schemaVersion: number) => Record<string, unknown>;

export interface EventStoreOptions {
  /**
   * Most units coalesced into one transaction (group commit).
   * @default 500
   */
  maxBatch?: number;
  /**
   * Most batches in flight at once, each on its own connection. One batch at a time left a core idle
   * while it waited for its commit; PostgreSQL flushes the WAL of overlapping commits together.
   * @default 2
   */
  maxInFlight?: number;
  /** Upcasters by event type, applied on every read. */
  upcasters?: Record<string, Upcaster>;
}

export { EVENTS_CHANNEL };

interface Pending {
  unit: AppendUnit;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type Outcome = { kind: 'appended'; result: AppendResult } | { kind: 'failed'; error: unknown } | { kind: 'replay' };

/** Below this many units per part, splitting a batch costs more (a statement and a commit each) than it gains. */
const MIN_SPLIT_UNITS = 8;

const keyOf = (unit: AppendUnit): string | null =>
  unit.idempotency ? `${unit.metadata.tenantId}\u0000${unit.idempotency.scope}\u0000${unit.idempotency.key}` : null;

/**
 * The commit horizon: events of transactions below it are safe to read in (transaction_id,
 * global_position) order, since every transaction that could still commit an earlier one has ended.
 * Every gap-safe reader of the log compares `transaction_id` with it.
 */
export const COMMIT_HORIZON = 'pg_snapshot_xmin(pg_current_snapshot())';

/**
 * The first event after a position (given as SQL expressions), readable or not. An ordered LIMIT 1,
 * so it walks the commit-order index from the position and stops: as `EXISTS (… WHERE
 * (transaction_id, global_position) > position)` the planner expected a third of the log to match
 * and scanned the table from its start, the newest events being at its end.
 */
const firstEventAfter = (transactionId: string, globalPosition: string) =>
  `SELECT 1 FROM es.events x WHERE (x.transaction_id, x.global_position) > (${transactionId}, ${globalPosition})
    ORDER BY x.transaction_id, x.global_position LIMIT 1`;

/**
 * A projection batch's read (EventStore.readBatch): $1 consumer, $2 its batch lock key, $3 the window's
 * size, $4 the event types whose payloads are sent, $5/$6 the position the consumer believes it is at.
 */
export const READ_BATCH_SQL = `WITH cp AS (SELECT transaction_id, global_position, pg_advisory_xact_lock_shared(hashtext($2)) FROM es.checkpoints WHERE consumer = $1),
   w AS (SELECT *, event_type = ANY($4::text[]) AS wanted FROM es.events
         WHERE (transaction_id, global_position) > ($5::text::xid8, $6::bigint)
           AND transaction_id < ${COMMIT_HORIZON}
         ORDER BY es.events.transaction_id, es.events.global_position
         LIMIT $3),
   -- where the window ends and how many it holds: the events not handled travel as nothing more
   tail AS (SELECT transaction_id, global_position, count(*) OVER () AS read FROM w
            ORDER BY transaction_id DESC, global_position DESC LIMIT 1)
   SELECT cp.transaction_id::text AS from_transaction_id, cp.global_position::text AS from_global_position,
          -- a scalar subquery, not EXISTS: EXISTS drops the ORDER BY … LIMIT that makes it an index walk
          (${firstEventAfter('$5::text::xid8', '$6::bigint')}) IS NOT NULL AS waiting,
          tail.transaction_id::text AS last_transaction_id, tail.global_position::text AS last_global_position, coalesce(tail.read, 0)::int AS read,
          h.global_position, h.transaction_id::text AS transaction_id, h.stream_id, h.stream_type, h.stream_version, h.event_id, h.event_type,
          h.schema_version, h.data, h.metadata, h.tenant_id, h.occurred_at
   FROM cp LEFT JOIN tail ON true LEFT JOIN (SELECT * FROM w WHERE wanted) h ON true
   ORDER BY h.transaction_id, h.global_position`;

/** What a first use of an idempotency key stored, and where its event landed (callers add the WHERE). */
const IDEMPOTENT_RESULT = `SELECT k.result AS key_result, e.transaction_id::text AS key_transaction_id, e.global_position::text AS key_global_position,
    e.stream_version AS key_stream_version
  FROM es.idempotency_keys k JOIN es.events e ON e.event_id = k.event_id`;

interface KeyColumns {
  key_result: Record<string, unknown> | null;
  key_transaction_id: string | null;
  key_global_position: string | null;
  key_stream_version: number | null;
}

const idempotentResult = (row: KeyColumns): AppendResult | null =>
  row.key_transaction_id === null || row.key_global_position === null
    ? null
    : { position: formatPosition(row.key_transaction_id, row.key_global_position), versions: [row.key_stream_version!], replayed: true, result: row.key_result ?? {} };

/** Runs SQL on whatever connection the caller holds (a projection reads inside its own transaction). */
export type SqlRunner = (text: string, params: unknown[]) => Promise<unknown[]>;

/** A SqlRunner on a Kysely connection or transaction. */
export const sqlRunnerOf =
  (db: Kysely<any>): SqlRunner =>
  async (text, params) =>
    (await db.executeQuery(CompiledQuery.raw(text, params))).rows;

export interface EventRow {
  global_position: string;
  transaction_id: string;
  stream_id: string;
  stream_type: string;
  stream_version: number;
  event_id: string;
  event_type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  tenant_id: string;
  occurred_at: Date;
}

const EVENT_COLUMNS = `global_position, transaction_id::text AS transaction_id, stream_id, stream_type, stream_version,
  event_id, event_type, schema_version, data, metadata, tenant_id, occurred_at`;

/**
 * The live tail's read (EventStore.readTail): the readable events after `$1/$2` as readAll reads them
 * (at most `$3`), then one row with `waiting` true if committed events lie after them behind an
 * older open transaction (an open one's own events are not visible). Readable events all sort before those (their transaction ids
 * are older than the horizon), so "after the last one read" is "after $1/$2 and not readable". Its
 * ORDER BY … LIMIT 1 walks the commit-order index from the horizon (see firstEventAfter).
 */
export const READ_TAIL_SQL = `
  SELECT * FROM (SELECT ${EVENT_COLUMNS}, false AS waiting FROM es.events
    WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint) AND transaction_id < ${COMMIT_HORIZON}
    ORDER BY es.events.transaction_id, es.events.global_position LIMIT $3) readable
  UNION ALL
  SELECT ${EVENT_COLUMNS.split(',').map(() => 'NULL').join(', ')}, true FROM (SELECT 1 FROM es.events x
    WHERE (x.transaction_id, x.global_position) > ($1::text::xid8, $2::bigint) AND x.transaction_id >= ${COMMIT_HORIZON}
    ORDER BY x.transaction_id, x.global_position LIMIT 1) behind`;

/**
 * The PostgreSQL event store. Appends are group-committed: units that arrive while a transaction
 * is in flight are written together in the next one, each unit checked against its own expected
 * versions, so one unit's conflict never fails another's. Durability stays PostgreSQL's default.
 */
export class EventStore {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private readonly dispatchSoon = onceThisTick(() => this.dispatch());
  /** A wake-up NOTIFY is on its way; `wakeAgain`: a batch committed since it was sent. */
  private waking = false;
  private wakeAgain = false;
  /** Streams and idempotency keys of the batches in flight: a later unit touching one waits for its commit. */
  private readonly busyStreams = new Set<string>();
  private readonly busyKeys = new Set<string>();
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly upcasters: Record<string, Upcaster>;
  private readonly onPool: SqlRunner = async (text, params) => (await this.pool.query(text, params)).rows;

  constructor(
    readonly pool: pg.Pool,
    options: EventStoreOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.upcasters = options.upcasters ?? {};
  }

  /** Appends `events` to one stream. A stale `expectedVersion` throws ConcurrencyError and writes nothing. */
  append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly Event[],
    metadata: EventMetadata,
    idempotency?: IdempotencyClaim,
  ): Promise<AppendResult> {
    return this.appendUnit({ streams: [{ streamId, expectedVersion, events }], metadata, idempotency });
  }

  /** Appends to several streams atomically (e.g. an aggregate and the claim on its unique barcode). */
  appendUnit(unit: AppendUnit): Promise<AppendResult> {
    if (unit.streams.length === 0 || unit.streams.every((stream) => stream.events.length === 0)) {
      return Promise.reject(new Error('an append needs at least one event'));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ unit, resolve, reject });
      // Units appended in the same tick (writers released by the last commit) form one batch.
      this.dispatchSoon();
    });
  }

  /**
   * Starts batches while a slot is free and some queued unit touches nothing in flight. Writers
   * released by one commit come back together, so a single batch would leave the other slots idle:
   * a large batch is split over the free slots (its units are independent), and PostgreSQL runs
   * the parts on separate cores and flushes their commits together.
   */
  private dispatch(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      const parts = Math.max(1, Math.min(this.maxInFlight - this.inFlight, Math.floor(batch.length / MIN_SPLIT_UNITS)));
      const size = Math.ceil(batch.length / parts);
      for (let start = 0; start < batch.length; start += size) this.start(batch.slice(start, start + size));
    }
  }

  private start(batch: Pending[]): void {
    // Only a batch that starts alone notifies in its own transaction (see APPEND_QUIET_SQL).
    const notify = this.inFlight === 0;
    this.inFlight++;
    const streams = batch.flatMap(({ unit }) => unit.streams.map((s) => s.streamId));
    const keys = batch.map(({ unit }) => keyOf(unit)).filter((key) => key !== null);
    for (const stream of streams) this.busyStreams.add(stream);
    for (const key of keys) this.busyKeys.add(key);
    void this.commit(batch, notify)
      // a failure outside the statement (the conflict lookup) must still settle every caller
      .catch((error: unknown) => batch.forEach((pending) => pending.reject(error)))
      .finally(() => {
        for (const stream of streams) this.busyStreams.delete(stream);
        for (const key of keys) this.busyKeys.delete(key);
        this.inFlight--;
        this.dispatch();
      });
  }

  /**
   * The next batch: queued units in arrival order, skipping (for a later batch) any unit whose
   * stream or idempotency key is already in this one or in flight, so units of concurrent batches
   * never depend on each other and one stream's units commit in arrival order.
   */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const streams = new Set<string>();
    const keys = new Set<string>();
    const taken = (stream: string) => streams.has(stream) || this.busyStreams.has(stream);
    for (const pending of this.queue) {
      const { unit } = pending;
      const key = keyOf(unit);
      if (batch.length >= this.maxBatch || unit.streams.some((s) => taken(s.streamId)) || (key !== null && (keys.has(key) || this.busyKeys.has(key)))) {
        rest.push(pending);
        // a held-back unit's streams stay closed to later units, or they would overtake it
        for (const stream of unit.streams) streams.add(stream.streamId);
        if (key !== null) keys.add(key);
        continue;
      }
      batch.push(pending);
      for (const stream of unit.streams) streams.add(stream.streamId);
      if (key !== null) keys.add(key);
    }
    this.queue.splice(0, this.queue.length, ...rest);
    return batch;
  }

  private async commit(batch: Pending[], notify: boolean): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.writeBatch(batch.map((pending) => pending.unit), notify);
    } catch (error) {
      // Another process won a race inside this batch (unique violation): isolate the units so
      // only the loser fails. The statement was atomic, so nothing of the batch was written.
      if (batch.length > 1 && isUniqueViolation(error)) {
        for (const pending of batch) await this.commit([pending], notify);
        return;
      }
      for (const pending of batch) pending.reject(batch.length === 1 ? await this.translate(error, pending.unit) : error);
      return;
    }
    for (const [index, outcome] of outcomes.entries()) {
      const pending = batch[index]!;
      if (outcome.kind === 'appended') pending.resolve(outcome.result);
      else if (outcome.kind === 'failed') pending.reject(outcome.error);
      else this.replay(pending.unit).then(pending.resolve, pending.reject);
    }
  }

  /**
   * Appends one unit in the same statement as the caller's own writes (a text built once by
   * appendSqlWith, prepared under `name` on each of the store's connections): atomic without a
   * transaction, one round trip. `held` is false when the caller's guard did not hold; then the
   * append wrote nothing. Not group-committed, no idempotency claim and no expected versions: a
   * version conflict would leave the unit out while the caller's own writes committed, so the
   * caller's guard is what decides (streams' unique versions still refuse a concurrent writer).
   */
  async appendWith(statement: { name: string; text: string }, unit: AppendUnit, callerValues: readonly unknown[]): Promise<{ held: boolean; result: AppendResult | null }> {
    return (await this.appendManyWith(statement, [unit], callerValues))[0]!;
  }

  /**
   * appendWith for several units in one statement, each under its own guard (a statement built with
   * `held`): one round trip and one commit for all, e.g. the transitions of many sagas at once.
   */
  async appendManyWith(statement: { name: string; text: string }, units: readonly AppendUnit[], callerValues: readonly unknown[]): Promise<Array<{ held: boolean; result: AppendResult | null }>> {
    if (units.some((unit) => unit.idempotency)) throw new Error('appendWith takes no idempotency key');
    if (units.some((unit) => unit.streams.some((stream) => stream.expectedVersion !== null))) throw new Error('appendWith takes no expected versions');
    const { rows } = await this.pool.query<AppendRow>({ ...statement, values: [...appendParameters(units), ...callerValues] });
    const byUnit = units.map((): AppendRow[] => []);
    for (const row of rows) byUnit[row.unit]!.push(row);
    return units.map((unit, index) => ({ held: byUnit[index]!.some((row) => row.kind === 'guard'), result: appendResultOf(byUnit[index]!, unit) }));
  }

  private async writeBatch(units: AppendUnit[], notify: boolean): Promise<Outcome[]> {
    // Named, so each connection parses and plans the statement once.
    const statement = notify ? { name: 'tracseq_append', text: APPEND_SQL } : { name: 'tracseq_append_quiet', text: APPEND_QUIET_SQL };
    const { rows } = await this.pool.query<AppendRow>({ ...statement, values: appendParameters(units) });
    if (!notify && rows.some((row) => row.kind === 'ok')) this.wake();
    const byUnit = units.map((): AppendRow[] => []);
    for (const row of rows) byUnit[row.unit]!.push(row);
    return units.map((unit, index): Outcome => {
      const own = byUnit[index]!;
      if (own.some((row) => row.kind === 'replay')) return { kind: 'replay' };
      const conflict = conflictOf(own);
      if (conflict) return { kind: 'failed', error: conflict };
      const result = appendResultOf(own, unit);
      if (!result) throw new Error('append statement returned no row for a unit');
      return { kind: 'appended', result };
    });
  }

  /**
   * Tells LISTENing consumers that events were committed by APPEND_QUIET_SQL. At most
   * one at a time: one sent after the latest commit wakes consumers for every commit before it. A
   * lost wake-up costs a consumer's idle poll, never an event.
   */
  private wake(): void {
    if (this.waking) {
      this.wakeAgain = true;
      return;
    }
    this.waking = true;
    this.pool
      .query(`SELECT pg_notify('${EVENTS_CHANNEL}', '')`)
      .catch(() => undefined)
      .finally(() => {
        this.waking = false;
        if (this.wakeAgain) {
          this.wakeAgain = false;
          this.wake();
        }
      });
  }

  private async replay(unit: AppendUnit): Promise<AppendResult> {
    const stored = await this.findIdempotent(unit.metadata.tenantId, unit.idempotency!);
    if (!stored) throw new Error(`idempotency key ${unit.idempotency!.key} has no stored result`);
    return stored;
  }

  /**
   * A stream's events and what a first use of an idempotency key stored (null if unused), in one
   * statement: loadStreams without a state schema, so every event and no snapshot.
   */
  async readStreamWithKey(streamId: string, tenantId: string, idempotency: IdempotencyClaim): Promise<{ events: StoredEvent[]; idempotent: AppendResult | null }> {
    const { streams, idempotent } = await this.loadStreams([{ streamId, stateSchema: null }], tenantId, idempotency);
    return { events: streams[0]!.events, idempotent };
  }

  /** The first result stored under an idempotency key, if that key was used. */
  async findIdempotent(tenantId: string, { scope, key }: IdempotencyClaim): Promise<AppendResult | null> {
    const found = await this.pool.query<KeyColumns>({ name: 'tracseq_find_idempotent', text: `${IDEMPOTENT_RESULT} WHERE k.tenant_id = $1 AND k.scope = $2 AND k.key = $3`, values: [tenantId, scope, key] });
    return found.rows[0] ? idempotentResult(found.rows[0]) : null;
  }

  /** A unique violation on (stream_id, stream_version) means another writer appended first. */
  private async translate(error: unknown, unit: AppendUnit): Promise<unknown> {
    if (!isUniqueViolation(error)) return error;
    const stream = unit.streams.find((s) => s.expectedVersion !== null) ?? unit.streams[0]!;
    const actual = await this.streamVersion(stream.streamId);
    return new ConcurrencyError(stream.streamId, stream.expectedVersion ?? actual, actual);
  }

  async streamVersion(streamId: string): Promise<number> {
    const found = await this.pool.query<{ version: number | null }>(
      'SELECT max(stream_version) AS version FROM es.events WHERE stream_id = $1',
      [streamId],
    );
    return found.rows[0]?.version ?? 0;
  }

  /** One stream's events for one tenant, after `fromVersion`, oldest first. */
  async readStream(streamId: string, options: { tenantId: string; fromVersion?: number; toVersion?: number }): Promise<StoredEvent[]> {
    // Named: a saga's steps and an alert's raise read streams on every run, planned once per connection.
    const found = await this.pool.query<EventRow>({
      name: 'tracseq_read_stream',
      text: `SELECT ${EVENT_COLUMNS} FROM es.events WHERE stream_id = $1 AND tenant_id = $2 AND stream_version > $3 AND stream_version <= $4 ORDER BY stream_version`,
      values: [streamId, options.tenantId, options.fromVersion ?? 0, options.toVersion ?? 2 ** 31 - 1],
    });
    return found.rows.map((row) => this.storedEvent(row));
  }

  /** The newest position a gap-safe reader can have read: what "from now on" starts after. */
  async head(): Promise<Checkpoint> {
    const { rows } = await this.pool.query<{ transaction_id: string; global_position: string }>(
      `SELECT transaction_id::text, global_position::text FROM es.events
       WHERE transaction_id < ${COMMIT_HORIZON}
       ORDER BY es.events.transaction_id DESC, es.events.global_position DESC LIMIT 1`,
    );
    const row = rows[0];
    return row ? checkpointOfRow(row) : START;
  }

  /** Which transactions have committed by now: a live listener's line between before and after it came. */
  async commitSnapshot(): Promise<CommitSnapshot> {
    const { rows } = await this.pool.query<{ snapshot: string }>('SELECT pg_current_snapshot()::text AS snapshot');
    return CommitSnapshot.parse(rows[0]!.snapshot);
  }

  /**
   * The global log after `after`, in commit-safe order: only transactions older than every one still
   * in flight are read, so an event committed late is never skipped by a reader that moved past it.
   */
  async readAll(after: Checkpoint, limit: number, run: SqlRunner = this.onPool): Promise<StoredEvent[]> {
    const rows = await run(
      // ORDER BY names the table's columns: the output column transaction_id is text, and ordering
      // by text ('1000' < '999') would reorder the log.
      `SELECT ${EVENT_COLUMNS} FROM es.events
       WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
         AND transaction_id < ${COMMIT_HORIZON}
       ORDER BY es.events.transaction_id, es.events.global_position
       LIMIT $3`,
      [after.transactionId.toString(), after.globalPosition.toString(), limit],
    );
    return (rows as EventRow[]).map((row) => this.storedEvent(row));
  }

  /**
   * readAll for a live tail, with whether events wait behind an older open transaction (look again
   * soon: they become readable when it ends), in one statement. Events committed after the
   * statement's snapshot are not told of: their commit's notification wakes the tail again.
   */
  async readTail(after: Checkpoint, limit: number): Promise<{ events: StoredEvent[]; waiting: boolean }> {
    const rows = (await this.onPool(READ_TAIL_SQL, [after.transactionId.toString(), after.globalPosition.toString(), limit])) as Array<EventRow & { waiting: boolean }>;
    return { events: rows.filter((row) => !row.waiting).map((row) => this.storedEvent(row)), waiting: rows.some((row) => row.waiting) };
  }

  /**
   * A projection batch's read, in one statement: the consumer's checkpoint under its batch lock (see
   * batchLockKey), the window of the log after `expected` (as readAll), and whether anything lies
   * after it at all (readable or not: nothing readable while something is means events wait behind an
   * older open transaction). `expected` is where the consumer believes
   * it is: the window is read from it as a constant, which the planner turns into an ordered index
   * walk (read from the checkpoint row inside the statement, it planned a scan and sort of a third
   * of the log); `from` is the checkpoint itself, and the caller discards the window when they
   * differ. Every event's place is read, so the checkpoint passes the others, but only the payloads
   * of `types` travel and are parsed. `last` is the window's last event (null: nothing readable).
   */
  async readBatch(
    consumer: string,
    expected: Checkpoint,
    limit: number,
    types: ReadonlySet<string>,
    // The batch's transaction: the batch lock is held until it ends.
    run: SqlRunner,
  ): Promise<{ from: Checkpoint; waiting: boolean; events: StoredEvent[]; read: number; last: { transactionId: string; globalPosition: string; position: string } | null }> {
    const rows = (await run(
      READ_BATCH_SQL,
      [consumer, batchLockKey(consumer), limit, [...types], expected.transactionId.toString(), expected.globalPosition.toString()],
    )) as Array<EventRow & { from_transaction_id: string; from_global_position: string; waiting: boolean; last_transaction_id: string | null; last_global_position: string | null; read: number }>;
    const first = rows[0];
    if (!first) throw new Error(`consumer ${consumer} has no checkpoint`);
    const end = first.last_transaction_id !== null && first.last_global_position !== null ? { transactionId: first.last_transaction_id, globalPosition: first.last_global_position } : null;
    return {
      from: checkpointOfRow({ transaction_id: first.from_transaction_id, global_position: first.from_global_position }),
      waiting: first.waiting,
      events: rows.filter((row) => row.event_id !== null).map((row) => this.storedEvent(row)),
      read: first.read,
      last: end ? { ...end, position: formatPosition(end.transactionId, end.globalPosition) } : null,
    };
  }

  /** One event by its id, wherever it is in the log. */
  async readEvent(eventId: string): Promise<StoredEvent | null> {
    const found = await this.pool.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM es.events WHERE event_id = $1`, [eventId]);
    return found.rows[0] ? this.storedEvent(found.rows[0]) : null;
  }

  /** Events of one tenant by id, in commit order (an audit trail that indexed them elsewhere reads them here). */
  async readEvents(tenantId: string, eventIds: readonly string[]): Promise<StoredEvent[]> {
    if (eventIds.length === 0) return [];
    const found = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM es.events WHERE event_id = ANY($1::uuid[]) AND tenant_id = $2
       ORDER BY es.events.transaction_id, es.events.global_position`,
      [eventIds, tenantId],
    );
    return found.rows.map((row) => this.storedEvent(row));
  }

  /** The newest committed position, gap-safe or not: what a read that must see every finished write waits for. */
  async latest(): Promise<string | null> {
    const { rows } = await this.pool.query<{ transaction_id: string; global_position: string }>(
      `SELECT transaction_id::text, global_position::text FROM es.events
       ORDER BY es.events.transaction_id DESC, es.events.global_position DESC LIMIT 1`,
    );
    return rows[0] ? formatPosition(rows[0].transaction_id, rows[0].global_position) : null;
  }

  /**
   * An aggregate's latest snapshot (of `stateSchema`) and its events after it, in one statement: a
   * command's load is one round trip, not two. With `idempotency`, the same statement also finds
   * what a first use of that key stored (null: the key is unused), so a keyed command makes no
   * separate lookup.
   */
  async loadStream<S>(
    streamId: string,
    tenantId: string,
    stateSchema: number,
    idempotency?: IdempotencyClaim,
  ): Promise<{ snapshot: { version: number; state: S } | null; events: StoredEvent[]; idempotent: AppendResult | null }> {
    // One stream is the many-stream statement's simplest case: one statement shape, prepared once.
    const { streams, idempotent } = await this.loadStreams([{ streamId, stateSchema }], tenantId, idempotency);
    const { snapshot, events } = streams[0]!;
    return { snapshot: snapshot as { version: number; state: S } | null, events, idempotent };
  }

  /**
   * Several streams, each from its snapshot (if one of its state schema exists) on, and the
   * idempotency key's earlier result, in one statement: what loadStream gives per stream, in the
   * order asked. A decision over a position and a custody, or a job and each of its samples'
   * claims, loads in one round trip instead of one per stream.
   */
  async loadStreams(
    /** `stateSchema` null: no snapshot, every event. */
    streams: ReadonlyArray<{ streamId: string; stateSchema: number | null }>,
    tenantId: string,
    idempotency?: IdempotencyClaim,
  ): Promise<{ streams: Array<{ snapshot: { version: number; state: unknown } | null; events: StoredEvent[] }>; idempotent: AppendResult | null }> {
    const found = await this.pool.query<EventRow & KeyColumns & { n: string; snapshot_version: number | null; snapshot_state: unknown }>({
      name: 'tracseq_load_many',
      text: `WITH asked AS (SELECT * FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS a(stream_id, state_schema, n)),
       snap AS (SELECT a.n, s.version, s.state FROM asked a JOIN es.snapshots s ON s.stream_id = a.stream_id AND s.tenant_id = $3 AND s.state_schema = a.state_schema),
       used AS (${IDEMPOTENT_RESULT} WHERE k.tenant_id = $3 AND k.scope = $4 AND k.key = $5)
       SELECT a.n, s.version AS snapshot_version, CASE WHEN row_number() OVER (PARTITION BY a.n ORDER BY e.stream_version) = 1 THEN s.state END AS snapshot_state,
              used.key_result, used.key_transaction_id, used.key_global_position, used.key_stream_version, e.*
       FROM asked a
       LEFT JOIN snap s ON s.n = a.n
       LEFT JOIN used ON true
       LEFT JOIN LATERAL (SELECT ${EVENT_COLUMNS} FROM es.events
         WHERE stream_id = a.stream_id AND tenant_id = $3 AND stream_version > coalesce(s.version, 0) ORDER BY stream_version) e ON true
       ORDER BY a.n, e.stream_version`,
      values: [streams.map((s) => s.streamId), streams.map((s) => s.stateSchema), tenantId, idempotency?.scope ?? null, idempotency?.key ?? null],
    });
    const loaded = streams.map(() => ({ snapshot: null as { version: number; state: unknown } | null, events: [] as StoredEvent[] }));
    for (const row of found.rows) {
      const stream = loaded[Number(row.n) - 1]!;
      // The snapshot's state comes once per stream (its first row).
      if (row.snapshot_version !== null && row.snapshot_state !== null) stream.snapshot = { version: row.snapshot_version, state: row.snapshot_state };
      if (row.event_id !== null) stream.events.push(this.storedEvent(row));
    }
    return { streams: loaded, idempotent: found.rows[0] ? idempotentResult(found.rows[0]) : null };
  }

  async loadSnapshot<S>(streamId: string, tenantId: string, stateSchema: number): Promise<{ version: number; state: S } | null> {
    const found = await this.pool.query<{ version: number; state: S }>(
      'SELECT version, state FROM es.snapshots WHERE stream_id = $1 AND tenant_id = $2 AND state_schema = $3',
      [streamId, tenantId, stateSchema],
    );
    return found.rows[0] ?? null;
  }

  async saveSnapshot(streamId: string, tenantId: string, version: number, stateSchema: number, state: unknown): Promise<void> {
    // Deciders number their state schemas from 1; anything else is a bug in the caller.
    if (!Number.isInteger(stateSchema) || stateSchema < 1) throw new Error(`state schemas count from 1, not ${stateSchema}`);
    await this.pool.query(
      `INSERT INTO es.snapshots (stream_id, tenant_id, version, state_schema, state) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, state_schema = excluded.state_schema,
         state = excluded.state, taken_at = now()
       WHERE es.snapshots.version < excluded.version OR es.snapshots.state_schema <> excluded.state_schema`,
      [streamId, tenantId, version, stateSchema, JSON.stringify(state)],
    );
  }

  /** An event as read from es.events (EVENT_COLUMNS), upcast to its current schema. */
  storedEvent(row: EventRow): StoredEvent {
    const upcast = this.upcasters[row.event_type];
    return {
      type: row.event_type,
      data: upcast ? upcast(row.data, row.schema_version) : row.data,
      eventId: row.event_id,
      streamId: row.stream_id,
      streamType: row.stream_type,
      streamVersion: row.stream_version,
      globalPosition: row.global_position,
      transactionId: row.transaction_id,
      position: formatPosition(row.transaction_id, row.global_position),
      tenantId: row.tenant_id,
      occurredAt: row.occurred_at.toISOString(),
      schemaVersion: row.schema_version,
      metadata: row.metadata,
    };
  }
}
