import { sql, type Kysely, type Transaction } from 'kysely';
import type { EventStore } from '../../../event-store/event-store.js';
import { batchedWith, projection, type ProjectionHandlers, type StoredOf } from '../../../event-store/projection.js';
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
  const position = (trx: Db, event: Stored<PositionEvent>) => changePosition(trx, event, store);
  const handlers: ProjectionHandlers<StorageReadEvent, any> = {
    ...storageSamples.handlers,
    StorageUnitCreated: createUnit,
    TemperatureRecorded: recordReading,
    PositionReserved: position,
    ReservationReleased: position,
    PositionFilled: position,
    PositionVacated: position,
    CustodyReserved: recordCustody,
    CustodyReservationReleased: recordCustody,
    CustodyStored: recordCustody,
    CustodyMoved: recordCustody,
    CustodyCheckedOut: recordCustody,
    CustodyCheckedIn: recordCustody,
    CustodyRemoved: recordCustody,
  };
  return projection<StorageReadEvent>(STORAGE_PROJECTION, handlers, {
    // The sample replica's rows in two statements per batch; units, positions and custody one by one.
    batch: batchedWith(storageSamples, handlers),
    async reset(trx) {
      // Threshold events already appended stay appended: replays hit their idempotency keys.
      await sql`TRUNCATE storage_read.units, storage_read.positions, storage_read.readings, storage_read.custody, storage_read.sample_replica`.execute(trx);
    },
  });
};

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

const changePosition = async (trx: Db, event: Stored<PositionEvent>, store: EventStore) => {
  const { data } = event;
  const next = nextState(event);
  const { rows } = await sql<{ state: string }>`
    WITH old AS (SELECT state FROM storage_read.positions WHERE tenant_id = ${event.tenantId} AND id = ${data.positionId} FOR UPDATE)
    UPDATE storage_read.positions p SET state = ${next.state}, sample_id = ${next.sampleId}, version = ${event.streamVersion}
    FROM old WHERE p.tenant_id = ${event.tenantId} AND p.id = ${data.positionId} AND p.version < ${event.streamVersion}
    RETURNING old.state`.execute(trx);
  const previous = rows[0]?.state;
  if (previous === undefined) return;
  const occupied = Number(next.state === 'OCCUPIED') - Number(previous === 'OCCUPIED');
  const reserved = Number(next.state === 'RESERVED') - Number(previous === 'RESERVED');
  if (occupied === 0 && reserved === 0) return;
  const changed = await sql<{ id: string; occupied: number; reserved: number; capacity: number; capacity_level: number }>`
    UPDATE storage_read.units SET occupied = occupied + ${occupied}, reserved = reserved + ${reserved}
    WHERE tenant_id = ${event.tenantId}
      AND (id = ${data.boxId} OR id = ANY((SELECT ancestors FROM storage_read.units WHERE tenant_id = ${event.tenantId} AND id = ${data.boxId})::uuid[]))
    RETURNING id, occupied, reserved, capacity, capacity_level`.execute(trx);
  for (const unit of changed.rows) {
    const level = levelOf(unit.occupied + unit.reserved, unit.capacity);
    if (level === unit.capacity_level) continue;
    await sql`UPDATE storage_read.units SET capacity_level = ${level} WHERE tenant_id = ${event.tenantId} AND id = ${unit.id}`.execute(trx);
    if (level < unit.capacity_level) continue;
    const crossed: CapacityThresholdCrossed = {
      type: 'CapacityThresholdCrossed',
      data: { unitId: unit.id, threshold: level as 80 | 95, occupied: unit.occupied, reserved: unit.reserved, capacity: unit.capacity, utilization: unit.occupied / unit.capacity },
    };
    await store.append(`StorageUnit-${unit.id}`, null, [crossed], {
      tenantId: event.tenantId,
      actor: 'storage-capacity-monitor',
      correlationId: event.metadata.correlationId,
      causationId: event.eventId,
      occurredAt: event.occurredAt,
    }, { scope: 'capacity-threshold', key: `${event.eventId}/${unit.id}` });
  }
};

const noteOf = ({ data }: Stored<CustodyEvent>): string | null => ('reason' in data ? data.reason : 'fromLabel' in data ? `from ${data.fromLabel}` : null);

const recordCustody = async (trx: Db, event: Stored<CustodyEvent>) => {
  const { data } = event;
  const note = noteOf(event);
  const fromPositionId = 'fromPositionId' in data ? data.fromPositionId : null;
  await sql`INSERT INTO storage_read.custody (tenant_id, sample_id, seq, action, actor, at, position_label, position_id, from_position_id, note)
    VALUES (${event.tenantId}, ${data.sampleId}, ${event.streamVersion}, ${CUSTODY_ACTIONS[event.type]},
      ${event.metadata.actor}, ${event.occurredAt}, ${data.label}, ${data.positionId}, ${fromPositionId}, ${note ?? null})
    ON CONFLICT DO NOTHING`.execute(trx);
};
