import DataLoader from 'dataloader';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { groupBy, keyBy } from '../../platform/graphql/batch.js';
import { pageSize } from '../../platform/graphql/connection.js';
import { DateTimeScalar, isUuid } from '../../platform/graphql/scalars.js';
import { commandContext, type RequestContext } from '../../platform/subgraph-server.js';
import type { AlertCommands } from './commands/alert-commands.js';
import { alertDecider, type Alert } from './domain/alert.js';
import { SEVERITIES, type AlertRaised, type Severity } from './domain/events.js';
import { eventSubscription, type Delivery } from '../../platform/subscriptions/event-subscription.js';
import type { LiveFeed } from '../../platform/subscriptions/live-feed.js';
import type { AlertQueries } from './read-model/queries.js';

export const createAlertLoaders = (queries: AlertQueries, tenantId: string) => ({
  alert: new DataLoader<string, Alert | null>(async (ids) => keyBy(ids, await queries.byIds(tenantId, ids), (a) => a.id)),
  alertsOfSample: new DataLoader<string, Alert[]>(async (ids) => groupBy(ids, await queries.ofSamples(tenantId, ids), (a) => a.sampleId!)),
});

export interface NotificationsContext extends RequestContext {
  alerts: ReturnType<typeof createAlertLoaders>;
}

type Args<T> = Record<string, unknown> & T;
const ref = (__typename: string, id: string | null) => (id ? { __typename, id } : null);

export const notificationsResolvers = (deps: { queries: AlertQueries; commands: AlertCommands; feed: LiveFeed }): GraphQLResolverMap<NotificationsContext> => ({
  DateTime: DateTimeScalar,
  Query: {
    alert: (_: unknown, { id }: Args<{ id: string }>, ctx: NotificationsContext) => (isUuid(id) ? ctx.alerts.alert.load(id) : null),
    alerts: (_: unknown, args: Args<{ status?: string[]; minSeverity?: string; first?: number; after?: string }>, ctx: NotificationsContext) =>
      deps.queries.list(ctx.tenantId, args, pageSize(args.first), args.after),
  },
  Mutation: {
    acknowledgeAlert: (_: unknown, a: Args<{ id: string; note?: string }>, ctx: NotificationsContext) => deps.commands.acknowledge(commandContext(ctx), a.id, a.note ?? null),
    resolveAlert: (_: unknown, a: Args<{ id: string; note?: string }>, ctx: NotificationsContext) => deps.commands.resolve(commandContext(ctx), a.id, a.note ?? null),
  },
  Subscription: {
    alertRaised: {
      subscribe: (_: unknown, args: Args<{ minSeverity?: Severity | null }>, ctx: NotificationsContext) =>
        eventSubscription(deps.feed, {
          tenantId: ctx.tenantId,
          accept: (event) => event.type === 'AlertRaised' && SEVERITIES.indexOf((event.data as { severity: Severity }).severity) >= SEVERITIES.indexOf(args.minSeverity ?? 'INFO'),
          // The alert as raised, straight from its event: no read-model lag for the subscriber.
          map: (event) => alertDecider.evolve(alertDecider.initialState(), { ...(event as unknown as AlertRaised), occurredAt: event.occurredAt, streamVersion: event.streamVersion }) as Alert,
        }),
      resolve: (source: Delivery<unknown>) => source.payload,
    },
  },
  Alert: {
    __resolveReference: (reference: { id: string }, ctx: NotificationsContext) => (isUuid(reference.id) ? ctx.alerts.alert.load(reference.id) : null),
    sample: (alert: Alert) => ref('Sample', alert.sampleId),
    storageUnit: (alert: Alert) => ref('StorageUnit', alert.storageUnitId),
    sequencingJob: (alert: Alert) => ref('SequencingJob', alert.sequencingJobId),
  },
  Sample: {
    __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
    alerts: (sample: { id: string }, _: unknown, ctx: NotificationsContext) => ctx.alerts.alertsOfSample.load(sample.id),
  },
});
