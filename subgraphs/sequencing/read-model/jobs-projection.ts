import { sql, type Kysely } from 'kysely';
import { isoOrNull } from '../../../platform/graphql/connection.js';
import type { EventConsumer } from '../../../event-store/projection.js';
import type { StoredEvent } from '../../../event-store/types.js';
import { sampleReplica } from '../../../platform/replicas/sample-replica.js';
import { jobDecider, jobExists, type JobState } from '../domain/job.js';
import { JOB_EVENTS, type JobEvent } from '../domain/events.js';
import type { Envelope } from '../../../event-store/decider.js';

export const JOBS_PROJECTION = 'sequencing-read-model';
export const sequencingSamples = sampleReplica('sequencing_read');

/**
 * Jobs and their samples. The job row is the decider's own state after the event (folded from the
 * row's current shape), written only when the event is newer than the row: replays change nothing.
 */
export const jobsProjection: EventConsumer = {
  name: JOBS_PROJECTION,
  handles: new Set([...JOB_EVENTS, ...sequencingSamples.handles]),
  async reset(trx) {
    await sql`TRUNCATE sequencing_read.jobs, sequencing_read.job_samples, sequencing_read.sample_replica`.execute(trx);
  },
  async apply(trx, event) {
    if (sequencingSamples.handles.includes(event.type)) return sequencingSamples.apply(trx, event);
    const jobId = (event.data as { jobId: string }).jobId;
    const current = await loadRow(trx, event.tenantId, jobId);
    if (current && current.version >= event.streamVersion) return;
    const state = jobDecider.evolve(current?.state ?? jobDecider.initialState(), event as unknown as Envelope<JobEvent>);
    if (!jobExists(state)) return;
    await sql`INSERT INTO sequencing_read.jobs (tenant_id, id, name, platform, priority, status, read_structure, flowcell_id, metrics, qc_verdict,
        created_at, started_at, completed_at, failure_reason, version)
      VALUES (${event.tenantId}, ${state.id}, ${state.name}, ${state.platform}, ${state.priority}, ${state.status}, ${state.readStructure}, ${state.flowcellId},
        ${state.metrics ? JSON.stringify(state.metrics) : null}, ${state.qcVerdict}, ${state.createdAt}, ${state.startedAt}, ${state.completedAt}, ${state.failureReason}, ${event.streamVersion})
      ON CONFLICT (tenant_id, id) DO UPDATE SET status = excluded.status, flowcell_id = excluded.flowcell_id, metrics = excluded.metrics,
        qc_verdict = excluded.qc_verdict, started_at = excluded.started_at, completed_at = excluded.completed_at,
        failure_reason = excluded.failure_reason, version = excluded.version`.execute(trx);
    if (event.type === 'JobSampleAdded') {
      const data = (event as StoredEvent).data as { sampleId: string; lane: number | null; i7Index: string; i5Index: string | null };
      await sql`INSERT INTO sequencing_read.job_samples (tenant_id, job_id, sample_id, lane, i7_index, i5_index, added_version)
        VALUES (${event.tenantId}, ${jobId}, ${data.sampleId}, ${data.lane}, ${data.i7Index}, ${data.i5Index}, ${event.streamVersion})
        ON CONFLICT DO NOTHING`.execute(trx);
    }
    if (event.type === 'JobSampleRemoved') {
      await sql`DELETE FROM sequencing_read.job_samples WHERE tenant_id = ${event.tenantId} AND job_id = ${jobId}
        AND sample_id = ${(event.data as { sampleId: string }).sampleId}`.execute(trx);
    }
  },
};

const loadRow = async (trx: Kysely<any>, tenantId: string, jobId: string): Promise<{ version: number; state: JobState } | null> => {
  const { rows } = await sql<JobRow>`SELECT * FROM sequencing_read.jobs WHERE tenant_id = ${tenantId} AND id = ${jobId}`.execute(trx);
  const row = rows[0];
  if (!row) return null;
  return { version: row.version, state: { ...toJobView(row), samples: [] } };
};

export interface JobRow {
  id: string;
  name: string;
  platform: string;
  priority: string;
  status: string;
  read_structure: string | null;
  flowcell_id: string | null;
  metrics: any;
  qc_verdict: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  failure_reason: string | null;
  version: number;
}

const iso = isoOrNull;

export const toJobView = (row: JobRow) => ({
  id: row.id,
  name: row.name,
  platform: row.platform as any,
  priority: row.priority as any,
  status: row.status as any,
  readStructure: row.read_structure,
  flowcellId: row.flowcell_id,
  metrics: row.metrics,
  qcVerdict: row.qc_verdict as any,
  createdAt: iso(row.created_at)!,
  startedAt: iso(row.started_at),
  completedAt: iso(row.completed_at),
  failureReason: row.failure_reason,
});
