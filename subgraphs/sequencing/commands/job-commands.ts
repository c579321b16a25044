import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CommandContext, CommandHandler } from '../../../event-store/command-handler.js';
import { BadInputError, NotFoundError } from '../../../platform/errors.js';
import { isUuid } from '../../../platform/graphql/scalars.js';
import type { JobEvent } from '../domain/events.js';
import { addSample, createJob, jobDecider, jobExists, type Job, type JobState } from '../domain/job.js';
import { sequencingSamples } from '../read-model/jobs-projection.js';

export interface JobWrite {
  job: Job;
  position: string;
}

/** The sequencing write path: every mutation is one decision over the job aggregate. */
export class JobCommands {
  constructor(
    private readonly commands: CommandHandler,
    private readonly db: Kysely<any>,
  ) {}

  async create(context: CommandContext, input: Parameters<typeof createJob>[1], idempotencyKey?: string | null): Promise<JobWrite> {
    const jobId = randomUUID();
    const result = await this.commands.handle(jobDecider, { id: jobId, context, idempotencyKey, decide: () => createJob(jobId, input) });
    return { job: result.state as Job, position: result.position };
  }

  async addSample(context: CommandContext, jobId: string, input: { sampleId: string; i7Index: string; i5Index?: string | null; lane?: number | null }): Promise<JobWrite> {
    if (!isUuid(input.sampleId)) throw new BadInputError(`"${input.sampleId}" is not a sample id`, { field: 'sampleId' });
    const [sample] = await sequencingSamples.byIds(this.db, context.tenantId, [input.sampleId]);
    if (!sample) throw new NotFoundError(`sample ${input.sampleId} not found (if it was just created, send its position as x-tracseq-consistent-with)`);
    return this.change(context, jobId, (state) =>
      addSample(state, { sampleId: sample.id, barcode: sample.barcode, status: sample.status, lane: input.lane ?? null, i7Index: input.i7Index, i5Index: input.i5Index ?? null }),
    );
  }

  async change(context: CommandContext, jobId: string, decide: (state: JobState) => JobEvent[]): Promise<JobWrite> {
    if (!isUuid(jobId)) throw new BadInputError(`"${jobId}" is not a job id`, { field: 'jobId' });
    const result = await this.commands.handle(jobDecider, {
      id: jobId,
      context,
      decide: (state) => {
        if (!jobExists(state)) throw new NotFoundError(`sequencing job ${jobId} not found`);
        return decide(state);
      },
    });
    return { job: result.state as Job, position: result.position };
  }
}
