import { UnauthenticatedError } from './errors.js';
import { verifyIdentity, type Identity } from './identity.js';

/** Bounds the memory of verified headers; the gateway reuses one header per caller per minute. */
const MAX_REMEMBERED = 10_000;

/**
 * Verifies forwarded identities, remembering headers already verified: the gateway reuses a
 * signature for a minute (IdentitySigner), so a subgraph sees the same header on every fetch of a
 * caller and pays one HMAC per caller per minute instead of one per request. Only the exact
 * string that was verified is remembered, and its expiry is still checked on every use.
 */
export class IdentityVerifier {
  private readonly verified = new Map<string, Identity>();

  constructor(private readonly secret: string) {}

  verify(header: string | undefined | null, now = Date.now()): Identity {
    const known = header ? this.verified.get(header) : undefined;
    if (known) {
      if (known.expiresAt * 1000 < now) throw new UnauthenticatedError('internal identity expired');
      return known;
    }
    const identity = verifyIdentity(this.secret, header, now);
    if (this.verified.size >= MAX_REMEMBERED) this.verified.clear();
    this.verified.set(header!, identity);
    return identity;
  }
}
