import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { projectionSpec, storedEvents } from '../../event-store/testing/projection-spec.js';
import { createKysely } from '../../platform/database.js';
import type { SampleEvent } from '../../subgraphs/samples/events.js';
import { samplesProjection } from '../../subgraphs/samples/read-model/samples-projection.js';
import { samplesReadModelMigrations } from '../../subgraphs/samples/read-model/schema.js';
import { openEventStore } from '../support/event-store.js';

const S1 = '00000000-0000-4000-8000-0000000000a1';
const S2 = '00000000-0000-4000-8000-0000000000a2';
let pool: pg.Pool;
let db: Kysely<any>;

beforeAll(async () => {
  ({ pool } = await openEventStore({}, [samplesReadModelMigrations]));
  db = createKysely(pool);
});
afterAll(() => pool.end());

const registered = (sampleId: string, barcode: string, extra: Partial<Extract<SampleEvent, { type: 'SampleRegistered' }>['data']> = {}) => ({
  streamId: `Sample-${sampleId}`,
  type: 'SampleRegistered',
  data: { sampleId, barcode, sampleType: 'DNA', volumeUl: 12.5, concentrationNgUl: null, submitter: 'Ada', projectCode: null, metadata: { well: 'A1' }, parentId: null, ...extra },
});
const moved = (sampleId: string, type: string, from: string, to: string, reason: string | null = null) => ({ streamId: `Sample-${sampleId}`, type, data: { sampleId, from, to, reason } });

describe('samples read model', () => {
  it('keeps one row per sample at its latest status, and the same rows when every event comes twice', async () => {
    const rows = await projectionSpec(
      db,
      samplesProjection,
      storedEvents([
        registered(S1, 'SMP-RM-001'),
        moved(S1, 'SampleReceived', 'PENDING', 'RECEIVED'),
        moved(S1, 'SampleValidated', 'RECEIVED', 'VALIDATED'),
        registered(S2, 'SMP-RM-002', { sampleType: 'RNA', parentId: S1, metadata: null }),
        moved(S2, 'SampleRejected', 'PENDING', 'REJECTED', 'haemolysed'),
      ]),
      async (read) =>
        (await sql<Record<string, unknown>>`SELECT id, barcode, sample_type, status, status_reason, volume_ul, submitter, metadata, parent_id, version
          FROM samples_read.samples ORDER BY barcode`.execute(read)).rows,
    );
    expect(rows).toEqual([
      { id: S1, barcode: 'SMP-RM-001', sample_type: 'DNA', status: 'VALIDATED', status_reason: null, volume_ul: 12.5, submitter: 'Ada', metadata: { well: 'A1' }, parent_id: null, version: 3 },
      { id: S2, barcode: 'SMP-RM-002', sample_type: 'RNA', status: 'REJECTED', status_reason: 'haemolysed', volume_ul: 12.5, submitter: 'Ada', metadata: null, parent_id: S1, version: 2 },
    ]);
  });

  it('reads every sample event and nothing else', () => {
    expect([...samplesProjection.handles].sort()).toEqual(
      ['SampleRegistered', 'SampleReceived', 'SampleValidated', 'SampleRejected', 'SampleDiscarded', 'SampleArchived', 'SampleResubmitted', 'SampleStored', 'SampleSequencingStarted', 'SampleSequenced', 'SampleSequencingFailed'].sort(),
    );
  });
});
