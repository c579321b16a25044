import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { EventStore } from '../../event-store/event-store.js';
import { projectionSpec, storedEvents } from '../../event-store/testing/projection-spec.js';
import { createKysely } from '../../platform/database.js';
import { positionId } from '../../subgraphs/storage/domain/storage-unit.js';
import { storageMigrations } from '../../subgraphs/storage/index.js';
import { storageProjection } from '../../subgraphs/storage/read-model/storage-projection.js';
import { runMigrations } from '../../event-store/migrations.js';
import { storageReadModelMigrations } from '../../subgraphs/storage/read-model/schema.js';
import { meta, openEventStore } from '../support/event-store.js';

const SITE = '00000000-0000-4000-8000-0000000000c1';
const FREEZER = '00000000-0000-4000-8000-0000000000c2';
const BOX = '00000000-0000-4000-8000-0000000000c3';
const SAMPLE = '00000000-0000-4000-8000-0000000000c4';
const A1 = positionId(BOX, 'A1');
const A2 = positionId(BOX, 'A2');
let pool: pg.Pool;
let store: EventStore;
let db: Kysely<any>;

beforeAll(async () => {
  ({ pool, store } = await openEventStore({}, [...storageMigrations]));
  db = createKysely(pool);
});
afterAll(() => pool.end());

const unit = (unitId: string, kind: string, parentId: string | null, ancestors: string[], extra: Record<string, unknown> = {}) => ({
  streamId: `StorageUnit-${unitId}`,
  type: 'StorageUnitCreated',
  data: { unitId, name: `${kind} ${unitId.slice(-2)}`, kind, parentId, ancestors, zone: 'MINUS_80', rows: null, columns: null, minTempC: null, maxTempC: null, ...extra },
});
const atA1 = { positionId: A1, boxId: BOX, label: 'A1', sampleId: SAMPLE };
const custody = { sampleId: SAMPLE, positionId: A1, label: 'A1' };

describe('storage read model', () => {
  it('rolls positions up into units, records custody, readings and sample facts, and the same rows when every event comes twice', async () => {
    const rows = await projectionSpec(
      db,
      storageProjection(store),
      storedEvents([
        unit(SITE, 'FACILITY', null, [], { zone: null }),
        unit(FREEZER, 'FREEZER', SITE, [SITE], { minTempC: -90, maxTempC: -70 }),
        unit(BOX, 'BOX', FREEZER, [SITE, FREEZER], { rows: 1, columns: 2 }),
        { streamId: `Sample-${SAMPLE}`, type: 'SampleRegistered', data: { sampleId: SAMPLE, barcode: 'SMP-ST-001', sampleType: 'DNA', volumeUl: null, concentrationNgUl: null, submitter: null, projectCode: null, metadata: null, parentId: null } },
        { streamId: `Sample-${SAMPLE}`, type: 'SampleValidated', data: { sampleId: SAMPLE, from: 'PENDING', to: 'VALIDATED', reason: null } },
        { streamId: `StoragePosition-${A1}`, type: 'PositionReserved', data: atA1 },
        { streamId: `SampleCustody-${SAMPLE}`, type: 'CustodyReserved', data: custody },
        { streamId: `StoragePosition-${A1}`, type: 'PositionFilled', data: atA1 },
        { streamId: `SampleCustody-${SAMPLE}`, type: 'CustodyStored', data: custody },
        { streamId: `SampleCustody-${SAMPLE}`, type: 'CustodyMoved', data: { ...custody, positionId: A2, label: 'A2', fromPositionId: A1, fromLabel: 'A1' } },
        { streamId: `SampleCustody-${SAMPLE}`, type: 'CustodyMoved', data: { ...custody, fromPositionId: A2, fromLabel: 'A2' } },
        { streamId: `SampleCustody-${SAMPLE}`, type: 'CustodyCheckedOut', data: { ...custody, reason: 'QC aliquot' } },
        { streamId: `StoragePosition-${A1}`, type: 'PositionVacated', data: { ...atA1, reason: 'CHECKED_OUT' } },
        { streamId: `StorageUnit-${FREEZER}`, type: 'TemperatureRecorded', data: { unitId: FREEZER, celsius: -80, recordedAt: '2026-01-01T00:00:00.000Z', inRange: true } },
      ]),
      async (read) => ({
        units: (await sql`SELECT id, kind, capacity, occupied, reserved, latest_celsius FROM storage_read.units ORDER BY id`.execute(read)).rows,
        positions: (await sql`SELECT label, state, sample_id, version FROM storage_read.positions ORDER BY label`.execute(read)).rows,
        custody: (await sql`SELECT seq, action, position_label, position_id, from_position_id, note FROM storage_read.custody ORDER BY seq`.execute(read)).rows,
        readings: (await sql`SELECT unit_id, celsius, in_range FROM storage_read.readings`.execute(read)).rows,
        samples: (await sql`SELECT id, barcode, sample_type, status FROM storage_read.sample_replica`.execute(read)).rows,
      }),
    );
    expect(rows).toEqual({
      units: [
        { id: SITE, kind: 'FACILITY', capacity: 2, occupied: 0, reserved: 1, latest_celsius: null },
        { id: FREEZER, kind: 'FREEZER', capacity: 2, occupied: 0, reserved: 1, latest_celsius: -80 },
        { id: BOX, kind: 'BOX', capacity: 2, occupied: 0, reserved: 1, latest_celsius: null },
      ],
      positions: [
        { label: 'A1', state: 'RESERVED', sample_id: SAMPLE, version: 3 },
        { label: 'A2', state: 'AVAILABLE', sample_id: null, version: 0 },
      ],
      // Each record names its position by id (which box, not only which label), a move also the one it left.
      custody: [
        { seq: 1, action: 'RESERVED', position_label: 'A1', position_id: A1, from_position_id: null, note: null },
        { seq: 2, action: 'STORED', position_label: 'A1', position_id: A1, from_position_id: null, note: null },
        { seq: 3, action: 'MOVED', position_label: 'A2', position_id: A2, from_position_id: A1, note: 'from A1' },
        { seq: 4, action: 'MOVED', position_label: 'A1', position_id: A1, from_position_id: A2, note: 'from A2' },
        { seq: 5, action: 'CHECKED_OUT', position_label: 'A1', position_id: A1, from_position_id: null, note: 'QC aliquot' },
      ],
      readings: [{ unit_id: FREEZER, celsius: -80, in_range: true }],
      samples: [{ id: SAMPLE, barcode: 'SMP-ST-001', sample_type: 'DNA', status: 'VALIDATED' }],
    });
  });

  it.each(['one by one', 'as one batch'])('raises a capacity crossing once: a tube checked out and back in, or a reservation filled, crosses nothing again (%s)', async (mode) => {
    const [site, freezer, box, s1, s2] = Array.from({ length: 5 }, () => crypto.randomUUID());
    const [a1, a2] = [positionId(box!, 'A1'), positionId(box!, 'A2')];
    const at = (position: string, label: string, sampleId: string) => ({ positionId: position, boxId: box, label, sampleId });
    const events = storedEvents([
      unit(site, 'FACILITY', null, [], { zone: null }),
      unit(freezer, 'FREEZER', site, [site]),
      unit(box, 'BOX', freezer, [site, freezer], { rows: 1, columns: 2 }),
      { streamId: `StoragePosition-${a1}`, type: 'PositionFilled', data: at(a1, 'A1', s1) },
      // Reserved, then filled: in use from the reservation on.
      { streamId: `StoragePosition-${a2}`, type: 'PositionReserved', data: at(a2, 'A2', s2) },
      { streamId: `StoragePosition-${a2}`, type: 'PositionFilled', data: at(a2, 'A2', s2) },
      // Checked out (its position held) and back in.
      { streamId: `StoragePosition-${a1}`, type: 'PositionVacated', data: { ...at(a1, 'A1', s1), reason: 'CHECKED_OUT' } },
      { streamId: `StoragePosition-${a1}`, type: 'PositionFilled', data: at(a1, 'A1', s1) },
    ]);
    const projection = storageProjection(store);
    if (mode === 'one by one') for (const event of events) await db.transaction().execute((trx) => projection.apply(trx, event));
    else await db.transaction().execute((trx) => projection.applyBatch!(trx, events));
    // The box and every unit above it, each once.
    for (const unitId of [box, freezer, site]) {
      const crossings = await pool.query(`SELECT data->>'threshold' AS threshold FROM es.events WHERE stream_id = $1 AND event_type = 'CapacityThresholdCrossed' ORDER BY global_position`, [`StorageUnit-${unitId}`]);
      expect(crossings.rows.map((row) => row.threshold)).toEqual(['95']);
    }
  });

  it("gains position ids on a database that already holds custody records: each record's from its event in the log", async () => {
    // The read model as it was when custody named a position by its label only.
    const old = await openEventStore({}, [{ ...storageReadModelMigrations, steps: storageReadModelMigrations.steps.slice(0, 2) }]);
    try {
      const [s1, s2, box2] = ['00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000e2', '00000000-0000-4000-8000-0000000000e3'];
      const [b1a1, b1b2, b2a1] = [positionId(BOX, 'A1'), positionId(BOX, 'B2'), positionId(box2, 'A1')];
      // s1: stored in box 1's A1, moved to box 2's A1 (same label), then to box 1's B2; s2 (another lab) stored in box 2's A1.
      await old.store.append(`SampleCustody-${s1}`, null, [{ type: 'CustodyStored', data: { sampleId: s1, positionId: b1a1, label: 'A1' } }], meta('lab-a'));
      await old.store.append(`SampleCustody-${s1}`, 1, [
        { type: 'CustodyMoved', data: { sampleId: s1, positionId: b2a1, label: 'A1', fromPositionId: b1a1, fromLabel: 'A1' } },
        { type: 'CustodyMoved', data: { sampleId: s1, positionId: b1b2, label: 'B2', fromPositionId: b2a1, fromLabel: 'A1' } },
      ], meta('lab-a'));
      await old.store.append(`SampleCustody-${s2}`, null, [{ type: 'CustodyStored', data: { sampleId: s2, positionId: b2a1, label: 'A1' } }], meta('lab-b'));
      // What the projection wrote then: seq is the custody stream's version.
      await old.pool.query(`INSERT INTO storage_read.custody (tenant_id, sample_id, seq, action, actor, at, position_label, note) VALUES
        ('lab-a', $1, 1, 'STORED', 'tester', now(), 'A1', NULL), ('lab-a', $1, 2, 'MOVED', 'tester', now(), 'A1', 'from A1'),
        ('lab-a', $1, 3, 'MOVED', 'tester', now(), 'B2', 'from A1'), ('lab-b', $2, 1, 'STORED', 'tester', now(), 'A1', NULL)`, [s1, s2]);
      expect(await runMigrations(old.pool, [storageReadModelMigrations])).toEqual([{ module: 'storage-read-model', step: 2 }]);
      const { rows } = await old.pool.query('SELECT tenant_id, sample_id, seq, action, position_label, position_id, from_position_id FROM storage_read.custody ORDER BY tenant_id, seq');
      expect(rows).toEqual([
        { tenant_id: 'lab-a', sample_id: s1, seq: 1, action: 'STORED', position_label: 'A1', position_id: b1a1, from_position_id: null },
        { tenant_id: 'lab-a', sample_id: s1, seq: 2, action: 'MOVED', position_label: 'A1', position_id: b2a1, from_position_id: b1a1 },
        { tenant_id: 'lab-a', sample_id: s1, seq: 3, action: 'MOVED', position_label: 'B2', position_id: b1b2, from_position_id: b2a1 },
        { tenant_id: 'lab-b', sample_id: s2, seq: 1, action: 'STORED', position_label: 'A1', position_id: b2a1, from_position_id: null },
      ]);
    } finally {
      await old.pool.end();
    }
  });
});
