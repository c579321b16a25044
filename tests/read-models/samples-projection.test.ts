import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { projectionSpec, storedEvents } from '../../event-store/testing/projection-spec.js';
import { createKysely } from '../../platform/database.js';
import type { SampleEvent } from '../../subgraphs/samples/events.js';
import { samplesProjection } from '../../subgraphs/samples/read-model/samples-projection.js';
import { SampleQueries } from '../../subgraphs/samples/read-model/queries.js';
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
      ['SampleRegistered', 'SampleVolumeTaken', 'SampleStorageNoted', 'SampleReceived', 'SampleValidated', 'SampleRejected', 'SampleDiscarded', 'SampleArchived', 'SampleResubmitted', 'SampleStored', 'SampleSequencingStarted', 'SampleSequenced', 'SampleSequencingFailed'].sort(),
    );
  });

  it("keeps the parent's remaining volume and each child's derivation, and the same when every event comes twice", async () => {
    const [P, C1, C2, G1] = ['b1', 'b2', 'b3', 'b4'].map((n) => `00000000-0000-4000-8000-0000000000${n}`) as [string, string, string, string];
    const taken = (childId: string, kind: string, volumeTakenUl: number, remainingVolumeUl: number) => ({ streamId: `Sample-${P}`, type: 'SampleVolumeTaken', data: { sampleId: P, childId, kind, volumeTakenUl, remainingVolumeUl } });
    const rows = await projectionSpec(
      db,
      samplesProjection,
      storedEvents([
        registered(P, 'LIN-RM-P', { sampleType: 'BLOOD', volumeUl: 50 }),
        moved(P, 'SampleReceived', 'PENDING', 'RECEIVED'),
        taken(C1, 'ALIQUOT', 10, 40),
        registered(C1, 'LIN-RM-C1', { sampleType: 'BLOOD', volumeUl: 10, parentId: P, derivation: { kind: 'ALIQUOT', volumeTakenUl: 10 } }),
        taken(C2, 'EXTRACT', 0.3, 39.7),
        registered(C2, 'LIN-RM-C2', { sampleType: 'DNA', volumeUl: null, parentId: P, derivation: { kind: 'EXTRACT', volumeTakenUl: 0.3 } }),
        registered(G1, 'LIN-RM-G1', { sampleType: 'BLOOD', volumeUl: 2, parentId: C1 }),
      ], { tenantId: 'lineage-rm' }),
      async (read) =>
        (await sql<Record<string, unknown>>`SELECT barcode, status, volume_ul, parent_id, derivation_kind, volume_taken_ul, version
          FROM samples_read.samples WHERE tenant_id = 'lineage-rm' ORDER BY barcode`.execute(read)).rows,
    );
    expect(rows).toEqual([
      { barcode: 'LIN-RM-C1', status: 'PENDING', volume_ul: 10, parent_id: P, derivation_kind: 'ALIQUOT', volume_taken_ul: 10, version: 1 },
      { barcode: 'LIN-RM-C2', status: 'PENDING', volume_ul: null, parent_id: P, derivation_kind: 'EXTRACT', volume_taken_ul: 0.3, version: 1 },
      { barcode: 'LIN-RM-G1', status: 'PENDING', volume_ul: 2, parent_id: C1, derivation_kind: null, volume_taken_ul: null, version: 1 },
      { barcode: 'LIN-RM-P', status: 'RECEIVED', volume_ul: 39.7, parent_id: null, derivation_kind: null, volume_taken_ul: null, version: 4 },
    ]);

    // Children, ancestors (nearest first) and descendants (by generation, bounded), many samples per query.
    const queries = new SampleQueries(db);
    const barcodes = (samples: Array<{ barcode: string; root?: string }>, root?: string) => samples.filter((s) => !root || s.root === root).map((s) => s.barcode);
    expect(barcodes(await queries.childrenOf('lineage-rm', [P]))).toEqual(['LIN-RM-C1', 'LIN-RM-C2']);
    const ancestors = await queries.ancestorsOf('lineage-rm', [G1, C2, P], 10);
    expect(barcodes(ancestors, G1)).toEqual(['LIN-RM-C1', 'LIN-RM-P']);
    expect(barcodes(ancestors, C2)).toEqual(['LIN-RM-P']);
    expect(barcodes(ancestors, P)).toEqual([]);
    expect(barcodes(await queries.ancestorsOf('lineage-rm', [G1], 1))).toEqual(['LIN-RM-C1']);
    expect(barcodes(await queries.descendantsOf('lineage-rm', [P], 10))).toEqual(['LIN-RM-C1', 'LIN-RM-C2', 'LIN-RM-G1']);
    expect(barcodes(await queries.descendantsOf('lineage-rm', [P], 1))).toEqual(['LIN-RM-C1', 'LIN-RM-C2']);
    expect(await queries.descendantsOf('other-lab', [P], 10)).toEqual([]);
    const [child] = await queries.byIds('lineage-rm', [C2]);
    expect(child).toMatchObject({ parentId: P, derivation: { kind: 'EXTRACT', volumeTakenUl: 0.3 } });
  });
});

/** Storage notes on a sample's stream (the lab-work policy's). */
const NOTED = '00000000-0000-4000-8000-0000000000c1';
const stream = `Sample-${NOTED}`;
const noted = (inStorage: boolean) => ({ streamId: stream, type: 'SampleStorageNoted', data: { sampleId: NOTED, inStorage } });

describe('samples read model, storage notes', () => {
  it('moves a sample\'s version on with a storage note (its status stays), so the version it shows is the one expectedVersion checks', async () => {
    const events = storedEvents([
      registered(NOTED, 'SMP-NOTE-01'),
      moved(NOTED, 'SampleReceived', 'PENDING', 'RECEIVED'),
      moved(NOTED, 'SampleValidated', 'RECEIVED', 'VALIDATED'),
      moved(NOTED, 'SampleStored', 'VALIDATED', 'IN_STORAGE'),
      // Taken out of storage for good: the sample stays IN_STORAGE, its stream is at version 5.
      noted(false),
    ]);
    const rows = await projectionSpec(db, samplesProjection, events, async (read) =>
      (await sql<Record<string, unknown>>`SELECT status, version FROM samples_read.samples WHERE id = ${NOTED}`.execute(read)).rows,
    );
    expect(rows).toEqual([{ status: 'IN_STORAGE', version: 5 }]);
  });
});
