import { randomUUID } from 'node:crypto';
import { streamTypeOf, type AppendUnit } from './types.js';
import { traceFields } from './trace-context.js';

export const EVENTS_CHANNEL = 'tracseq_events';

/**
 * A whole group-commit batch as ONE statement (one round trip, one implicit transaction, one
 * fsync): per-unit version checks, idempotency claims, the event inserts and the wake-up NOTIFY.
 * Units in a batch touch disjoint streams and keys (the caller guarantees it), so each unit's
 * check is independent of the others' writes and a conflicting unit is simply left out.
 */
export const APPEND_SQL = `
WITH
streams_in AS (
  SELECT * FROM unnest($1::int[], $2::text[], $3::int[]) AS s(unit, stream_id, expected)),
current AS (
  SELECT s.unit, s.stream_id, s.expected,
         coalesce((SELECT max(e.stream_version) FROM es.events e WHERE e.stream_id = s.stream_id), 0) AS version
  FROM streams_in s),
bad AS (
  SELECT DISTINCT ON (unit) unit, stream_id, expected, version FROM current
  WHERE expected IS NOT NULL AND expected <> version ORDER BY unit),
keys_in AS (
  SELECT * FROM unnest($4::int[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::uuid[]) AS k(unit, tenant_id, scope, key, result, event_id)),
claimed AS (
  INSERT INTO es.idempotency_keys (tenant_id, scope, key, result, event_id)
  SELECT tenant_id, scope, key, result, event_id FROM keys_in WHERE unit NOT IN (SELECT unit FROM bad)
  ON CONFLICT DO NOTHING
  RETURNING tenant_id, scope, key),
replay AS (
  SELECT k.unit FROM keys_in k
  WHERE k.unit NOT IN (SELECT unit FROM bad)
    AND NOT EXISTS (SELECT 1 FROM claimed c WHERE c.tenant_id = k.tenant_id AND c.scope = k.scope AND c.key = k.key)),
events_in AS (
  SELECT * FROM unnest($10::int[], $11::text[], $12::text[], $13::int[], $14::uuid[], $15::text[], $16::int[], $17::jsonb[], $18::jsonb[], $19::text[], $20::timestamptz[])
    WITH ORDINALITY AS ev(unit, stream_id, stream_type, step, event_id, event_type, schema_version, data, metadata, tenant_id, occurred_at, ord)),
ins AS (
  INSERT INTO es.events (stream_id, stream_type, stream_version, event_id, event_type, schema_version, data, metadata, tenant_id, occurred_at)
  SELECT ev.stream_id, ev.stream_type, c.version + ev.step, ev.event_id, ev.event_type, ev.schema_version, ev.data, ev.metadata, ev.tenant_id, ev.occurred_at
  FROM events_in ev JOIN current c ON c.unit = ev.unit AND c.stream_id = ev.stream_id
  WHERE ev.unit NOT IN (SELECT unit FROM bad) AND ev.unit NOT IN (SELECT unit FROM replay)
  ORDER BY ev.ord
  RETURNING event_id, global_position, transaction_id, stream_id, stream_version)
SELECT 'ok' AS kind, ev.unit, ins.stream_id, max(ins.stream_version) AS version,
       min(ins.transaction_id::text) AS transaction_id, max(ins.global_position)::text AS global_position,
       NULL::int AS expected,
       -- uncorrelated, so evaluated once (an InitPlan): one wake-up per batch
       (SELECT pg_notify('${EVENTS_CHANNEL}', '')) IS NULL AS _
FROM ins JOIN events_in ev ON ev.event_id = ins.event_id
GROUP BY ev.unit, ins.stream_id
UNION ALL
SELECT 'conflict', unit, stream_id, version, NULL, NULL, expected, false FROM bad
UNION ALL
SELECT 'replay', unit, NULL, NULL, NULL, NULL, NULL, false FROM replay`;

/** One row per written (unit, stream), per conflicting unit, and per replayed unit. */
export interface AppendRow {
  kind: 'ok' | 'conflict' | 'replay';
  unit: number;
  stream_id: string | null;
  version: number | null;
  transaction_id: string | null;
  global_position: string | null;
  expected: number | null;
}

/** Column-major parameters for APPEND_SQL. */
export const appendParameters = (units: readonly AppendUnit[]): unknown[] => {
  const streams = { unit: [] as number[], id: [] as string[], expected: [] as Array<number | null> };
  const keys = { unit: [] as number[], tenant: [] as string[], scope: [] as string[], key: [] as string[], result: [] as string[], eventId: [] as string[] };
  const events = {
    unit: [] as number[], stream: [] as string[], type: [] as string[], step: [] as number[], id: [] as string[], eventType: [] as string[],
    schemaVersion: [] as number[], data: [] as string[], metadata: [] as string[], tenant: [] as string[], at: [] as string[],
  };
  units.forEach((unit, index) => {
    const { metadata } = unit;
    const stored = JSON.stringify({
      correlationId: metadata.correlationId,
      causationId: metadata.causationId ?? null,
      tenantId: metadata.tenantId,
      actor: metadata.actor,
      occurredAt: metadata.occurredAt,
      schemaVersion: metadata.schemaVersion ?? 1,
      ...traceFields(metadata), // tracing: consumers continue the trace of the command (trace-context.ts)
    });
    let last = '';
    for (const stream of unit.streams) {
      streams.unit.push(index);
      streams.id.push(stream.streamId);
      streams.expected.push(stream.expectedVersion);
      stream.events.forEach((event, step) => {
        last = last === '' && metadata.eventId ? metadata.eventId : randomUUID();
        events.unit.push(index);
        events.stream.push(stream.streamId);
        events.type.push(streamTypeOf(stream.streamId));
        events.step.push(step + 1);
        events.id.push(last);
        events.eventType.push(event.type);
        events.schemaVersion.push(metadata.schemaVersion ?? 1);
        events.data.push(JSON.stringify(event.data));
        events.metadata.push(stored);
        events.tenant.push(metadata.tenantId);
        events.at.push(metadata.occurredAt);
      });
    }
    if (unit.idempotency) {
      keys.unit.push(index);
      keys.tenant.push(metadata.tenantId);
      keys.scope.push(unit.idempotency.scope);
      keys.key.push(unit.idempotency.key);
      keys.result.push(JSON.stringify(unit.result ?? {}));
      keys.eventId.push(last);
    }
  });
  return [
    streams.unit, streams.id, streams.expected,
    keys.unit, keys.tenant, keys.scope, keys.key, keys.result, keys.eventId,
    events.unit, events.stream, events.type, events.step, events.id, events.eventType, events.schemaVersion, events.data, events.metadata, events.tenant, events.at,
  ];
};
