import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import { groupBy, keyBy } from '../../../platform/graphql/batch.js';
import { coalesce } from '../../../platform/graphql/coalesce.js';
import type { SampleFactsRow } from '../../../platform/replicas/sample-replica.js';
import { sequencingSamples } from './jobs-projection.js';
import type { IndexKitView, LabQueries, LibraryView, PoolView, RunView } from './lab-queries.js';
import type { JobSampleRow, JobView, SequencingQueries } from './queries.js';

/** The jobs of a federated page's samples, looked up once for the process's concurrent requests (see coalesce). */
export const sequencingLookups = (queries: SequencingQueries) => ({
  jobsOfSamples: coalesce((tenantId, ids) => queries.jobsOfSamples(tenantId, ids), (row) => row.sampleId),
});

export const createSequencingLoaders = (queries: SequencingQueries, lookups: ReturnType<typeof sequencingLookups>, lab: LabQueries, db: Kysely<any>, tenantId: string) => ({
  kit: new DataLoader<string, IndexKitView | null>(async (ids) => keyBy(ids, await lab.kits(tenantId, ids), (kit) => kit.id)),
  library: new DataLoader<string, LibraryView | null>(async (ids) => keyBy(ids, await lab.libraries(tenantId, ids), (library) => library.id)),
  pool: new DataLoader<string, PoolView | null>(async (ids) => keyBy(ids, await lab.pools(tenantId, ids), (pool) => pool.id)),
  run: new DataLoader<string, RunView | null>(async (ids) => keyBy(ids, await lab.runs(tenantId, ids), (run) => run.id)),
  librariesOfSample: new DataLoader<string, LibraryView[]>(async (ids) => groupBy(ids, await lab.librariesOfSamples(tenantId, ids), (library) => library.sampleId)),
  poolsOfLibrary: new DataLoader<string, PoolView[]>(async (ids) => {
    const rows = await lab.poolsOfLibraries(tenantId, ids);
    return ids.map((id) => rows.filter((row) => row.libraryId === id).map((row) => row.pool));
  }),
  runsOfPool: new DataLoader<string, RunView[]>(async (ids) => {
    const rows = await lab.runsOfPools(tenantId, ids);
    return ids.map((id) => rows.filter((row) => row.poolId === id).map((row) => row.run));
  }),
  job: new DataLoader<string, JobView | null>(async (ids) => keyBy(ids, await queries.jobsByIds(tenantId, ids), (job) => job.id)),
  samplesOfJob: new DataLoader<string, JobSampleRow[]>(async (ids) => groupBy(ids, await queries.samplesOfJobs(tenantId, ids), (row) => row.job_id)),
  jobsOfSample: new DataLoader<string, JobView[]>(async (ids) => groupBy(ids, await lookups.jobsOfSamples(tenantId, ids), (row) => row.sampleId)),
  sampleFacts: new DataLoader<string, SampleFactsRow | null>(async (ids) => keyBy(ids, await sequencingSamples.byIds(db, tenantId, ids), (row) => row.id)),
});

export type SequencingLoaders = ReturnType<typeof createSequencingLoaders>;
