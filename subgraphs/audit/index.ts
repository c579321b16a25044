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
    resolvers: auditResolvers({ commands: runtime.commands, maxAuthAgeSeconds: runtime.config.signatureMaxAuthAgeSeconds }),
    migrations: auditMigrations,
    projections: [auditProjection],
    context: (base) => {
      // An audit trail is read as of now, header or not (a mutation payload's `history` has none):
      // once per request, wait (bounded) until the index holds the newest committed event.
      let caughtUp: Promise<unknown> | null = null;
      const ready = () => (caughtUp ??= runtime.store.latest().then((latest) => (latest ? base.readModelsAt(latest) : true)));
      return { ...base, trails: createTrailLoader(db, runtime.store, base.tenantId, ready) };
    },
  };
};
