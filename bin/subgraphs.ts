import type { MigrationSet } from '../platform/migrations.js';
import type { Runtime } from '../platform/runtime.js';
import type { SubgraphDefinition } from '../platform/subgraph-server.js';
import { notificationsMigrations, notificationsSubgraph } from '../subgraphs/notifications/index.js';
import { samplesMigrations, samplesSubgraph } from '../subgraphs/samples/index.js';
import { sequencingMigrations, sequencingSubgraph } from '../subgraphs/sequencing/index.js';
import { storageMigrations, storageSubgraph } from '../subgraphs/storage/index.js';
import { sagasMigrations, sagasSubgraph } from '../sagas/subgraph/index.js';
import { accessSubgraph } from '../subgraphs/access/index.js';
import { accessMigrations } from '../subgraphs/access/read-model/api-keys.js';

/** Every bounded context this binary can run, in composition order (the names match schema/subgraphs.ts). */
export const SUBGRAPH_MODULES: ReadonlyArray<{ name: string; migrations: readonly MigrationSet[]; create(runtime: Runtime): SubgraphDefinition<any> }> = [
  { name: 'samples', migrations: samplesMigrations, create: samplesSubgraph },
  { name: 'storage', migrations: storageMigrations, create: storageSubgraph },
  { name: 'sequencing', migrations: sequencingMigrations, create: sequencingSubgraph },
  { name: 'notifications', migrations: notificationsMigrations, create: notificationsSubgraph },
  { name: 'sagas', migrations: sagasMigrations, create: sagasSubgraph },
  { name: 'access', migrations: [accessMigrations], create: accessSubgraph },
];

export const ALL_MIGRATIONS = SUBGRAPH_MODULES.flatMap((module) => module.migrations);
