import { sql, type Kysely, type Transaction } from 'kysely';
import { projection, type StoredOf } from '../../../event-store/projection.js';
import { perSampleEvent, sampleFoldOf } from '../../../platform/replicas/sample-replica.js';
import type { SampleEvent, SampleRegistered, SampleStatusEvent, SampleStorageNoted, SampleVolumeTaken } from '../events.js';
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

/**
 * Where storage keeps a sample is storage's to show (Sample.location), but the note is the sample's
 * own event: its version and time move on, so `version` stays the one `expectedVersion` checks.
 */
const storageNoted = async (db: Db, event: StoredOf<SampleStorageNoted, 'SampleStorageNoted'>) => {
  await db
    .updateTable('samples_read.samples')
    .set({ updated_at: event.occurredAt, version: event.streamVersion })
    .where('tenant_id', '=', event.tenantId)
    .where('id', '=', event.data.sampleId)
    .where('version', '<', event.streamVersion)
    .execute();
};

const registrationRow = ({ tenantId, data, occurredAt, streamVersion }: StoredOf<SampleRegistered, 'SampleRegistered'>) => ({
  tenant_id: tenantId,
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
  created_at: occurredAt,
  updated_at: occurredAt,
  version: streamVersion,
});

type Change = StoredOf<SampleStatusEvent | SampleVolumeTaken | SampleStorageNoted, (SampleStatusEvent | SampleVolumeTaken | SampleStorageNoted)['type']>;

/**
 * A run of sample events in at most two statements: the registrations, then per sample the fold of
 * its events newer than the row (the newest move's status and reason, the newest volume, the newest
 * event's time and version, a storage note included): what the guarded updates one by one leave,
 * since versions only rise.
 */
const applyBatch = async (db: Db, events: ReadonlyArray<StoredOf<SampleEvent, SampleEvent['type']>>) => {
  const registered = events.filter((event): event is StoredOf<SampleRegistered, 'SampleRegistered'> => sampleFoldOf(event.type) === 'registered');
  const changes = events.filter((event): event is Change => sampleFoldOf(event.type) !== 'registered');
  if (registered.length > 0) await db.insertInto('samples_read.samples').values(registered.map(registrationRow)).onConflict((conflict) => conflict.columns(['tenant_id', 'id']).doNothing()).execute();
  if (changes.length === 0) return;
  const rows = changes.map(({ tenantId, data, streamVersion, occurredAt }) => ({
    tenantId, streamVersion, occurredAt, sampleId: data.sampleId,
    ...('to' in data
      ? { kind: 'moved', status: data.to, reason: data.reason ?? null, volume: null }
      : 'remainingVolumeUl' in data
        ? { kind: 'volume', status: null, reason: null, volume: data.remainingVolumeUl }
        : { kind: 'storage', status: null, reason: null, volume: null }),
  }));
  const column = <T>(pick: (row: (typeof rows)[number]) => T) => rows.map(pick);
  await sql`WITH change AS (
      SELECT c.* FROM unnest(${column((r) => r.tenantId)}::text[], ${column((r) => r.sampleId)}::uuid[], ${column((r) => r.streamVersion)}::int[], ${column((r) => r.kind)}::text[],
                             ${column((r) => r.status)}::text[], ${column((r) => r.reason)}::text[], ${column((r) => r.volume)}::float8[], ${column((r) => r.occurredAt)}::timestamptz[])
                    AS c(tenant_id, id, version, kind, status, reason, volume, at)
      -- Each row looked up by key (LATERAL, fenced by OFFSET 0), whatever the table's statistics say:
      -- joined directly, a plan made while the table looked empty read every sample of the tenant.
      CROSS JOIN LATERAL (SELECT s.version FROM samples_read.samples s WHERE s.tenant_id = c.tenant_id AND s.id = c.id OFFSET 0) s
      WHERE c.version > s.version),
    newest AS (SELECT DISTINCT ON (tenant_id, id) tenant_id, id, version, at FROM change ORDER BY tenant_id, id, version DESC),
    move AS (SELECT DISTINCT ON (tenant_id, id) tenant_id, id, status, reason FROM change WHERE kind = 'moved' ORDER BY tenant_id, id, version DESC),
    volume AS (SELECT DISTINCT ON (tenant_id, id) tenant_id, id, volume FROM change WHERE kind = 'volume' ORDER BY tenant_id, id, version DESC)
    UPDATE samples_read.samples s
    SET status = CASE WHEN m.id IS NULL THEN s.status ELSE m.status END,
        status_reason = CASE WHEN m.id IS NULL THEN s.status_reason ELSE m.reason END,
        volume_ul = CASE WHEN v.id IS NULL THEN s.volume_ul ELSE v.volume END,
        updated_at = n.at, version = n.version
    FROM newest n LEFT JOIN move m ON m.tenant_id = n.tenant_id AND m.id = n.id LEFT JOIN volume v ON v.tenant_id = n.tenant_id AND v.id = n.id
    WHERE s.id = ANY(${column((r) => r.sampleId)}::uuid[]) AND s.tenant_id = n.tenant_id AND s.id = n.id`.execute(db);
};

/** One row per sample. Upserts guarded by stream version, so applying an event twice changes nothing. */
export const samplesProjection = projection<SampleEvent, SamplesReadDB>(
  SAMPLES_PROJECTION,
  perSampleEvent<[Db], Promise<void>>(
    async (db, event) => {
      await db.insertInto('samples_read.samples').values(registrationRow(event)).onConflict((conflict) => conflict.columns(['tenant_id', 'id']).doNothing()).execute();
    },
    moved,
    volumeTaken,
    storageNoted,
  ),
  {
    batch: applyBatch,
    async reset(trx) {
      await sql`TRUNCATE samples_read.samples`.execute(trx);
    },
  },
);
