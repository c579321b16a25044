import { sql, type Kysely } from 'kysely';
import { canonicalUuid, isUuid } from '../../../platform/graphql/scalars.js';
import type { TemperatureZone } from '../events.js';

export interface UnitRow {
  id: string;
  name: string;
  kind: string;
  zone: TemperatureZone | null;
  parent_id: string | null;
  rows: number | null;
  columns: number | null;
  min_temp_c: number | null;
  max_temp_c: number | null;
  capacity: number;
  occupied: number;
  reserved: number;
  latest_celsius: number | null;
  latest_recorded_at: Date | null;
  latest_in_range: boolean | null;
}

export interface PositionRow {
  id: string;
  unit_id: string;
  row: number;
  col: number;
  label: string;
  state: string;
  sample_id: string | null;
  zone: TemperatureZone | null;
}

export interface ReadingRow {
  unit_id: string;
  celsius: number;
  recorded_at: Date;
  in_range: boolean;
}

export interface CustodyRow {
  sample_id: string;
  action: string;
  actor: string | null;
  at: Date;
  position_label: string | null;
  /** The position the record is about (for a move: where the sample went). */
  position_id: string | null;
  /** A move's position left. */
  from_position_id: string | null;
  note: string | null;
}

/** A sample kept in a unit, as its tube label shows it. */
export interface StoredSampleRow {
  unit_id: string;
  position_label: string;
  barcode: string;
  sample_type: string;
  /** When the sample came to this position (stored or moved here). */
  placed_at: Date | null;
}

const UNIT_COLUMNS = sql`id, name, kind, zone, parent_id, rows, columns, min_temp_c, max_temp_c, capacity, occupied, reserved, latest_celsius, latest_recorded_at, latest_in_range`;
const POSITION_COLUMNS = sql`p.id, p.unit_id, p.row, p.col, p.label, p.state, p.sample_id, u.zone`;

const uuids = (ids: readonly string[]) => ids.filter(isUuid);

/**
 * Lookups driven by the values asked for: each a subquery fenced with OFFSET 0, so it runs as one
 * index lookup per value. As plain joins on `= ANY(…)` the prepared statements' generic plans
 * walked every unit of the tenant and each one's positions (356 blocks per position looked up in
 * bench:sagas, and growing with the lab), whatever the planner's statistics said.
 */
const wanted = (values: readonly string[]) => sql`(SELECT DISTINCT v FROM unnest(${uuids(values)}::uuid[]) AS w(v)) AS wanted`;
const ZONE_OF_POSITION = sql`CROSS JOIN LATERAL (SELECT u.zone FROM storage_read.units u WHERE u.tenant_id = p.tenant_id AND u.id = p.unit_id OFFSET 0) u`;

/** A position whose stream has events the read model has not applied yet (most likely just reserved). */
const MOVED = (position: string) => sql.raw(`EXISTS (SELECT 1 FROM es.events e WHERE e.stream_id = 'StoragePosition-' || ${position}.id AND e.stream_version > ${position}.version)`);

/**
 * The first `limit` AVAILABLE positions of the boxes in scope in (box name, row, col) order, with
 * each one's `version` and `box_name`. Sorting every free position of the tenant read all of its
 * positions on every search; here only the units rows in scope are sorted (the boxes under a unit
 * through units_ancestors, a zone's through units_kind: only boxes have positions), each box then
 * gives at most `limit` positions in order off positions_unit_state, and the nested loop stops
 * once `limit` are found. Boxes sharing a name stay one group ordered by (row, col), as under the
 * single sort. Full boxes are passed over on their counters, which the projection changes in the
 * transaction that changes their positions' states, so a freezer's filled boxes cost no index
 * descent each.
 */
const firstFree = (tenantId: string, where: { underUnitId: string | null; zone: string | null; zones: string[] | null }, limit: number, excluded: readonly string[], skipMoved = false) => sql`
  SELECT p.id, p.unit_id, p.row, p.col, p.label, p.state, p.sample_id, b.zone, p.version, b.name AS box_name
  FROM (SELECT u.id, u.name, u.zone FROM storage_read.units u
      WHERE u.tenant_id = ${tenantId} AND u.kind = 'BOX' AND u.occupied + u.reserved < u.capacity
        AND (${where.underUnitId}::uuid IS NULL OR u.id = ${where.underUnitId}::uuid OR u.ancestors @> ARRAY[${where.underUnitId}::uuid])
        AND (${where.zone}::text IS NULL OR u.zone = ${where.zone})
        AND (${where.zones}::text[] IS NULL OR u.zone = ANY(${where.zones}::text[]))
      ORDER BY u.name) b
    CROSS JOIN LATERAL (SELECT p.id, p.unit_id, p.row, p.col, p.label, p.state, p.sample_id, p.version FROM storage_read.positions p
      WHERE p.tenant_id = ${tenantId} AND p.unit_id = b.id AND p.state = 'AVAILABLE' AND p.id <> ALL(${uuids(excluded)}::uuid[])
        ${skipMoved ? sql`AND NOT ${MOVED('p')}` : sql``}
      ORDER BY p.row, p.col LIMIT ${limit}) p
  ORDER BY b.name, p.row, p.col LIMIT ${limit}`;

/** Read side of storage: every query is one statement for a whole batch of keys, scoped to a tenant. */
export class StorageQueries {
  constructor(private readonly db: Kysely<any>) {}

  async unitsByIds(tenantId: string, ids: readonly string[]): Promise<UnitRow[]> {
    if (uuids(ids).length === 0) return [];
    return (await sql<UnitRow>`SELECT ${UNIT_COLUMNS} FROM storage_read.units WHERE tenant_id = ${tenantId} AND id = ANY(${uuids(ids)}::uuid[])`.execute(this.db)).rows;
  }

  async childrenOf(tenantId: string, parentIds: readonly string[]): Promise<UnitRow[]> {
    return (await sql<UnitRow>`SELECT ${UNIT_COLUMNS} FROM storage_read.units WHERE tenant_id = ${tenantId} AND parent_id = ANY(${uuids(parentIds)}::uuid[]) ORDER BY name`.execute(this.db)).rows;
  }

  async units(tenantId: string, filter: { kind?: string | null; zone?: string | null; parentId?: string | null }): Promise<UnitRow[]> {
    // A parent id in any case; one that is no UUID (the empty string too) is the parent of nothing.
    const parentId = filter.parentId != null ? canonicalUuid(filter.parentId) : null;
    if (filter.parentId != null && !parentId) return [];
    return (
      await sql<UnitRow>`SELECT ${UNIT_COLUMNS} FROM storage_read.units WHERE tenant_id = ${tenantId}
        AND (${filter.kind ?? null}::text IS NULL OR kind = ${filter.kind ?? null})
        AND (${filter.zone ?? null}::text IS NULL OR zone = ${filter.zone ?? null})
        AND (${parentId}::uuid IS NULL OR parent_id = ${parentId}::uuid)
        ORDER BY kind, name LIMIT 1000`.execute(this.db)
    ).rows;
  }

  async positionsByIds(tenantId: string, ids: readonly string[]): Promise<PositionRow[]> {
    if (uuids(ids).length === 0) return [];
    return (await sql<PositionRow>`SELECT ${POSITION_COLUMNS} FROM ${wanted(ids)}
      CROSS JOIN LATERAL (SELECT * FROM storage_read.positions p WHERE p.tenant_id = ${tenantId} AND p.id = wanted.v OFFSET 0) p
      ${ZONE_OF_POSITION}`.execute(this.db)).rows;
  }

  async positionsOfUnits(tenantId: string, unitIds: readonly string[]): Promise<PositionRow[]> {
    return (await sql<PositionRow>`SELECT ${POSITION_COLUMNS} FROM storage_read.positions p JOIN storage_read.units u ON u.tenant_id = p.tenant_id AND u.id = p.unit_id
      WHERE p.tenant_id = ${tenantId} AND p.unit_id = ANY(${uuids(unitIds)}::uuid[]) ORDER BY p.row, p.col`.execute(this.db)).rows;
  }

  /**
   * The first `limit` AVAILABLE positions (box name, row, column) under a unit or of a zone, in
   * suitable zones, leaving out `excluded`. `moved`: the position's stream has events this read
   * model has not applied yet (most likely someone reserved it a moment ago), so it is only worth
   * trying once the read model has caught up. `skipMoved`: such positions are passed over in the
   * walk, however many there are (a read model far behind, as on Kafka under load, lists hundreds).
   */
  async freePositions(
    tenantId: string,
    where: { underUnitId: string | null; zone: string | null; zones: string[] | null },
    limit: number,
    excluded: readonly string[] = [],
    { skipMoved = false } = {},
  ): Promise<Array<PositionRow & { moved: boolean; version: number }>> {
    // Skipping them, the walk has already asked the log about each listed position.
    const { rows } = await sql<PositionRow & { moved: boolean; version: number }>`SELECT c.*, ${skipMoved ? sql`false` : MOVED('c')} AS moved
      FROM (${firstFree(tenantId, where, limit, excluded, skipMoved)}) c
      ORDER BY c.box_name, c.row, c.col`.execute(this.db);
    return rows;
  }

  /**
   * The first AVAILABLE position (box name, row, column) in a box under `underUnitId` (or of `zone`)
   * whose zone is one of `zones` (null: any); with `spread` > 1, a random one of the first `spread`.
   */
  async freePosition(tenantId: string, where: { underUnitId: string | null; zone: string | null; zones: string[] | null; spread: number }): Promise<PositionRow | null> {
    const { rows } = await sql<PositionRow>`SELECT id, unit_id, row, col, label, state, sample_id, zone FROM (${firstFree(tenantId, where, where.spread, [])}) candidates
      ORDER BY random() LIMIT 1`.execute(this.db);
    return rows[0] ?? null;
  }

  /** Where each sample is kept now (occupied positions only). */
  /**
   * Where each sample is kept. A discarded or archived sample is kept nowhere, though its position
   * is freed a moment later (by the storage policy that follows the samples context): a read at the
   * discard's position already says so.
   */
  async locationsOfSamples(tenantId: string, sampleIds: readonly string[]): Promise<PositionRow[]> {
    return (await sql<PositionRow>`SELECT ${POSITION_COLUMNS} FROM ${wanted(sampleIds)}
      CROSS JOIN LATERAL (SELECT * FROM storage_read.positions p WHERE p.tenant_id = ${tenantId} AND p.sample_id = wanted.v AND p.state = 'OCCUPIED' OFFSET 0) p
      ${ZONE_OF_POSITION}
      WHERE NOT EXISTS (SELECT 1 FROM storage_read.sample_replica r WHERE r.tenant_id = p.tenant_id AND r.id = p.sample_id AND r.status IN ('DISCARDED', 'ARCHIVED'))`.execute(this.db)).rows;
  }

  /** The samples kept in each unit's positions, row by row, with the storage context's copy of their barcode and type. */
  async storedSamplesOfUnits(tenantId: string, unitIds: readonly string[]): Promise<StoredSampleRow[]> {
    return (await sql<StoredSampleRow>`SELECT p.unit_id, p.label AS position_label, r.barcode, r.sample_type,
        (SELECT max(c.at) FROM storage_read.custody c WHERE c.tenant_id = p.tenant_id AND c.sample_id = p.sample_id AND c.action IN ('STORED', 'MOVED')) AS placed_at
      FROM storage_read.positions p JOIN storage_read.sample_replica r ON r.tenant_id = p.tenant_id AND r.id = p.sample_id
      WHERE p.tenant_id = ${tenantId} AND p.unit_id = ANY(${uuids(unitIds)}::uuid[]) AND p.state = 'OCCUPIED'
      ORDER BY p.row, p.col`.execute(this.db)).rows;
  }

  async custodyOfSamples(tenantId: string, sampleIds: readonly string[]): Promise<CustodyRow[]> {
    return (await sql<CustodyRow>`SELECT sample_id, action, actor, at, position_label, position_id, from_position_id, note FROM storage_read.custody
      WHERE tenant_id = ${tenantId} AND sample_id = ANY(${uuids(sampleIds)}::uuid[]) ORDER BY seq`.execute(this.db)).rows;
  }

  /** Newest first, at most `limit` per unit, in one statement for many units. */
  async readings(tenantId: string, unitIds: readonly string[], since: string | null, limit: number): Promise<ReadingRow[]> {
    return (
      await sql<ReadingRow>`SELECT unit_id, celsius, recorded_at, in_range FROM (
          SELECT *, row_number() OVER (PARTITION BY unit_id ORDER BY recorded_at DESC) AS n FROM storage_read.readings
          WHERE tenant_id = ${tenantId} AND unit_id = ANY(${uuids(unitIds)}::uuid[]) AND (${since}::timestamptz IS NULL OR recorded_at >= ${since}::timestamptz)
        ) r WHERE n <= ${limit} ORDER BY recorded_at DESC`.execute(this.db)
    ).rows;
  }
}
