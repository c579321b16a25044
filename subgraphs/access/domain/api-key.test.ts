import { describe, it } from 'vitest';
import { given } from '../../../event-store/testing/decider-spec.js';
import { hashSecret } from '../../../platform/api-keys.js';
import { BadInputError, ConflictError, NotFoundError } from '../../../platform/errors.js';
import type { ApiKeyCreated, ApiKeyRevoked } from '../events.js';
import { apiKeyDecider, type CreateApiKey } from './api-key.js';

const KEY = '00000000-0000-4000-8000-0000000000d1';
const create = (input: Partial<CreateApiKey['data']> = {}): CreateApiKey => ({ type: 'CreateApiKey', data: { keyId: KEY, secret: 'tsq_secret', name: ' Bridge ', roles: ['viewer', 'viewer'], ...input } });
const created: ApiKeyCreated = { type: 'ApiKeyCreated', data: { keyId: KEY, name: 'Bridge', roles: ['viewer'], persistedOnly: true, manifests: null, secretHash: hashSecret('tsq_secret') } };
const revoked: ApiKeyRevoked = { type: 'ApiKeyRevoked', data: { keyId: KEY } };
const revoke = { type: 'RevokeApiKey', data: { keyId: KEY } } as const;

describe('API keys', () => {
  it('creates a key recording only the secret hash, persisted-only by default', () => {
    given(apiKeyDecider).when(create()).then([created]);
    given(apiKeyDecider).when(create({ persistedOnly: false, manifests: ['web', 'web', 'ops'] })).then([{ ...created, data: { ...created.data, persistedOnly: false, manifests: ['web', 'ops'] } }]);
  });
  it('refuses a bad name, no or unknown roles, bad manifest names, and a key that exists', () => {
    given(apiKeyDecider).when(create({ name: '  ' })).thenThrows(BadInputError, /name must be/);
    given(apiKeyDecider).when(create({ roles: [] })).thenThrows(BadInputError, /roles must be/);
    given(apiKeyDecider).when(create({ roles: ['root'] })).thenThrows(BadInputError, /roles must be/);
    given(apiKeyDecider).when(create({ manifests: ['../secrets'] })).thenThrows(BadInputError, /manifests must be/);
    given(apiKeyDecider, [created]).when(create()).thenThrows(ConflictError, /already exists/);
  });
  it('revokes an active key once', () => {
    given(apiKeyDecider, [created]).when(revoke).then([revoked]);
    given(apiKeyDecider, [created, revoked]).when(revoke).thenThrows(ConflictError, /already revoked/);
    given(apiKeyDecider).when(revoke).thenThrows(NotFoundError, `API key ${KEY} not found`);
  });
});
