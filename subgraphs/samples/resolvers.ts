import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { CommandHandler } from '../../event-store/command-handler.js';
import type { EventStore } from '../../event-store/event-store.js';
import type { StoredEvent } from '../../event-store/types.js';
import { pageSize } from '../../platform/graphql/connection.js';
import { DateTimeScalar, JSONScalar, isUuid } from '../../platform/graphql/scalars.js';
import { commandContext, type RequestContext } from '../../platform/subgraph-server.js';
import { importSamples } from './commands/import-samples.js';
import { SampleCommands, type RegisterSampleInput } from './commands/sample-commands.js';
import { SAMPLE_STATUS_EVENTS, type SampleStatus } from './events.js';
import { eventSubscription, type Delivery } from '../../platform/subscriptions/event-subscription.js';
import type { LiveFeed } from '../../platform/subscriptions/live-feed.js';
import type { SampleLoaders } from './read-model/loaders.js';
import type { SampleFilter, SampleQueries, SampleView } from './read-model/queries.js';

export interface SamplesContext extends RequestContext {
  samples: SampleLoaders;
}


export const toLabEvent = (event: StoredEvent) => ({
  id: event.eventId,
  type: event.type,
  streamId: event.streamId,
  streamType: event.streamType,
  version: event.streamVersion,
  position: event.position,
  occurredAt: event.occurredAt,
  actor: event.metadata.actor,
  correlationId: event.metadata.correlationId,
  data: event.data,
});

type Args<T> = Record<string, unknown> & T;

export const samplesResolvers = (deps: { store: EventStore; commands: CommandHandler; queries: SampleQueries; feed: LiveFeed }): GraphQLResolverMap<SamplesContext> => {
  const samples = new SampleCommands(deps.commands);
  const transition =
    (to: SampleStatus) =>
    (_: unknown, args: Args<{ id: string; expectedVersion?: number | null; reason?: string | null; idempotencyKey?: string | null }>, ctx: SamplesContext) =>
      samples.changeStatus(commandContext(ctx), args.id, to, { expectedVersion: args.expectedVersion, reason: args.reason, idempotencyKey: args.idempotencyKey ?? undefined });

  return {
    DateTime: DateTimeScalar,
    JSON: JSONScalar,
    Query: {
      sample: (_: unknown, { id }: Args<{ id: string }>, ctx: SamplesContext) => (isUuid(id) ? ctx.samples.byId.load(id) : null),
      sampleByBarcode: (_: unknown, { barcode }: Args<{ barcode: string }>, ctx: SamplesContext) => ctx.samples.byBarcode.load(barcode),
      samples: (_: unknown, args: Args<{ filter?: SampleFilter | null; first?: number | null; after?: string | null }>, ctx: SamplesContext) =>
        deps.queries.list(ctx.tenantId, args.filter ?? {}, pageSize(args.first), args.after),
    },
    Mutation: {
      registerSample: (_: unknown, args: Args<{ input: RegisterSampleInput; idempotencyKey?: string | null }>, ctx: SamplesContext) =>
        samples.register(commandContext(ctx), args.input, args.idempotencyKey),
      receiveSample: transition('RECEIVED'),
      validateSample: transition('VALIDATED'),
      rejectSample: transition('REJECTED'),
      discardSample: transition('DISCARDED'),
      archiveSample: transition('ARCHIVED'),
      resubmitSample: transition('PENDING'),
      importSamples: (_: unknown, { csv }: Args<{ csv: string }>, ctx: SamplesContext) => importSamples(samples, deps.commands, commandContext(ctx), csv),
    },
    Subscription: {
      sampleStatusChanged: {
        subscribe: (_: unknown, args: Args<{ sampleId?: string | null }>, ctx: SamplesContext) =>
          eventSubscription(deps.feed, {
            tenantId: ctx.tenantId,
            accept: (event) => (event.type === 'SampleRegistered' || SAMPLE_STATUS_EVENTS.has(event.type)) && (!args.sampleId || (event.data as { sampleId: string }).sampleId === args.sampleId),
            map: (event) => {
              const data = event.data as { sampleId: string; from?: string; to?: string };
              return { sampleId: data.sampleId, from: data.from ?? null, to: data.to ?? 'PENDING', at: event.occurredAt };
            },
          }),
        resolve: (source: Delivery<unknown>) => source.payload,
      },
      labEvents: {
        subscribe: (_: unknown, args: Args<{ streamTypes?: string[] | null; eventTypes?: string[] | null }>, ctx: SamplesContext) =>
          eventSubscription(deps.feed, {
            tenantId: ctx.tenantId,
            accept: (event) => (!args.streamTypes?.length || args.streamTypes.includes(event.streamType)) && (!args.eventTypes?.length || args.eventTypes.includes(event.type)),
            map: toLabEvent,
          }),
        resolve: (source: Delivery<unknown>) => source.payload,
      },
    },
    SampleStatusChange: {
      sample: (change: { sampleId: string }, _: unknown, ctx: SamplesContext) => ctx.samples.byId.load(change.sampleId),
    },
    Sample: {
      __resolveReference: (reference: { id: string }, ctx: SamplesContext) => (isUuid(reference.id) ? ctx.samples.byId.load(reference.id) : null),
      parent: (sample: SampleView, _: unknown, ctx: SamplesContext) => (sample.parentId ? ctx.samples.byId.load(sample.parentId) : null),
      // The audit trail is the stream itself: the one read that goes to the event store.
      history: async (sample: SampleView, _: unknown, ctx: SamplesContext) =>
        (await deps.store.readStream(`Sample-${sample.id}`, { tenantId: ctx.tenantId })).map(toLabEvent),
    },
  };
};
