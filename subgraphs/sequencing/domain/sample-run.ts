import { decideAcross, streamIdOf, type AcrossDecider, type Command, type Decider } from '../../../event-store/decider.js';
import { ConcurrencyError, ConflictError } from '../../../platform/errors.js';
import type { SampleRunEvent } from '../events.js';
import { jobDecider, jobExists, type Job, type JobCommand, type JobDecider, type SampleFacts, type SampleOnRun } from './job.js';

/** Which job's run holds a tube (null: none). */
export type SampleRun = { holder: { jobId: string; jobName: string; flowcellId: string } | null };

export type SampleRunCommand =
  | Command<'ClaimSampleRun', { sampleId: string; jobId: string; jobName: string; flowcellId: string }>
  | Command<'ReleaseSampleRun', { sampleId: string; jobId: string }>;

export type SampleRunDecider = Decider<SampleRunCommand, SampleRunEvent, SampleRun>;

/**
 * A tube's claim, one stream per sample (`SampleRun-<sampleId>`): a job's start claims it, the job's
 * end releases it. Two starts sharing a sample both append to its stream at the version they loaded,
 * so only one commits; the other is decided again on the claim the first wrote, and refused.
 */
export const sampleRunDecider: SampleRunDecider = {
  streamType: 'SampleRun',
  stateSchema: 1,
  initialState: () => ({ holder: null }),
  decide: (command, state) => {
    switch (command.type) {
      case 'ClaimSampleRun': {
        const { sampleId, jobId, jobName, flowcellId } = command.data;
        if (state.holder?.jobId === jobId) return [];
        if (state.holder) {
          throw new ConflictError(`sample ${sampleId} is on "${state.holder.jobName}" (flowcell ${state.holder.flowcellId}): a sample is on one run at a time`, {
            reason: 'SAMPLE_ON_ANOTHER_RUN',
            samples: [{ sampleId, jobId: state.holder.jobId }],
          });
        }
        return [{ type: 'SampleRunClaimed', data: { sampleId, jobId, jobName, flowcellId } }];
      }
      case 'ReleaseSampleRun':
        // Only the holder releases; a job that never claimed (started before claims existed) releases nothing.
        return state.holder?.jobId === command.data.jobId ? [{ type: 'SampleRunReleased', data: command.data }] : [];
      default: {
        const unknown: never = command;
        throw new Error(`unknown sample run command ${(unknown as Command).type}`);
      }
    }
  },
  evolve: (_state, event) => {
    switch (event.type) {
      case 'SampleRunClaimed': {
        const { jobId, jobName, flowcellId } = event.data;
        return { holder: { jobId, jobName, flowcellId } };
      }
      case 'SampleRunReleased':
        return { holder: null };
    }
  },
};

/** A job's run and the claims of its samples, named `job` and `sample:<id>` in one decision. */
type ClaimName = `sample:${string}`;
export type JobRunDeciders = { job: JobDecider } & { [name: ClaimName]: SampleRunDecider };
export const claimName = (sampleId: string): ClaimName => `sample:${sampleId}`;

/** The job as the command path read it: the samples whose claims the decision loads. */
export interface LoadedJob {
  id: string;
  version: number;
  sampleIds: readonly string[];
}

/** The stream ids of a job's run decision: the job and one claim per sample. */
export const jobRunStreams = (job: LoadedJob) =>
  ({ job: job.id, ...Object.fromEntries(job.sampleIds.map((id) => [claimName(id), id])) }) as { job: string } & { [name: ClaimName]: string };

const deciders = (job: LoadedJob): JobRunDeciders =>
  ({ job: jobDecider, ...Object.fromEntries(job.sampleIds.map((id) => [claimName(id), sampleRunDecider])) }) as JobRunDeciders;

/**
 * The claims of the job's samples, as loaded. The command path loads them for the samples it read
 * (none for a job off an instrument, on an end); a job's samples change only while PENDING, so a
 * sample without a loaded claim means the job moved on since that read (its samples edited and
 * queued, or it was started): a concurrency conflict, as if the job had been read at its version.
 */
const claimsOf = (job: Job, loaded: LoadedJob, states: Record<string, unknown>, version: number): Array<{ sampleId: string; claim: SampleRun }> =>
  job.samples.map(({ sampleId }) => {
    const claim = states[claimName(sampleId)] as SampleRun | undefined;
    if (!claim) throw new ConcurrencyError(streamIdOf(jobDecider.streamType, job.id), loaded.version, version);
    return { sampleId, claim };
  });

export type StartRun = Command<'StartJob', { flowcellId: string; samples: readonly SampleFacts[] }>;

/**
 * Starting a job claims each of its samples in the commit that records `JobStarted`. The job
 * decider refuses a sample another run holds (SAMPLE_ON_ANOTHER_RUN, from the claims, so two starts
 * at the same instant cannot both pass) or one whose status does not allow a run (SAMPLE_NOT_READY).
 * Jobs started before claims existed hold none: their samples are IN_SEQUENCING, which the status
 * check refuses.
 */
export const jobStart = (loaded: LoadedJob): AcrossDecider<StartRun, JobRunDeciders> =>
  decideAcross(deciders(loaded), (command, states, { now, versions }) => {
    const job = states.job;
    const claims = jobExists(job) && job.status === 'QUEUED' ? claimsOf(job, loaded, states, versions.job) : [];
    const barcode = (sampleId: string) => command.data.samples.find((s) => s.sampleId === sampleId)?.barcode ?? sampleId;
    const onOtherRuns: SampleOnRun[] = claims.flatMap(({ sampleId, claim }) =>
      claim.holder && claim.holder.jobId !== loaded.id ? [{ sampleId, barcode: barcode(sampleId), ...claim.holder }] : [],
    );
    const events = jobDecider.decide({ type: 'StartJob', data: { ...command.data, onOtherRuns } }, job, { now, version: versions.job });
    const started = events.find((event) => event.type === 'JobStarted');
    if (!started || !jobExists(job)) return { job: events };
    const claimed = Object.fromEntries(claims.map(({ sampleId, claim }) => [claimName(sampleId), sampleRunDecider.decide(
      { type: 'ClaimSampleRun', data: { sampleId, jobId: job.id, jobName: job.name, flowcellId: started.data.flowcellId } },
      claim,
      { now, version: versions[claimName(sampleId)]! },
    )]));
    return { job: events, ...claimed };
  });

export type EndRun = Extract<JobCommand, { type: 'CompleteJob' | 'FailJob' | 'CancelJob' }>;

/**
 * Completing, failing or cancelling a job (cancelling only from PAUSED holds claims) releases its
 * samples' claims in the commit that records that end, so a claim never outlives its run.
 */
export const jobEnd = (loaded: LoadedJob): AcrossDecider<EndRun, JobRunDeciders> =>
  decideAcross(deciders(loaded), (command, states, { now, versions }) => {
    const job = states.job;
    // The job refuses first: a claim only matters to an end it allows.
    const events = jobDecider.decide(command, job, { now, version: versions.job });
    const ended = events.some((event) => event.type === 'JobCompleted' || event.type === 'JobFailed' || event.type === 'JobCancelled');
    const onInstrument = jobExists(job) && (job.status === 'RUNNING' || job.status === 'PAUSED');
    if (!ended || !onInstrument) return { job: events };
    const released = Object.fromEntries(claimsOf(job, loaded, states, versions.job).map(({ sampleId, claim }) => [claimName(sampleId), sampleRunDecider.decide(
      { type: 'ReleaseSampleRun', data: { sampleId, jobId: loaded.id } },
      claim,
      { now, version: versions[claimName(sampleId)]! },
    )]));
    return { job: events, ...released };
  });
