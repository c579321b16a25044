import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Kysely } from 'kysely';
import type { Config } from '../platform/config.js';
import { BadInputError, UnauthenticatedError } from '../platform/errors.js';
import { DEMO_TENANT, type Identity } from '../platform/identity.js';
import { isRole } from '../platform/roles.js';
import { API_KEY_REVOKED_CHANNEL, findApiKey, hashSecret, keyIdOf } from '../platform/api-keys.js';
import type { PgListener } from '../event-store/bus/pg-listener.js';
import { REQUEST_ID_HEADER } from '../platform/http/request-id.js';

export const TENANT_HEADER = 'x-tracseq-tenant';

const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/**
 * A valid key's check is reused this long. Revocations do not wait for it: they are pushed
 * (NOTIFY) to every replica, which forgets the key at once; this only bounds how long a lost
 * notification could matter. Unknown keys are never cached: a new key works on the next request.
 */
const KEY_CACHE_MS = 60_000;

/** Who is calling: the identity forwarded to subgraphs, plus what the gateway itself enforces. */
export type Caller = Omit<Identity, 'expiresAt'> & {
  /** An API key that may only run persisted (manifest) operations. */
  persistedOnly: boolean;
  /** Rate-limit bucket: one per user or API key. */
  rateKey: string;
  /** The persisted-query manifests an API key may run operations from; null: any. */
  manifests: string[] | null;
};

type Headers = { get(name: string): string | undefined | null };

/**
 * Establishes the caller from `Authorization: Bearer <JWT>` (HS256 with JWT_SECRET, or RS256/ES256
 * against JWKS_URL; claims sub, tenant, roles; issuer and audience checked) or `x-api-key` (a
 * partner key, checked against its stored hash). In development, a request with neither acts as an
 * admin of tenant `demo`, or of `x-tracseq-tenant` (for tests); elsewhere it is UNAUTHENTICATED.
 * WebSocket connections pass the same names in connection_init's payload.
 */
export const useIdentity = (config: Config, db: Kysely<any> | null, listener: PgListener | null) => {
  const key: Uint8Array | JWTVerifyGetKey | null = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl))
    : config.jwtSecret
      ? new TextEncoder().encode(config.jwtSecret)
      : null;
  const keys = new Map<string, { keyId: string; caller: Caller; until: number }>();
  const forget = (keyId: string) => {
    for (const [secret, entry] of keys) if (entry.keyId === keyId) keys.delete(secret);
  };
  if (listener) {
    listener.on(API_KEY_REVOKED_CHANNEL, forget);
    // Notifications sent while the connection was down are lost: forget every key instead.
    listener.on('reconnect', () => keys.clear());
  }

  const fromToken = async (token: string, requestId: string): Promise<Caller> => {
    if (!key) throw new UnauthenticatedError('bearer tokens are not configured (JWT_SECRET or JWKS_URL)');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, key as Uint8Array, {
        issuer: config.jwtIssuer,
        audience: config.jwtAudience,
        algorithms: config.jwksUrl ? ['RS256', 'ES256'] : ['HS256'],
      }));
    } catch (error) {
      throw new UnauthenticatedError(`invalid token: ${(error as Error).message}`);
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string' && isRole(r)) : [];
    if (typeof payload.sub !== 'string' || typeof payload.tenant !== 'string' || !TENANT.test(payload.tenant)) {
      throw new UnauthenticatedError('token must carry sub and tenant claims');
    }
    return { tenantId: payload.tenant, subject: payload.sub, roles, requestId, persistedOnly: false, rateKey: `user:${payload.tenant}/${payload.sub}`, manifests: null };
  };

  const fromApiKey = async (secret: string, requestId: string): Promise<Caller> => {
    const keyId = keyIdOf(secret);
    if (!keyId || !db) throw new UnauthenticatedError('invalid API key');
    const now = Date.now();
    let cached = keys.get(secret);
    if (!cached || cached.until < now) {
      keys.delete(secret);
      const key = await findApiKey(db, keyId);
      const valid = key && !key.revoked && timingSafeEqual(Buffer.from(key.secretHash), Buffer.from(hashSecret(secret)));
      if (!valid) throw new UnauthenticatedError('invalid or revoked API key');
      cached = {
        keyId,
        caller: { tenantId: key.tenantId, subject: `apikey:${key.id}`, roles: key.roles, requestId: '', persistedOnly: key.persistedOnly, rateKey: `key:${key.id}`, manifests: key.manifests },
        until: now + KEY_CACHE_MS,
      };
      if (keys.size > 10_000) keys.clear();
      keys.set(secret, cached);
    }
    return { ...cached.caller, requestId };
  };

  return async (headers: Headers): Promise<Caller> => {
    const requestId = headers.get(REQUEST_ID_HEADER) ?? randomUUID();
    const authorization = headers.get('authorization');
    if (authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match) throw new UnauthenticatedError('Authorization must be "Bearer <token>"');
      return fromToken(match[1]!, requestId);
    }
    const apiKey = headers.get('x-api-key');
    if (apiKey) return fromApiKey(apiKey, requestId);
    if (!config.isDevelopment) throw new UnauthenticatedError('credentials required: Authorization: Bearer <token> or x-api-key');
    const tenant = headers.get(TENANT_HEADER) ?? DEMO_TENANT;
    if (!TENANT.test(tenant)) throw new BadInputError(`"${tenant}" is not a tenant id`);
    return { tenantId: tenant, subject: 'dev-admin', roles: ['admin'], requestId, persistedOnly: false, rateKey: `dev:${tenant}`, manifests: null };
  };
};
