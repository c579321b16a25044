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
type Db = Transaction<any> | Kysely<any>;

/**
 * A handler per sample event type from one for registration, one for any status move (all carry
 * `to`) and one for volume taken: the samples read model and every replica fold the same way, so
 * the list is written once.
 */
export const perSampleEvent = <Args extends unknown[], R>(
  registered: (...args: [...Args, Registered]) => R,
  moved: (...args: [...Args, Moved]) => R,
  volumeTaken: (...args: [...Args, VolumeTaken]) => R,
) => ({
  SampleVolumeTaken: volumeTaken,
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
    // Volumes are not replicated; the version stays, since only status moves are compared against it.
    async () => undefined,
  );
  return {
    /** To merge into the reader's own typed projection (the replica lives in the reader's schema). */
    handlers,
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
