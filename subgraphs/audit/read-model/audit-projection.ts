import { sql, type Kysely, type Transaction } from 'kysely';
import { projection, type ProjectionHandlers, type StoredOf } from '../../../event-store/projection.js';
import { SUBJECTS, type AuditedEvent, type Link, type Subjects } from '../domain/subjects.js';

type Db = Transaction<any> | Kysely<any>;
type Stored = StoredOf<AuditedEvent, AuditedEvent['type']>;

/** The ids given and everything they contain, transitively (a run → its pools → their libraries → their samples). */
const withMembers = (tenantId: string, ids: readonly string[]) => sql`
  WITH RECURSIVE reach(id) AS (
    SELECT unnest(${[...ids]}::text[])
    UNION
    SELECT l.member_id FROM audit_read.links l JOIN reach ON l.container_id = reach.id AND l.tenant_id = ${tenantId}
  )`;

const recordFor = async (db: Db, event: Stored, subjects: readonly string[]) => {
  if (subjects.length === 0) return;
  await sql`${withMembers(event.tenantId, subjects)}
    INSERT INTO audit_read.entries (tenant_id, subject_id, event_id, transaction_id, global_position)
    SELECT ${event.tenantId}, reach.id, ${event.eventId}::uuid, ${event.transactionId}::xid8, ${event.globalPosition}::bigint FROM reach
    ON CONFLICT DO NOTHING`.execute(db);
};

/**
 * Everything already about the container becomes about the member and what the member contains.
 * Entries of a container include its own containers' (by induction), so the trail is the same
 * whatever order a bus delivers links and events in (Kafka interleaves partitions).
 */
const link = async (db: Db, tenantId: string, { container, member }: Link) => {
  const added = await sql`INSERT INTO audit_read.links (tenant_id, container_id, member_id) VALUES (${tenantId}, ${container}, ${member})
    ON CONFLICT DO NOTHING RETURNING 1`.execute(db);
  // A known link was filled in when it was made, and the container's events since reached the member as they came.
  if (added.rows.length === 0) return;
  await sql`${withMembers(tenantId, [member])}
    INSERT INTO audit_read.entries (tenant_id, subject_id, event_id, transaction_id, global_position)
    SELECT e.tenant_id, reach.id, e.event_id, e.transaction_id, e.global_position
    FROM audit_read.entries e CROSS JOIN reach WHERE e.subject_id = ${container} AND e.tenant_id = ${tenantId}
    ON CONFLICT DO NOTHING`.execute(db);
};

const apply = async (db: Db, event: Stored, subjects: Subjects) => {
  await recordFor(db, event, [...new Set(subjects.about)]);
  for (const each of subjects.links ?? []) await link(db, event.tenantId, each);
};

// One handler per event type, each the same mechanics over its own typed subject extractor.
const handlers = Object.fromEntries(
  Object.entries(SUBJECTS).map(([type, extract]) => [type, (db: Db, event: Stored) => apply(db, event, (extract as (e: Stored) => Subjects)(event))]),
) as unknown as ProjectionHandlers<AuditedEvent, any>;

/** The audit trail index: for every record, the events about it from any context. Inserts only, so redelivery is harmless. */
export const auditProjection = projection<AuditedEvent>('audit-read-model', handlers, {
  reset: async (db) => {
    await sql`TRUNCATE audit_read.entries, audit_read.links`.execute(db);
  },
});
