import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';

/**
 * The production project (TRACSEQ_TEST_MODE=production) starts every test system with
 * NODE_ENV=production and secrets generated for the run, as an operator would; otherwise systems
 * start in test mode (development rules: the demo identity, development secrets).
 */
export const TEST_MODE: 'production' | 'development' = process.env.TRACSEQ_TEST_MODE === 'production' ? 'production' : 'development';

const generated = () => randomBytes(32).toString('base64url');

/** The HS256 key test systems verify people's tokens with, generated per run (never a value in the repo). */
export const TEST_JWT_SECRET = generated();
/** The gateway → subgraph HMAC key of test systems in production mode (tests forging identities sign with it). */
export const TEST_INTERNAL_SECRET = generated();

/** A person's token as an identity provider would issue it (HS256); `name` and `authTime` (auth_time) only when given. */
export const token = (
  claims: { sub?: string; tenant?: string; roles?: string[]; name?: string; authTime?: number },
  options: { secret?: string; audience?: string; expiresIn?: string | number; issuer?: string } = {},
) =>
  new SignJWT({
    tenant: claims.tenant ?? 'lab-a',
    roles: claims.roles ?? ['admin'],
    ...(claims.name !== undefined ? { name: claims.name } : {}),
    ...(claims.authTime !== undefined ? { auth_time: claims.authTime } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub ?? 'ada@lab-a.example')
    .setIssuer(options.issuer ?? 'tracseq')
    .setAudience(options.audience ?? 'tracseq')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));

export const bearer = async (...args: Parameters<typeof token>) => ({ authorization: `Bearer ${await token(...args)}` });
