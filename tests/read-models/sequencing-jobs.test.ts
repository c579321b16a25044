import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionSpec, storedEvents } from '../../event-store/testing/projection-spec.js';
import { createPool } from '../../platform/database.js';
import { runMigrations } from '../../event-store/migrations.js';
import { jobsProjection } from '../../subgraphs/sequencing/read-model/jobs-projection.js';
import { sequencingReadModelMigrations } from '../../subgraphs/sequencing/read-model/schema.js';
import type { JobEvent } from '../../subgraphs/sequencing/events.js';
import { createTestDatabase } from '../support/database.js';

let pool: pg.Pool;
let db: Kysely<any>;

beforeAll(async () => {
  pool = createPool(await createTestDatabase(), 4);
  await runMigrations(pool, [sequencingReadModelMigrations]);
  db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
});
afterAll(async () => {
  await db?.destroy();
});

const jobId = '00000000-0000-4000-8000-000000000001';
const sampleA = '00000000-0000-4000-8000-0000000000a1';
const sampleB = '00000000-0000-4000-8000-0000000000b2';
const job = (event: JobEvent) => ({ ...event, streamId: `SequencingJob-${jobId}` });
const sample = (id: string, type: string, data: Record<string, unknown>) => ({ type, data: { sampleId: id, ...data }, streamId: `Sample-${id}` });

const read = async (from: Kysely<any>) => ({
  jobs: (await sql`SELECT id, name, platform, priority, status, read_structure, flowcell_id, metrics, qc_verdict, failure_reason, version,
      started_at IS NOT NULL AS started, completed_at IS NOT NULL AS completed FROM sequencing_read.jobs ORDER BY id`.execute(from)).rows,
  samples: (await sql`SELECT job_id, sample_id, lane, i7_index, i5_index FROM sequencing_read.job_samples ORDER BY added_version`.execute(from)).rows,
  replica: (await sql`SELECT id, barcode, sample_type, status FROM sequencing_read.sample_replica ORDER BY id`.execute(from)).rows,
});

describe('sequencing jobs read model', () => {
  it('keeps a job row, its samples and the sample facts; every event applied twice leaves the same rows', async () => {
    const metrics = { q30Percent: 78.5, clusterDensityKmm2: 950, percentPf: 82, yieldGb: 120 };
    const rows = await projectionSpec(db, jobsProjection, storedEvents([
      sample(sampleA, 'SampleRegistered', { barcode: 'SEQ-A', sampleType: 'LIBRARY' }),
      sample(sampleA, 'SampleValidated', { to: 'VALIDATED' }),
      sample(sampleB, 'SampleRegistered', { barcode: 'SEQ-B', sampleType: 'DNA' }),
      job({ type: 'JobCreated', data: { jobId, name: 'Run 1', platform: 'MISEQ', priority: 'HIGH', readStructure: '151T8B8B151T' } }),
      job({ type: 'JobSampleAdded', data: { jobId, sampleId: sampleA, lane: 1, i7Index: 'ACGTACGT', i5Index: 'TTGGCCAA' } }),
      job({ type: 'JobSampleAdded', data: { jobId, sampleId: sampleB, lane: null, i7Index: 'GGTTCCAA', i5Index: null } }),
      job({ type: 'JobSampleRemoved', data: { jobId, sampleId: sampleB } }),
      job({ type: 'JobQueued', data: { jobId } }),
      job({ type: 'JobStarted', data: { jobId, flowcellId: 'FC-1', sampleIds: [sampleA] } }),
      job({ type: 'JobPaused', data: { jobId } }),
      job({ type: 'JobResumed', data: { jobId } }),
      job({ type: 'RunMetricsRecorded', data: { jobId, metrics, qcVerdict: 'WARN' } }),
      job({ type: 'JobFailed', data: { jobId, reason: 'fluidics', sampleIds: [sampleA] } }),
      job({ type: 'JobRequeued', data: { jobId, sampleIds: [sampleA] } }),
      sample(sampleA, 'SampleSequencingStarted', { to: 'IN_SEQUENCING' }),
    ]), read);
    expect(rows.jobs).toEqual([
      { id: jobId, name: 'Run 1', platform: 'MISEQ', priority: 'HIGH', status: 'QUEUED', read_structure: '151T8B8B151T', flowcell_id: 'FC-1',
        metrics: null, qc_verdict: null, failure_reason: null, version: 11, started: true, completed: false },
    ]);
    expect(rows.samples).toEqual([{ job_id: jobId, sample_id: sampleA, lane: 1, i7_index: 'ACGTACGT', i5_index: 'TTGGCCAA' }]);
    expect(rows.replica).toEqual([
      { id: sampleA, barcode: 'SEQ-A', sample_type: 'LIBRARY', status: 'IN_SEQUENCING' },
      { id: sampleB, barcode: 'SEQ-B', sample_type: 'DNA', status: 'PENDING' },
    ]);
  });

  it('records metrics, completion and cancellation on the row', async () => {
    const other = '00000000-0000-4000-8000-000000000002';
    const third = '00000000-0000-4000-8000-000000000003';
    const on = (id: string, event: JobEvent) => ({ ...event, streamId: `SequencingJob-${id}` });
    const metrics = { q30Percent: 92, clusterDensityKmm2: null, percentPf: null, yieldGb: 10 };
    const rows = await projectionSpec(db, jobsProjection, storedEvents([
      on(other, { type: 'JobCreated', data: { jobId: other, name: 'Done', platform: 'NOVASEQ_X', priority: 'NORMAL', readStructure: null } }),
      on(other, { type: 'JobQueued', data: { jobId: other } }),
      on(other, { type: 'JobStarted', data: { jobId: other, flowcellId: 'FC-2', sampleIds: [] } }),
      on(other, { type: 'RunMetricsRecorded', data: { jobId: other, metrics, qcVerdict: 'PASS' } }),
      on(other, { type: 'JobCompleted', data: { jobId: other, qcVerdict: 'PASS', sampleIds: [] } }),
      on(third, { type: 'JobCreated', data: { jobId: third, name: 'Dropped', platform: 'PROMETHION', priority: 'LOW', readStructure: null } }),
      on(third, { type: 'JobCancelled', data: { jobId: third, reason: 'recalled' } }),
    ]), async (from) => (await sql`SELECT id, status, metrics, qc_verdict, completed_at IS NOT NULL AS completed FROM sequencing_read.jobs
      WHERE id <> ${jobId} ORDER BY id`.execute(from)).rows);
    expect(rows).toEqual([
      { id: other, status: 'COMPLETED', metrics, qc_verdict: 'PASS', completed: true },
      { id: third, status: 'CANCELLED', metrics: null, qc_verdict: null, completed: false },
    ]);
  });
});
