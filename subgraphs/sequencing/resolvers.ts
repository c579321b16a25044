import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { pageSize } from '../../platform/graphql/connection.js';
import { DateTimeScalar, isUuid } from '../../platform/graphql/scalars.js';
import { commandContext, type RequestContext } from '../../platform/subgraph-server.js';
import type { JobCommands } from './commands/job-commands.js';
import type { JobSample } from './domain/events.js';
import { cancelJob, completeJob, failJob, pauseJob, queueJob, recordRunMetrics, removeSample, requeueJob, resumeJob, startJob, type JobState } from './domain/job.js';
import { sampleSheet } from './domain/sample-sheet.js';
import type { SequencingLoaders } from './read-model/loaders.js';
import type { JobView, SequencingQueries } from './read-model/queries.js';

export interface SequencingContext extends RequestContext {
  sequencing: SequencingLoaders;
}

type Args<T> = Record<string, unknown> & T;
/** Write-side results carry their samples; read-model rows load them. */
type JobParent = JobView & { samples?: JobSample[] };

const samplesOf = async (job: JobParent, ctx: SequencingContext): Promise<JobSample[]> =>
  job.samples ??
  (await ctx.sequencing.samplesOfJob.load(job.id)).map((row) => ({ sampleId: row.sample_id, lane: row.lane, i7Index: row.i7_index, i5Index: row.i5_index }));

export const sequencingResolvers = (deps: { queries: SequencingQueries; commands: JobCommands }): GraphQLResolverMap<SequencingContext> => {
  const change =
    <A extends Record<string, unknown>>(decide: (state: JobState, args: A) => ReturnType<typeof queueJob>) =>
    (_: unknown, args: A & { jobId: string }, ctx: SequencingContext) =>
      deps.commands.change(commandContext(ctx), args.jobId, (state) => decide(state, args));

  return {
    DateTime: DateTimeScalar,
    Query: {
      sequencingJob: (_: unknown, { id }: Args<{ id: string }>, ctx: SequencingContext) => (isUuid(id) ? ctx.sequencing.job.load(id) : null),
      sequencingJobs: (_: unknown, args: Args<{ status?: string[]; platform?: string; first?: number; after?: string }>, ctx: SequencingContext) =>
        deps.queries.list(ctx.tenantId, args, pageSize(args.first), args.after),
    },
    Mutation: {
      createSequencingJob: (_: unknown, args: Args<{ input: any; idempotencyKey?: string }>, ctx: SequencingContext) =>
        deps.commands.create(commandContext(ctx), args.input, args.idempotencyKey),
      addSampleToJob: async (_: unknown, args: Args<{ jobId: string; sampleId: string; i7Index: string; i5Index?: string; lane?: number }>, ctx: SequencingContext) => {
        // The sample's status is the samples context's fact (kept in a replica): read it at the caller's position.
        await ctx.readModelsAt();
        return deps.commands.addSample(commandContext(ctx), args.jobId, args);
      },
      removeSampleFromJob: change<{ sampleId: string }>((state, args) => removeSample(state, args.sampleId)),
      queueJob: change((state) => queueJob(state)),
      startJob: change<{ flowcellId: string }>((state, args) => startJob(state, args.flowcellId)),
      pauseJob: change((state) => pauseJob(state)),
      resumeJob: change((state) => resumeJob(state)),
      recordRunMetrics: change<{ metrics: Record<string, number | null> }>((state, args) => recordRunMetrics(state, args.metrics)),
      completeJob: change((state) => completeJob(state)),
      failJob: change<{ reason: string }>((state, args) => failJob(state, args.reason)),
      cancelJob: change<{ reason?: string | null }>((state, args) => cancelJob(state, args.reason ?? null)),
      requeueJob: change((state) => requeueJob(state)),
    },
    SequencingJob: {
      __resolveReference: (ref: { id: string }, ctx: SequencingContext) => (isUuid(ref.id) ? ctx.sequencing.job.load(ref.id) : null),
      samples: (job: JobParent, _: unknown, ctx: SequencingContext) => samplesOf(job, ctx),
      sampleSheet: async (job: JobParent, _: unknown, ctx: SequencingContext) => {
        const samples = await samplesOf(job, ctx);
        const facts = await ctx.sequencing.sampleFacts.loadMany(samples.map((s) => s.sampleId));
        const barcodes = new Map(facts.flatMap((f) => (f && !(f instanceof Error) ? [[f.id, f.barcode] as const] : [])));
        return sampleSheet({ ...job, samples }, (id) => barcodes.get(id) ?? id);
      },
    },
    JobSample: {
      sample: (row: JobSample) => ({ __typename: 'Sample', id: row.sampleId }),
    },
    Sample: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      sequencingJobs: (sample: { id: string }, _: unknown, ctx: SequencingContext) => ctx.sequencing.jobsOfSample.load(sample.id),
    },
  };
};
