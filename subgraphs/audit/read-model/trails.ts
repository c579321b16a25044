import DataLoader from 'dataloader';
import { sql, type Kysely } from 'kysely';
import type { EventStore } from '../../../event-store/event-store.js';
import type { StoredEvent } from '../../../event-store/types.js';

/**
 * Trails of many records in two statements: the index says which events (audit_read), the event
 * store holds them. Oldest first in commit order (transaction id, then global position).
 */
export const readTrails = async (db: Kysely<any>, store: EventStore, tenantId: string, subjectIds: readonly string[]): Promise<StoredEvent[][]> => {
  const { rows } = await sql<{ subject_id: string; event_id: string }>`SELECT subject_id, event_id::text FROM audit_read.entries
    WHERE tenant_id = ${tenantId} AND subject_id = ANY(${[...subjectIds]}::text[])
    ORDER BY transaction_id, global_position`.execute(db);
  const events = new Map((await store.readEvents(tenantId, [...new Set(rows.map((row) => row.event_id))])).map((event) => [event.eventId, event]));
  const bySubject = new Map<string, StoredEvent[]>();
  for (const row of rows) {
    const event = events.get(row.event_id);
    if (!event) continue;
    const trail = bySubject.get(row.subject_id);
    if (trail) trail.push(event);
    else bySubject.set(row.subject_id, [event]);
  }
  return subjectIds.map((id) => bySubject.get(id) ?? []);
};

/** `ready` runs before each batch: what makes the index hold every write the caller may have made. */
export const createTrailLoader = (db: Kysely<any>, store: EventStore, tenantId: string, ready: () => Promise<unknown>) =>
  new DataLoader<string, StoredEvent[]>(async (ids) => {
    await ready();
    return readTrails(db, store, tenantId, ids);
  });
