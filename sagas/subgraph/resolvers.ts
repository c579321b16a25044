import type { ZoneRules } from '../../platform/lab-rules.js';
import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { EventStore } from '../../event-store/event-store.js';
import { BadInputError, NotFoundError } from '../../platform/errors.js';
import { groupBy, keyBy } from '../../platform/graphql/batch.js';
import { isoOrNull, pageSize } from '../../platform/graphql/connection.js';
import { canonicalUuid, DateTimeScalar, JSONScalar } from '../../platform/graphql/scalars.js';
import { commandContext, type RequestContext } from '../../platform/subgraph-server.js';
import { submitSampleSaga } from '../definitions/submit-sample.js';
import type { SagaStatus } from '../events.js';
import type { SagaRow, StepRow } from '../orchestrator/saga-schema.js';
import { startSaga } from '../orchestrator/saga-starter.js';
import { checkSubmission } from './submission-checks.js';
import type { SagaQueries } from './saga-queries.js';
import { eventSubscription, type Delivery } from '../../platform/subscriptions/event-subscription.js';
import type { LiveFeed } from '../../event-store/bus/live-feed.js';
import type { Resolvers } from './__generated__/resolvers-types.js';

/** The statuses a saga ends in: sagaUpdated completes after the update that reports one. */
const FINISHED: ReadonlySet<string> = new Set<SagaStatus>(['COMPLETED', 'COMPENSATED', 'FAILED', 'TIMED_OUT']);

export const createSagaLoaders = (queries: SagaQueries, tenantId: string) => ({
  saga: new DataLoader<string, SagaRow | null>(async (ids) => keyBy(ids, await queries.byIds(tenantId, ids), (s) => s.id)),
  steps: new DataLoader<string, StepRow[]>(async (ids) => groupBy(ids, await queries.stepsOf(ids), (s) => s.saga_id)),
});

export interface SagasContext extends RequestContext {
  sagas: ReturnType<typeof createSagaLoaders>;
}

export const sagasResolvers = (deps: { db: Kysely<any>; store: EventStore; queries: SagaQueries; feed: LiveFeed; zoneRules?: ZoneRules }): Resolvers<SagasContext> => ({
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query: {
    saga: (_, { id }, ctx) => {
      const sagaId = canonicalUuid(id);
      return sagaId ? ctx.sagas.saga.load(sagaId) : null;
    },
    sagas: (_, args, ctx) => deps.queries.list(ctx.tenantId, args, pageSize(args.first), args.after),
  },
  Mutation: {
    submitSample: async (_, args, ctx) => {
      // The target unit as storage spells it, so the saga's steps name it so too (any case accepted; checkSubmission refuses a non-id).
      const input = args.input.storageUnitId ? { ...args.input, storageUnitId: canonicalUuid(args.input.storageUnitId) ?? args.input.storageUnitId } : args.input;
      // Refused at once with a typed error, no saga started; the unit facts as of the caller's position.
      await ctx.readModelsAt();
      await checkSubmission(deps.db, ctx.tenantId, input, deps.zoneRules);
      return startSaga({ db: deps.db, store: deps.store }, submitSampleSaga, commandContext(ctx), { input }, args.idempotencyKey);
    },
  },
  Subscription: {
    sagaUpdated: {
      subscribe: (_, args, ctx) => {
        const id = canonicalUuid(args.id);
        if (!id) throw new BadInputError('id is not a saga id', { field: 'id' });
        return eventSubscription(deps.feed, {
          tenantId: ctx.tenantId,
          accept: (event) => event.streamId === `Saga-${id}`,
          // The saga row as it is now (at least as new as the event): status and every step. A row
          // already past what the event reports is left to the later event that reports it: one
          // transition can append several events (a step done, the rest skipped, COMPLETED), and
          // each would otherwise deliver the same final row.
          map: async (event) => {
            const saga = (await deps.queries.byIds(ctx.tenantId, [id]))[0] ?? null;
            return saga && saga.status === (event.data as { status?: string }).status ? saga : null;
          },
          // Read once the feed has the subscription: a saga that finishes meanwhile is finished here
          // (and its final events are not delivered again), or its final event is still to come. A
          // finished saga takes no more steps: it is answered with how it ended. Another lab's saga
          // is unknown here, as in saga(id).
          current: async () => {
            const current = await deps.queries.current(ctx.tenantId, id);
            if (!current) throw new NotFoundError(`no saga ${id}`);
            return FINISHED.has(current.saga.status) ? { payload: current.saga, position: current.position } : null;
          },
          last: (saga) => FINISHED.has(saga.status),
        });
      },
      resolve: (source: Delivery<SagaRow>) => source.payload,
    },
  },
  Saga: {
    __resolveReference: (reference, ctx) => {
      const sagaId = canonicalUuid(reference.id);
      return sagaId ? ctx.sagas.saga.load(sagaId) : null;
    },
    startedAt: (saga) => isoOrNull(saga.started_at)!,
    finishedAt: (saga) => isoOrNull(saga.finished_at),
    steps: (saga, _, ctx) => ctx.sagas.steps.load(saga.id),
    sample: (saga) => {
      const { sampleId } = saga.data;
      return typeof sampleId === 'string' && sampleId ? { __typename: 'Sample' as const, id: sampleId } : null;
    },
  },
  SagaStep: {
    lastError: (step) => step.last_error,
    startedAt: (step) => isoOrNull(step.started_at),
    finishedAt: (step) => isoOrNull(step.finished_at),
  },
});
