import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { projectionSpec, storedEvents } from '../../event-store/testing/projection-spec.js';
import { createKysely } from '../../platform/database.js';
import { accessMigrations, apiKeysProjection } from '../../subgraphs/access/read-model/api-keys.js';
import { openEventStore } from '../support/event-store.js';

const K1 = '00000000-0000-4000-8000-0000000000b1';
const K2 = '00000000-0000-4000-8000-0000000000b2';
let pool: pg.Pool;
let db: Kysely<any>;

beforeAll(async () => {
  ({ pool } = await openEventStore({}, [accessMigrations]));
  db = createKysely(pool);
});
afterAll(() => pool.end());

const created = (keyId: string, name: string) => ({
  streamId: `ApiKey-${keyId}`,
  type: 'ApiKeyCreated',
  data: { keyId, name, roles: ['viewer'], persistedOnly: true, manifests: null, secretHash: `hash-of-${name}` },
});

describe('api keys read model', () => {
  it('lists each key with its hash, revoked when revoked, and the same rows when every event comes twice', async () => {
    const rows = await projectionSpec(
      db,
      apiKeysProjection,
      storedEvents([created(K1, 'LIMS bridge'), created(K2, 'Dashboard'), { streamId: `ApiKey-${K2}`, type: 'ApiKeyRevoked', data: { keyId: K2 } }], {
        tenantId: 'lab-a',
        occurredAt: '2026-03-01T09:00:00.000Z',
      }),
      async (read) =>
        (await sql<Record<string, unknown>>`SELECT id, tenant_id, name, roles, persisted_only, secret_hash, revoked_at IS NOT NULL AS revoked
          FROM access_read.api_keys ORDER BY name`.execute(read)).rows,
    );
    expect(rows).toEqual([
      { id: K2, tenant_id: 'lab-a', name: 'Dashboard', roles: ['viewer'], persisted_only: true, secret_hash: 'hash-of-Dashboard', revoked: true },
      { id: K1, tenant_id: 'lab-a', name: 'LIMS bridge', roles: ['viewer'], persisted_only: true, secret_hash: 'hash-of-LIMS bridge', revoked: false },
    ]);
  });
});
