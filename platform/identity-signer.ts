import { signIdentity, type Identity } from './identity.js';

const REUSE_MS = 60_000;

/**
 * Signs forwarded identities, reusing a signature for a minute (it is valid for five): one HMAC per
 * caller per minute instead of per subgraph fetch, and identical requests from one caller stay
 * identical, so the gateway can share them in flight.
 */
export class IdentitySigner {
  private readonly cache = new Map<string, { header: string; until: number }>();

  constructor(private readonly secret: string) {}

  sign(identity: Pick<Identity, 'tenantId' | 'subject' | 'roles' | 'name' | 'authTime'>, now = Date.now()): string {
    // A new sign-in (auth_time) is a new identity: a cached header must not carry the older one.
    const key = `${identity.tenantId}\u0000${identity.subject}\u0000${identity.roles.join(',')}\u0000${identity.name ?? ''}\u0000${identity.authTime ?? ''}`;
    const cached = this.cache.get(key);
    if (cached && cached.until > now) return cached.header;
    if (this.cache.size > 10_000) this.cache.clear();
    const header = signIdentity(this.secret, { tenantId: identity.tenantId, subject: identity.subject, roles: identity.roles, requestId: '', name: identity.name ?? null, authTime: identity.authTime ?? null }, now);
    this.cache.set(key, { header, until: now + REUSE_MS });
    return header;
  }
}
