import { pageSize } from '../../platform/graphql/connection.js';
import { canonicalUuid, DateTimeScalar } from '../../platform/graphql/scalars.js';
import { commandContext, type RequestContext } from '../../platform/subgraph-server.js';
import { BadInputError } from '../../platform/errors.js';
import type { JobChange, JobCommands } from './commands/job-commands.js';
import type { LabCommands } from './commands/lab-commands.js';
import { INSTRUMENT_MODELS, instrumentModel } from './domain/instruments.js';
import { libraryLabel } from './domain/library-label.js';
import { runSampleSheet, sampleSheet } from './domain/sample-sheet.js';
import type { JobSample } from './events.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import { poolIndexLevels, type SequencingLabConfig } from './lab-config.js';
import type { StoredEvent } from '../../event-store/types.js';
import { eventSubscription, type Delivery } from '../../platform/subscriptions/event-subscription.js';
import type { LiveFeed } from '../../event-store/bus/live-feed.js';
import type { PoolEvent, RunEvent } from './events.js';
import type { PoolView, RunView } from './read-model/lab-queries.js';
import type { SequencingLoaders } from './read-model/loaders.js';
import type { IndexKitView } from './read-model/lab-queries.js';
import type { JobParent, SequencingQueries } from './read-model/queries.js';

export interface SequencingContext extends RequestContext {
  sequencing: SequencingLoaders;
}

const samplesOf = async (job: JobParent, ctx: SequencingContext): Promise<JobSample[]> =>
  job.samples ??
  (await ctx.sequencing.samplesOfJob.load(job.id)).map((row) => ({ sampleId: row.sample_id, lane: row.lane, i7Index: row.i7_index, i5Index: row.i5_index }));

const RUN_EVENTS: ReadonlySet<string> = new Set<RunEvent['type']>(['RunCreated', 'PoolLoaded', 'LaneQcRecorded', 'RunCompleted']);
const isRunEvent = (event: StoredEvent): event is StoredEvent<RunEvent> => RUN_EVENTS.has(event.type);
/** A pool changes when it is created and when it is loaded onto a lane (its `runs`). */
const poolIdOf = (event: StoredEvent): string | null => {
  if (event.type === ('PoolCreated' satisfies PoolEvent['type'])) return (event as StoredEvent<PoolEvent>).data.poolId;
  if (event.type === ('PoolLoaded' satisfies RunEvent['type'])) return (event as StoredEvent<Extract<RunEvent, { type: 'PoolLoaded' }>>).data.poolId;
  return null;
};

/** A record by an id a client sent, in any case; null for an id that is no UUID. */
const byId = <T>(loader: { load: (id: string) => Promise<T> }, id: string | null | undefined): Promise<T> | null => {
  const canonical = id ? canonicalUuid(id) : null;
  return canonical ? loader.load(canonical) : null;
};

/** A subscription's id filter in the spelling events carry; BAD_USER_INPUT for one that is no id (it would match nothing, silently, for as long as the client waits). */
const filterId = (id: string | null | undefined, what: string): string | null => {
  if (id == null) return null;
  const canonical = canonicalUuid(id);
  if (!canonical) throw new BadInputError(`"${id}" is not a ${what} id`, { field: 'id' });
  return canonical;
};

const found = <T>(value: T | null | Error, what: string): T => {
  if (value instanceof Error) throw value;
  if (value === null) throw new BadInputError(`${what} not found`);
  return value;
};

export const sequencingResolvers = (deps: { queries: SequencingQueries; commands: JobCommands; lab: LabCommands; allKits: (tenantId: string) => Promise<IndexKitView[]>; config: SequencingLabConfig;
  feed: LiveFeed; runAt: (tenantId: string, runId: string) => Promise<RunView | null>; poolAt: (tenantId: string, poolId: string) => Promise<PoolView | null>;
}): Resolvers<SequencingContext> => {
  const change = (ctx: SequencingContext, jobId: string, command: JobChange) => deps.commands.change(commandContext(ctx), jobId, command);

  return {
    DateTime: DateTimeScalar,
    Subscription: {
      runUpdated: {
        subscribe: (_, args, ctx) => {
          const runId = filterId(args.id, 'run');
          return eventSubscription(deps.feed, {
            tenantId: ctx.tenantId,
            accept: (event) => isRunEvent(event) && (!runId || event.data.runId === runId),
            // The run from its own stream, so at least as new as the event.
            map: (event) => (isRunEvent(event) ? deps.runAt(event.tenantId, event.data.runId) : null),
          });
        },
        resolve: (source: Delivery<RunView>) => source.payload,
      },
      poolChanged: {
        subscribe: (_, args, ctx) => {
          const poolId = filterId(args.id, 'pool');
          return eventSubscription(deps.feed, {
            tenantId: ctx.tenantId,
            accept: (event) => poolIdOf(event) !== null && (!poolId || poolIdOf(event) === poolId),
            map: (event) => deps.poolAt(event.tenantId, poolIdOf(event)!),
          });
        },
        resolve: (source: Delivery<PoolView>) => source.payload,
      },
    },
    Query: {
      sequencingJob: (_, { id }, ctx) => byId(ctx.sequencing.job, id),
      sequencingJobs: (_, args, ctx) => deps.queries.list(ctx.tenantId, args, pageSize(args.first), args.after),
      instrumentModels: () => [...INSTRUMENT_MODELS],
      indexKits: (_, __, ctx) => deps.allKits(ctx.tenantId),
      indexKit: (_, { id }, ctx) => byId(ctx.sequencing.kit, id),
      library: (_, { id }, ctx) => byId(ctx.sequencing.library, id),
      pool: (_, { id }, ctx) => byId(ctx.sequencing.pool, id),
      sequencingRun: (_, { id }, ctx) => byId(ctx.sequencing.run, id),
    },
    Mutation: {
      createSequencingJob: (_, { input, idempotencyKey }, ctx) => deps.commands.create(commandContext(ctx), input, idempotencyKey),
      addSampleToJob: async (_, args, ctx) => {
        // The sample's status is the samples context's fact (kept in a replica): read it at the caller's position.
        await ctx.readModelsAt();
        return deps.commands.addSample(commandContext(ctx), args.jobId, args);
      },
      // A sample id in any case is the one the job lists; one that is no id stays as sent (the job has no such sample).
      removeSampleFromJob: (_, { jobId, sampleId }, ctx) => change(ctx, jobId, { type: 'RemoveSample', data: { sampleId: canonicalUuid(sampleId) ?? sampleId } }),
      queueJob: (_, { jobId }, ctx) => change(ctx, jobId, { type: 'QueueJob', data: {} }),
      startJob: async (_, { jobId, flowcellId }, ctx) => {
        // Its samples' statuses are the samples context's facts (kept in a replica): read them at the caller's position.
        await ctx.readModelsAt();
        return deps.commands.start(commandContext(ctx), jobId, flowcellId);
      },
      pauseJob: (_, { jobId }, ctx) => change(ctx, jobId, { type: 'PauseJob', data: {} }),
      resumeJob: (_, { jobId }, ctx) => change(ctx, jobId, { type: 'ResumeJob', data: {} }),
      recordRunMetrics: (_, { jobId, metrics }, ctx) => deps.commands.recordRunMetrics(commandContext(ctx), jobId, metrics),
      // Ending a run releases its samples' claims in the same commit.
      completeJob: (_, { jobId, qcOverrideReason }, ctx) => deps.commands.end(commandContext(ctx), jobId, { type: 'CompleteJob', data: { qcOverrideReason: qcOverrideReason ?? null } }),
      failJob: (_, { jobId, reason }, ctx) => deps.commands.end(commandContext(ctx), jobId, { type: 'FailJob', data: { reason } }),
      cancelJob: (_, { jobId, reason }, ctx) => deps.commands.end(commandContext(ctx), jobId, { type: 'CancelJob', data: { reason: reason ?? null } }),
      requeueJob: (_, { jobId }, ctx) => change(ctx, jobId, { type: 'RequeueJob', data: {} }),
      importIndexKit: (_, { input }, ctx) => deps.lab.importIndexKit(commandContext(ctx), input),
      prepareLibrary: async (_, { input }, ctx) => {
        // The sample's status is the samples context's fact (kept in a replica): read it at the caller's position.
        await ctx.readModelsAt();
        return deps.lab.prepareLibrary(commandContext(ctx), input);
      },
      recordLibraryQc: (_, { libraryId, verdict, note }, ctx) => deps.lab.recordLibraryQc(commandContext(ctx), libraryId, verdict, note ?? null),
      createPool: (_, { input }, ctx) => deps.lab.createPool(commandContext(ctx), input),
      createSequencingRun: (_, { input }, ctx) => deps.lab.createRun(commandContext(ctx), input),
      loadPoolOnLane: (_, { runId, lane, poolId }, ctx) => deps.lab.loadPool(commandContext(ctx), runId, lane, poolId),
      recordLaneQc: (_, { runId, lane, metrics }, ctx) => deps.lab.recordLaneQc(commandContext(ctx), runId, lane, metrics),
      completeSequencingRun: (_, { runId, qcOverrideReason }, ctx) => deps.lab.completeRun(commandContext(ctx), runId, qcOverrideReason ?? null),
    },
    InstrumentModel: {
      code: (model) => model.id,
      i5Orientation: (model) => model.i5InSampleSheet,
      flowcellTypes: (model) => model.flowcells.map((flowcell) => ({ code: flowcell.id, lanes: flowcell.lanes, patterned: flowcell.patterned })),
    },
    IndexKit: {
      __resolveReference: (ref, ctx) => byId(ctx.sequencing.kit, ref.id),
    },
    Library: {
      __resolveReference: (ref, ctx) => byId(ctx.sequencing.library, ref.id),
      sample: (library) => ({ id: library.sampleId }),
      kit: (library, _, ctx) => (library.index.kitId ? ctx.sequencing.kit.load(library.index.kitId) : null),
      indexId: (library) => library.index.indexId,
      i7Index: (library) => library.index.i7,
      i5Index: (library) => library.index.i5,
      pools: (library, _, ctx) => ctx.sequencing.poolsOfLibrary.load(library.id),
      // ZPL is the only format; the argument is there so others can come without changing the field.
      label: (library, { format, symbology }) => libraryLabel(library, symbology, format),
    },
    PoolMember: {
      library: async (member, _, ctx) => found(await ctx.sequencing.library.load(member.libraryId), `library ${member.libraryId}`),
    },
    Pool: {
      __resolveReference: (ref, ctx) => byId(ctx.sequencing.pool, ref.id),
      runs: (pool, _, ctx) => ctx.sequencing.runsOfPool.load(pool.id),
    },
    RunLane: {
      pool: async (lane, _, ctx) => found(await ctx.sequencing.pool.load(lane.poolId), `pool ${lane.poolId}`),
    },
    SequencingRun: {
      __resolveReference: (ref, ctx) => byId(ctx.sequencing.run, ref.id),
      instrument: (run) => found(instrumentModel(run.instrument), `instrument ${run.instrument}`),
      laneCount: (run) => run.lanes,
      flowCellId: (run) => run.minknow?.flowCellId ?? null,
      kit: (run) => run.minknow?.kit ?? null,
      experimentId: (run) => run.minknow?.experimentId ?? null,
      lanes: (run) => run.loaded,
      qcThresholds: (run) => deps.config.qcThresholds(run.instrument, run.flowcellType),
      laneQc: (run) => run.laneQc ?? [],
      qcVerdict: (run) => run.qcVerdict ?? null,
      qcOverrideReason: (run) => run.qcOverrideReason ?? null,
      completedBy: (run) => run.completedBy ?? null,
      completedAt: (run) => run.completedAt ?? null,
      sampleSheet: async (run, _, ctx) => {
        const pools = await Promise.all(run.loaded.map(async ({ lane, poolId }) => ({ lane, pool: found(await ctx.sequencing.pool.load(poolId), `pool ${poolId}`) })));
        const libraries = await ctx.sequencing.library.loadMany(pools.flatMap(({ pool }) => pool.members.map((m) => m.libraryId)));
        const byId = new Map(libraries.flatMap((l) => (l && !(l instanceof Error) ? [[l.id, l] as const] : [])));
        return runSampleSheet(run, pools.map(({ lane, pool }) => ({
          lane,
          poolName: pool.name,
          // The levels loadPoolOnLane judged the lane by, so the sheet and the load agree.
          levels: poolIndexLevels(deps.config, pool),
          // The pool keeps the indexes it was checked with; the library gives its name and kit index id.
          libraries: pool.members.map((m) => ({ barcode: byId.get(m.libraryId)?.barcode ?? m.libraryId, indexId: byId.get(m.libraryId)?.index.indexId ?? null, i7: m.i7, i5: m.i5 })),
        })));
      },
    },
    SequencingJob: {
      __resolveReference: (ref, ctx) => byId(ctx.sequencing.job, ref.id),
      samples: (job, _, ctx) => samplesOf(job, ctx),
      sampleSheet: async (job, _, ctx) => {
        const samples = await samplesOf(job, ctx);
        const facts = await ctx.sequencing.sampleFacts.loadMany(samples.map((s) => s.sampleId));
        const barcodes = new Map(facts.flatMap((f) => (f && !(f instanceof Error) ? [[f.id, f.barcode] as const] : [])));
        return sampleSheet({ ...job, samples }, (id) => barcodes.get(id) ?? id);
      },
    },
    JobSample: {
      sample: (row) => ({ id: row.sampleId }),
    },
    Sample: {
      // A malformed id stays as it is: it matches no job and no library.
      __resolveReference: (ref) => ({ id: canonicalUuid(ref.id) ?? ref.id }),
      sequencingJobs: (sample, _, ctx) => ctx.sequencing.jobsOfSample.load(sample.id),
      libraries: (sample, _, ctx) => ctx.sequencing.librariesOfSample.load(sample.id),
    },
  };
};
