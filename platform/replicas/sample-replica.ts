import { sql, type Kysely } from 'kysely';
import type { EventConsumer } from '../../event-store/projection.js';
import type { StoredEvent } from '../../event-store/types.js';

/**
 * A subgraph's own copy of the sample facts it needs (type, status, barcode), fed by the samples
 * context's published events: contexts share events, never tables. Status events carry `to`.
 */
export const SAMPLE_STATUS_EVENT_TYPES = [
  'SampleReceived', 'SampleValidated', 'SampleRejected', 'SampleDiscarded', 'SampleArchived', 'SampleResubmitted',
  'SampleStored', 'SampleSequencingStarted', 'SampleSequenced', 'SampleSequencingFailed',
] as const;

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

export const sampleReplica = (schema: string) => {
  const table = sql.table(`${schema}.sample_replica`);
  const apply: EventConsumer['apply'] = async (trx, event) => {
    const data = event.data as { sampleId: string; barcode?: string; sampleType?: string; to?: string };
    if (event.type === 'SampleRegistered') {
      await sql`INSERT INTO ${table} (tenant_id, id, barcode, sample_type, status, version)
        VALUES (${event.tenantId}, ${data.sampleId}, ${data.barcode}, ${data.sampleType}, 'PENDING', ${event.streamVersion})
        ON CONFLICT DO NOTHING`.execute(trx);
    } else {
      await sql`UPDATE ${table} SET status = ${data.to}, version = ${event.streamVersion}
        WHERE tenant_id = ${event.tenantId} AND id = ${data.sampleId} AND version < ${event.streamVersion}`.execute(trx);
    }
  };
  return {
    handles: ['SampleRegistered', ...SAMPLE_STATUS_EVENT_TYPES] as readonly string[],
    apply,
    async byIds(db: Kysely<any>, tenantId: string, ids: readonly string[]): Promise<SampleFactsRow[]> {
      if (ids.length === 0) return [];
      const { rows } = await sql<SampleFactsRow>`SELECT id, barcode, sample_type, status FROM ${table}
        WHERE tenant_id = ${tenantId} AND id = ANY(${ids as string[]}::uuid[])`.execute(db);
      return rows;
    },
  };
};

/**
 * The same facts folded from the sample's own stream: exact as of the read, for a command that
 * must not decide on a copy that may lag (the replica is for queries and lists).
 */
export const sampleFactsFromStream = (events: readonly StoredEvent[]): SampleFactsRow | null => {
  let facts = null as SampleFactsRow | null;
  for (const event of events) {
    const data = event.data as { sampleId: string; barcode?: string; sampleType?: string; to?: string };
    if (event.type === 'SampleRegistered') facts = { id: data.sampleId, barcode: data.barcode!, sample_type: data.sampleType!, status: 'PENDING' };
    else if (facts && (SAMPLE_STATUS_EVENT_TYPES as readonly string[]).includes(event.type) && data.to) facts = { ...facts, status: data.to };
  }
  return facts;
};
