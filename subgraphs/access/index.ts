import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { sql } from 'kysely';
import { API_KEY_REVOKED_CHANNEL } from '../../platform/api-keys.js';
import { BadInputError, NotFoundError } from '../../platform/errors.js';
import { DateTimeScalar, isUuid } from '../../platform/graphql/scalars.js';
import type { Runtime } from '../../platform/runtime.js';
import { commandContext, type RequestContext, type SubgraphDefinition } from '../../platform/subgraph-server.js';
import { apiKeyDecider, createApiKey, revokeApiKey, type ApiKey } from './domain/api-key.js';
import { accessMigrations, apiKeysProjection, listApiKeys, type ApiKeyRow } from './read-model/api-keys.js';

const view = (row: ApiKeyRow): ApiKey => ({ id: row.id, name: row.name, roles: row.roles, persistedOnly: row.persisted_only, manifests: row.manifests, createdAt: row.created_at.toISOString(), revokedAt: row.revoked_at?.toISOString() ?? null });

/** Partner access: API keys, created and revoked by admins, stored hashed, scoped to a tenant. */
export const accessSubgraph = (runtime: Runtime): SubgraphDefinition<RequestContext> => {
  const db = runtime.subgraphDb('access');
  return {
    name: 'access',
    typeDefs: parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8')),
    migrations: [accessMigrations],
    projections: [apiKeysProjection],
    requiredRoles: { Query: { apiKeys: 'admin' }, Mutation: { createApiKey: 'admin', revokeApiKey: 'admin' } },
    context: (base) => base,
    resolvers: {
      DateTime: DateTimeScalar,
      Query: {
        apiKeys: async (_: unknown, __: unknown, ctx: RequestContext) => (await listApiKeys(db, ctx.tenantId)).map(view),
      },
      Mutation: {
        createApiKey: async (_: unknown, args: { name: string; roles: string[]; persistedOnly?: boolean | null; manifests?: string[] | null }, ctx: RequestContext) => {
          const keyId = randomUUID();
          const secret = `tsq_${keyId}.${randomBytes(24).toString('base64url')}`;
          const result = await runtime.commands.handle(apiKeyDecider, { id: keyId, context: commandContext(ctx), decide: () => createApiKey(keyId, secret, args) });
          return { apiKey: result.state, secret };
        },
        revokeApiKey: async (_: unknown, { id }: { id: string }, ctx: RequestContext) => {
          if (!isUuid(id)) throw new BadInputError('id is not an API key id', { field: 'id' });
          const result = await runtime.commands.handle(apiKeyDecider, {
            id,
            context: commandContext(ctx),
            decide: (state) => {
              if (state.status === 'NONE') throw new NotFoundError(`API key ${id} not found`);
              return revokeApiKey(state);
            },
          });
          // The key's stream already says revoked (gateways read it there); this tells every gateway
          // replica to drop the key from its cache now.
          await sql`SELECT pg_notify(${API_KEY_REVOKED_CHANNEL}, ${id})`.execute(db);
          return result.state;
        },
      },
    },
  };
};
