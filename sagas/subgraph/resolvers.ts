import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { EventStore } from '../../event-store/event-store.js';
import { BadInputError } from '../../platform/errors.js';
import { groupBy, keyBy } from '../../platform/graphql/batch.js';
import { pageSize } from '../../platform/graphql/connection.js';
import { DateTimeScalar, isUuid, JSONScalar } from '../../platform/graphql/scalars.js';
import { commandContext, type RequestContext } from '../../platform/subgraph-server.js';
import { submitSampleSaga, type SubmitSampleData } from '../definitions/submit-sample.js';
import type { SagaRow, StepRow } from '../orchestrator/saga-schema.js';
import { startSaga } from '../orchestrator/saga-starter.js';
import { checkSubmission } from './submission-checks.js';
import type { SagaQueries } from './saga-queries.js';
import { eventSubscription, type Delivery } from '../../platform/subscriptions/event-subscription.js';
import type { LiveFeed } from '../../platform/subscriptions/live-feed.js';

export const createSagaLoaders = (queries: SagaQueries, tenantId: string) => ({
  saga: new DataLoader<string, SagaRow | null>(async (ids) => keyBy(ids, await queries.byIds(tenantId, ids), (s) => s.id)),
  steps: new DataLoader<string, StepRow[]>(async (ids) => groupBy(ids, await queries.stepsOf(ids), (s) => s.saga_id)),
});

export interface SagasContext extends RequestContext {
  sagas: ReturnType<typeof createSagaLoaders>;
}

type Args<T> = Record<string, unknown> & T;

export const sagasResolvers = (deps: { db: Kysely<any>; store: EventStore; queries: SagaQueries; feed: LiveFeed }): GraphQLResolverMap<SagasContext> => ({
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query: {
    saga: (_: unknown, { id }: Args<{ id: string }>, ctx: SagasContext) => (isUuid(id) ? ctx.sagas.saga.load(id) : null),
    sagas: (_: unknown, args: Args<{ status?: string[]; type?: string; first?: number; after?: string }>, ctx: SagasContext) =>
      deps.queries.list(ctx.tenantId, args, pageSize(args.first), args.after),
  },
  Mutation: {
    submitSample: async (_: unknown, args: Args<{ input: SubmitSampleData['input']; idempotencyKey?: string | null }>, ctx: SagasContext) => {
      const { input } = args;
      // Refused at once with a typed error, no saga started; the unit facts as of the caller's position.
      await ctx.readModelsAt();
      await checkSubmission(deps.db, ctx.tenantId, input);
      return startSaga({ db: deps.db }, submitSampleSaga, commandContext(ctx), { input }, args.idempotencyKey);
    },
  },
  Subscription: {
    sagaUpdated: {
      subscribe: (_: unknown, { id }: Args<{ id: string }>, ctx: SagasContext) => {
        if (!isUuid(id)) throw new BadInputError('id is not a saga id', { field: 'id' });
        return eventSubscription(deps.feed, {
          tenantId: ctx.tenantId,
          accept: (event) => event.streamId === `Saga-${id}`,
          // The saga row as it is now (at least as new as the event): status and every step.
          map: async () => (await deps.queries.byIds(ctx.tenantId, [id]))[0] ?? null,
        });
      },
      resolve: (source: Delivery<unknown>) => source.payload,
    },
  },
  Saga: {
    __resolveReference: (reference: { id: string }, ctx: SagasContext) => (isUuid(reference.id) ? ctx.sagas.saga.load(reference.id) : null),
    startedAt: (saga: SagaRow) => saga.started_at,
    finishedAt: (saga: SagaRow) => saga.finished_at,
    steps: (saga: SagaRow, _: unknown, ctx: SagasContext) => ctx.sagas.steps.load(saga.id),
    sample: (saga: SagaRow) => {
      const sampleId = (saga.data as { sampleId?: string }).sampleId;
      return sampleId ? { __typename: 'Sample', id: sampleId } : null;
    },
  },
  SagaStep: {
    lastError: (step: StepRow) => step.last_error,
    startedAt: (step: StepRow) => step.started_at,
    finishedAt: (step: StepRow) => step.finished_at,
  },
});
