import { readFileSync } from 'node:fs';
import { bindPolicy } from '../../event-store/projection.js';
import { parse } from 'graphql';
import type { Runtime } from '../../platform/runtime.js';
import type { SubgraphDefinition } from '../../platform/subgraph-server.js';
import { AlertCommands } from './commands/alert-commands.js';
import { publishedFacts } from './published-facts.js';
import { alertPolicy } from './policies/alert-policy.js';
import { startEscalation } from './policies/escalation.js';
import { alertResolutionPolicy } from './policies/alert-resolution.js';
import { alertsProjection } from './read-model/alerts-projection.js';
import { AlertQueries } from './read-model/queries.js';
import { notificationsReadModelMigrations } from './read-model/schema.js';
import { alertLookups, createAlertLoaders, notificationsResolvers, type NotificationsContext } from './resolvers.js';

export const notificationsMigrations = [notificationsReadModelMigrations];

export const notificationsSubgraph = (runtime: Runtime): SubgraphDefinition<NotificationsContext> => {
  const db = runtime.subgraphDb('notifications');
  const queries = new AlertQueries(db);
  const facts = publishedFacts(runtime.store);
  const commands = new AlertCommands(runtime.commands, facts);
  const lookups = alertLookups(queries);
  return {
    name: 'notifications',
    typeDefs: parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8')),
    resolvers: notificationsResolvers({ queries, commands, feed: runtime.liveFeed }),
    migrations: notificationsMigrations,
    // The read model is what queries wait on; the policy reacts to other contexts' events.
    projections: [alertsProjection],
    requiredRoles: { Mutation: { resolveAlert: 'manager' } },
    policies: [bindPolicy(alertPolicy(commands, facts.runEvents), runtime.commands), bindPolicy(alertResolutionPolicy(commands), runtime.commands)],
    context: (base) => ({ ...base, alerts: createAlertLoaders(queries, lookups, base.tenantId) }),
    startWorkers: () => startEscalation({ db: runtime.db, alerts: commands, delayMs: runtime.config.alertEscalationMinutes * 60_000, logger: runtime.logger }),
  };
};
