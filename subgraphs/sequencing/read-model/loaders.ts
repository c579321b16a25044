import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import { groupBy, keyBy } from '../../../platform/graphql/batch.js';
import type { SampleFactsRow } from '../../../platform/replicas/sample-replica.js';
import { sequencingSamples } from './jobs-projection.js';
import type { JobSampleRow, JobView, SequencingQueries } from './queries.js';

export const createSequencingLoaders = (queries: SequencingQueries, db: Kysely<any>, tenantId: string) => ({
  job: new DataLoader<string, JobView | null>(async (ids) => keyBy(ids, await queries.jobsByIds(tenantId, ids), (job) => job.id)),
  samplesOfJob: new DataLoader<string, JobSampleRow[]>(async (ids) => groupBy(ids, await queries.samplesOfJobs(tenantId, ids), (row) => row.job_id)),
  jobsOfSample: new DataLoader<string, JobView[]>(async (ids) => groupBy(ids, await queries.jobsOfSamples(tenantId, ids), (row) => row.sampleId)),
  sampleFacts: new DataLoader<string, SampleFactsRow | null>(async (ids) => keyBy(ids, await sequencingSamples.byIds(db, tenantId, ids), (row) => row.id)),
});

export type SequencingLoaders = ReturnType<typeof createSequencingLoaders>;
