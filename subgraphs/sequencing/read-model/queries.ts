import { sql, type Kysely } from 'kysely';
import { newestFirstPage } from '../../../platform/graphql/keyset-page.js';
import { isUuid } from '../../../platform/graphql/scalars.js';
import type { JobSample } from '../events.js';
import { toJobView, type JobRow } from './jobs-projection.js';

export interface JobSampleRow {
  job_id: string;
  sample_id: string;
  lane: number | null;
  i7_index: string;
  i5_index: string | null;
}

export type JobView = ReturnType<typeof toJobView>;
/** What a SequencingJob resolver receives: write-side results carry their samples; read-model rows load them. */
export type JobParent = JobView & { samples?: JobSample[] };
/** A sample of a job (named apart from the GraphQL type it maps to). */
export type JobSampleView = JobSample;
/** A page of jobs as the list query returns it (totalCount counted only when asked for). */
export type JobConnection = Awaited<ReturnType<SequencingQueries['list']>>;
/** A sample as this subgraph knows it: its id (the samples subgraph owns the rest). */
export type SampleRef = { id: string };

const uuids = (ids: readonly string[]) => ids.filter(isUuid);

export class SequencingQueries {
  constructor(private readonly db: Kysely<any>) {}

  async jobsByIds(tenantId: string, ids: readonly string[]): Promise<JobView[]> {
    const { rows } = await sql<JobRow>`SELECT * FROM sequencing_read.jobs WHERE tenant_id = ${tenantId} AND id = ANY(${uuids(ids)}::uuid[])`.execute(this.db);
    return rows.map(toJobView);
  }

  async samplesOfJobs(tenantId: string, jobIds: readonly string[]): Promise<JobSampleRow[]> {
    const { rows } = await sql<JobSampleRow>`SELECT job_id, sample_id, lane, i7_index, i5_index FROM sequencing_read.job_samples
      WHERE tenant_id = ${tenantId} AND job_id = ANY(${uuids(jobIds)}::uuid[]) ORDER BY added_version`.execute(this.db);
    return rows;
  }

  /** Jobs of many samples at once, newest first. */
  async jobsOfSamples(tenantId: string, sampleIds: readonly string[]): Promise<Array<JobView & { sampleId: string }>> {
    const { rows } = await sql<JobRow & { sample_id: string }>`SELECT j.*, s.sample_id FROM sequencing_read.job_samples s
      JOIN sequencing_read.jobs j ON j.tenant_id = s.tenant_id AND j.id = s.job_id
      WHERE s.tenant_id = ${tenantId} AND s.sample_id = ANY(${uuids(sampleIds)}::uuid[]) ORDER BY j.created_at DESC`.execute(this.db);
    return rows.map((row) => ({ ...toJobView(row), sampleId: row.sample_id }));
  }

  list(tenantId: string, filter: { status?: string[] | null; platform?: string | null }, first: number, after: string | null | undefined) {
    return newestFirstPage<JobRow, JobView>(this.db, {
      connection: 'sequencingJobs',
      table: 'sequencing_read.jobs',
      timeColumn: 'created_at',
      where: sql`tenant_id = ${tenantId}
        AND (${filter.status ?? null}::text[] IS NULL OR status = ANY(${filter.status ?? null}::text[]))
        AND (${filter.platform ?? null}::text IS NULL OR platform = ${filter.platform ?? null})`,
      first,
      after,
      map: toJobView,
    });
  }
}
