import { sql, type Kysely, type Transaction } from 'kysely';
import { projection, type StoredOf } from '../../../event-store/projection.js';
import { perSampleEvent } from '../../../platform/replicas/sample-replica.js';
import type { SampleEvent, SampleStatusEvent, SampleVolumeTaken } from '../events.js';
import type { SamplesReadDB } from './schema.js';

export const SAMPLES_PROJECTION = 'samples-read-model';

type Db = Transaction<SamplesReadDB> | Kysely<SamplesReadDB>;

/** Every status event carries `to`, so one upsert, guarded by stream version, serves them all. */
const moved = async (db: Db, event: StoredOf<SampleStatusEvent, SampleStatusEvent['type']>) => {
  await db
    .updateTable('samples_read.samples')
    .set({ status: event.data.to, status_reason: event.data.reason, updated_at: event.occurredAt, version: event.streamVersion })
    .where('tenant_id', '=', event.tenantId)
    .where('id', '=', event.data.sampleId)
    .where('version', '<', event.streamVersion)
    .execute();
};

/** The remaining volume is in the event, so applying it again (or out of order) cannot drift. */
const volumeTaken = async (db: Db, event: StoredOf<SampleVolumeTaken, 'SampleVolumeTaken'>) => {
  await db
    .updateTable('samples_read.samples')
    .set({ volume_ul: event.data.remainingVolumeUl, updated_at: event.occurredAt, version: event.streamVersion })
    .where('tenant_id', '=', event.tenantId)
    .where('id', '=', event.data.sampleId)
    .where('version', '<', event.streamVersion)
    .execute();
};

/** One row per sample. Upserts guarded by stream version, so applying an event twice changes nothing. */
export const samplesProjection = projection<SampleEvent, SamplesReadDB>(
  SAMPLES_PROJECTION,
  perSampleEvent<[Db], Promise<void>>(
    async (db, event) => {
      const { data } = event;
      await db
        .insertInto('samples_read.samples')
        .values({
          tenant_id: event.tenantId,
          id: data.sampleId,
          barcode: data.barcode,
          sample_type: data.sampleType,
          status: 'PENDING',
          status_reason: null,
          volume_ul: data.volumeUl,
          concentration_ng_ul: data.concentrationNgUl,
          submitter: data.submitter,
          project_code: data.projectCode,
          metadata: data.metadata === null || data.metadata === undefined ? null : JSON.stringify(data.metadata),
          parent_id: data.parentId,
          derivation_kind: data.derivation?.kind ?? null,
          volume_taken_ul: data.derivation?.volumeTakenUl ?? null,
          created_at: event.occurredAt,
          updated_at: event.occurredAt,
          version: event.streamVersion,
        })
        .onConflict((conflict) => conflict.columns(['tenant_id', 'id']).doNothing())
        .execute();
    },
    moved,
    volumeTaken,
  ),
  {
    async reset(trx) {
      await sql`TRUNCATE samples_read.samples`.execute(trx);
    },
  },
);
