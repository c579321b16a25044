import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { EventStore } from '../../event-store/event-store.js';
import type { Event } from '../../event-store/types.js';
import { createKysely } from '../../platform/database.js';
import { positionId } from '../../subgraphs/storage/domain/storage-unit.js';
import { storageMigrations } from '../../subgraphs/storage/index.js';
import { StorageQueries } from '../../subgraphs/storage/read-model/queries.js';
import { storageProjection } from '../../subgraphs/storage/read-model/storage-projection.js';
import { meta, openEventStore } from '../support/event-store.js';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const SITE = id(1);
const F80 = id(2);
const RACK = id(3);
const BOX_A = id(4);
const BOX_B = id(5);
const BOX_C = id(6);
const F20 = id(7);
const BOX_D = id(8);
const OTHER_SITE = id(11);
const OTHER_BOX = id(12);
const NAMES: Record<string, string> = { [BOX_A]: 'Box A', [BOX_B]: 'Box B', [BOX_C]: 'Box C', [BOX_D]: 'Box D', [OTHER_BOX]: 'Box 0' };

let pool: pg.Pool;
let store: EventStore;
let db: Kysely<any>;
let queries: StorageQueries;

beforeAll(async () => {
  ({ pool, store } = await openEventStore({}, [...storageMigrations]));
  db = createKysely(pool);
  queries = new StorageQueries(db);
});
afterAll(() => pool.end());

describe('free positions', () => {
  const projection = () => storageProjection(store);

  /** Appends to the log and, unless `applied` is false (the read model has not got there yet), projects it. */
  const record = async (tenantId: string, streamId: string, events: Event[], applied = true) => {
    const before = await store.streamVersion(streamId);
    await store.append(streamId, before, events, meta(tenantId));
    if (!applied) return;
    for (const event of await store.readStream(streamId, { tenantId, fromVersion: before })) {
      await db.transaction().execute((trx) => projection().apply(trx, event));
    }
  };
  const unit = (tenantId: string, unitId: string, name: string, kind: string, ancestors: string[], zone: string | null, size: [number, number] | null = null) =>
    record(tenantId, `StorageUnit-${unitId}`, [
      {
        type: 'StorageUnitCreated',
        data: { unitId, name, kind, parentId: ancestors.at(-1) ?? null, ancestors, zone, rows: size?.[0] ?? null, columns: size?.[1] ?? null, minTempC: null, maxTempC: null },
      },
    ]);
  const position = (box: string, label: string, type: string, applied = true, extra: Record<string, unknown> = {}) =>
    record('lab-a', `StoragePosition-${positionId(box, label)}`, [{ type, data: { positionId: positionId(box, label), boxId: box, label, sampleId: id(900), ...extra } }], applied);

  const listed = (rows: Array<{ unit_id: string; label: string; moved?: boolean }>) => rows.map((r) => `${NAMES[r.unit_id]} ${r.label}${r.moved ? ' (moved)' : ''}`);
  const free = async (where: { underUnitId?: string; zone?: string; zones?: string[] }, limit = 64, excluded: string[] = [], tenantId = 'lab-a') =>
    listed(await queries.freePositions(tenantId, { underUnitId: where.underUnitId ?? null, zone: where.zone ?? null, zones: where.zones ?? null }, limit, excluded));

  beforeAll(async () => {
    await unit('lab-a', SITE, 'Site', 'FACILITY', [], null);
    await unit('lab-a', F80, 'Freezer 80', 'FREEZER', [SITE], 'MINUS_80');
    await unit('lab-a', RACK, 'Rack', 'RACK', [SITE, F80], 'MINUS_80');
    // Created out of name order: the order is the boxes' names, then row and column.
    await unit('lab-a', BOX_B, 'Box B', 'BOX', [SITE, F80, RACK], 'MINUS_80', [2, 2]);
    await unit('lab-a', BOX_A, 'Box A', 'BOX', [SITE, F80], 'MINUS_80', [2, 3]);
    await unit('lab-a', BOX_C, 'Box C', 'BOX', [SITE, F80], 'MINUS_80', [1, 2]);
    await unit('lab-a', F20, 'Freezer 20', 'FREEZER', [SITE], 'MINUS_20');
    await unit('lab-a', BOX_D, 'Box D', 'BOX', [SITE, F20], 'MINUS_20', [1, 2]);
    await unit('lab-b', OTHER_SITE, 'Site', 'FACILITY', [], null);
    await unit('lab-b', OTHER_BOX, 'Box 0', 'BOX', [OTHER_SITE], 'MINUS_80', [1, 1]);
    await position(BOX_A, 'A1', 'PositionReserved');
    await position(BOX_A, 'A1', 'PositionFilled');
    await position(BOX_A, 'A3', 'PositionReserved');
    await position(BOX_C, 'A1', 'PositionReserved');
    await position(BOX_C, 'A1', 'PositionFilled');
    await position(BOX_C, 'A2', 'PositionReserved');
    // Reserved in the log, not yet in the read model.
    await position(BOX_B, 'A1', 'PositionReserved', false);
  });

  it('lists AVAILABLE positions in (box name, row, col) order under a unit at any depth, full boxes left out, unapplied reservations flagged', async () => {
    const underFreezer = ['Box A A2', 'Box A B1', 'Box A B2', 'Box A B3', 'Box B A1 (moved)', 'Box B A2', 'Box B B1', 'Box B B2'];
    expect(await free({ underUnitId: F80 })).toEqual(underFreezer);
    expect(await free({ underUnitId: SITE })).toEqual([...underFreezer, 'Box D A1', 'Box D A2']);
    expect(await free({ underUnitId: RACK })).toEqual(['Box B A1 (moved)', 'Box B A2', 'Box B B1', 'Box B B2']);
    expect(await free({ underUnitId: BOX_B })).toEqual(['Box B A1 (moved)', 'Box B A2', 'Box B B1', 'Box B B2']);
    expect(await free({ underUnitId: BOX_C })).toEqual([]);
  });

  it('stops at the limit across boxes and leaves out the excluded positions', async () => {
    expect(await free({ underUnitId: F80 }, 5, [positionId(BOX_A, 'B1'), positionId(BOX_B, 'A2')])).toEqual(['Box A A2', 'Box A B2', 'Box A B3', 'Box B A1 (moved)', 'Box B B1']);
    expect(await free({ underUnitId: F80 }, 1)).toEqual(['Box A A2']);
  });

  it('filters by zone and by the sample’s zones, within the tenant', async () => {
    expect(await free({ zone: 'MINUS_20' })).toEqual(['Box D A1', 'Box D A2']);
    expect(await free({ zone: 'MINUS_80' }, 3)).toEqual(['Box A A2', 'Box A B1', 'Box A B2']);
    expect(await free({ underUnitId: SITE, zones: ['MINUS_20', 'CRYO'] })).toEqual(['Box D A1', 'Box D A2']);
    expect(await free({ underUnitId: F80, zones: ['MINUS_20'] })).toEqual([]);
    expect(await free({ underUnitId: SITE, zones: [] })).toEqual([]);
    expect(await free({ underUnitId: F80, zone: 'MINUS_20' })).toEqual([]);
    expect(await free({ zone: 'MINUS_80' }, 64, [], 'lab-b')).toEqual(['Box 0 A1']);
    expect(await free({ underUnitId: SITE }, 64, [], 'lab-b')).toEqual([]);
  });

  it('finds one free position, or one of the first few', async () => {
    const one = (where: { underUnitId?: string; zone?: string; zones?: string[] }, spread = 1) =>
      queries.freePosition('lab-a', { underUnitId: where.underUnitId ?? null, zone: where.zone ?? null, zones: where.zones ?? null, spread });
    expect(listed([(await one({ underUnitId: F80 }))!])).toEqual(['Box A A2']);
    expect(listed([(await one({ zone: 'MINUS_20' }))!])).toEqual(['Box D A1']);
    expect(await one({ underUnitId: BOX_C })).toBeNull();
    for (let i = 0; i < 10; i++) expect(['Box A A2', 'Box A B1', 'Box A B2']).toContain(listed([(await one({ underUnitId: F80 }, 3))!])[0]);
  });

  it('lists a position again once it is released or vacated, also in a box that was full', async () => {
    await position(BOX_A, 'A3', 'ReservationReleased');
    await position(BOX_C, 'A2', 'PositionFilled');
    await position(BOX_C, 'A2', 'PositionVacated', true, { reason: 'REMOVED' });
    expect(await free({ underUnitId: F80 })).toEqual(['Box A A2', 'Box A A3', 'Box A B1', 'Box A B2', 'Box A B3', 'Box B A1 (moved)', 'Box B A2', 'Box B B1', 'Box B B2', 'Box C A2']);
  });
});
