import { randomUUID } from 'node:crypto';
import type { CommandContext, CommandHandler } from '../../../event-store/command-handler.js';
import { BadInputError, NotFoundError } from '../../../platform/errors.js';
import { isUuid } from '../../../platform/graphql/scalars.js';
import type { Kysely } from 'kysely';
import { jobDecider, type Job, type JobCommand } from '../domain/job.js';
import type { RunMetrics } from '../events.js';
import type { SequencingLabConfig } from '../lab-config.js';
import { sequencingSamples } from '../read-model/jobs-projection.js';
import type { SequencingQueries } from '../read-model/queries.js';

export interface JobWrite {
  job: Job;
  position: string;
}

type CreateInput = Omit<Extract<JobCommand, { type: 'CreateJob' }>['data'], 'jobId'>;
/** Commands on an existing job that need nothing but their own data. */
export type JobChange = Exclude<JobCommand, { type: 'CreateJob' | 'AddSample' | 'RecordRunMetrics' | 'StartJob' }>;

/** The sequencing write path: every mutation is one command to the job decider. */
export class JobCommands {
  constructor(
    private readonly commands: CommandHandler,
    private readonly db: Kysely<any>,
    private readonly config: SequencingLabConfig,
    private readonly queries: SequencingQueries,
  ) {}

  async create(context: CommandContext, input: CreateInput, idempotencyKey?: string | null): Promise<JobWrite> {
    const jobId = randomUUID();
    const result = await this.commands.execute(jobDecider, jobId, { type: 'CreateJob', data: { jobId, ...input } }, context, { idempotencyKey });
    return { job: result.state as Job, position: result.position };
  }

  async addSample(context: CommandContext, jobId: string, input: { sampleId: string; i7Index: string; i5Index?: string | null; lane?: number | null }): Promise<JobWrite> {
    if (!isUuid(input.sampleId)) throw new BadInputError(`"${input.sampleId}" is not a sample id`, { field: 'sampleId' });
    const [sample] = await sequencingSamples.byIds(this.db, context.tenantId, [input.sampleId]);
    if (!sample) throw new NotFoundError(`sample ${input.sampleId} not found (if it was just created, send its position as x-tracseq-consistent-with)`);
    return this.send(context, jobId, {
      type: 'AddSample',
      data: { sampleId: sample.id, barcode: sample.barcode, status: sample.status, lane: input.lane ?? null, i7Index: input.i7Index, i5Index: input.i5Index ?? null },
    });
  }

  /** Judged by the lab's thresholds for the job's platform and flowcell type, the same rule as a run's lanes. */
  async recordRunMetrics(context: CommandContext, jobId: string, metrics: Partial<RunMetrics>): Promise<JobWrite> {
    if (!isUuid(jobId)) throw new BadInputError(`"${jobId}" is not a job id`, { field: 'jobId' });
    const { state } = await this.commands.load(jobDecider, jobId, context.tenantId);
    if (state.status === 'NONE') throw new NotFoundError('sequencing job not found');
    // The platform and flowcell type never change after creation, so thresholds read here stay right for the decision.
    const thresholds = this.config.qcThresholds(state.platform, state.flowcellType ?? '');
    return this.send(context, jobId, { type: 'RecordRunMetrics', data: { metrics, thresholds } });
  }

  /**
   * Starts a queued job unless one of its samples is on another job's instrument run (RUNNING or
   * PAUSED), as this context's read model has it at the caller's position (the resolver waits for it);
   * the decider keeps only the job's own samples of what the read model lists.
   */
  async start(context: CommandContext, jobId: string, flowcellId: string): Promise<JobWrite> {
    if (!isUuid(jobId)) throw new BadInputError(`"${jobId}" is not a job id`, { field: 'jobId' });
    return this.send(context, jobId, { type: 'StartJob', data: { flowcellId, onOtherRuns: await this.queries.samplesOnOtherRuns(context.tenantId, jobId) } });
  }

  change(context: CommandContext, jobId: string, command: JobChange): Promise<JobWrite> {
    return this.send(context, jobId, command);
  }

  private async send(context: CommandContext, jobId: string, command: JobCommand): Promise<JobWrite> {
    if (!isUuid(jobId)) throw new BadInputError(`"${jobId}" is not a job id`, { field: 'jobId' });
    const result = await this.commands.execute(jobDecider, jobId, command, context);
    return { job: result.state as Job, position: result.position };
  }
}
