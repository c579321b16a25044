import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../platform/errors.js';
import { pluginHooks, type Caller, type GatewayPlugin, type Transport } from './plugin.js';
import { useIdentity } from './use-identity.js';
import { useOperationLimits } from './use-operation-limits.js';
import { usePersistedQueries } from './use-persisted-queries.js';
import { useRateLimit } from './use-rate-limit.js';

/**
 * The plugin contract itself, with the real policy plugins over the real API schema and manifests:
 * one onOperation pipeline, so an operation gets the same answer over HTTP and WebSocket.
 */
const schema = buildSchema(readFileSync(new URL('../schema/api.graphql', import.meta.url), 'utf8'));
const manifest = JSON.parse(readFileSync(new URL('../schema/persisted-queries/board.json', import.meta.url), 'utf8')) as { operations: Array<{ id: string; name: string; type: string }> };
const query = manifest.operations.find((operation) => operation.type === 'query')!;
const caller = (overrides: Partial<Caller> = {}): Caller => ({ tenantId: 'demo', subject: 'u', roles: ['admin'], requestId: 'r', persistedOnly: false, rateKey: `user:${Math.random()}`, manifests: null, ...overrides });
const policy = (limits: { perMinute?: number; depth?: number } = {}) =>
  pluginHooks([
    useIdentity({ developmentIdentity: true }),
    usePersistedQueries({ schema }),
    useRateLimit({ perMinute: limits.perMinute }),
    useOperationLimits({ schema, depth: limits.depth }),
  ]);
const codeOf = (run: () => unknown): string | null => {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
};
const TRANSPORTS: Transport[] = ['http-post', 'ws'];

describe('gateway plugins', () => {
  it('need exactly one plugin that identifies callers', () => {
    expect(() => pluginHooks([useRateLimit()])).toThrow(/exactly one gateway plugin must identify callers, got none/);
    expect(() => pluginHooks([useIdentity({}), useIdentity({})])).toThrow(/got identity, identity/);
  });

  it.each(TRANSPORTS)('settle and refuse an operation the same way over %s', async (transport) => {
    const hooks = policy({ perMinute: 2, depth: 2 });
    const byId = hooks.operation(caller(), { extensions: { persistedQuery: { version: 1, sha256Hash: query.id } } }, transport);
    expect(byId).toMatchObject({ manifest: { id: query.id }, operationName: query.name });
    const text = hooks.operation(caller(), { query: '{ samples(first: 1) { totalCount } }' }, transport);
    expect(text.document).toBeDefined();
    expect(codeOf(() => hooks.operation(caller(), { query: '{ samples { edges { node { storage { unit { name } } } } } }' }, transport))).toBe('QUERY_TOO_COMPLEX');
    expect(codeOf(() => hooks.operation(caller({ persistedOnly: true }), { query: '{ samples { totalCount } }' }, transport))).toBe('OPERATION_NOT_ALLOWED');
    const limited = caller();
    for (let i = 0; i < 2; i++) hooks.operation(limited, { query: '{ samples { totalCount } }' }, transport);
    expect(codeOf(() => hooks.operation(limited, { query: '{ samples { totalCount } }' }, transport))).toBe('RATE_LIMITED');
    await hooks.close();
  });

  it('tell every plugin of a WebSocket connection, and of its close', () => {
    const seen: string[] = [];
    const watcher: GatewayPlugin = { name: 'watcher', onConnect: ({ caller }) => (seen.push(`open ${caller.subject}`), () => seen.push(`closed ${caller.subject}`)) };
    const hooks = pluginHooks([useIdentity({ developmentIdentity: true }), watcher]);
    const socket = new EventEmitter();
    hooks.connected({ caller: caller({ subject: 'apikey:k1' }), socket: socket as never });
    socket.emit('close');
    expect(seen).toEqual(['open apikey:k1', 'closed apikey:k1']);
  });
});
