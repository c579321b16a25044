import { pageSize } from '../../platform/graphql/connection.js';
import { DateTimeScalar, isUuid } from '../../platform/graphql/scalars.js';
import { commandContext, type RequestContext } from '../../platform/subgraph-server.js';
import type { JobChange, JobCommands } from './commands/job-commands.js';
import { sampleSheet } from './domain/sample-sheet.js';
import type { JobSample } from './events.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import type { SequencingLoaders } from './read-model/loaders.js';
import type { JobParent, SequencingQueries } from './read-model/queries.js';

export interface SequencingContext extends RequestContext {
  sequencing: SequencingLoaders;
}

const samplesOf = async (job: JobParent, ctx: SequencingContext): Promise<JobSample[]> =>
  job.samples ??
  (await ctx.sequencing.samplesOfJob.load(job.id)).map((row) => ({ sampleId: row.sample_id, lane: row.lane, i7Index: row.i7_index, i5Index: row.i5_index }));

export const sequencingResolvers = (deps: { queries: SequencingQueries; commands: JobCommands }): Resolvers<SequencingContext> => {
  const change = (ctx: SequencingContext, jobId: string, command: JobChange) => deps.commands.change(commandContext(ctx), jobId, command);

  return {
    DateTime: DateTimeScalar,
    Query: {
      sequencingJob: (_, { id }, ctx) => (isUuid(id) ? ctx.sequencing.job.load(id) : null),
      sequencingJobs: (_, args, ctx) => deps.queries.list(ctx.tenantId, args, pageSize(args.first), args.after),
    },
    Mutation: {
      createSequencingJob: (_, { input, idempotencyKey }, ctx) => deps.commands.create(commandContext(ctx), input, idempotencyKey),
      addSampleToJob: async (_, args, ctx) => {
        // The sample's status is the samples context's fact (kept in a replica): read it at the caller's position.
        await ctx.readModelsAt();
        return deps.commands.addSample(commandContext(ctx), args.jobId, args);
      },
      removeSampleFromJob: (_, { jobId, sampleId }, ctx) => change(ctx, jobId, { type: 'RemoveSample', data: { sampleId } }),
      queueJob: (_, { jobId }, ctx) => change(ctx, jobId, { type: 'QueueJob', data: {} }),
      startJob: (_, { jobId, flowcellId }, ctx) => change(ctx, jobId, { type: 'StartJob', data: { flowcellId } }),
      pauseJob: (_, { jobId }, ctx) => change(ctx, jobId, { type: 'PauseJob', data: {} }),
      resumeJob: (_, { jobId }, ctx) => change(ctx, jobId, { type: 'ResumeJob', data: {} }),
      recordRunMetrics: (_, { jobId, metrics }, ctx) => change(ctx, jobId, { type: 'RecordRunMetrics', data: { metrics } }),
      completeJob: (_, { jobId }, ctx) => change(ctx, jobId, { type: 'CompleteJob', data: {} }),
      failJob: (_, { jobId, reason }, ctx) => change(ctx, jobId, { type: 'FailJob', data: { reason } }),
      cancelJob: (_, { jobId, reason }, ctx) => change(ctx, jobId, { type: 'CancelJob', data: { reason: reason ?? null } }),
      requeueJob: (_, { jobId }, ctx) => change(ctx, jobId, { type: 'RequeueJob', data: {} }),
    },
    SequencingJob: {
      __resolveReference: (ref, ctx) => (ref.id && isUuid(ref.id) ? ctx.sequencing.job.load(ref.id) : null),
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
      __resolveReference: (ref) => ({ id: ref.id }),
      sequencingJobs: (sample, _, ctx) => ctx.sequencing.jobsOfSample.load(sample.id),
    },
  };
};
