import { sql, type Kysely } from 'kysely';
import type { EventConsumer } from '../../../event-store/projection.js';
import type { StoredEvent } from '../../../event-store/types.js';
import { SAMPLE_STATUS_EVENTS, type SampleRegistered, type SampleStatusEvent } from '../domain/events.js';
import type { SamplesReadDB } from './schema.js';

export const SAMPLES_PROJECTION = 'samples-read-model';

/** One row per sample. Upserts guarded by stream version, so applying an event twice changes nothing. */
export const samplesProjection: EventConsumer<SamplesReadDB> = {
  name: SAMPLES_PROJECTION,
  handles: new Set(['SampleRegistered', ...SAMPLE_STATUS_EVENTS]),
  async reset(trx) {
    await sql`TRUNCATE samples_read.samples`.execute(trx);
  },
  async apply(db: Kysely<SamplesReadDB>, event: StoredEvent) {
    if (event.type === 'SampleRegistered') {
      const data = event.data as SampleRegistered['data'];
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
          created_at: event.occurredAt,
          updated_at: event.occurredAt,
          version: event.streamVersion,
        })
        .onConflict((conflict) => conflict.columns(['tenant_id', 'id']).doNothing())
        .execute();
      return;
    }
    const data = event.data as SampleStatusEvent['data'];
    await db
      .updateTable('samples_read.samples')
      .set({ status: data.to, status_reason: data.reason, updated_at: event.occurredAt, version: event.streamVersion })
      .where('tenant_id', '=', event.tenantId)
      .where('id', '=', data.sampleId)
      .where('version', '<', event.streamVersion)
      .execute();
  },
};
