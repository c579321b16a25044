import { randomUUID } from 'node:crypto';
import { ConcurrencyError } from './errors.js';
import { formatPosition } from './position.js';
import { streamTypeOf, type AppendResult, type AppendUnit } from './types.js';
import { traceFields } from './trace-context.js';

export const EVENTS_CHANNEL = 'tracseq_events';

/**
 * A whole group-commit batch as ONE statement (one round trip, one implicit transaction, one
 * fsync): per-unit version checks, idempotency claims and the event inserts.
 * Units in a batch touch disjoint streams and keys (the caller guarantees it), so each unit's
 * check is independent of the others' writes and a conflicting unit is simply left out.
 *
 * Parameters are shaped for PostgreSQL's input cost, which was most of an append's server time:
 * metadata (with the tenant, time and schema version derived from it) travels once per unit, not
 * once per event, and the events' data as one jsonb array (jsonb[] pays array escaping and one
 * parse call per element). ROWS FROM zips the per-event arrays by position.
 */
const appendSql = (notify: boolean, caller?: CallerWrites) => `
WITH${caller ? `
${caller.ctes},` : ''}
units_in AS MATERIALIZED (
  SELECT u.n - 1 AS unit, u.metadata, u.metadata->>'tenantId' AS tenant_id,
         (u.metadata->>'occurredAt')::timestamptz AS occurred_at, (u.metadata->>'schemaVersion')::int AS schema_version
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS u(metadata, n)${caller ? `
  WHERE ${guardOf(caller, 'u.n - 1')}` : ''}),
streams_in AS (
  SELECT s.n - 1 AS stream, s.unit, s.stream_id, s.stream_type, s.expected,
         coalesce((SELECT max(e.stream_version) FROM es.events e WHERE e.stream_id = s.stream_id), 0) AS version
  FROM unnest($2::int[], $3::text[], $4::text[], $5::int[]) WITH ORDINALITY AS s(unit, stream_id, stream_type, expected, n)),
bad AS (
  SELECT DISTINCT ON (unit) unit, stream_id, expected, version FROM streams_in
  WHERE expected IS NOT NULL AND expected <> version ORDER BY unit),
keys_in AS (
  SELECT * FROM unnest($6::int[], $7::text[], $8::text[], $9::text[], $10::jsonb[], $11::uuid[]) AS k(unit, tenant_id, scope, key, result, event_id)),
claimed AS (
  INSERT INTO es.idempotency_keys (tenant_id, scope, key, result, event_id)
  SELECT tenant_id, scope, key, result, event_id FROM keys_in WHERE unit NOT IN (SELECT unit FROM bad)
  ON CONFLICT DO NOTHING
  RETURNING tenant_id, scope, key),
replay AS (
  SELECT k.unit FROM keys_in k
  WHERE k.unit NOT IN (SELECT unit FROM bad)
    AND NOT EXISTS (SELECT 1 FROM claimed c WHERE c.tenant_id = k.tenant_id AND c.scope = k.scope AND c.key = k.key)),
ins AS (
  INSERT INTO es.events (stream_id, stream_type, stream_version, event_id, event_type, schema_version, data, metadata, tenant_id, occurred_at)
  SELECT s.stream_id, s.stream_type, s.version + ev.step, ev.event_id, ev.event_type, u.schema_version, ev.data, u.metadata, u.tenant_id, u.occurred_at
  FROM ROWS FROM (unnest($12::int[]), unnest($13::int[]), unnest($14::uuid[]), unnest($15::text[]), jsonb_array_elements($16::jsonb))
         WITH ORDINALITY AS ev(stream, step, event_id, event_type, data, ord)
  JOIN streams_in s ON s.stream = ev.stream
  JOIN units_in u ON u.unit = s.unit
  WHERE s.unit NOT IN (SELECT unit FROM bad) AND s.unit NOT IN (SELECT unit FROM replay)
  ORDER BY ev.ord
  RETURNING global_position, transaction_id, stream_id, stream_version),
written AS (
  SELECT stream_id, max(stream_version) AS version, min(transaction_id::text) AS transaction_id, max(global_position) AS global_position
  FROM ins GROUP BY stream_id)
SELECT 'ok' AS kind, s.unit, w.stream_id, w.version, w.transaction_id, w.global_position::text AS global_position,
       NULL::int AS expected${
         // uncorrelated, so evaluated once (an InitPlan): one wake-up per statement
         notify ? `, (SELECT pg_notify('${EVENTS_CHANNEL}', '')) IS NULL AS _` : ''
       }
FROM written w JOIN streams_in s ON s.stream_id = w.stream_id
UNION ALL
SELECT 'conflict', unit, stream_id, version, NULL, NULL, expected${notify ? ', false' : ''} FROM bad
UNION ALL
SELECT 'replay', unit, NULL, NULL, NULL, NULL, NULL${notify ? ', false' : ''} FROM replay${
  caller ? `
UNION ALL
${
  'held' in caller
    ? `SELECT 'guard', g.unit::int, NULL, NULL, NULL, NULL, NULL${notify ? ', false' : ''} FROM (${caller.held}) AS g(unit)`
    : `SELECT 'guard', 0, NULL, NULL, NULL, NULL, NULL${notify ? ', false' : ''} WHERE ${caller.guard}`
}` : ''}`;

/** The condition a unit (its 0-based index as SQL) is appended under. */
const guardOf = (caller: CallerWrites, unit: string): string => ('held' in caller ? `(${unit}) IN (${caller.held})` : caller.guard);

/** APPEND_SQL's parameters are $1 … $16; a caller's own start at $17. */
export const APPEND_PARAMETER_COUNT = 16;

/**
 * A caller's writes that share the append's statement: data-modifying CTEs (all run, referenced or
 * not) and a condition on them (e.g. "the caller still holds its lease"). The events are appended
 * only if the guard holds, and a row of kind 'guard' says it did.
 */
export type CallerWrites = {
  /** `name AS (INSERT/UPDATE … RETURNING …)`, comma-separated, parameters from $17. */
  ctes: string;
} & (
  | {
      /** One unit: a boolean SQL expression over the CTEs, e.g. `EXISTS (SELECT 1 FROM owned)`. */
      guard: string;
    }
  | {
      /**
       * Several units, each with its own guard: a query over the CTEs of the (0-based) indexes of the
       * units whose guard holds, e.g. `SELECT unit FROM owned`. The others append nothing.
       */
      held: string;
    }
);

/**
 * The caller's rows and its events in ONE statement: atomic without a transaction, one round trip
 * where BEGIN, the caller's statements, the append and COMMIT were four or more. Notifies like
 * APPEND_SQL. Build it once per caller (a constant text keeps one prepared plan).
 */
export const appendSqlWith = (caller: CallerWrites): string => appendSql(true, caller);

/**
 * With the wake-up NOTIFY, sent when the transaction commits: for a batch while no other batch of
 * this store is in flight.
 */
export const APPEND_SQL = appendSql(true);

/**
 * Without NOTIFY, for a batch that overlaps another: a transaction that notifies holds a
 * database-wide lock from before its commit record until its WAL is flushed, so two notifying
 * batches could not share a flush. EventStore sends the wake-up after such a commit instead.
 */
export const APPEND_QUIET_SQL = appendSql(false);

/** One row per written (unit, stream), per conflicting unit, per replayed unit (and 'guard': appendSqlWith). */
export interface AppendRow {
  kind: 'ok' | 'conflict' | 'replay' | 'guard';
  unit: number;
  stream_id: string | null;
  version: number | null;
  transaction_id: string | null;
  global_position: string | null;
  expected: number | null;
}

/** Column-major parameters for APPEND_SQL. */
export const appendParameters = (units: readonly AppendUnit[]): unknown[] => {
  const metadata: unknown[] = [];
  const streams = { unit: [] as number[], id: [] as string[], type: [] as string[], expected: [] as Array<number | null> };
  const keys = { unit: [] as number[], tenant: [] as string[], scope: [] as string[], key: [] as string[], result: [] as string[], eventId: [] as string[] };
  const events = { stream: [] as number[], step: [] as number[], id: [] as string[], type: [] as string[], data: [] as unknown[] };
  units.forEach((unit, index) => {
    const { metadata: given } = unit;
    metadata.push({
      correlationId: given.correlationId,
      causationId: given.causationId ?? null,
      tenantId: given.tenantId,
      actor: given.actor,
      occurredAt: given.occurredAt,
      schemaVersion: given.schemaVersion ?? 1,
      ...traceFields(given), // tracing: consumers continue the trace of the command (trace-context.ts)
    });
    let last = '';
    for (const stream of unit.streams) {
      const streamIndex = streams.id.length;
      streams.unit.push(index);
      streams.id.push(stream.streamId);
      streams.type.push(streamTypeOf(stream.streamId));
      streams.expected.push(stream.expectedVersion);
      stream.events.forEach((event, step) => {
        last = last === '' && given.eventId ? given.eventId : randomUUID();
        events.stream.push(streamIndex);
        events.step.push(step + 1);
        events.id.push(last);
        events.type.push(event.type);
        events.data.push(event.data);
      });
    }
    if (unit.idempotency) {
      keys.unit.push(index);
      keys.tenant.push(given.tenantId);
      keys.scope.push(unit.idempotency.scope);
      keys.key.push(unit.idempotency.key);
      keys.result.push(JSON.stringify(unit.result ?? {}));
      keys.eventId.push(last);
    }
  });
  return [
    JSON.stringify(metadata),
    streams.unit, streams.id, streams.type, streams.expected,
    keys.unit, keys.tenant, keys.scope, keys.key, keys.result, keys.eventId,
    events.stream, events.step, events.id, events.type, JSON.stringify(events.data),
  ];
};

/** The version conflict among one unit's rows of the append statement, if any. */
export const conflictOf = (rows: readonly AppendRow[]): ConcurrencyError | null => {
  const conflict = rows.find((row) => row.kind === 'conflict');
  return conflict ? new ConcurrencyError(conflict.stream_id!, conflict.expected ?? 0, conflict.version ?? 0) : null;
};

/** One unit's result from its rows of the append statement: null when it wrote nothing; throws its conflict. */
export const appendResultOf = (rows: readonly AppendRow[], unit: AppendUnit): AppendResult | null => {
  const conflict = conflictOf(rows);
  if (conflict) throw conflict;
  const written = rows.filter((row) => row.kind === 'ok');
  if (written.length === 0) return null;
  const last = written.reduce((a, b) => (BigInt(a.global_position!) >= BigInt(b.global_position!) ? a : b));
  return {
    position: formatPosition(last.transaction_id!, last.global_position!),
    versions: unit.streams.map((stream) => written.find((row) => row.stream_id === stream.streamId)?.version ?? 0),
    replayed: false,
    result: unit.result ?? {},
  };
};
