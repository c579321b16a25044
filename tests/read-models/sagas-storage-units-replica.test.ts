import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionSpec, storedEvents } from '../../event-store/testing/projection-spec.js';
import { createKysely, createPool } from '../../platform/database.js';
import { runMigrations } from '../../event-store/migrations.js';
import { sagaMigrations } from '../../sagas/orchestrator/saga-schema.js';
import { boxesFor, storageUnitsReplica } from '../../sagas/subgraph/storage-units-replica.js';
import type { StorageUnitCreated } from '../../subgraphs/storage/events.js';
import { createTestDatabase } from '../support/database.js';

const FREEZER = '5b2e0d4f-0000-4000-8000-000000000001';
const RACK = '5b2e0d4f-0000-4000-8000-000000000002';
const BOX = '5b2e0d4f-0000-4000-8000-000000000003';

const created = (unitId: string, kind: StorageUnitCreated['data']['kind'], ancestors: string[], zone: StorageUnitCreated['data']['zone']) => ({
  streamId: `StorageUnit-${unitId}`,
  type: 'StorageUnitCreated' as const,
  data: { unitId, name: kind, kind, parentId: ancestors.at(-1) ?? null, ancestors, zone, rows: null, columns: null, minTempC: null, maxTempC: null },
});

const rows = (db: Kysely<any>) => db.selectFrom('sagas.storage_units').select(['tenant_id', 'id', 'kind', 'zone', 'ancestors']).orderBy('id').execute();

describe('sagas storage-units replica', () => {
  let db: Kysely<any>;
  beforeAll(async () => {
    const pool = createPool(await createTestDatabase(), 4);
    await runMigrations(pool, [sagaMigrations]);
    db = createKysely(pool);
  });
  afterAll(async () => db?.destroy());

  it('keeps kind, zone and ancestors of every unit, the same after every event is applied twice', async () => {
    const events = storedEvents([created(FREEZER, 'FREEZER', [], 'MINUS_20'), created(RACK, 'RACK', [FREEZER], 'MINUS_20'), created(BOX, 'BOX', [FREEZER, RACK], 'MINUS_20')], {
      tenantId: 'lab-a',
    });
    expect(await projectionSpec(db, storageUnitsReplica, events, rows)).toEqual([
      { tenant_id: 'lab-a', id: FREEZER, kind: 'FREEZER', zone: 'MINUS_20', ancestors: [] },
      { tenant_id: 'lab-a', id: RACK, kind: 'RACK', zone: 'MINUS_20', ancestors: [FREEZER] },
      { tenant_id: 'lab-a', id: BOX, kind: 'BOX', zone: 'MINUS_20', ancestors: [FREEZER, RACK] },
    ]);
  });

  it('answers what a submission may target from those rows, per tenant', async () => {
    expect(await boxesFor(db, 'lab-a', FREEZER, ['MINUS_20'])).toEqual({ exists: true, suitable: true });
    expect(await boxesFor(db, 'lab-a', FREEZER, ['MINUS_80'])).toEqual({ exists: true, suitable: false });
    expect(await boxesFor(db, 'lab-a', BOX, null)).toEqual({ exists: true, suitable: true });
    expect(await boxesFor(db, 'lab-b', FREEZER, null)).toEqual({ exists: false, suitable: false });
  });
});
