import { sql, type Kysely, type Transaction } from 'kysely';
import { type ProjectionHandlers, type StoredOf } from '../../event-store/projection.js';
import type { StoredEvent } from '../../event-store/types.js';
import type { SampleEvent, SampleStatusEvent } from '../../subgraphs/samples/events.js';

/**
 * A subgraph's own copy of the sample facts it needs (type, status, barcode), fed by the samples
 * context's published events: contexts share events, never tables. Status events carry `to`.
 */
export const sampleReplicaMigration = (schema: string) => `
  CREATE TABLE ${schema}.sample_replica (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    barcode text NOT NULL,
    sample_type text NOT NULL,
    status text NOT NULL,
    version int NOT NULL,
    PRIMARY KEY (tenant_id, id)
  );`;

export interface SampleFactsRow {
  id: string;
  barcode: string;
  sample_type: string;
  status: string;
}

type Registered = StoredOf<SampleEvent, 'SampleRegistered'>;
type Moved = StoredOf<SampleStatusEvent, SampleStatusEvent['type']>;
type VolumeTaken = StoredOf<SampleEvent, 'SampleVolumeTaken'>;
type StorageNoted = StoredOf<SampleEvent, 'SampleStorageNoted'>;
type Db = Transaction<any> | Kysely<any>;

/**
 * A handler per sample event type from one for registration, one for any status move (all carry
 * `to`), one for volume taken and one for storage noted before QC: the samples read model and every
 * replica fold the same way, so the list is written once.
 */
export const perSampleEvent = <Args extends unknown[], R>(
  registered: (...args: [...Args, Registered]) => R,
  moved: (...args: [...Args, Moved]) => R,
  volumeTaken: (...args: [...Args, VolumeTaken]) => R,
  storageNoted: (...args: [...Args, StorageNoted]) => R,
) => ({
  SampleVolumeTaken: volumeTaken,
  SampleStorageNoted: storageNoted,
  SampleRegistered: registered,
  SampleReceived: moved,
  SampleValidated: moved,
  SampleRejected: moved,
  SampleDiscarded: moved,
  SampleArchived: moved,
  SampleResubmitted: moved,
  SampleStored: moved,
  SampleSequencingStarted: moved,
  SampleSequenced: moved,
  SampleSequencingFailed: moved,
});

/** Which of perSampleEvent's folds an event takes: every type but these three is a status move. */
export const sampleFoldOf = (type: string): 'registered' | 'moved' | 'volume' | 'storage' =>
  type === 'SampleRegistered' ? 'registered' : type === 'SampleVolumeTaken' ? 'volume' : type === 'SampleStorageNoted' ? 'storage' : 'moved';

export const sampleReplica = (schema: string) => {
  const table = sql.table(`${schema}.sample_replica`);
  // Typed as the projection's handler map, so a sample event type added later fails the type check here.
  const handlers: ProjectionHandlers<SampleEvent, any> = perSampleEvent<[Db], Promise<unknown>>(
    (trx, { tenantId, data, streamVersion }) =>
      sql`INSERT INTO ${table} (tenant_id, id, barcode, sample_type, status, version)
        VALUES (${tenantId}, ${data.sampleId}, ${data.barcode}, ${data.sampleType}, 'PENDING', ${streamVersion})
        ON CONFLICT DO NOTHING`.execute(trx),
    (trx, { tenantId, data, streamVersion }) =>
      sql`UPDATE ${table} SET status = ${data.to}, version = ${streamVersion}
        WHERE tenant_id = ${tenantId} AND id = ${data.sampleId} AND version < ${streamVersion}`.execute(trx),
    // Volumes and storage are not replicated; the version stays, since only status moves are compared against it.
    async () => undefined,
    async () => undefined,
  );
  return {
    /** To merge into the reader's own typed projection (the replica lives in the reader's schema). */
    handlers,
    handles: new Set(Object.keys(handlers)),
    /**
     * A run of sample events in two statements: the registrations, then each sample's newest status
     * move where it is newer than the row. The same rows as the handlers one by one: moves come in
     * version order and each only raises the version, so only the newest can decide the outcome.
     */
    async batch(trx: Db, events: readonly StoredEvent[]) {
      const registered = events.filter((event): event is Registered => sampleFoldOf(event.type) === 'registered');
      const moves = events.filter((event): event is Moved => sampleFoldOf(event.type) === 'moved');
      if (registered.length > 0) {
        await sql`INSERT INTO ${table} (tenant_id, id, barcode, sample_type, status, version)
          SELECT tenant_id, id, barcode, sample_type, 'PENDING', version
          FROM unnest(${registered.map((e) => e.tenantId)}::text[], ${registered.map((e) => e.data.sampleId)}::uuid[], ${registered.map((e) => e.data.barcode)}::text[],
                      ${registered.map((e) => e.data.sampleType)}::text[], ${registered.map((e) => e.streamVersion)}::int[]) AS r(tenant_id, id, barcode, sample_type, version)
          ON CONFLICT DO NOTHING`.execute(trx);
      }
      if (moves.length > 0) {
        await sql`UPDATE ${table} r SET status = m.status, version = m.version
          FROM (SELECT DISTINCT ON (tenant_id, id) tenant_id, id, status, version
                FROM unnest(${moves.map((e) => e.tenantId)}::text[], ${moves.map((e) => e.data.sampleId)}::uuid[], ${moves.map((e) => e.data.to)}::text[],
                            ${moves.map((e) => e.streamVersion)}::int[]) AS u(tenant_id, id, status, version)
                ORDER BY tenant_id, id, version DESC) m
          WHERE r.tenant_id = m.tenant_id AND r.id = m.id AND r.version < m.version`.execute(trx);
      }
    },
    async byIds(db: Kysely<any>, tenantId: string, ids: readonly string[]): Promise<SampleFactsRow[]> {
      if (ids.length === 0) return [];
      const { rows } = await sql<SampleFactsRow>`SELECT id, barcode, sample_type, status FROM ${table}
        WHERE tenant_id = ${tenantId} AND id = ANY(${ids as string[]}::uuid[])`.execute(db);
      return rows;
    },
  };
};

type Fold = (facts: SampleFactsRow | null, ...rest: never[]) => SampleFactsRow | null;
const FOLD: { [T in SampleEvent['type']]: (facts: SampleFactsRow | null, event: StoredOf<SampleEvent, T>) => SampleFactsRow | null } = perSampleEvent<[SampleFactsRow | null], SampleFactsRow | null>(
  (_, { data }) => ({ id: data.sampleId, barcode: data.barcode, sample_type: data.sampleType, status: 'PENDING' }),
  (facts, { data }) => facts && { ...facts, status: data.to },
  (facts) => facts,
  (facts) => facts,
);

/**
 * The same facts folded from the sample's own stream: exact as of the read, for a command that
 * must not decide on a copy that may lag (the replica is for queries and lists).
 */
export const sampleFactsFromStream = (events: readonly StoredEvent[]): SampleFactsRow | null =>
  events.reduce<SampleFactsRow | null>((facts, event) => {
    // Where the typed map meets the untyped log (as in projection()): the event's type picks its handler.
    const step = (FOLD as unknown as Record<string, Fold | undefined>)[event.type];
    return step ? step(facts, event as never) : facts;
  }, null);
