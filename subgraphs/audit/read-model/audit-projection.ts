import { sql, type Kysely, type Transaction } from 'kysely';
import { projection, type ProjectionHandlers, type StoredOf } from '../../../event-store/projection.js';
import { SUBJECTS, type AuditedEvent, type Link, type Subjects } from '../domain/subjects.js';

type Db = Transaction<any> | Kysely<any>;
type Stored = StoredOf<AuditedEvent, AuditedEvent['type']>;

const subjectsOf = (event: Stored): Subjects => (SUBJECTS[event.type] as (e: Stored) => Subjects)(event);

/** A link an event at (tx, pos) passes through: made, and not ended at or before that event. */
const open = (link: string, tx: string, pos: string) =>
  sql.raw(`${link}.added AND (${link}.ended_tx IS NULL OR (${tx}, ${pos}) < (${link}.ended_tx, ${link}.ended_pos))`);

/**
 * Events in at most four statements, whatever their number: the links they end, the links they
 * make, what earlier events of each newly linked container now say about the member, and every
 * event filed under its records and everything they contain. Whether an event reaches through a
 * link is decided by positions (made, and not ended at or before the event), not by the order
 * events arrive in, so the trails are the same applied one by one, in one batch, twice, or in
 * another order (Kafka interleaves partitions): everything about a container before the link is
 * about the member too, and what comes while the link holds.
 */
const applyEvents = async (db: Db, events: readonly Stored[]) => {
  // Once per link in a batch (one statement cannot change a row twice); events come in log order, so the first end is the earliest.
  const seen = new Set<string>();
  const once = (kind: 'made' | 'ended', { container, member }: Link) => {
    const key = `${kind} ${container} ${member}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const made = { tenant: [] as string[], container: [] as string[], member: [] as string[] };
  const ended = { tenant: [] as string[], container: [] as string[], member: [] as string[], transaction: [] as string[], position: [] as string[] };
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
    for (const { container, member } of (subjects.links ?? []).filter((link) => once('made', link))) {
      made.tenant.push(event.tenantId);
      made.container.push(container);
      made.member.push(member);
    }
    for (const { container, member } of (subjects.unlinks ?? []).filter((link) => once('ended', link))) {
      ended.tenant.push(event.tenantId);
      ended.container.push(container);
      ended.member.push(member);
      ended.transaction.push(event.transactionId);
      ended.position.push(String(event.globalPosition));
    }
  }
  if (ended.member.length > 0) {
    // The earliest end holds (an end delivered again changes nothing).
    await sql`INSERT INTO audit_read.links AS l (tenant_id, container_id, member_id, added, ended_tx, ended_pos)
      SELECT tenant_id, container_id, member_id, false, tx, pos
      FROM unnest(${ended.tenant}::text[], ${ended.container}::text[], ${ended.member}::text[], ${ended.transaction}::xid8[], ${ended.position}::bigint[])
        AS u(tenant_id, container_id, member_id, tx, pos)
      ON CONFLICT (container_id, member_id) DO UPDATE SET ended_tx = excluded.ended_tx, ended_pos = excluded.ended_pos
      WHERE l.ended_tx IS NULL OR (excluded.ended_tx, excluded.ended_pos) < (l.ended_tx, l.ended_pos)`.execute(db);
  }
  if (made.member.length > 0) {
    const added = await sql<{ tenant_id: string; container_id: string; member_id: string }>`
      INSERT INTO audit_read.links AS l (tenant_id, container_id, member_id)
      SELECT * FROM unnest(${made.tenant}::text[], ${made.container}::text[], ${made.member}::text[])
      ON CONFLICT (container_id, member_id) DO UPDATE SET added = true WHERE NOT l.added
      RETURNING tenant_id, container_id, member_id`.execute(db);
    // A link seen before was filled in then, and the container's events since reached the member as they came.
    if (added.rows.length > 0) {
      const rows = added.rows;
      await sql`
        WITH RECURSIVE reach(tenant_id, id, event_id, tx, pos) AS (
          SELECT e.tenant_id, l.member_id, e.event_id, e.transaction_id, e.global_position
          FROM unnest(${rows.map((r) => r.container_id)}::text[], ${rows.map((r) => r.member_id)}::text[]) AS n(container_id, member_id)
          JOIN audit_read.links l ON l.container_id = n.container_id AND l.member_id = n.member_id
          JOIN audit_read.entries e ON e.subject_id = l.container_id AND e.tenant_id = l.tenant_id
          WHERE ${open('l', 'e.transaction_id', 'e.global_position')}
          UNION
          SELECT reach.tenant_id, l.member_id, reach.event_id, reach.tx, reach.pos
          FROM audit_read.links l JOIN reach ON l.container_id = reach.id AND l.tenant_id = reach.tenant_id
          WHERE ${open('l', 'reach.tx', 'reach.pos')}
        )
        INSERT INTO audit_read.entries (tenant_id, subject_id, event_id, transaction_id, global_position)
        SELECT tenant_id, id, event_id, tx, pos FROM reach
        ON CONFLICT DO NOTHING`.execute(db);
    }
  }
  if (entries.subject.length === 0) return;
  await sql`
    WITH RECURSIVE reach(tenant_id, id, event_id, tx, pos) AS (
      SELECT * FROM unnest(${entries.tenant}::text[], ${entries.subject}::text[], ${entries.event}::uuid[], ${entries.transaction}::xid8[], ${entries.position}::bigint[])
      UNION
      SELECT reach.tenant_id, l.member_id, reach.event_id, reach.tx, reach.pos
      FROM audit_read.links l JOIN reach ON l.container_id = reach.id AND l.tenant_id = reach.tenant_id
      WHERE ${open('l', 'reach.tx', 'reach.pos')}
    )
    INSERT INTO audit_read.entries (tenant_id, subject_id, event_id, transaction_id, global_position)
    SELECT tenant_id, id, event_id, tx, pos FROM reach
    ON CONFLICT DO NOTHING`.execute(db);
};

// One handler per event type, each the same mechanics as a batch of one.
const handlers = Object.fromEntries(Object.keys(SUBJECTS).map((type) => [type, (db: Db, event: Stored) => applyEvents(db, [event])])) as unknown as ProjectionHandlers<AuditedEvent, any>;

/** The audit trail index: for every record, the events about it from any context. Redelivery is harmless. */
export const auditProjection = projection<AuditedEvent>('audit-read-model', handlers, {
  batch: applyEvents,
  reset: async (db) => {
    await sql`TRUNCATE audit_read.entries, audit_read.links`.execute(db);
  },
});
