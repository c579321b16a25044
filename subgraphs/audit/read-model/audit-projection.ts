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

const subjectsOf = (event: Stored): Subjects => (SUBJECTS[event.type] as (e: Stored) => Subjects)(event);

/**
 * A runner's batch in at most three statements, whatever its size: the batch's links, what earlier
 * events of each newly linked container now say about the member, and every event filed under its
 * records and everything they contain. The links go in first, so an event filed in the same batch
 * already reaches through them: the trails come out as applying the events one by one would leave
 * them (which is itself order-independent, see `link`).
 */
const applyBatch = async (db: Db, events: readonly Stored[]) => {
  const links: Array<{ tenant: string } & Link> = [];
  const entries = { tenant: [] as string[], subject: [] as string[], event: [] as string[], transaction: [] as string[], position: [] as string[] };
  for (const event of events) {
    const subjects = subjectsOf(event);
    for (const subject of new Set(subjects.about)) {
      entries.tenant.push(event.tenantId);
      entries.subject.push(subject);
      entries.event.push(event.eventId);
      entries.transaction.push(event.transactionId);
      entries.position.push(String(event.globalPosition));
    }
    for (const each of subjects.links ?? []) links.push({ tenant: event.tenantId, ...each });
  }
  if (links.length > 0) {
    const added = await sql<{ tenant_id: string; container_id: string; member_id: string }>`
      INSERT INTO audit_read.links (tenant_id, container_id, member_id)
      SELECT * FROM unnest(${links.map((l) => l.tenant)}::text[], ${links.map((l) => l.container)}::text[], ${links.map((l) => l.member)}::text[])
      ON CONFLICT DO NOTHING RETURNING tenant_id, container_id, member_id`.execute(db);
    if (added.rows.length > 0) {
      const rows = added.rows;
      await sql`
        WITH RECURSIVE reach(tenant_id, container_id, id) AS (
          SELECT * FROM unnest(${rows.map((r) => r.tenant_id)}::text[], ${rows.map((r) => r.container_id)}::text[], ${rows.map((r) => r.member_id)}::text[])
          UNION
          SELECT reach.tenant_id, reach.container_id, l.member_id FROM audit_read.links l JOIN reach ON l.container_id = reach.id AND l.tenant_id = reach.tenant_id
        )
        INSERT INTO audit_read.entries (tenant_id, subject_id, event_id, transaction_id, global_position)
        SELECT e.tenant_id, reach.id, e.event_id, e.transaction_id, e.global_position
        FROM reach JOIN audit_read.entries e ON e.subject_id = reach.container_id AND e.tenant_id = reach.tenant_id
        ON CONFLICT DO NOTHING`.execute(db);
    }
  }
  if (entries.subject.length === 0) return;
  await sql`
    WITH RECURSIVE reach(tenant_id, id, event_id, transaction_id, global_position) AS (
      SELECT * FROM unnest(${entries.tenant}::text[], ${entries.subject}::text[], ${entries.event}::uuid[], ${entries.transaction}::text[], ${entries.position}::bigint[])
      UNION
      SELECT reach.tenant_id, l.member_id, reach.event_id, reach.transaction_id, reach.global_position
      FROM audit_read.links l JOIN reach ON l.container_id = reach.id AND l.tenant_id = reach.tenant_id
    )
    INSERT INTO audit_read.entries (tenant_id, subject_id, event_id, transaction_id, global_position)
    SELECT tenant_id, id, event_id, transaction_id::xid8, global_position FROM reach
    ON CONFLICT DO NOTHING`.execute(db);
};

// One handler per event type, each the same mechanics over its own typed subject extractor.
const handlers = Object.fromEntries(
  Object.entries(SUBJECTS).map(([type, extract]) => [type, (db: Db, event: Stored) => apply(db, event, (extract as (e: Stored) => Subjects)(event))]),
) as unknown as ProjectionHandlers<AuditedEvent, any>;

/** The audit trail index: for every record, the events about it from any context. Inserts only, so redelivery is harmless. */
export const auditProjection = projection<AuditedEvent>('audit-read-model', handlers, {
  batch: applyBatch,
  reset: async (db) => {
    await sql`TRUNCATE audit_read.entries, audit_read.links`.execute(db);
  },
});
