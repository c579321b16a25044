import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Kysely } from 'kysely';
import { BadInputError, UnauthenticatedError } from '../platform/errors.js';
import { DEMO_TENANT } from '../platform/identity.js';
import { isRole } from '../platform/roles.js';
import { API_KEY_REVOKED_CHANNEL, findApiKey, hashSecret, keyIdOf } from '../platform/api-keys.js';
import type { PgListener } from '../event-store/bus/pg-listener.js';
import { ERROR_CODES } from '../platform/error-codes.js';
import { REQUEST_ID_HEADER } from '../platform/http/request-id.js';
import type { WebSocket } from 'ws';
import type { Caller, GatewayPlugin, Headers } from './plugin.js';

export const TENANT_HEADER = 'x-tracseq-tenant';

const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/**
 * A valid key's check is reused this long. Revocations do not wait for it: they are pushed
 * (NOTIFY) to every replica, which forgets the key at once; this only bounds how long a lost
 * notification could matter. Unknown keys are never cached: a new key works on the next request.
 */
const KEY_CACHE_MS = 60_000;
/**
 * A verified token's caller is reused this long at most, and never past the token's `exp`: a client
 * sends the same token on every request, and verifying it (WebCrypto HMAC or RSA) cost more than
 * many a request. The bound is for JWKS rotations: a key taken out of the set stops working within it.
 */
const TOKEN_CACHE_MS = 60_000;

export interface IdentityOptions {
  /** HS256 key for people's tokens (JWT_SECRET). Without it and without `jwksUrl`, bearer tokens are refused. */
  jwtSecret?: string;
  /** Verify RS256/ES256 tokens against this key set instead (JWKS_URL). */
  jwksUrl?: string;
  /** Required `iss` claim (JWT_ISSUER). @default 'tracseq' */
  issuer?: string;
  /** Required `aud` claim (JWT_AUDIENCE). @default 'tracseq' */
  audience?: string;
  /**
   * Development and test only: a request without credentials acts as an admin of tenant `demo`,
   * or of `x-tracseq-tenant`. Elsewhere it is UNAUTHENTICATED.
   * @default false
   */
  developmentIdentity?: boolean;
  /** The access read model, for API keys; null: only bearer tokens authenticate. @default null */
  db?: Kysely<any> | null;
  /** Pushed key revocations (NOTIFY), so every replica forgets a revoked key at once. @default null */
  listener?: PgListener | null;
}

/**
 * Establishes the caller from `Authorization: Bearer <JWT>` (HS256 with JWT_SECRET, or RS256/ES256
 * against JWKS_URL; claims sub, tenant, roles; issuer and audience checked; `name` and `auth_time`
 * forwarded for electronic signatures) or `x-api-key` (a
 * partner key, checked against its stored hash). In development, a request with neither acts as an
 * admin of tenant `demo`, or of `x-tracseq-tenant` (for tests); elsewhere it is UNAUTHENTICATED.
 * WebSocket connections pass the same names in connection_init's payload.
 */
export const useIdentity = (options: IdentityOptions): GatewayPlugin => {
  const { jwksUrl, jwtSecret, issuer = 'tracseq', audience = 'tracseq', developmentIdentity = false, db = null, listener = null } = options;
  const key: Uint8Array | JWTVerifyGetKey | null = jwksUrl ? createRemoteJWKSet(new URL(jwksUrl)) : jwtSecret ? new TextEncoder().encode(jwtSecret) : null;
  // A revoked key's live subscriptions end at once, not when the partner next subscribes.
  const socketsByKey = new Map<string, Set<WebSocket>>();
  const keys = new Map<string, { keyId: string; caller: Caller; until: number }>();
  const revoked = (keyId: string) => {
    for (const [secret, entry] of keys) if (entry.keyId === keyId) keys.delete(secret);
    for (const socket of socketsByKey.get(`apikey:${keyId}`) ?? []) socket.close(ERROR_CODES.UNAUTHENTICATED.close, 'API key revoked');
    socketsByKey.delete(`apikey:${keyId}`);
  };
  if (listener) {
    listener.on(API_KEY_REVOKED_CHANNEL, revoked);
    // Notifications sent while the connection was down are lost: forget every key instead.
    listener.on('reconnect', () => keys.clear());
  }

  const tokens = new Map<string, { caller: Caller; until: number }>();
  const fromToken = async (token: string, requestId: string): Promise<Caller> => {
    const now = Date.now();
    const cached = tokens.get(token);
    if (cached && cached.until > now) return { ...cached.caller, requestId };
    const { caller, expiresAt } = await verifiedToken(token, requestId);
    if (tokens.size >= 10_000) tokens.clear();
    tokens.set(token, { caller, until: Math.min(now + TOKEN_CACHE_MS, expiresAt) });
    return { ...caller };
  };

  /** The caller a token names, and until when the token is valid (ms; no `exp`: forever). */
  const verifiedToken = async (token: string, requestId: string): Promise<{ caller: Caller; expiresAt: number }> => {
    if (!key) throw new UnauthenticatedError('bearer tokens are not configured (JWT_SECRET or JWKS_URL)');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, key as Uint8Array, {
        issuer,
        audience,
        algorithms: jwksUrl ? ['RS256', 'ES256'] : ['HS256'],
      }));
    } catch (error) {
      throw new UnauthenticatedError(`invalid token: ${(error as Error).message}`);
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string' && isRole(r)) : [];
    if (typeof payload.sub !== 'string' || typeof payload.tenant !== 'string' || !TENANT.test(payload.tenant)) {
      throw new UnauthenticatedError('token must carry sub and tenant claims');
    }
    // Forwarded for electronic signatures (printed name, fresh authentication); never required to call.
    const name = typeof payload.name === 'string' && payload.name.trim() !== '' ? payload.name.trim() : null;
    const authTime = typeof payload.auth_time === 'number' && Number.isFinite(payload.auth_time) ? payload.auth_time : null;
    return {
      caller: { tenantId: payload.tenant, subject: payload.sub, roles, requestId, persistedOnly: false, rateKey: `user:${payload.tenant}/${payload.sub}`, manifests: null, name, authTime },
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : Number.POSITIVE_INFINITY,
    };
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

  const identify = async (headers: Headers): Promise<Caller> => {
    const requestId = headers.get(REQUEST_ID_HEADER) ?? randomUUID();
    const authorization = headers.get('authorization');
    if (authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match) throw new UnauthenticatedError('Authorization must be "Bearer <token>"');
      return fromToken(match[1]!, requestId);
    }
    const apiKey = headers.get('x-api-key');
    if (apiKey) return fromApiKey(apiKey, requestId);
    if (!developmentIdentity) throw new UnauthenticatedError('credentials required: Authorization: Bearer <token> or x-api-key');
    const tenant = headers.get(TENANT_HEADER) ?? DEMO_TENANT;
    if (!TENANT.test(tenant)) throw new BadInputError(`"${tenant}" is not a tenant id`);
    return { tenantId: tenant, subject: 'dev-admin', roles: ['admin'], requestId, persistedOnly: false, rateKey: `dev:${tenant}`, manifests: null };
  };

  return {
    name: 'identity',
    identify,
    onConnect({ caller, socket }) {
      if (!caller.subject.startsWith('apikey:')) return;
      const sockets = socketsByKey.get(caller.subject) ?? new Set();
      socketsByKey.set(caller.subject, sockets.add(socket));
      return () => {
        sockets.delete(socket);
        if (sockets.size === 0 && socketsByKey.get(caller.subject) === sockets) socketsByKey.delete(caller.subject);
      };
    },
  };
};
