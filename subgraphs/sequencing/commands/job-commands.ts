import { randomUUID } from 'node:crypto';
import type { CommandContext, CommandHandler } from '../../../event-store/command-handler.js';
import { BadInputError, NotFoundError } from '../../../platform/errors.js';
import { canonicalUuid } from '../../../platform/graphql/scalars.js';
import type { Kysely } from 'kysely';
import { jobDecider, jobExists, type Job, type JobCommand } from '../domain/job.js';
import { jobEnd, jobRunStreams, jobStart, type EndRun, type LoadedJob } from '../domain/sample-run.js';
import type { RunMetrics } from '../events.js';
import type { SequencingLabConfig } from '../lab-config.js';
import { sequencingSamples } from '../read-model/jobs-projection.js';

export interface JobWrite {
  job: Job;
  position: string;
}

type CreateInput = Omit<Extract<JobCommand, { type: 'CreateJob' }>['data'], 'jobId'>;
/** Commands on an existing job that need nothing but their own data and touch only the job. */
export type JobChange = Exclude<JobCommand, { type: 'CreateJob' | 'AddSample' | 'RecordRunMetrics' | 'StartJob' | EndRun['type'] }>;

/** A job id as its stream spells it (a client may send any case); BAD_USER_INPUT when it is no id. */
const jobIdOf = (jobId: string): string => {
  const canonical = canonicalUuid(jobId);
  if (!canonical) throw new BadInputError(`"${jobId}" is not a job id`, { field: 'jobId' });
  return canonical;
};

/** The sequencing write path: every mutation is one decision on a job (starting and ending it also on its samples' run claims). */
export class JobCommands {
  constructor(
    private readonly commands: CommandHandler,
    private readonly db: Kysely<any>,
    private readonly config: SequencingLabConfig,
  ) {}

  async create(context: CommandContext, input: CreateInput, idempotencyKey?: string | null): Promise<JobWrite> {
    const jobId = randomUUID();
    const result = await this.commands.execute(jobDecider, jobId, { type: 'CreateJob', data: { jobId, ...input } }, context, { idempotencyKey });
    return { job: result.state as Job, position: result.position };
  }

  async addSample(context: CommandContext, jobId: string, input: { sampleId: string; i7Index: string; i5Index?: string | null; lane?: number | null }): Promise<JobWrite> {
    const sampleId = canonicalUuid(input.sampleId);
    if (!sampleId) throw new BadInputError(`"${input.sampleId}" is not a sample id`, { field: 'sampleId' });
    const [sample] = await sequencingSamples.byIds(this.db, context.tenantId, [sampleId]);
    if (!sample) throw new NotFoundError(`sample ${input.sampleId} not found (if it was just created, send its position as x-tracseq-consistent-with)`);
    return this.send(context, jobId, {
      type: 'AddSample',
      data: { sampleId: sample.id, barcode: sample.barcode, status: sample.status, lane: input.lane ?? null, i7Index: input.i7Index, i5Index: input.i5Index ?? null, levels: this.config.indexCheck },
    });
  }

  /** Judged by the lab's thresholds for the job's platform and flowcell type, the same rule as a run's lanes. */
  async recordRunMetrics(context: CommandContext, jobId: string, metrics: Partial<RunMetrics>): Promise<JobWrite> {
    const { state } = await this.commands.load(jobDecider, jobIdOf(jobId), context.tenantId);
    if (state.status === 'NONE') throw new NotFoundError('sequencing job not found');
    // The platform and flowcell type never change after creation, so thresholds read here stay right for the decision.
    const thresholds = this.config.qcThresholds(state.platform, state.flowcellType ?? '');
    return this.send(context, jobId, { type: 'RecordRunMetrics', data: { metrics, thresholds } });
  }

  /**
   * Starts a queued job, claiming each of its samples for this run in the same commit (domain/
   * sample-run.ts): refused when another run holds one of them, or when one's status (this context's
   * replica of the samples context's facts, at the caller's position: the resolver waits for it) is
   * not VALIDATED or IN_STORAGE.
   */
  async start(context: CommandContext, jobId: string, flowcellId: string): Promise<JobWrite> {
    const loaded = await this.loadJob(context, jobId);
    const samples = (await sequencingSamples.byIds(this.db, context.tenantId, loaded.sampleIds)).map((row) => ({ sampleId: row.id, barcode: row.barcode, status: row.status }));
    const result = await this.commands.executeAcross(jobStart(loaded), jobRunStreams(loaded), { type: 'StartJob', data: { flowcellId, samples } }, context);
    return { job: result.states.job as Job, position: result.position };
  }

  /** Completes, fails or cancels a job, releasing its samples' claims in the same commit when it was on an instrument. */
  async end(context: CommandContext, jobId: string, command: EndRun): Promise<JobWrite> {
    const read = await this.loadJob(context, jobId);
    // Only a RUNNING or PAUSED job holds claims; if it gets there meanwhile, the decision says so.
    const loaded = read.onInstrument ? read : { ...read, sampleIds: [] };
    const result = await this.commands.executeAcross(jobEnd(loaded), jobRunStreams(loaded), command, context);
    return { job: result.states.job as Job, position: result.position };
  }

  change(context: CommandContext, jobId: string, command: JobChange): Promise<JobWrite> {
    return this.send(context, jobId, command);
  }

  /** The job's samples as its stream has them now: the claims its run decision loads. */
  private async loadJob(context: CommandContext, jobId: string): Promise<LoadedJob & { onInstrument: boolean }> {
    const id = jobIdOf(jobId);
    const { state, version } = await this.commands.load(jobDecider, id, context.tenantId);
    if (!jobExists(state)) throw new NotFoundError('sequencing job not found');
    return { id, version, sampleIds: state.samples.map((s) => s.sampleId), onInstrument: state.status === 'RUNNING' || state.status === 'PAUSED' };
  }

  private async send(context: CommandContext, jobId: string, command: JobCommand): Promise<JobWrite> {
    const result = await this.commands.execute(jobDecider, jobIdOf(jobId), command, context);
    return { job: result.state as Job, position: result.position };
  }
}
