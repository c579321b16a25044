import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect } from 'kysely';
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

  it('passes over any number of positions reserved in the log but not yet in the read model, when asked to', async () => {
    // A read model far behind (Kafka under load): 330 of a 400-position box reserved since it last applied.
    const LAG_SITE = id(21);
    const LAG_BOX = id(22);
    await unit('lab-lag', LAG_SITE, 'Lag site', 'FACILITY', [], null);
    await unit('lab-lag', LAG_BOX, 'Lag box', 'BOX', [LAG_SITE], 'MINUS_80', [20, 20]);
    const labels = Array.from({ length: 400 }, (_, i) => `${String.fromCharCode(65 + Math.floor(i / 20))}${(i % 20) + 1}`);
    for (const label of labels.slice(0, 330)) {
      await record('lab-lag', `StoragePosition-${positionId(LAG_BOX, label)}`, [{ type: 'PositionReserved', data: { positionId: positionId(LAG_BOX, label), boxId: LAG_BOX, label, sampleId: id(901) } }], false);
    }
    const where = { underUnitId: LAG_SITE, zone: null, zones: null };
    const walked = await queries.freePositions('lab-lag', where, 3, [], { skipMoved: true });
    expect(walked.map((row) => [row.label, row.moved])).toEqual(labels.slice(330, 333).map((label) => [label, false]));
    // Without it the first listed are the ones just taken, flagged.
    expect((await queries.freePositions('lab-lag', where, 3)).map((row) => [row.label, row.moved])).toEqual(labels.slice(0, 3).map((label) => [label, true]));
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

// A lab of many freezers whose boxes fill in name order. Sorting every AVAILABLE position of the
// tenant per search (one per reserved sample) read every position and cost more the bigger the lab.
describe('free positions in a large lab', () => {
  const TENANT = 'big-lab';
  const FACILITY = id(100);
  const FREEZER = id(101);
  let executed: Array<{ sql: string; parameters: readonly unknown[] }> = [];
  let traced: StorageQueries;

  beforeAll(async () => {
    traced = new StorageQueries(new Kysely<any>({ dialect: new PostgresDialect({ pool }), log: (e) => void (e.level === 'query' && executed.push(e.query)) }));
    // Four freezers of 50 boxes of 20 x 24 (Box 001-1 ... Box 050-4), and twenty of 150 full boxes
    // whose positions are left out (only their units rows take part; 1.4 million OCCUPIED rows
    // would only slow the setup). Statistics are taken while every position is still AVAILABLE
    // and not refreshed (the plans must not depend on them), as when boxes fill up between two
    // autoanalyze runs.
    await pool.query(`
      ALTER TABLE storage_read.positions SET (autovacuum_enabled = false);
      ALTER TABLE storage_read.units SET (autovacuum_enabled = false);
      INSERT INTO storage_read.units (tenant_id, id, name, kind, zone, parent_id, ancestors, created_at) VALUES ('${TENANT}', '${FACILITY}', 'Site', 'FACILITY', NULL, NULL, '{}', now());
      INSERT INTO storage_read.units (tenant_id, id, name, kind, zone, parent_id, ancestors, created_at)
        SELECT '${TENANT}', CASE i WHEN 1 THEN '${FREEZER}'::uuid ELSE gen_random_uuid() END, 'Freezer ' || i, 'FREEZER',
          (ARRAY['MINUS_80', 'MINUS_80', 'MINUS_20', 'PLUS_4', 'CRYO'])[CASE WHEN i <= 4 THEN i ELSE 1 + i % 5 END], '${FACILITY}', ARRAY['${FACILITY}'::uuid], now()
        FROM generate_series(1, 24) i;
      INSERT INTO storage_read.units (tenant_id, id, name, kind, zone, parent_id, ancestors, rows, columns, capacity, occupied, created_at)
        SELECT '${TENANT}', gen_random_uuid(), 'Box ' || lpad(b::text, 3, '0') || '-' || substr(f.name, 9), 'BOX', f.zone, f.id, ARRAY['${FACILITY}', f.id], 20, 24, 480, CASE WHEN n <= 4 THEN 0 ELSE 480 END, now()
        FROM storage_read.units f, LATERAL (SELECT substr(f.name, 9)::int AS n) x, generate_series(1, CASE WHEN n <= 4 THEN 50 ELSE 150 END) b
        WHERE f.tenant_id = '${TENANT}' AND f.kind = 'FREEZER';
      INSERT INTO storage_read.positions (tenant_id, id, unit_id, row, col, label, state)
        SELECT '${TENANT}', gen_random_uuid(), u.id, r, c, chr(64 + r) || c, 'AVAILABLE'
        FROM storage_read.units u, generate_series(1, 20) r, generate_series(1, 24) c WHERE u.tenant_id = '${TENANT}' AND u.kind = 'BOX' AND u.occupied = 0;`);
    await pool.query('ANALYZE storage_read.positions');
    await pool.query('ANALYZE storage_read.units');
    // The first four freezers filled in (box name, row, col) order: 47 boxes full, the 48th a little over half.
    await pool.query(`
      UPDATE storage_read.positions p SET state = 'OCCUPIED', sample_id = gen_random_uuid(), version = 2
        FROM storage_read.units u WHERE u.tenant_id = p.tenant_id AND u.id = p.unit_id AND p.tenant_id = '${TENANT}'
          AND (u.name < 'Box 048' OR (u.name LIKE 'Box 048-%' AND (p.row - 1) * 24 + p.col <= 300));
      UPDATE storage_read.units u SET occupied = n FROM (SELECT unit_id, count(*) AS n FROM storage_read.positions WHERE tenant_id = '${TENANT}' AND state = 'OCCUPIED' GROUP BY unit_id) o
        WHERE u.tenant_id = '${TENANT}' AND u.id = o.unit_id;`);
    // The log of the first freezer's positions (reserved, filled), and a reservation of its first
    // free position the read model has not applied yet.
    await pool.query(`
      INSERT INTO es.events (stream_id, stream_type, stream_version, event_id, event_type, data, metadata, tenant_id, occurred_at)
        SELECT 'StoragePosition-' || p.id, 'StoragePosition', v, gen_random_uuid(), (ARRAY['PositionReserved', 'PositionFilled'])[v], '{}', '{}', '${TENANT}', now()
        FROM storage_read.positions p JOIN storage_read.units u ON u.tenant_id = p.tenant_id AND u.id = p.unit_id, generate_series(1, 2) v
        WHERE p.tenant_id = '${TENANT}' AND u.parent_id = '${FREEZER}' AND p.state = 'OCCUPIED';
      INSERT INTO es.events (stream_id, stream_type, stream_version, event_id, event_type, data, metadata, tenant_id, occurred_at)
        SELECT 'StoragePosition-' || p.id, 'StoragePosition', 1, gen_random_uuid(), 'PositionReserved', '{}', '{}', '${TENANT}', now()
        FROM storage_read.positions p JOIN storage_read.units u ON u.tenant_id = p.tenant_id AND u.id = p.unit_id
        WHERE p.tenant_id = '${TENANT}' AND u.parent_id = '${FREEZER}' AND u.name LIKE 'Box 048-%' AND p.label = 'M13';`);
    await pool.query('ANALYZE es.events');
  }, 120_000);

  type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
  const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];
  /** How the statement run last reads a table: how many sequential scans of it, and which of its indexes (by name prefix). */
  const reads = async (table: 'positions' | 'units' | 'events') => {
    const query = executed.at(-1)!;
    const [explained] = (await pool.query(`EXPLAIN (FORMAT JSON) ${query.sql}`, [...query.parameters])).rows[0]['QUERY PLAN'];
    const all = nodes(explained.Plan);
    return {
      seqScans: all.filter((n) => n['Node Type'].includes('Seq Scan') && n['Relation Name'] === table).length,
      indexes: [...new Set(all.map((n) => n['Index Name']).filter((name) => name?.startsWith(`${table}_`)))],
    };
  };

  it.each([
    ['under a freezer', { underUnitId: FREEZER, zone: null, zones: ['MINUS_80', 'MINUS_20'] }, ['units_pkey', 'units_ancestors']],
    ['in a zone', { underUnitId: null, zone: 'MINUS_80', zones: null }, ['units_kind']],
    // Every box is under the facility: reading all units rows is the plan.
    ['under the facility', { underUnitId: FACILITY, zone: null, zones: null }, null],
  ])('%s: reads the AVAILABLE positions of open boxes only and lists what sorting all of them would', async (_, where, unitIndexes) => {
    executed = [];
    const rows = await traced.freePositions(TENANT, where, 64, []);
    expect(await reads('positions')).toEqual({ seqScans: 0, indexes: ['positions_unit_state'] });
    if (unitIndexes) expect(await reads('units')).toEqual({ seqScans: 0, indexes: unitIndexes });
    // `moved`: one probe of the log per listed position.
    expect(await reads('events')).toEqual({ seqScans: 0, indexes: ['events_stream_id_stream_version_key'] });
    const expected = await pool.query(
      `SELECT p.id FROM storage_read.positions p JOIN storage_read.units u ON u.tenant_id = p.tenant_id AND u.id = p.unit_id
       WHERE p.tenant_id = $1 AND p.state = 'AVAILABLE' AND ($2::uuid IS NULL OR $2::uuid = ANY(u.ancestors)) AND ($3::text IS NULL OR u.zone = $3) AND ($4::text[] IS NULL OR u.zone = ANY($4))
       ORDER BY u.name, p.row, p.col LIMIT 64`,
      [TENANT, where.underUnitId, where.zone, where.zones],
    );
    expect(rows.map((r) => r.id)).toEqual(expected.rows.map((r) => r.id));
    expect(rows.filter((r) => r.moved).map((r) => [r.unit_id, r.label])).toEqual([[rows[0]!.unit_id, 'M13']]);
  });

  it('one free position: the same walk', async () => {
    executed = [];
    const found = await traced.freePosition(TENANT, { underUnitId: FREEZER, zone: null, zones: null, spread: 1 });
    expect(await reads('positions')).toEqual({ seqScans: 0, indexes: ['positions_unit_state'] });
    const box = await pool.query(`SELECT id FROM storage_read.units WHERE tenant_id = $1 AND parent_id = $2 AND name LIKE 'Box 048-%'`, [TENANT, FREEZER]);
    expect([found!.unit_id, found!.label]).toEqual([box.rows[0].id, 'M13']);
  });
});
