import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { sql } from 'kysely';
import type { Runtime } from '../../platform/runtime.js';
import type { SubgraphDefinition } from '../../platform/subgraph-server.js';
import { submitSampleSaga } from '../definitions/submit-sample.js';
import type { SagaDefinition } from '../orchestrator/saga-definition.js';
import { sagaMigrations } from '../orchestrator/saga-schema.js';
import { SagaWorker } from '../orchestrator/saga-worker.js';
import { SagaQueries } from './saga-queries.js';
import { storageUnitsReplica } from './storage-units-replica.js';
import { createSagaLoaders, sagasResolvers, type SagasContext } from './resolvers.js';

export const SAGA_DEFINITIONS: ReadonlyArray<SagaDefinition<any>> = [submitSampleSaga];
export const sagasMigrations = [sagaMigrations];

/** The workflow subgraph: starts and shows sagas; its worker runs them (in the projections role). */
export const sagasSubgraph = (runtime: Runtime): SubgraphDefinition<SagasContext> => {
  const db = runtime.subgraphDb('sagas');
  const queries = new SagaQueries(db);
  return {
    name: 'sagas',
    typeDefs: parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8')),
    resolvers: sagasResolvers({ db, store: runtime.store, queries, feed: runtime.liveFeed, zoneRules: runtime.config.zoneRules }),
    migrations: sagasMigrations,
    projections: [storageUnitsReplica],
    context: (base) => ({ ...base, sagas: createSagaLoaders(queries, base.tenantId) }),
    metrics: async (metrics) => {
      const { rows } = await sql<{ type: string; status: string; n: string }>`SELECT type, status, count(*) AS n FROM sagas.instances GROUP BY type, status`.execute(db);
      metrics.add('tracseq_sagas', 'gauge', 'Sagas by type and status.', rows.map((r) => [{ type: r.type, status: r.status }, Number(r.n)]));
    },
    startWorkers: ({ subgraphUrls }) => {
      if (!runtime.config.sagaWorker) return { stop: async () => undefined };
      const worker = new SagaWorker({
        db: runtime.db,
        store: runtime.store,
        definitions: SAGA_DEFINITIONS,
        subgraphUrls,
        internalSecret: runtime.config.internalSecret,
        logger: runtime.logger,
        listener: runtime.listener,
        leaseMs: runtime.config.sagaLeaseMs,
        concurrency: runtime.config.sagaConcurrency,
      }).start();
      return { stop: () => worker.stop() };
    },
  };
};
