import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { sql } from 'kysely';
import { API_KEY_REVOKED_CHANNEL } from '../../platform/api-keys.js';
import { BadInputError } from '../../platform/errors.js';
import { canonicalUuid, DateTimeScalar } from '../../platform/graphql/scalars.js';
import type { Runtime } from '../../platform/runtime.js';
import { commandContext, type RequestContext, type SubgraphDefinition } from '../../platform/subgraph-server.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import { apiKeyDecider, type ApiKey, type ApiKeyState } from './domain/api-key.js';
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
    resolvers: accessResolvers(runtime, db),
  };
};

const written = (state: ApiKeyState): ApiKey => {
  if (state.status === 'NONE') throw new Error('command produced no API key');
  const { status: _, ...key } = state;
  return key;
};

const accessResolvers = (runtime: Runtime, db: ReturnType<Runtime['subgraphDb']>): Resolvers<RequestContext> => ({
  DateTime: DateTimeScalar,
  Query: {
    apiKeys: async (_, __, ctx) => (await listApiKeys(db, ctx.tenantId)).map(view),
  },
  Mutation: {
    createApiKey: async (_, args, ctx) => {
      const keyId = randomUUID();
      const secret = `tsq_${keyId}.${randomBytes(24).toString('base64url')}`;
      const result = await runtime.commands.execute(apiKeyDecider, keyId, { type: 'CreateApiKey', data: { ...args, keyId, secret } }, commandContext(ctx));
      return { apiKey: written(result.state), secret };
    },
    revokeApiKey: async (_, args, ctx) => {
      // The key's stream and the gateways' caches name it in lower case; an admin may paste it in any.
      const id = canonicalUuid(args.id);
      if (!id) throw new BadInputError('id is not an API key id', { field: 'id' });
      const result = await runtime.commands.execute(apiKeyDecider, id, { type: 'RevokeApiKey', data: { keyId: id } }, commandContext(ctx));
      // The key's stream already says revoked (gateways read it there); this tells every gateway
      // replica to drop the key from its cache now.
      await sql`SELECT pg_notify(${API_KEY_REVOKED_CHANNEL}, ${id})`.execute(db);
      return written(result.state);
    },
  },
});
