import { sql, type Kysely, type Transaction } from 'kysely';
import type { EventStore } from '../../../event-store/event-store.js';
import { projection, type ProjectionHandlers, type StoredOf } from '../../../event-store/projection.js';
import { sampleReplica } from '../../../platform/replicas/sample-replica.js';
import type { SampleEvent } from '../../samples/events.js';
import { boxPositions } from '../domain/storage-unit.js';
import type { CapacityThresholdCrossed, CustodyEvent, PositionEvent, StorageUnitCreated, TemperatureRecorded } from '../events.js';

export const STORAGE_PROJECTION = 'storage-read-model';
export const storageSamples = sampleReplica('storage_read');

const CUSTODY_ACTIONS: Record<CustodyEvent['type'], string> = {
  CustodyReserved: 'RESERVED',
  CustodyReservationReleased: 'RESERVATION_RELEASED',
  CustodyStored: 'STORED',
  CustodyMoved: 'MOVED',
  CustodyCheckedOut: 'CHECKED_OUT',
  CustodyCheckedIn: 'CHECKED_IN',
  CustodyRemoved: 'REMOVED',
};

const THRESHOLDS = [95, 80] as const;
/**
 * How full a unit is, for its capacity alerts: positions in use, occupied or held. A tube checked
 * out and back in, or a reservation filled, moves a position between the two and crosses nothing.
 */
const levelOf = (inUse: number, capacity: number): 0 | 80 | 95 => (capacity === 0 ? 0 : (THRESHOLDS.find((t) => inUse * 100 >= t * capacity) ?? 0));

/** What the storage read model reads: its own context's facts and the samples context's. */
export type StorageReadEvent = StorageUnitCreated | TemperatureRecorded | PositionEvent | CustodyEvent | SampleEvent;
type Db = Transaction<any> | Kysely<any>;
type Stored<E extends StorageReadEvent> = StoredOf<E, E['type']>;

/**
 * The storage read model: units with rolled-up counts, positions, readings, custody, and the
 * storage context's copy of sample facts. Position changes are guarded by the position stream's
 * version, so a replayed event moves no counter twice. When a unit's occupancy rises across 80%
 * or 95% it appends CapacityThresholdCrossed (idempotent on the source event).
 */
export const storageProjection = (store: EventStore) => {
  const position = (trx: Db, event: Stored<PositionEvent>) => changePositions(trx, [event], store);
  const custody = (trx: Db, event: Stored<CustodyEvent>) => recordCustody(trx, [event]);
  const handlers: ProjectionHandlers<StorageReadEvent, any> = {
    ...storageSamples.handlers,
    StorageUnitCreated: createUnit,
    TemperatureRecorded: recordReading,
    PositionReserved: position,
    ReservationReleased: position,
    PositionFilled: position,
    PositionVacated: position,
    CustodyReserved: custody,
    CustodyReservationReleased: custody,
    CustodyStored: custody,
    CustodyMoved: custody,
    CustodyCheckedOut: custody,
    CustodyCheckedIn: custody,
    CustodyRemoved: custody,
  };
  return projection<StorageReadEvent>(STORAGE_PROJECTION, handlers, {
    /**
     * A saga's sample moves two positions and records two custody entries: one by one that was six
     * statements a sample, batched a few per batch. The sample replica and custody have tables of
     * their own, and readings touch no column position changes do, so only a unit's creation
     * (new positions, capacity) is an order the position changes must keep.
     */
    async batch(trx, events) {
      const samples = events.filter((event) => storageSamples.handles.has(event.type));
      if (samples.length > 0) await storageSamples.batch(trx, samples);
      const custodies = events.filter((event) => CUSTODY_TYPES.has(event.type)) as Array<Stored<CustodyEvent>>;
      if (custodies.length > 0) await recordCustody(trx, custodies);
      let positions: Array<Stored<PositionEvent>> = [];
      for (const event of events) {
        if (POSITION_TYPES.has(event.type)) positions.push(event as Stored<PositionEvent>);
        else if (event.type === 'TemperatureRecorded') await recordReading(trx, event as Stored<TemperatureRecorded>);
        else if (event.type === 'StorageUnitCreated') {
          await changePositions(trx, positions, store);
          positions = [];
          await createUnit(trx, event as Stored<StorageUnitCreated>);
        }
      }
      await changePositions(trx, positions, store);
    },
    async reset(trx) {
      // Threshold events already appended stay appended: replays hit their idempotency keys.
      await sql`TRUNCATE storage_read.units, storage_read.positions, storage_read.readings, storage_read.custody, storage_read.sample_replica`.execute(trx);
    },
  });
};

const POSITION_TYPES: ReadonlySet<string> = new Set<PositionEvent['type']>(['PositionReserved', 'ReservationReleased', 'PositionFilled', 'PositionVacated']);
const CUSTODY_TYPES: ReadonlySet<string> = new Set(Object.keys(CUSTODY_ACTIONS));

const createUnit = async (trx: Db, event: Stored<StorageUnitCreated>) => {
  const unit = event.data;
  const capacity = unit.kind === 'BOX' ? unit.rows! * unit.columns! : 0;
  const inserted = await sql`INSERT INTO storage_read.units
      (tenant_id, id, name, kind, zone, parent_id, ancestors, rows, columns, min_temp_c, max_temp_c, capacity, created_at)
    VALUES (${event.tenantId}, ${unit.unitId}, ${unit.name}, ${unit.kind}, ${unit.zone}, ${unit.parentId}, ${unit.ancestors}::uuid[],
      ${unit.rows}, ${unit.columns}, ${unit.minTempC}, ${unit.maxTempC}, ${capacity}, ${event.occurredAt})
    ON CONFLICT DO NOTHING`.execute(trx);
  if (!inserted.numAffectedRows || capacity === 0) return;
  await sql`UPDATE storage_read.units SET capacity = capacity + ${capacity}
    WHERE tenant_id = ${event.tenantId} AND id = ANY(${unit.ancestors}::uuid[])`.execute(trx);
  const positions = boxPositions(unit.unitId, unit.rows!, unit.columns!);
  await sql`INSERT INTO storage_read.positions (tenant_id, id, unit_id, row, col, label, state)
    SELECT ${event.tenantId}, id, ${unit.unitId}, row, col, label, 'AVAILABLE'
    FROM unnest(${positions.map((p) => p.id)}::uuid[], ${positions.map((p) => p.row)}::int[], ${positions.map((p) => p.column)}::int[], ${positions.map((p) => p.label)}::text[]) AS p(id, row, col, label)
    ON CONFLICT DO NOTHING`.execute(trx);
};

const recordReading = async (trx: Db, event: Stored<TemperatureRecorded>) => {
  const reading = event.data;
  const inserted = await sql`INSERT INTO storage_read.readings (event_id, tenant_id, unit_id, celsius, recorded_at, in_range)
    VALUES (${event.eventId}, ${event.tenantId}, ${reading.unitId}, ${reading.celsius}, ${reading.recordedAt}, ${reading.inRange})
    ON CONFLICT DO NOTHING`.execute(trx);
  if (!inserted.numAffectedRows) return;
  await sql`UPDATE storage_read.units SET latest_celsius = ${reading.celsius}, latest_recorded_at = ${reading.recordedAt}, latest_in_range = ${reading.inRange}
    WHERE tenant_id = ${event.tenantId} AND id = ${reading.unitId}
      AND (latest_recorded_at IS NULL OR latest_recorded_at <= ${reading.recordedAt})`.execute(trx);
};

const nextState = (event: Stored<PositionEvent>): { state: string; sampleId: string | null } => {
  const { data } = event;
  switch (event.type) {
    case 'PositionReserved':
      return { state: 'RESERVED', sampleId: data.sampleId };
    case 'PositionFilled':
      return { state: 'OCCUPIED', sampleId: data.sampleId };
    case 'ReservationReleased':
      return { state: 'AVAILABLE', sampleId: null };
    case 'PositionVacated':
      return 'reason' in data && data.reason === 'CHECKED_OUT' ? { state: 'RESERVED', sampleId: data.sampleId } : { state: 'AVAILABLE', sampleId: null };
  }
};

interface PositionRowState {
  state: string;
  version: number;
}

interface UnitCounts {
  tenantId: string;
  id: string;
  occupied: number;
  reserved: number;
  capacity: number;
  level: number;
  changed: boolean;
}

/** Row ids come back as PostgreSQL prints uuids (lower case); events carry them as written. */
const keyOf = (tenantId: string, id: string) => `${tenantId}/${id.toLowerCase()}`;

/**
 * Position changes in log order, as one by one: a change applies only past the row's version (a
 * replay moves no counter twice), moves its box's and every ancestor's counts, and a unit whose use
 * rises across a threshold appends CapacityThresholdCrossed with the counts at that event. The
 * rows are read (locked) once and written once per batch, the fold runs in memory.
 */
const changePositions = async (trx: Db, events: ReadonlyArray<Stored<PositionEvent>>, store: EventStore) => {
  if (events.length === 0) return;
  const wanted = new Map(events.map((event) => [keyOf(event.tenantId, event.data.positionId), event]));
  const found = await sql<{ tenant_id: string; id: string; state: string; version: number }>`
    SELECT p.tenant_id, p.id::text AS id, p.state, p.version FROM storage_read.positions p
    JOIN unnest(${[...wanted.values()].map((e) => e.tenantId)}::text[], ${[...wanted.values()].map((e) => e.data.positionId)}::uuid[]) AS x(tenant_id, id)
      ON p.tenant_id = x.tenant_id AND p.id = x.id
    FOR UPDATE OF p`.execute(trx);
  const rows = new Map<string, PositionRowState>(found.rows.map((row) => [keyOf(row.tenant_id, row.id), { state: row.state, version: row.version }]));
  const written = new Map<string, { tenantId: string; id: string; state: string; sampleId: string | null; version: number }>();
  const moves: Array<{ event: Stored<PositionEvent>; occupied: number; reserved: number }> = [];
  for (const event of events) {
    const key = keyOf(event.tenantId, event.data.positionId);
    const row = rows.get(key);
    if (!row || row.version >= event.streamVersion) continue;
    const next = nextState(event);
    const occupied = Number(next.state === 'OCCUPIED') - Number(row.state === 'OCCUPIED');
    const reserved = Number(next.state === 'RESERVED') - Number(row.state === 'RESERVED');
    rows.set(key, { state: next.state, version: event.streamVersion });
    written.set(key, { tenantId: event.tenantId, id: event.data.positionId, state: next.state, sampleId: next.sampleId, version: event.streamVersion });
    if (occupied !== 0 || reserved !== 0) moves.push({ event, occupied, reserved });
  }
  if (written.size === 0) return;
  const changes = [...written.values()];
  await sql`UPDATE storage_read.positions p SET state = x.state, sample_id = x.sample_id, version = x.version
    FROM unnest(${changes.map((c) => c.tenantId)}::text[], ${changes.map((c) => c.id)}::uuid[], ${changes.map((c) => c.state)}::text[],
      ${changes.map((c) => c.sampleId)}::uuid[], ${changes.map((c) => c.version)}::int[]) AS x(tenant_id, id, state, sample_id, version)
    WHERE p.tenant_id = x.tenant_id AND p.id = x.id`.execute(trx);
  if (moves.length > 0) await moveCounts(trx, moves, store);
};

/** The counts of each moved position's box and its ancestors, folded in log order (see changePositions). */
const moveCounts = async (trx: Db, moves: ReadonlyArray<{ event: Stored<PositionEvent>; occupied: number; reserved: number }>, store: EventStore) => {
  const boxes = [...new Map(moves.map(({ event }) => [keyOf(event.tenantId, event.data.boxId), event])).values()];
  const { rows } = await sql<{ box: string; tenant_id: string; id: string; occupied: number; reserved: number; capacity: number; capacity_level: number }>`
    SELECT b.id::text AS box, u.tenant_id, u.id::text AS id, u.occupied, u.reserved, u.capacity, u.capacity_level
    FROM unnest(${boxes.map((e) => e.tenantId)}::text[], ${boxes.map((e) => e.data.boxId)}::uuid[]) AS x(tenant_id, id)
    JOIN storage_read.units b ON b.tenant_id = x.tenant_id AND b.id = x.id
    JOIN storage_read.units u ON u.tenant_id = b.tenant_id AND (u.id = b.id OR u.id = ANY(b.ancestors))
    FOR UPDATE OF u`.execute(trx);
  const units = new Map<string, UnitCounts>();
  const chains = new Map<string, UnitCounts[]>();
  for (const row of rows) {
    const key = keyOf(row.tenant_id, row.id);
    const unit = units.get(key) ?? { tenantId: row.tenant_id, id: row.id, occupied: row.occupied, reserved: row.reserved, capacity: row.capacity, level: row.capacity_level, changed: false };
    units.set(key, unit);
    const box = keyOf(row.tenant_id, row.box);
    chains.set(box, [...(chains.get(box) ?? []), unit]);
  }
  const crossings: Array<{ event: Stored<PositionEvent>; crossed: CapacityThresholdCrossed }> = [];
  for (const { event, occupied, reserved } of moves) {
    for (const unit of chains.get(keyOf(event.tenantId, event.data.boxId)) ?? []) {
      unit.occupied += occupied;
      unit.reserved += reserved;
      unit.changed = true;
      const level = levelOf(unit.occupied + unit.reserved, unit.capacity);
      if (level === unit.level) continue;
      const rose = level > unit.level;
      unit.level = level;
      if (!rose) continue;
      crossings.push({
        event,
        crossed: {
          type: 'CapacityThresholdCrossed',
          data: { unitId: unit.id, threshold: level as 80 | 95, occupied: unit.occupied, reserved: unit.reserved, capacity: unit.capacity, utilization: unit.occupied / unit.capacity },
        },
      });
    }
  }
  const changed = [...units.values()].filter((unit) => unit.changed);
  await sql`UPDATE storage_read.units u SET occupied = x.occupied, reserved = x.reserved, capacity_level = x.level
    FROM unnest(${changed.map((u) => u.tenantId)}::text[], ${changed.map((u) => u.id)}::uuid[], ${changed.map((u) => u.occupied)}::int[],
      ${changed.map((u) => u.reserved)}::int[], ${changed.map((u) => u.level)}::int[]) AS x(tenant_id, id, occupied, reserved, level)
    WHERE u.tenant_id = x.tenant_id AND u.id = x.id`.execute(trx);
  for (const { event, crossed } of crossings) {
    await store.append(`StorageUnit-${crossed.data.unitId}`, null, [crossed], {
      tenantId: event.tenantId,
      actor: 'storage-capacity-monitor',
      correlationId: event.metadata.correlationId,
      causationId: event.eventId,
      occurredAt: event.occurredAt,
    }, { scope: 'capacity-threshold', key: `${event.eventId}/${crossed.data.unitId}` });
  }
};

const noteOf = ({ data }: Stored<CustodyEvent>): string | null => ('reason' in data ? data.reason : 'fromLabel' in data ? `from ${data.fromLabel}` : null);

const recordCustody = async (trx: Db, events: ReadonlyArray<Stored<CustodyEvent>>) => {
  const column = <T>(pick: (event: Stored<CustodyEvent>) => T) => events.map(pick);
  await sql`INSERT INTO storage_read.custody (tenant_id, sample_id, seq, action, actor, at, position_label, position_id, from_position_id, note)
    SELECT * FROM unnest(${column((e) => e.tenantId)}::text[], ${column((e) => e.data.sampleId)}::uuid[], ${column((e) => e.streamVersion)}::int[],
      ${column((e) => CUSTODY_ACTIONS[e.type])}::text[], ${column((e) => e.metadata.actor)}::text[], ${column((e) => e.occurredAt)}::timestamptz[],
      ${column((e) => e.data.label)}::text[], ${column((e) => e.data.positionId)}::uuid[],
      ${column((e) => ('fromPositionId' in e.data ? e.data.fromPositionId : null))}::uuid[], ${column((e) => noteOf(e))}::text[])
    ON CONFLICT DO NOTHING`.execute(trx);
};
