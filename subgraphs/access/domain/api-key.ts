import type { Command, Decider } from '../../../event-store/decider.js';
import { BadInputError, ConflictError, NotFoundError } from '../../../platform/errors.js';
import { isRole } from '../../../platform/roles.js';
import { hashSecret, MANIFEST_NAME } from '../../../platform/api-keys.js';
import type { ApiKeyEvent } from '../events.js';

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

/** The secret is minted by the caller (it is shown once); only its hash is recorded. */
export type CreateApiKey = Command<'CreateApiKey', { keyId: string; secret: string; name: string; roles: string[]; persistedOnly?: boolean | null; manifests?: string[] | null }>;
export type RevokeApiKey = Command<'RevokeApiKey', { keyId: string }>;
export type ApiKeyCommand = CreateApiKey | RevokeApiKey;

const create = ({ keyId, secret, ...input }: CreateApiKey['data']): ApiKeyEvent[] => {
  const name = input.name.trim();
  if (!name || name.length > 100) throw new BadInputError('name must be 1–100 characters', { field: 'name' });
  if (input.roles.length === 0 || !input.roles.every(isRole)) throw new BadInputError('roles must be some of viewer, technician, manager, admin', { field: 'roles' });
  const manifests = input.manifests ? [...new Set(input.manifests)] : null;
  if (manifests && (manifests.length === 0 || manifests.length > 50 || !manifests.every((m) => MANIFEST_NAME.test(m)))) {
    throw new BadInputError('manifests must be 1–50 manifest file names without .json (letters, digits, . _ -)', { field: 'manifests' });
  }
  return [{ type: 'ApiKeyCreated', data: { keyId, name, roles: [...new Set(input.roles)], persistedOnly: input.persistedOnly ?? true, manifests, secretHash: hashSecret(secret) } }];
};

const revoke = (state: ApiKeyState, keyId: string): ApiKeyEvent[] => {
  if (state.status === 'NONE') throw new NotFoundError(`API key ${keyId} not found`);
  if (state.status === 'REVOKED') throw new ConflictError('API key is already revoked');
  return [{ type: 'ApiKeyRevoked', data: { keyId: state.id } }];
};

export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyEvent, ApiKeyState> = {
  streamType: 'ApiKey',
  stateSchema: 1,
  initialState: () => ({ status: 'NONE' }),
  decide: (command, state) => {
    switch (command.type) {
      case 'CreateApiKey':
        if (state.status !== 'NONE') throw new ConflictError(`API key ${command.data.keyId} already exists`);
        return create(command.data);
      case 'RevokeApiKey':
        return revoke(state, command.data.keyId);
      default: {
        const unknown: never = command;
        throw new Error(`unknown API key command ${(unknown as Command).type}`);
      }
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'ApiKeyCreated': {
        const { keyId, name, roles, persistedOnly, manifests } = event.data;
        return { status: 'ACTIVE', id: keyId, name, roles, persistedOnly, manifests: manifests ?? null, createdAt: event.occurredAt, revokedAt: null };
      }
      case 'ApiKeyRevoked':
        return state.status === 'NONE' ? state : { ...state, status: 'REVOKED', revokedAt: event.occurredAt };
    }
  },
};
