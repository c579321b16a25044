import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { projectionSpec, storedEvents } from '../../event-store/testing/projection-spec.js';
import { createKysely } from '../../platform/database.js';
import { samplesProjection } from '../../subgraphs/samples/read-model/samples-projection.js';
import { samplesReadModelMigrations } from '../../subgraphs/samples/read-model/schema.js';
import { openEventStore } from '../support/event-store.js';

const S1 = '00000000-0000-4000-8000-0000000000c1';
let pool: pg.Pool;
let db: Kysely<any>;

beforeAll(async () => {
  ({ pool } = await openEventStore({}, [samplesReadModelMigrations]));
  db = createKysely(pool);
});
afterAll(() => pool.end());

const stream = `Sample-${S1}`;
const moved = (type: string, from: string, to: string) => ({ streamId: stream, type, data: { sampleId: S1, from, to, reason: null } });
const noted = (inStorage: boolean) => ({ streamId: stream, type: 'SampleStorageNoted', data: { sampleId: S1, inStorage } });

describe('samples read model, storage notes', () => {
  it('moves a sample\'s version on with a storage note (its status stays), so the version it shows is the one expectedVersion checks', async () => {
    const events = storedEvents([
      { streamId: stream, type: 'SampleRegistered', data: { sampleId: S1, barcode: 'SMP-NOTE-01', sampleType: 'DNA', volumeUl: null, concentrationNgUl: null, submitter: null, projectCode: null, metadata: null, parentId: null } },
      moved('SampleReceived', 'PENDING', 'RECEIVED'),
      moved('SampleValidated', 'RECEIVED', 'VALIDATED'),
      moved('SampleStored', 'VALIDATED', 'IN_STORAGE'),
      // Taken out of storage for good: the sample stays IN_STORAGE, its stream is at version 5.
      noted(false),
    ]);
    const rows = await projectionSpec(db, samplesProjection, events, async (read) =>
      (await sql<Record<string, unknown>>`SELECT status, version FROM samples_read.samples WHERE id = ${S1}`.execute(read)).rows,
    );
    expect(rows).toEqual([{ status: 'IN_STORAGE', version: 5 }]);
  });
});
