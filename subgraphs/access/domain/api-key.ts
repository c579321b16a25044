import type { LegacyDecider } from '../../../event-store/decider.js';
import type { Event } from '../../../event-store/types.js';
import { BadInputError, ConflictError } from '../../../platform/errors.js';
import { isRole } from '../../../platform/roles.js';
import { hashSecret, MANIFEST_NAME } from '../../../platform/api-keys.js';

/** `manifests` is absent from keys created before keys were bound to manifests: those may run any. */
export type ApiKeyCreated = Event<'ApiKeyCreated', { keyId: string; name: string; roles: string[]; persistedOnly: boolean; manifests?: string[] | null; secretHash: string }>;
export type ApiKeyRevoked = Event<'ApiKeyRevoked', { keyId: string }>;
export type ApiKeyEvent = ApiKeyCreated | ApiKeyRevoked;

export interface ApiKey {
  id: string;
  name: string;
  roles: string[];
  persistedOnly: boolean;
  manifests: string[] | null;
  createdAt: string;
  revokedAt: string | null;
}

export type ApiKeyState = { status: 'NONE' } | (ApiKey & { status: 'ACTIVE' | 'REVOKED' });

export const apiKeyDecider: LegacyDecider<ApiKeyState, ApiKeyEvent> = {
  streamType: 'ApiKey',
  stateSchema: 1,
  initialState: () => ({ status: 'NONE' }),
  evolve: (state, event) => {
    if (event.type === 'ApiKeyCreated') {
      const { keyId, name, roles, persistedOnly, manifests } = event.data;
      return { status: 'ACTIVE', id: keyId, name, roles, persistedOnly, manifests: manifests ?? null, createdAt: event.occurredAt, revokedAt: null };
    }
    return state.status === 'NONE' ? state : { ...state, status: 'REVOKED', revokedAt: event.occurredAt };
  },
};


export const createApiKey = (keyId: string, secret: string, input: { name: string; roles: string[]; persistedOnly?: boolean | null; manifests?: string[] | null }): ApiKeyEvent[] => {
  const name = input.name.trim();
  if (!name || name.length > 100) throw new BadInputError('name must be 1–100 characters', { field: 'name' });
  if (input.roles.length === 0 || !input.roles.every(isRole)) throw new BadInputError('roles must be some of viewer, technician, manager, admin', { field: 'roles' });
  const manifests = input.manifests ? [...new Set(input.manifests)] : null;
  if (manifests && (manifests.length === 0 || manifests.length > 50 || !manifests.every((m) => MANIFEST_NAME.test(m)))) {
    throw new BadInputError('manifests must be 1–50 manifest file names without .json (letters, digits, . _ -)', { field: 'manifests' });
  }
  return [{ type: 'ApiKeyCreated', data: { keyId, name, roles: [...new Set(input.roles)], persistedOnly: input.persistedOnly ?? true, manifests, secretHash: hashSecret(secret) } }];
};

export const revokeApiKey = (state: ApiKeyState): ApiKeyEvent[] => {
  if (state.status === 'NONE') throw new BadInputError('no such API key', { field: 'id' });
  if (state.status === 'REVOKED') throw new ConflictError('API key is already revoked');
  return [{ type: 'ApiKeyRevoked', data: { keyId: state.id } }];
};
