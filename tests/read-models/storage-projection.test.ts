import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { EventStore } from '../../event-store/event-store.js';
import { projectionSpec, storedEvents } from '../../event-store/testing/projection-spec.js';
import { createKysely } from '../../platform/database.js';
import { positionId } from '../../subgraphs/storage/domain/storage-unit.js';
import { storageMigrations } from '../../subgraphs/storage/index.js';
import { storageProjection } from '../../subgraphs/storage/read-model/storage-projection.js';
import { openEventStore } from '../support/event-store.js';

const SITE = '00000000-0000-4000-8000-0000000000c1';
const FREEZER = '00000000-0000-4000-8000-0000000000c2';
const BOX = '00000000-0000-4000-8000-0000000000c3';
const SAMPLE = '00000000-0000-4000-8000-0000000000c4';
const A1 = positionId(BOX, 'A1');
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
        { streamId: `SampleCustody-${SAMPLE}`, type: 'CustodyCheckedOut', data: { ...custody, reason: 'QC aliquot' } },
        { streamId: `StoragePosition-${A1}`, type: 'PositionVacated', data: { ...atA1, reason: 'CHECKED_OUT' } },
        { streamId: `StorageUnit-${FREEZER}`, type: 'TemperatureRecorded', data: { unitId: FREEZER, celsius: -80, recordedAt: '2026-01-01T00:00:00.000Z', inRange: true } },
      ]),
      async (read) => ({
        units: (await sql`SELECT id, kind, capacity, occupied, reserved, latest_celsius FROM storage_read.units ORDER BY id`.execute(read)).rows,
        positions: (await sql`SELECT label, state, sample_id, version FROM storage_read.positions ORDER BY label`.execute(read)).rows,
        custody: (await sql`SELECT seq, action, position_label, note FROM storage_read.custody ORDER BY seq`.execute(read)).rows,
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
      custody: [
        { seq: 1, action: 'RESERVED', position_label: 'A1', note: null },
        { seq: 2, action: 'STORED', position_label: 'A1', note: null },
        { seq: 3, action: 'CHECKED_OUT', position_label: 'A1', note: 'QC aliquot' },
      ],
      readings: [{ unit_id: FREEZER, celsius: -80, in_range: true }],
      samples: [{ id: SAMPLE, barcode: 'SMP-ST-001', sample_type: 'DNA', status: 'VALIDATED' }],
    });
  });

  it('raises a capacity crossing once: a tube checked out and back in, or a reservation filled, crosses nothing again', async () => {
    const [site, freezer, box] = ['00000000-0000-4000-8000-0000000000d1', '00000000-0000-4000-8000-0000000000d2', '00000000-0000-4000-8000-0000000000d3'];
    const [a1, a2] = [positionId(box, 'A1'), positionId(box, 'A2')];
    const [s1, s2] = ['00000000-0000-4000-8000-0000000000d4', '00000000-0000-4000-8000-0000000000d5'];
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
    for (const event of events) await db.transaction().execute((trx) => projection.apply(trx, event));
    const crossings = await pool.query(`SELECT data->>'threshold' AS threshold FROM es.events WHERE stream_id = $1 AND event_type = 'CapacityThresholdCrossed' ORDER BY global_position`, [`StorageUnit-${box}`]);
    expect(crossings.rows.map((row) => row.threshold)).toEqual(['95']);
  });
});
