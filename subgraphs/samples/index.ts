import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { bindPolicy } from '../../event-store/projection.js';
import type { Runtime } from '../../platform/runtime.js';
import type { SubgraphDefinition } from '../../platform/subgraph-server.js';
import { statusFromLabWork } from './policies/status-from-lab-work.js';
import { createSampleLoaders, sampleLookups } from './read-model/loaders.js';
import { SampleQueries } from './read-model/queries.js';
import { samplesProjection } from './read-model/samples-projection.js';
import { samplesReadModelMigrations } from './read-model/schema.js';
import { samplesResolvers, type SamplesContext } from './resolvers.js';

export const samplesTypeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));
export const samplesMigrations = [samplesReadModelMigrations];
export const samplesProjections = [samplesProjection];

export const samplesSubgraph = (runtime: Runtime): SubgraphDefinition<SamplesContext> => {
  const queries = new SampleQueries(runtime.subgraphDb('samples'));
  const lookups = sampleLookups(queries);
  return {
    name: 'samples',
    typeDefs: samplesTypeDefs,
    resolvers: samplesResolvers({ commands: runtime.commands, queries, feed: runtime.liveFeed }),
    migrations: samplesMigrations,
    projections: samplesProjections,
    policies: [bindPolicy(statusFromLabWork(runtime.logger), runtime.commands)],
    context: (base) => ({ ...base, samples: createSampleLoaders(queries, lookups, base.tenantId) }),
  };
};
