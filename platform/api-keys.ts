import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

/**
 * Partner API keys as both sides see them: the access subgraph stores `sha256(secret)`; the gateway
 * finds a key by the id inside the secret (`tsq_<id>.<random>`) and compares hashes.
 */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');
export const keyIdOf = (secret: string): string | null => /^tsq_([0-9a-f-]{36})\.[A-Za-z0-9_-]{20,}$/.exec(secret)?.[1] ?? null;

/** NOTIFY channel: the payload is a revoked key's id, so every gateway replica forgets it at once. */
export const API_KEY_REVOKED_CHANNEL = 'tracseq_api_key_revoked';

/** A manifest name as `createApiKey(manifests:)` takes it: a manifest file's name without `.json`. */
export const MANIFEST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  roles: string[];
  persisted_only: boolean;
  /** The manifests a key may run operations from; null: any. */
  manifests: string[] | null;
  secret_hash: string;
  created_at: Date;
  revoked_at: Date | null;
}

/** The key as its own event stream has it, no read model in between. */
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  roles: string[];
  persistedOnly: boolean;
  manifests: string[] | null;
  secretHash: string;
  revoked: boolean;
}

/**
 * One key by id, any tenant (the secret decides), read from its stream in the event store: a key
 * is usable the moment `createApiKey` has committed, and refused the moment `revokeApiKey` has,
 * with no projection lag in between.
 */
export const findApiKey = async (db: Kysely<any>, id: string): Promise<ApiKeyRecord | null> => {
  const { rows } = await sql<{ event_type: string; data: Record<string, any>; tenant_id: string }>`
    SELECT event_type, data, tenant_id FROM es.events WHERE stream_id = ${`ApiKey-${id}`} ORDER BY stream_version`.execute(db);
  let key: ApiKeyRecord | null = null;
  for (const row of rows) {
    if (row.event_type === 'ApiKeyCreated') {
      key = { id, tenantId: row.tenant_id, roles: row.data.roles, persistedOnly: row.data.persistedOnly, manifests: row.data.manifests ?? null, secretHash: row.data.secretHash, revoked: false };
    } else if (row.event_type === 'ApiKeyRevoked' && key) {
      key.revoked = true;
    }
  }
  return key;
};
