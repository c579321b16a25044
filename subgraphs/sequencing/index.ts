import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { Runtime } from '../../platform/runtime.js';
import type { SubgraphDefinition } from '../../platform/subgraph-server.js';
import { JobCommands } from './commands/job-commands.js';
import { jobsProjection } from './read-model/jobs-projection.js';
import { createSequencingLoaders } from './read-model/loaders.js';
import { SequencingQueries } from './read-model/queries.js';
import { sequencingReadModelMigrations } from './read-model/schema.js';
import { sequencingResolvers, type SequencingContext } from './resolvers.js';

export const sequencingMigrations = [sequencingReadModelMigrations];

export const sequencingSubgraph = (runtime: Runtime): SubgraphDefinition<SequencingContext> => {
  const db = runtime.subgraphDb('sequencing');
  const queries = new SequencingQueries(db);
  return {
    name: 'sequencing',
    typeDefs: parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8')),
    resolvers: sequencingResolvers({ queries, commands: new JobCommands(runtime.commands, db) }),
    migrations: sequencingMigrations,
    projections: [jobsProjection],
    context: (base) => ({ ...base, sequencing: createSequencingLoaders(queries, db, base.tenantId) }),
  };
};
