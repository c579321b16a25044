import { SignJWT } from 'jose';

export const TEST_JWT_SECRET = 'test-jwt-secret-of-sufficient-length';

/** A person's token as an identity provider would issue it (HS256). */
export const token = (claims: { sub?: string; tenant?: string; roles?: string[] }, options: { secret?: string; audience?: string; expiresIn?: string | number; issuer?: string } = {}) =>
  new SignJWT({ tenant: claims.tenant ?? 'lab-a', roles: claims.roles ?? ['admin'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub ?? 'ada@lab-a.example')
    .setIssuer(options.issuer ?? 'tracseq')
    .setAudience(options.audience ?? 'tracseq')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));

export const bearer = async (...args: Parameters<typeof token>) => ({ authorization: `Bearer ${await token(...args)}` });
