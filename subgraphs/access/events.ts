import type { Event } from '../../event-store/types.js';

/** `manifests` is absent from keys created before keys were bound to manifests: those may run any. */
export type ApiKeyCreated = Event<'ApiKeyCreated', { keyId: string; name: string; roles: string[]; persistedOnly: boolean; manifests?: string[] | null; secretHash: string }>;
export type ApiKeyRevoked = Event<'ApiKeyRevoked', { keyId: string }>;
export type ApiKeyEvent = ApiKeyCreated | ApiKeyRevoked;

/** Everything the access context publishes. */
export type AccessEvent = ApiKeyEvent;
