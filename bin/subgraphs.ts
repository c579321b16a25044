import type { MigrationSet } from '../event-store/migrations.js';
import type { Runtime } from '../platform/runtime.js';
import type { SubgraphDefinition } from '../platform/subgraph-server.js';
import { SUBGRAPHS, type SubgraphName } from '../schema/subgraphs.js';
import { notificationsMigrations, notificationsSubgraph } from '../subgraphs/notifications/index.js';
import { samplesMigrations, samplesSubgraph } from '../subgraphs/samples/index.js';
import { sequencingMigrations, sequencingSubgraph } from '../subgraphs/sequencing/index.js';
import { storageMigrations, storageSubgraph } from '../subgraphs/storage/index.js';
import { sagasMigrations, sagasSubgraph } from '../sagas/subgraph/index.js';
import { accessSubgraph } from '../subgraphs/access/index.js';
import { accessMigrations } from '../subgraphs/access/read-model/api-keys.js';
import { auditMigrations, auditSubgraph } from '../subgraphs/audit/index.js';

interface SubgraphModule {
  name: SubgraphName;
  migrations: readonly MigrationSet[];
  create(runtime: Runtime): SubgraphDefinition<any>;
}

/** Keyed by the names of schema/subgraphs.ts: a subgraph listed there and not here does not compile. */
const MODULES: Record<SubgraphName, Omit<SubgraphModule, 'name'>> = {
  samples: { migrations: samplesMigrations, create: samplesSubgraph },
  storage: { migrations: storageMigrations, create: storageSubgraph },
  sequencing: { migrations: sequencingMigrations, create: sequencingSubgraph },
  notifications: { migrations: notificationsMigrations, create: notificationsSubgraph },
  sagas: { migrations: sagasMigrations, create: sagasSubgraph },
  access: { migrations: [accessMigrations], create: accessSubgraph },
  audit: { migrations: auditMigrations, create: auditSubgraph },
};

/** Every bounded context this binary can run, in composition order. */
export const SUBGRAPH_MODULES: readonly SubgraphModule[] = SUBGRAPHS.map(({ name }) => ({ name, ...MODULES[name] }));

export const ALL_MIGRATIONS = SUBGRAPH_MODULES.flatMap((module) => module.migrations);
