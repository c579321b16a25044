import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthenticatedError } from './errors.js';

/** Who is calling, as the gateway established it and subgraphs trust it. */
export interface Identity {
  tenantId: string;
  subject: string;
  roles: string[];
  /** Unix seconds after which a forwarded identity is refused. */
  expiresAt: number;
  requestId: string;
  /** The person's printed name (the token's `name` claim): what an electronic signature shows. Absent for API keys and services. */
  name?: string | null;
  /** When the person last authenticated (the token's `auth_time`, Unix seconds): signatures need a recent one. */
  authTime?: number | null;
}

export const IDENTITY_HEADER = 'x-tracseq-identity';
export const DEMO_TENANT = 'demo';

const IDENTITY_TTL_SECONDS = 300;

const encode = (identity: Identity): string => Buffer.from(JSON.stringify(identity)).toString('base64url');
const mac = (secret: string, payload: string): string => createHmac('sha256', secret).update(payload).digest('base64url');

/** Signed `payload.signature`, sent by the gateway on every subgraph request. */
export const signIdentity = (secret: string, identity: Omit<Identity, 'expiresAt'>, now = Date.now()): string => {
  const payload = encode({ ...identity, expiresAt: Math.floor(now / 1000) + IDENTITY_TTL_SECONDS });
  return `${payload}.${mac(secret, payload)}`;
};

export const verifyIdentity = (secret: string, header: string | undefined | null, now = Date.now()): Identity => {
  if (!header) throw new UnauthenticatedError('missing internal identity');
  const [payload, signature] = header.split('.');
  if (!payload || !signature) throw new UnauthenticatedError('malformed internal identity');
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new UnauthenticatedError('invalid internal identity signature');
  }
  const identity = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Identity;
  if (identity.expiresAt * 1000 < now) throw new UnauthenticatedError('internal identity expired');
  return identity;
};
