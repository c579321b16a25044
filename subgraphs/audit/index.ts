import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { Runtime } from '../../platform/runtime.js';
import type { SubgraphDefinition } from '../../platform/subgraph-server.js';
import { auditProjection } from './read-model/audit-projection.js';
import { auditReadModelMigrations } from './read-model/schema.js';
import { createTrailLoader } from './read-model/trails.js';
import { auditResolvers, type AuditContext } from './resolvers.js';

export const auditMigrations = [auditReadModelMigrations];

/** Audit trails across contexts (Sample.history, SequencingRun.history, exports) and electronic signatures. */
export const auditSubgraph = (runtime: Runtime): SubgraphDefinition<AuditContext> => {
  const db = runtime.subgraphDb('audit');
  return {
    name: 'audit',
    typeDefs: parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8')),
    resolvers: auditResolvers({ store: runtime.store, commands: runtime.commands, maxAuthAgeSeconds: runtime.config.signatureMaxAuthAgeSeconds }),
    migrations: auditMigrations,
    projections: [auditProjection],
    context: (base) => ({ ...base, trails: createTrailLoader(db, runtime.store, base.tenantId) }),
  };
};
