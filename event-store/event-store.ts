import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ConcurrencyError } from '../platform/errors.js';
import { isUniqueViolation } from '../platform/database.js';
import { formatPosition, type Checkpoint } from './position.js';
import {
  streamTypeOf,
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
  /** Upcasters by event type, applied on every read. */
  upcasters?: Record<string, Upcaster>;
}

export const EVENTS_CHANNEL = 'tracseq_events';

interface Pending {
  unit: AppendUnit;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type Outcome = { kind: 'appended'; result: AppendResult } | { kind: 'failed'; error: unknown } | { kind: 'replay' };

/** Runs SQL on whatever connection the caller holds (a projection reads inside its own transaction). */
export type SqlRunner = (text: string, params: unknown[]) => Promise<unknown[]>;

interface EventRow {
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
 * The PostgreSQL event store. Appends are group-committed: units that arrive while a transaction
 * is in flight are written together in the next one, each unit checked against its own expected
 * versions, so one unit's conflict never fails another's. Durability stays PostgreSQL's default.
 */
export class EventStore {
  private readonly queue: Pending[] = [];
  private flushing = false;
  private readonly maxBatch: number;
  private readonly upcasters: Record<string, Upcaster>;

  constructor(
    readonly pool: pg.Pool,
    options: EventStoreOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
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
      if (!this.flushing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) await this.commit(this.queue.splice(0, this.maxBatch));
    } finally {
      this.flushing = false;
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    let outcomes: Outcome[];
    const client = await this.pool.connect().catch((error: unknown) => {
      for (const pending of batch) pending.reject(error);
      return null;
    });
    if (!client) return;
    try {
      await client.query('BEGIN');
      outcomes = await this.writeBatch(client, batch.map((pending) => pending.unit));
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      // Another process won a race inside this batch: isolate the units so only the loser fails.
      if (batch.length > 1) {
        for (const pending of batch) await this.commit([pending]);
        return;
      }
      batch[0]!.reject(await this.translate(error, batch[0]!.unit));
      return;
    }
    for (const [index, outcome] of outcomes.entries()) {
      const pending = batch[index]!;
      if (outcome.kind === 'appended') pending.resolve(outcome.result);
      else if (outcome.kind === 'failed') pending.reject(outcome.error);
      else this.replay(pending.unit).then(pending.resolve, pending.reject);
    }
  }

  private async writeBatch(client: pg.PoolClient, units: AppendUnit[]): Promise<Outcome[]> {
    const outcomes: Array<Outcome | undefined> = new Array(units.length);
    const claimOf = (unit: AppendUnit) =>
      unit.idempotency ? `${unit.metadata.tenantId}\u0000${unit.idempotency.scope}\u0000${unit.idempotency.key}` : null;

    // 1. Idempotency: claim keys; a key already stored (or claimed earlier in this batch) replays.
    const claimKeys = [...new Set(units.map(claimOf).filter((key): key is string => key !== null))];
    const claimed = new Set<string>();
    if (claimKeys.length > 0) {
      const parts = claimKeys.map((key) => key.split('\u0000'));
      const inserted = await client.query<{ tenant_id: string; scope: string; key: string }>(
        `INSERT INTO es.idempotency_keys (tenant_id, scope, key)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
         ON CONFLICT DO NOTHING RETURNING tenant_id, scope, key`,
        [parts.map((p) => p[0]), parts.map((p) => p[1]), parts.map((p) => p[2])],
      );
      for (const row of inserted.rows) claimed.add(`${row.tenant_id}\u0000${row.scope}\u0000${row.key}`);
    }
    const owner = new Map<string, number>();
    units.forEach((unit, index) => {
      const key = claimOf(unit);
      if (key === null) return;
      if (!claimed.has(key) || owner.has(key)) outcomes[index] = { kind: 'replay' };
      else owner.set(key, index);
    });

    // 2. Expected versions, checked unit by unit against the versions earlier units in the batch leave.
    const streamIds = [...new Set(units.flatMap((unit, index) => (outcomes[index] ? [] : unit.streams.map((s) => s.streamId))))];
    const current = new Map<string, number>();
    if (streamIds.length > 0) {
      const versions = await client.query<{ stream_id: string; version: number }>(
        `SELECT stream_id, max(stream_version) AS version FROM es.events WHERE stream_id = ANY($1::text[]) GROUP BY stream_id`,
        [streamIds],
      );
      for (const row of versions.rows) current.set(row.stream_id, row.version);
    }
    const columns = { streamId: [] as string[], streamType: [] as string[], version: [] as number[], eventId: [] as string[],
      type: [] as string[], schemaVersion: [] as number[], data: [] as string[], metadata: [] as string[], tenant: [] as string[], at: [] as string[] };
    const unitRows: Array<{ index: number; eventIds: string[]; versions: number[] }> = [];
    const released: string[] = [];
    units.forEach((unit, index) => {
      if (outcomes[index]) return;
      const conflict = unit.streams.find((s) => s.expectedVersion !== null && s.expectedVersion !== (current.get(s.streamId) ?? 0));
      if (conflict) {
        outcomes[index] = { kind: 'failed', error: new ConcurrencyError(conflict.streamId, conflict.expectedVersion ?? 0, current.get(conflict.streamId) ?? 0) };
        const key = claimOf(unit);
        if (key !== null) released.push(key);
        return;
      }
      const eventIds: string[] = [];
      const versions: number[] = [];
      const { metadata } = unit;
      const stored = JSON.stringify({
        correlationId: metadata.correlationId,
        causationId: metadata.causationId ?? null,
        tenantId: metadata.tenantId,
        actor: metadata.actor,
        occurredAt: metadata.occurredAt,
        schemaVersion: metadata.schemaVersion ?? 1,
      });
      for (const stream of unit.streams) {
        let version = current.get(stream.streamId) ?? 0;
        for (const event of stream.events) {
          version += 1;
          const eventId = eventIds.length === 0 && metadata.eventId ? metadata.eventId : randomUUID();
          eventIds.push(eventId);
          columns.streamId.push(stream.streamId);
          columns.streamType.push(streamTypeOf(stream.streamId));
          columns.version.push(version);
          columns.eventId.push(eventId);
          columns.type.push(event.type);
          columns.schemaVersion.push(metadata.schemaVersion ?? 1);
          columns.data.push(JSON.stringify(event.data));
          columns.metadata.push(stored);
          columns.tenant.push(metadata.tenantId);
          columns.at.push(metadata.occurredAt);
        }
        current.set(stream.streamId, version);
        versions.push(version);
      }
      unitRows.push({ index, eventIds, versions });
    });
    if (released.length > 0) {
      const parts = released.map((key) => key.split('\u0000'));
      await client.query(
        `DELETE FROM es.idempotency_keys k USING unnest($1::text[], $2::text[], $3::text[]) AS r(t, s, k)
         WHERE k.tenant_id = r.t AND k.scope = r.s AND k.key = r.k`,
        [parts.map((p) => p[0]), parts.map((p) => p[1]), parts.map((p) => p[2])],
      );
    }
    if (unitRows.length === 0) return outcomes as Outcome[];

    // 3. One INSERT for the whole batch, then one NOTIFY (delivered at commit) to wake readers.
    const inserted = await client.query<{ event_id: string; global_position: string; transaction_id: string }>(
      `WITH ins AS (
         INSERT INTO es.events (stream_id, stream_type, stream_version, event_id, event_type, schema_version, data, metadata, tenant_id, occurred_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::uuid[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[], $9::text[], $10::timestamptz[])
         RETURNING event_id, global_position, transaction_id)
       SELECT event_id::text, global_position::text, transaction_id::text, pg_notify('${EVENTS_CHANNEL}', '') IS NULL AS _ FROM ins`,
      [columns.streamId, columns.streamType, columns.version, columns.eventId, columns.type, columns.schemaVersion,
        columns.data, columns.metadata, columns.tenant, columns.at],
    );
    const positions = new Map(inserted.rows.map((row) => [row.event_id, formatPosition(row.transaction_id, row.global_position)]));
    const idempotent: Array<[string, string]> = [];
    for (const { index, eventIds, versions } of unitRows) {
      const unit = units[index]!;
      const result: AppendResult = {
        position: positions.get(eventIds[eventIds.length - 1]!)!,
        versions,
        replayed: false,
        result: unit.result ?? {},
      };
      outcomes[index] = { kind: 'appended', result };
      const key = claimOf(unit);
      if (key !== null) idempotent.push([key, JSON.stringify({ position: result.position, versions, result: result.result })]);
    }
    if (idempotent.length > 0) {
      const parts = idempotent.map(([key]) => key.split('\u0000'));
      await client.query(
        `UPDATE es.idempotency_keys k SET result = r.result
         FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) AS r(t, s, k, result)
         WHERE k.tenant_id = r.t AND k.scope = r.s AND k.key = r.k`,
        [parts.map((p) => p[0]), parts.map((p) => p[1]), parts.map((p) => p[2]), idempotent.map(([, json]) => json)],
      );
    }
    return outcomes as Outcome[];
  }

  private async replay(unit: AppendUnit): Promise<AppendResult> {
    const stored = await this.findIdempotent(unit.metadata.tenantId, unit.idempotency!);
    if (!stored) throw new Error(`idempotency key ${unit.idempotency!.key} has no stored result`);
    return stored;
  }

  /** The first result stored under an idempotency key, if that key was used. */
  async findIdempotent(tenantId: string, { scope, key }: IdempotencyClaim): Promise<AppendResult | null> {
    const found = await this.pool.query<{ result: { position: string; versions: number[]; result: Record<string, unknown> } | null }>(
      'SELECT result FROM es.idempotency_keys WHERE tenant_id = $1 AND scope = $2 AND key = $3',
      [tenantId, scope, key],
    );
    const stored = found.rows[0]?.result;
    if (!stored) return null;
    return { position: stored.position, versions: stored.versions, replayed: true, result: stored.result };
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
  async readStream(streamId: string, options: { tenantId: string; fromVersion?: number }): Promise<StoredEvent[]> {
    const found = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM es.events WHERE stream_id = $1 AND tenant_id = $2 AND stream_version > $3 ORDER BY stream_version`,
      [streamId, options.tenantId, options.fromVersion ?? 0],
    );
    return found.rows.map((row) => this.toStoredEvent(row));
  }

  /**
   * The global log after `after`, in commit-safe order: only transactions older than every one still
   * in flight are read, so an event committed late is never skipped by a reader that moved past it.
   */
  async readAll(after: Checkpoint, limit: number, run: SqlRunner = (text, params) => this.pool.query(text, params).then((r) => r.rows)): Promise<StoredEvent[]> {
    const rows = await run(
      `SELECT ${EVENT_COLUMNS} FROM es.events
       WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY transaction_id, global_position
       LIMIT $3`,
      [after.transactionId.toString(), after.globalPosition.toString(), limit],
    );
    return (rows as EventRow[]).map((row) => this.toStoredEvent(row));
  }

  async loadSnapshot<S>(streamId: string, tenantId: string, stateSchema: number): Promise<{ version: number; state: S } | null> {
    const found = await this.pool.query<{ version: number; state: S }>(
      'SELECT version, state FROM es.snapshots WHERE stream_id = $1 AND tenant_id = $2 AND state_schema = $3',
      [streamId, tenantId, stateSchema],
    );
    return found.rows[0] ?? null;
  }

  async saveSnapshot(streamId: string, tenantId: string, version: number, stateSchema: number, state: unknown): Promise<void> {
    await this.pool.query(
      `INSERT INTO es.snapshots (stream_id, tenant_id, version, state_schema, state) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, state_schema = excluded.state_schema,
         state = excluded.state, taken_at = now()
       WHERE es.snapshots.version < excluded.version OR es.snapshots.state_schema <> excluded.state_schema`,
      [streamId, tenantId, version, stateSchema, JSON.stringify(state)],
    );
  }

  private toStoredEvent(row: EventRow): StoredEvent {
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
