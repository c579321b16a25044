import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { Runtime } from '../../platform/runtime.js';
import type { SubgraphDefinition } from '../../platform/subgraph-server.js';
import { bindPolicy } from '../../event-store/projection.js';
import { StorageCommands } from './commands/storage-commands.js';
import { releaseEndedSamples } from './policies/release-ended-samples.js';
import { createStorageLoaders, storageLookups } from './read-model/loaders.js';
import { StorageQueries } from './read-model/queries.js';
import { storageReadModelMigrations } from './read-model/schema.js';
import { storageProjection } from './read-model/storage-projection.js';
import { storageResolvers, type StorageContext } from './resolvers.js';

export const storageMigrations = [storageReadModelMigrations];

export const storageSubgraph = (runtime: Runtime): SubgraphDefinition<StorageContext> => {
  const db = runtime.subgraphDb('storage');
  const queries = new StorageQueries(db);
  const commands = new StorageCommands(runtime.commands, queries, runtime.config.zoneRules);
  const lookups = storageLookups(queries);
  return {
    name: 'storage',
    typeDefs: parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8')),
    resolvers: storageResolvers({ queries, commands }),
    migrations: storageMigrations,
    projections: [storageProjection(runtime.store)],
    policies: [bindPolicy(releaseEndedSamples(commands), runtime.commands)],
    requiredRoles: { Mutation: { createStorageUnit: 'manager' } },
    context: (base) => ({ ...base, storage: createStorageLoaders(queries, lookups, base.tenantId) }),
  };
};
