import { sql, type Kysely, type Transaction } from 'kysely';
import type { Decider } from '../../../event-store/decider.js';
import { projection } from '../../../event-store/projection.js';
import type { Event, StoredEvent } from '../../../event-store/types.js';
import { indexKitDecider } from '../domain/index-kit.js';
import { libraryDecider } from '../domain/library.js';
import { poolDecider } from '../domain/pool.js';
import { runDecider } from '../domain/run.js';
import type { IndexKitEvent, LibraryEvent, PoolEvent, RunEvent } from '../events.js';

export const LAB_PROJECTION = 'sequencing-lab-read-model';

type Db = Transaction<any> | Kysely<any>;
type Table = 'index_kits' | 'libraries' | 'pools' | 'runs';

/**
 * Folds one event into the row's state with the aggregate's own evolve, only when the event is newer
 * than the row (a replay changes nothing). `columns` are the row's searchable copies of state fields.
 */
const saveState = async <E extends Event, S extends { status: string }>(
  trx: Db,
  table: Table,
  decider: Pick<Decider<any, E, S>, 'evolve' | 'initialState'>,
  id: string,
  event: StoredEvent & E,
  columns: (state: S) => Record<string, string | null> = () => ({}),
): Promise<void> => {
  const target = sql.table(`sequencing_read.${table}`);
  const { rows } = await sql<{ state: S; version: number }>`SELECT state, version FROM ${target} WHERE tenant_id = ${event.tenantId} AND id = ${id}`.execute(trx);
  const current = rows[0];
  if (current && current.version >= event.streamVersion) return;
  const state = decider.evolve(current?.state ?? decider.initialState(), event);
  if (state.status === 'NONE') return;
  const extra = columns(state);
  const names = ['tenant_id', 'id', 'state', 'version', ...Object.keys(extra)];
  const values = [event.tenantId, id, JSON.stringify(state), event.streamVersion, ...Object.values(extra)];
  await sql`INSERT INTO ${target} (${sql.join(names.map((n) => sql.ref(n)))}) VALUES (${sql.join(values)})
    ON CONFLICT (tenant_id, id) DO UPDATE SET state = excluded.state, version = excluded.version`.execute(trx);
};

/** Index kits, libraries, pools and runs, each row the aggregate's state. */
export const labProjection = projection<IndexKitEvent | LibraryEvent | PoolEvent | RunEvent>(
  LAB_PROJECTION,
  {
    IndexKitImported: (trx, event) => saveState(trx, 'index_kits', indexKitDecider, event.data.kitId, event, (s) => ({ name: s.status === 'NONE' ? '' : s.name })),
    LibraryPrepared: (trx, event) => saveState(trx, 'libraries', libraryDecider, event.data.libraryId, event, (s) => ({ sample_id: s.status === 'NONE' ? null : s.sampleId })),
    LibraryQcRecorded: (trx, event) => saveState(trx, 'libraries', libraryDecider, event.data.libraryId, event, (s) => ({ sample_id: s.status === 'NONE' ? null : s.sampleId })),
    PoolCreated: (trx, event) => saveState(trx, 'pools', poolDecider, event.data.poolId, event),
    RunCreated: (trx, event) => saveState(trx, 'runs', runDecider, event.data.runId, event),
    PoolLoaded: (trx, event) => saveState(trx, 'runs', runDecider, event.data.runId, event),
    LaneQcRecorded: (trx, event) => saveState(trx, 'runs', runDecider, event.data.runId, event),
    RunCompleted: (trx, event) => saveState(trx, 'runs', runDecider, event.data.runId, event),
  },
  {
    async reset(trx) {
      await sql`TRUNCATE sequencing_read.index_kits, sequencing_read.libraries, sequencing_read.pools, sequencing_read.runs`.execute(trx);
    },
  },
);
