import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

/**
 * Partner API keys as both sides see them: the access subgraph stores `sha256(secret)`; the gateway
 * finds a key by the id inside the secret (`tsq_<id>.<random>`) and compares hashes.
 */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');
export const keyIdOf = (secret: string): string | null => /^tsq_([0-9a-f-]{36})\.[A-Za-z0-9_-]{20,}$/.exec(secret)?.[1] ?? null;

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  roles: string[];
  persisted_only: boolean;
  secret_hash: string;
  created_at: Date;
  revoked_at: Date | null;
}

/** One key by id, any tenant (the secret decides). */
export const findApiKey = async (db: Kysely<any>, id: string): Promise<ApiKeyRow | null> =>
  (await sql<ApiKeyRow>`SELECT * FROM access_read.api_keys WHERE id = ${id}`.execute(db)).rows[0] ?? null;
