import { sql, type Kysely } from 'kysely';
import { projection } from '../../../event-store/projection.js';
import type { MigrationSet } from '../../../event-store/migrations.js';
import type { ApiKeyRow } from '../../../platform/api-keys.js';
import type { ApiKeyEvent } from '../events.js';

export type { ApiKeyRow };

export const accessMigrations: MigrationSet = {
  module: 'access-read-model',
  steps: [
    `CREATE SCHEMA IF NOT EXISTS access_read;
     CREATE TABLE access_read.api_keys (
       id uuid PRIMARY KEY,
       tenant_id text NOT NULL,
       name text NOT NULL,
       roles text[] NOT NULL,
       persisted_only boolean NOT NULL,
       secret_hash text NOT NULL,
       created_at timestamptz NOT NULL,
       revoked_at timestamptz
     );
     CREATE INDEX api_keys_tenant ON access_read.api_keys (tenant_id, created_at);`,
    `ALTER TABLE access_read.api_keys ADD COLUMN manifests text[];`,
    // The projection once left manifests out: take the keys' bindings from their ApiKeyCreated events.
    `UPDATE access_read.api_keys k
       SET manifests = ARRAY(SELECT jsonb_array_elements_text(e.data->'manifests'))
       FROM es.events e
      WHERE e.stream_id = 'ApiKey-' || k.id::text AND e.event_type = 'ApiKeyCreated'
        AND jsonb_typeof(e.data->'manifests') = 'array' AND k.manifests IS NULL;`,
  ],
};

export const API_KEYS_PROJECTION = 'access-read-model';

/** Keys as the gateway checks them (hash only) and admins list them. */
export const apiKeysProjection = projection<ApiKeyEvent>(
  API_KEYS_PROJECTION,
  {
    ApiKeyCreated: (trx, { tenantId, occurredAt, data }) =>
      sql`INSERT INTO access_read.api_keys (id, tenant_id, name, roles, persisted_only, manifests, secret_hash, created_at)
        VALUES (${data.keyId}, ${tenantId}, ${data.name}, ${data.roles}::text[], ${data.persistedOnly}, ${data.manifests ?? null}::text[], ${data.secretHash}, ${occurredAt})
        ON CONFLICT DO NOTHING`.execute(trx),
    ApiKeyRevoked: (trx, { tenantId, occurredAt, data }) =>
      sql`UPDATE access_read.api_keys SET revoked_at = ${occurredAt}
        WHERE id = ${data.keyId} AND tenant_id = ${tenantId} AND revoked_at IS NULL`.execute(trx),
  },
  {
    async reset(trx) {
      await sql`TRUNCATE access_read.api_keys`.execute(trx);
    },
  },
);

export const listApiKeys = async (db: Kysely<any>, tenantId: string) =>
  (await sql<ApiKeyRow>`SELECT * FROM access_read.api_keys WHERE tenant_id = ${tenantId} ORDER BY created_at`.execute(db)).rows;
