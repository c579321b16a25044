import { sql, type Kysely } from 'kysely';
import { projection } from '../../event-store/projection.js';
// Today's home of storage's published types (moving to subgraphs/storage/events.ts).
import type { StorageUnitCreated } from '../../subgraphs/storage/events.js';

/**
 * The sagas context's copy of the storage hierarchy (kind, zone, ancestors of every unit), fed by
 * StorageUnitCreated: enough for submitSample to refuse a target that does not exist or holds no box
 * for the sample type, at once and without a call to the storage subgraph. Units never change
 * these facts, so one insert per unit is the whole model.
 */
export const STORAGE_UNITS_REPLICA = 'sagas-storage-units';

export const storageUnitsReplicaMigration = `
  CREATE TABLE sagas.storage_units (
    tenant_id text NOT NULL,
    id uuid NOT NULL,
    kind text NOT NULL,
    zone text,
    ancestors uuid[] NOT NULL,
    PRIMARY KEY (tenant_id, id)
  );
  CREATE INDEX storage_units_ancestors ON sagas.storage_units USING gin (ancestors);`;

export const storageUnitsReplica = projection<StorageUnitCreated>(
  STORAGE_UNITS_REPLICA,
  {
    StorageUnitCreated: async (trx, { tenantId, data }) => {
      await sql`INSERT INTO sagas.storage_units (tenant_id, id, kind, zone, ancestors)
        VALUES (${tenantId}, ${data.unitId}, ${data.kind}, ${data.zone}, ${data.ancestors}::uuid[])
        ON CONFLICT DO NOTHING`.execute(trx);
    },
  },
  {
    async reset(trx) {
      await sql`TRUNCATE sagas.storage_units`.execute(trx);
    },
  },
);

/** Whether the unit exists, and whether it is (or holds) a box in one of `zones` (null: any zone). */
export const boxesFor = async (db: Kysely<any>, tenantId: string, unitId: string, zones: readonly string[] | null): Promise<{ exists: boolean; suitable: boolean }> => {
  const { rows } = await sql<{ exists: boolean; suitable: boolean }>`SELECT
      EXISTS (SELECT 1 FROM sagas.storage_units WHERE tenant_id = ${tenantId} AND id = ${unitId}::uuid) AS exists,
      EXISTS (SELECT 1 FROM sagas.storage_units WHERE tenant_id = ${tenantId} AND kind = 'BOX'
        AND (id = ${unitId}::uuid OR ancestors @> ARRAY[${unitId}::uuid])
        AND (${zones as string[] | null}::text[] IS NULL OR zone = ANY(${zones as string[] | null}::text[]))) AS suitable`.execute(db);
  return rows[0]!;
};
