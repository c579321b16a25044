import { sql, type Kysely, type Transaction } from 'kysely';
import { batchedWith, projection, type ProjectionHandlers } from '../../../event-store/projection.js';
import type { StoredEvent } from '../../../event-store/types.js';
import { isoOrNull } from '../../../platform/graphql/connection.js';
import { sampleReplica } from '../../../platform/replicas/sample-replica.js';
import { jobDecider, jobExists, type JobState } from '../domain/job.js';
import type { JobEvent, JobStatus, Platform, Priority, QcVerdict, RunMetrics } from '../events.js';
import type { SampleEvent } from '../../samples/events.js';

export const JOBS_PROJECTION = 'sequencing-read-model';
export const sequencingSamples = sampleReplica('sequencing_read');

type Db = Transaction<any> | Kysely<any>;

/**
 * The job row is the decider's own state after the event (folded from the row's current shape),
 * written only when the event is newer than the row: replays change nothing. True when it was written.
 */
const saveJob = async (trx: Db, event: StoredEvent & JobEvent): Promise<boolean> => {
  const jobId = event.data.jobId;
  const current = await loadRow(trx, event.tenantId, jobId);
  if (current && current.version >= event.streamVersion) return false;
  const state = jobDecider.evolve(current?.state ?? jobDecider.initialState(), event);
  if (!jobExists(state)) return false;
  await sql`INSERT INTO sequencing_read.jobs (tenant_id, id, name, platform, priority, status, read_structure, flowcell_type, flowcell_id, metrics, qc_verdict,
      created_at, started_at, completed_at, failure_reason, version)
    VALUES (${event.tenantId}, ${state.id}, ${state.name}, ${state.platform}, ${state.priority}, ${state.status}, ${state.readStructure}, ${state.flowcellType}, ${state.flowcellId},
      ${state.metrics ? JSON.stringify(state.metrics) : null}, ${state.qcVerdict}, ${state.createdAt}, ${state.startedAt}, ${state.completedAt}, ${state.failureReason}, ${event.streamVersion})
    ON CONFLICT (tenant_id, id) DO UPDATE SET status = excluded.status, flowcell_id = excluded.flowcell_id, metrics = excluded.metrics,
      qc_verdict = excluded.qc_verdict, started_at = excluded.started_at, completed_at = excluded.completed_at,
      failure_reason = excluded.failure_reason, version = excluded.version`.execute(trx);
  return true;
};


const jobHandlers: ProjectionHandlers<JobEvent, any> = {
  JobCreated: saveJob,
  JobSampleAdded: async (trx, event) => {
    if (!(await saveJob(trx, event))) return;
    const { jobId, sampleId, lane, i7Index, i5Index } = event.data;
    await sql`INSERT INTO sequencing_read.job_samples (tenant_id, job_id, sample_id, lane, i7_index, i5_index, added_version)
      VALUES (${event.tenantId}, ${jobId}, ${sampleId}, ${lane}, ${i7Index}, ${i5Index}, ${event.streamVersion})
      ON CONFLICT DO NOTHING`.execute(trx);
  },
  JobSampleRemoved: async (trx, event) => {
    if (!(await saveJob(trx, event))) return;
    await sql`DELETE FROM sequencing_read.job_samples WHERE tenant_id = ${event.tenantId} AND job_id = ${event.data.jobId}
      AND sample_id = ${event.data.sampleId}`.execute(trx);
  },
  JobQueued: saveJob,
  JobStarted: saveJob,
  JobPaused: saveJob,
  JobResumed: saveJob,
  RunMetricsRecorded: saveJob,
  JobCompleted: saveJob,
  JobFailed: saveJob,
  JobCancelled: saveJob,
  JobRequeued: saveJob,
};

/** Jobs, their samples, and the replica of the sample facts the write path checks. */
// The samples context's facts this subgraph needs, kept by the shared replica's typed handlers.
const handlers: ProjectionHandlers<JobEvent | SampleEvent, any> = { ...sequencingSamples.handlers, ...jobHandlers };

export const jobsProjection = projection<JobEvent | SampleEvent>(
  JOBS_PROJECTION,
  handlers,
  {
    // The sample replica's rows in two statements per batch; jobs one by one.
    batch: batchedWith(sequencingSamples, handlers),
    async reset(trx) {
      await sql`TRUNCATE sequencing_read.jobs, sequencing_read.job_samples, sequencing_read.sample_replica`.execute(trx);
    },
  },
);

const loadRow = async (trx: Db, tenantId: string, jobId: string): Promise<{ version: number; state: JobState } | null> => {
  const { rows } = await sql<JobRow>`SELECT * FROM sequencing_read.jobs WHERE tenant_id = ${tenantId} AND id = ${jobId}`.execute(trx);
  const row = rows[0];
  if (!row) return null;
  return { version: row.version, state: { ...toJobView(row), samples: [] } };
};

export interface JobRow {
  id: string;
  name: string;
  platform: Platform;
  priority: Priority;
  status: JobStatus;
  read_structure: string | null;
  flowcell_type: string | null;
  flowcell_id: string | null;
  metrics: RunMetrics | null;
  qc_verdict: QcVerdict | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  failure_reason: string | null;
  version: number;
}

export const toJobView = (row: JobRow) => ({
  id: row.id,
  name: row.name,
  platform: row.platform,
  priority: row.priority,
  status: row.status,
  readStructure: row.read_structure,
  flowcellType: row.flowcell_type,
  flowcellId: row.flowcell_id,
  metrics: row.metrics,
  qcVerdict: row.qc_verdict,
  createdAt: isoOrNull(row.created_at)!,
  startedAt: isoOrNull(row.started_at),
  completedAt: isoOrNull(row.completed_at),
  failureReason: row.failure_reason,
});
