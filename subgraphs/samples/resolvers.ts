import type { CommandHandler } from '../../event-store/command-handler.js';
import { pageSize } from '../../platform/graphql/connection.js';
import { toLabEvent } from '../../platform/graphql/lab-event.js';
import { DateTimeScalar, JSONScalar, canonicalUuid } from '../../platform/graphql/scalars.js';
import { commandContext, type RequestContext } from '../../platform/subgraph-server.js';
import { importSamples } from './commands/import-samples.js';
import { SampleCommands } from './commands/sample-commands.js';
import type { MutationRejectSampleArgs, Resolvers } from './__generated__/resolvers-types.js';
import { BadInputError } from '../../platform/errors.js';
import type { StoredEvent } from '../../event-store/types.js';
import { STATUS_EVENT, type SampleLifecycleEvent, type SampleStatus } from './events.js';
import { sampleLabel } from './sample-label.js';
import { eventSubscription, type Delivery } from '../../platform/subscriptions/event-subscription.js';
import type { LiveFeed } from '../../event-store/bus/live-feed.js';
import type { SampleLoaders } from './read-model/loaders.js';
import type { SampleQueries, SampleView } from './read-model/queries.js';

export interface SamplesContext extends RequestContext {
  samples: SampleLoaders;
}


/** What sampleStatusChanged delivers (its `sample` is resolved from `sampleId`). */
export interface StatusChangeView {
  sampleId: string;
  from: SampleStatus | null;
  to: SampleStatus;
  at: string;
}

/** The events sampleStatusChanged reports: registration and the status moves (not volume taken). */
const LIFECYCLE_EVENTS = new Set<string>(['SampleRegistered', ...Object.values(STATUS_EVENT).filter((type) => type !== null)]);
const isLifecycleEvent = (event: StoredEvent): event is StoredEvent<SampleLifecycleEvent> => LIFECYCLE_EVENTS.has(event.type);

/** A registration arrives in PENDING from nowhere; a move carries where it came from. */
const statusChange = (event: StoredEvent<SampleLifecycleEvent>): StatusChangeView => {
  const { data } = event;
  return 'from' in data ? { sampleId: data.sampleId, from: data.from, to: data.to, at: event.occurredAt } : { sampleId: data.sampleId, from: null, to: 'PENDING', at: event.occurredAt };
};

const MAX_LINEAGE_DEPTH = 25;

const lineageDepth = (depth: number | null | undefined): number => {
  const value = depth ?? 10;
  if (!Number.isInteger(value) || value < 1 || value > MAX_LINEAGE_DEPTH) throw new BadInputError(`depth must be between 1 and ${MAX_LINEAGE_DEPTH}`, { field: 'depth' });
  return value;
};

/** The argument set every status mutation has (only reject and discard make `reason` required). */
type StatusArgs = Omit<MutationRejectSampleArgs, 'reason'> & { reason?: string | null };

export const samplesResolvers = (deps: { commands: CommandHandler; queries: SampleQueries; feed: LiveFeed }): Resolvers<SamplesContext> => {
  const samples = new SampleCommands(deps.commands);
  const transition = (to: SampleStatus) => (_: unknown, args: StatusArgs, ctx: SamplesContext) =>
    samples.changeStatus(commandContext(ctx), args.id, to, { expectedVersion: args.expectedVersion, reason: args.reason, idempotencyKey: args.idempotencyKey ?? undefined });

  return {
    DateTime: DateTimeScalar,
    JSON: JSONScalar,
    Query: {
      sample: (_, { id }, ctx) => {
        const sampleId = canonicalUuid(id);
        return sampleId ? ctx.samples.byId.load(sampleId) : null;
      },
      sampleByBarcode: (_, { barcode }, ctx) => ctx.samples.byBarcode.load(barcode),
      samples: (_, args, ctx) => deps.queries.list(ctx.tenantId, args.filter ?? {}, pageSize(args.first), args.after),
    },
    Mutation: {
      registerSample: (_, args, ctx) => samples.register(commandContext(ctx), args.input, args.idempotencyKey),
      receiveSample: transition('RECEIVED'),
      validateSample: transition('VALIDATED'),
      rejectSample: transition('REJECTED'),
      discardSample: transition('DISCARDED'),
      archiveSample: transition('ARCHIVED'),
      resubmitSample: transition('PENDING'),
      aliquotSample: (_, args, ctx) =>
        samples.derive(commandContext(ctx), 'ALIQUOT', args.input, { expectedVersion: args.expectedVersion, idempotencyKey: args.idempotencyKey }),
      extractSample: (_, args, ctx) =>
        samples.derive(commandContext(ctx), 'EXTRACT', args.input, { expectedVersion: args.expectedVersion, idempotencyKey: args.idempotencyKey }),
      importSamples: (_, { csv }, ctx) => importSamples(samples, commandContext(ctx), csv),
    },
    Subscription: {
      sampleStatusChanged: {
        subscribe: (_, args, ctx) => {
          // A malformed id would match nothing, silently, for as long as the client waits.
          const sampleId = args.sampleId ? canonicalUuid(args.sampleId) : null;
          if (args.sampleId != null && !sampleId) throw new BadInputError(`"${args.sampleId}" is not a sample id`, { field: 'sampleId' });
          return eventSubscription(deps.feed, {
            tenantId: ctx.tenantId,
            accept: (event) => isLifecycleEvent(event) && (!sampleId || event.data.sampleId === sampleId),
            // accept let only lifecycle events through; the guard tells the type checker so.
            map: (event) => (isLifecycleEvent(event) ? statusChange(event) : null),
          });
        },
        resolve: (source: Delivery<StatusChangeView>) => source.payload,
      },
      labEvents: {
        subscribe: (_, args, ctx) =>
          eventSubscription(deps.feed, {
            tenantId: ctx.tenantId,
            accept: (event) => (!args.streamTypes?.length || args.streamTypes.includes(event.streamType)) && (!args.eventTypes?.length || args.eventTypes.includes(event.type)),
            map: toLabEvent,
          }),
        resolve: (source: Delivery<ReturnType<typeof toLabEvent>>) => source.payload,
      },
    },
    SampleStatusChange: {
      // A sample not (yet) in the read model fails the field with GraphQL's non-null error, as always.
      sample: async (change, _, ctx) => (await ctx.samples.byId.load(change.sampleId)) as SampleView,
    },
    SampleLineage: {
      ancestors: (lineage, _, ctx) => ctx.samples.ancestorsOf(lineage.depth).load(lineage.sampleId),
      descendants: (lineage, _, ctx) => ctx.samples.descendantsOf(lineage.depth).load(lineage.sampleId),
    },
    Sample: {
      __resolveReference: (reference, ctx) => {
        const sampleId = canonicalUuid(reference.id);
        return sampleId ? ctx.samples.byId.load(sampleId) : null;
      },
      parent: (sample, _, ctx) => (sample.parentId ? ctx.samples.byId.load(sample.parentId) : null),
      // The first generation of descendants: shares its batch with lineage(depth: 1).
      children: (sample, _, ctx) => ctx.samples.descendantsOf(1).load(sample.id),
      lineage: (sample, args) => ({ sampleId: sample.id, depth: lineageDepth(args.depth) }),
      label: (sample, args) => sampleLabel(sample, args.format ?? 'ZPL', args.symbology ?? 'CODE128'),
    },
  };
};
