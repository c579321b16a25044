import { sql, type Kysely } from 'kysely';
import type { EventConsumer } from '../../../event-store/projection.js';
import type { MigrationSet } from '../../../platform/migrations.js';
import type { ApiKeyRow } from '../../../platform/api-keys.js';
import type { ApiKeyCreated } from '../domain/api-key.js';

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
  ],
};

export const API_KEYS_PROJECTION = 'access-read-model';

/** Keys as the gateway checks them (hash only) and admins list them. */
export const apiKeysProjection: EventConsumer = {
  name: API_KEYS_PROJECTION,
  handles: new Set(['ApiKeyCreated', 'ApiKeyRevoked']),
  async reset(trx) {
    await sql`TRUNCATE access_read.api_keys`.execute(trx);
  },
  async apply(trx, event) {
    if (event.type === 'ApiKeyCreated') {
      const data = event.data as ApiKeyCreated['data'];
      await sql`INSERT INTO access_read.api_keys (id, tenant_id, name, roles, persisted_only, secret_hash, created_at)
        VALUES (${data.keyId}, ${event.tenantId}, ${data.name}, ${data.roles}::text[], ${data.persistedOnly}, ${data.secretHash}, ${event.occurredAt})
        ON CONFLICT DO NOTHING`.execute(trx);
    } else {
      await sql`UPDATE access_read.api_keys SET revoked_at = ${event.occurredAt}
        WHERE id = ${(event.data as { keyId: string }).keyId} AND tenant_id = ${event.tenantId} AND revoked_at IS NULL`.execute(trx);
    }
  },
};

export const listApiKeys = async (db: Kysely<any>, tenantId: string) =>
  (await sql<ApiKeyRow>`SELECT * FROM access_read.api_keys WHERE tenant_id = ${tenantId} ORDER BY created_at`.execute(db)).rows;
