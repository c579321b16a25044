import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { Runtime } from '../../platform/runtime.js';
import type { SubgraphDefinition } from '../../platform/subgraph-server.js';
import { JobCommands } from './commands/job-commands.js';
import { LabCommands } from './commands/lab-commands.js';
import { jobsProjection } from './read-model/jobs-projection.js';
import { labProjection } from './read-model/lab-projection.js';
import { sequencingLabConfig } from './lab-config.js';
import { poolDecider } from './domain/pool.js';
import { runDecider } from './domain/run.js';
import { LabQueries } from './read-model/lab-queries.js';
import { createSequencingLoaders, sequencingLookups } from './read-model/loaders.js';
import { SequencingQueries } from './read-model/queries.js';
import { sequencingReadModelMigrations } from './read-model/schema.js';
import { sequencingResolvers, type SequencingContext } from './resolvers.js';

export const sequencingMigrations = [sequencingReadModelMigrations];

export const sequencingSubgraph = (runtime: Runtime): SubgraphDefinition<SequencingContext> => {
  const db = runtime.subgraphDb('sequencing');
  const queries = new SequencingQueries(db);
  const lab = new LabQueries(db);
  const lookups = sequencingLookups(queries);
  const config = sequencingLabConfig(runtime.config.sequencingLabConfig);
  return {
    name: 'sequencing',
    typeDefs: parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8')),
    resolvers: sequencingResolvers({ queries, commands: new JobCommands(runtime.commands, db, config), lab: new LabCommands(runtime.commands, db, config),
      allKits: (tenantId) => lab.allKits(tenantId),
      config,
      feed: runtime.liveFeed,
      runAt: async (tenantId, runId) => {
        const { state } = await runtime.commands.load(runDecider, runId, tenantId);
        return state.status === 'NONE' ? null : state;
      },
      poolAt: async (tenantId, poolId) => {
        const { state } = await runtime.commands.load(poolDecider, poolId, tenantId);
        return state.status === 'NONE' ? null : state;
      },
    }),
    migrations: sequencingMigrations,
    projections: [jobsProjection, labProjection],
    context: (base) => ({ ...base, sequencing: createSequencingLoaders(queries, lookups, lab, db, base.tenantId) }),
  };
};
