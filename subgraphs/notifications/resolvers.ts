import DataLoader from 'dataloader';
import { groupBy, keyBy } from '../../platform/graphql/batch.js';
import { pageSize } from '../../platform/graphql/connection.js';
import { canonicalUuid, DateTimeScalar } from '../../platform/graphql/scalars.js';
import { commandContext, type RequestContext } from '../../platform/subgraph-server.js';
import type { AlertCommands } from './commands/alert-commands.js';
import { alertDecider, alertExists, type Alert } from './domain/alert.js';
import type { StoredEvent } from '../../event-store/types.js';
import { SEVERITIES, type AlertRaised, type AlertRepeated, type Severity } from './events.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import { coalesce } from '../../platform/graphql/coalesce.js';
import { answeredByPayload, eventSubscription, type Delivery } from '../../platform/subscriptions/event-subscription.js';
import type { LiveFeed } from '../../event-store/bus/live-feed.js';
import type { AlertQueries } from './read-model/queries.js';

/** The alerts of a federated page's samples, looked up once for the process's concurrent requests (see coalesce). */
export const alertLookups = (queries: AlertQueries) => ({
  ofSamples: coalesce((tenantId, ids) => queries.ofSamples(tenantId, ids), (alert) => alert.sampleId!),
});

export const createAlertLoaders = (queries: AlertQueries, lookups: ReturnType<typeof alertLookups>, tenantId: string) => ({
  alert: new DataLoader<string, Alert | null>(async (ids) => keyBy(ids, await queries.byIds(tenantId, ids), (a) => a.id)),
  alertsOfSample: new DataLoader<string, Alert[]>(async (ids) => groupBy(ids, await lookups.ofSamples(tenantId, ids), (a) => a.sampleId!)),
});

export interface NotificationsContext extends RequestContext {
  alerts: ReturnType<typeof createAlertLoaders>;
}

const ref = <T extends string>(__typename: T, id: string | null) => (id ? { __typename, id } : null);
/** Alert fields resolved to `{ __typename, id }` from the alert itself (see Alert below; `sample` also gives the barcode it @provides). */
const ALERT_REFERENCES: ReadonlySet<string> = new Set(['sample', 'storageUnit', 'sequencingJob', 'sequencingRun']);
/** An alert named by its id in any case; null for what is no id. */
const loadAlert = (ctx: NotificationsContext, id: string) => {
  const alertId = canonicalUuid(id);
  return alertId ? ctx.alerts.alert.load(alertId) : null;
};
const isAlertRaised = (event: StoredEvent): event is StoredEvent<AlertRaised> => event.type === 'AlertRaised';
const isAlertRepeated = (event: StoredEvent): event is StoredEvent<AlertRepeated> => event.type === 'AlertRepeated';
const atLeast = (severity: Severity, min: Severity) => SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(min);

export const notificationsResolvers = (deps: { queries: AlertQueries; commands: AlertCommands; feed: LiveFeed }): Resolvers<NotificationsContext> => ({
  DateTime: DateTimeScalar,
  Query: {
    alert: (_, { id }, ctx) => loadAlert(ctx, id),
    alerts: (_, args, ctx) => deps.queries.list(ctx.tenantId, args, pageSize(args.first), args.after),
  },
  Mutation: {
    acknowledgeAlert: (_, a, ctx) => deps.commands.acknowledge(commandContext(ctx), a.id, a.note ?? null),
    resolveAlert: (_, a, ctx) => deps.commands.resolve(commandContext(ctx), a.id, a.note ?? null),
  },
  Subscription: {
    alertRaised: {
      subscribe: (_, args, ctx, info) =>
        eventSubscription(deps.feed, {
          tenantId: ctx.tenantId,
          // The alert comes from its event; only a selection reaching past it (Sample.alerts) reads the read model.
          needsReadModels: !answeredByPayload(info, ALERT_REFERENCES),
          // A repeat is news too (a freezer that recovered and failed again, a second failing lane, an
          // escalation's next level): the same alert again, as the repeat left it. An alert's
          // severity is the highest of its raise and repeats, so a repeat is judged once folded.
          accept: (event) => (isAlertRaised(event) ? atLeast(event.data.severity, args.minSeverity ?? 'INFO') : isAlertRepeated(event)),
          // The alert straight from its events: no read-model lag for the subscriber.
          map: async (event) => {
            const alert = isAlertRaised(event)
              ? alertDecider.evolve(alertDecider.initialState(), { type: event.type, data: event.data, occurredAt: event.occurredAt, streamVersion: event.streamVersion })
              : await deps.commands.asOf(event.tenantId, (event.data as AlertRepeated['data']).alertId, event.position);
            return alert && alertExists(alert) && atLeast(alert.severity, args.minSeverity ?? 'INFO') ? alert : null;
          },
        }),
      resolve: (source: Delivery<Alert>) => source.payload,
    },
  },
  Alert: {
    __resolveReference: (reference, ctx) => loadAlert(ctx, reference.id),
    // The barcode is provided: an alert about a sample the log never registered (a workflow that
    // failed first) has none, and is about no sample, as the samples subgraph would answer.
    sample: (alert) => (alert.sampleId && alert.sampleBarcode ? { __typename: 'Sample' as const, id: alert.sampleId, barcode: alert.sampleBarcode } : null),
    storageUnit: (alert) => ref('StorageUnit', alert.storageUnitId),
    sequencingJob: (alert) => ref('SequencingJob', alert.sequencingJobId),
    sequencingRun: (alert) => ref('SequencingRun', alert.sequencingRunId),
  },
  Sample: {
    __resolveReference: (reference) => ({ id: canonicalUuid(reference.id) ?? reference.id }),
    alerts: (sample, _, ctx) => ctx.alerts.alertsOfSample.load(sample.id!),
  },
});
