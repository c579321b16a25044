import { randomUUID } from 'node:crypto';
import type { HeaderMap } from '@apollo/server';
import { BadInputError, UnauthenticatedError } from '../platform/errors.js';
import { DEMO_TENANT, type Identity } from '../platform/identity.js';

export const TENANT_HEADER = 'x-tracseq-tenant';

const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Establishes who calls the gateway. Until JWT and API keys land, only development mode admits
 * callers: no credentials act as an admin of tenant `demo`, and `x-tracseq-tenant` picks another
 * tenant (for tests). Outside development every request is refused as unauthenticated.
 * @param isDevelopment NODE_ENV is development or test
 */
export const useIdentity =
  (isDevelopment: boolean) =>
  (headers: Pick<HeaderMap, 'get'>): Omit<Identity, 'expiresAt'> => {
    const requestId = headers.get('x-request-id') ?? randomUUID();
    if (!isDevelopment) throw new UnauthenticatedError('credentials required');
    const tenant = headers.get(TENANT_HEADER) ?? DEMO_TENANT;
    if (!TENANT.test(tenant)) throw new BadInputError(`"${tenant}" is not a tenant id`);
    return { tenantId: tenant, subject: 'dev-admin', roles: ['admin'], requestId };
  };
