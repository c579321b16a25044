import { sql, type Kysely, type Transaction } from 'kysely';
import { projection, type ProjectionHandlers, type StoredOf } from '../../../event-store/projection.js';
import { SUBJECTS, type AuditedEvent, type Link, type Subjects } from '../domain/subjects.js';

type Db = Transaction<any> | Kysely<any>;
type Stored = StoredOf<AuditedEvent, AuditedEvent['type']>;

const subjectsOf = (event: Stored): Subjects => (SUBJECTS[event.type] as (e: Stored) => Subjects)(event);

/**
 * Whether the link `link` (a row of audit_read.links) holds for an event at (tx, pos): it was made,
 * and the latest change of it at or before the event is not an end. A sample taken off a job and put
 * back is linked again from then on; before its first change a link holds (what a container said
 * before a member joined it is about the member too).
 */
const open = (link: string, tx: string, pos: string) =>
  sql.raw(`${link}.added AND coalesce((SELECT c.made FROM audit_read.link_changes c
    WHERE c.container_id = ${link}.container_id AND c.member_id = ${link}.member_id AND (c.transaction_id, c.global_position) <= (${tx}, ${pos})
    ORDER BY c.transaction_id DESC, c.global_position DESC LIMIT 1), true)`);

/**
 * Events in at most five statements, whatever their number: the links they change, the changes at
 * their positions, what earlier events of each newly (re)linked container now say about the member,
 * and every event filed under its records and everything they contain. Whether an event reaches
 * through a link is decided by positions (the latest change of the link at or before the event), not
 * by the order events arrive in, so the trails are the same applied one by one, in one batch, twice,
 * or in another order (Kafka interleaves partitions): everything about a container before the link is
 * about the member too, and what comes while the link holds.
 */
const applyEvents = async (db: Db, events: readonly Stored[]) => {
  const changes = { tenant: [] as string[], container: [] as string[], member: [] as string[], transaction: [] as string[], position: [] as string[], made: [] as boolean[] };
  // One row per link in a batch (one statement cannot change a row twice): made if any event made it.
  const links = new Map<string, { tenant: string; container: string; member: string; made: boolean }>();
  const entries = { tenant: [] as string[], subject: [] as string[], event: [] as string[], transaction: [] as string[], position: [] as string[] };
  const change = (event: Stored, { container, member }: Link, made: boolean) => {
    changes.tenant.push(event.tenantId);
    changes.container.push(container);
    changes.member.push(member);
    changes.transaction.push(event.transactionId);
    changes.position.push(String(event.globalPosition));
    changes.made.push(made);
    const key = `${container} ${member}`;
    const link = links.get(key);
    if (link) link.made ||= made;
    else links.set(key, { tenant: event.tenantId, container, member, made });
  };
  for (const event of events) {
    const subjects = subjectsOf(event);
    for (const subject of new Set(subjects.about)) {
      entries.tenant.push(event.tenantId);
      entries.subject.push(subject);
      entries.event.push(event.eventId);
      entries.transaction.push(event.transactionId);
      entries.position.push(String(event.globalPosition));
    }
    for (const link of subjects.links ?? []) change(event, link, true);
    for (const link of subjects.unlinks ?? []) change(event, link, false);
  }
  if (links.size > 0) {
    const rows = [...links.values()];
    // `added` false: only an end was seen so far (Kafka may deliver it before the link).
    await sql`INSERT INTO audit_read.links AS l (tenant_id, container_id, member_id, added)
      SELECT * FROM unnest(${rows.map((r) => r.tenant)}::text[], ${rows.map((r) => r.container)}::text[], ${rows.map((r) => r.member)}::text[], ${rows.map((r) => r.made)}::boolean[])
      ON CONFLICT (container_id, member_id) DO UPDATE SET added = true WHERE excluded.added AND NOT l.added`.execute(db);
    // A change delivered again is already recorded and returns nothing.
    const recorded = await sql<{ container_id: string; member_id: string; made: boolean }>`
      INSERT INTO audit_read.link_changes (tenant_id, container_id, member_id, transaction_id, global_position, made)
      SELECT * FROM unnest(${changes.tenant}::text[], ${changes.container}::text[], ${changes.member}::text[], ${changes.transaction}::xid8[], ${changes.position}::bigint[], ${changes.made}::boolean[])
      ON CONFLICT DO NOTHING
      RETURNING container_id, member_id, made`.execute(db);
    // A link made (again) now: the container's events it holds for reach the member, those applied before it too.
    const relinked = recorded.rows.filter((row) => row.made);
    if (relinked.length > 0) {
      await sql`
        WITH RECURSIVE reach(tenant_id, id, event_id, tx, pos) AS (
          SELECT e.tenant_id, l.member_id, e.event_id, e.transaction_id, e.global_position
          FROM (SELECT DISTINCT * FROM unnest(${relinked.map((r) => r.container_id)}::text[], ${relinked.map((r) => r.member_id)}::text[])) AS n(container_id, member_id)
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
    await sql`TRUNCATE audit_read.entries, audit_read.links, audit_read.link_changes`.execute(db);
  },
});
