import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { projectionSpec, storedEvents } from '../../event-store/testing/projection-spec.js';
import type { StoredEvent } from '../../event-store/types.js';
import { createKysely } from '../../platform/database.js';
import { auditProjection } from '../../subgraphs/audit/read-model/audit-projection.js';
import { auditReadModelMigrations } from '../../subgraphs/audit/read-model/schema.js';
import { openEventStore } from '../support/event-store.js';

const S = '00000000-0000-4000-8000-0000000000a1';
const L = '00000000-0000-4000-8000-0000000000b1';
const P = '00000000-0000-4000-8000-0000000000c1';
const R = '00000000-0000-4000-8000-0000000000d1';
const G = '00000000-0000-4000-8000-0000000000e1';
const U = '00000000-0000-4000-8000-0000000000f1';
let pool: pg.Pool;
let db: Kysely<any>;

beforeAll(async () => {
  ({ pool } = await openEventStore({}, [auditReadModelMigrations]));
  db = createKysely(pool);
});
afterAll(() => pool.end());

/** A sample submitted by a saga, made into a library, pooled and loaded on a run's lane; unrelated events around it. */
const lab = (): StoredEvent[] => {
  const events = storedEvents([
    { streamId: `Saga-${G}`, type: 'SagaStarted', data: { sagaId: G, sagaType: 'submitSample', status: 'RUNNING' } },
    { streamId: `Sample-${S}`, type: 'SampleRegistered', data: { sampleId: S, barcode: 'AUD-1', sampleType: 'DNA', volumeUl: null, concentrationNgUl: null, submitter: null, projectCode: null, metadata: null, parentId: null } },
    { streamId: `Saga-${G}`, type: 'SagaStepCompleted', data: { sagaId: G, sagaType: 'submitSample', status: 'RUNNING', step: 'registerSample', attempts: 1, timings: { waitMs: 0, callMs: 1, dbMs: 1 }, sampleId: S } },
    { streamId: `SequencingRun-${R}`, type: 'RunCreated', data: { runId: R, name: 'run', instrument: 'MISEQ', flowcellType: 'MISEQ_V3', lanes: 1, readStructure: '151T' } },
    { streamId: `Library-${L}`, type: 'LibraryPrepared', data: { libraryId: L, sampleId: S, barcode: 'LIB', index: { kitId: null, indexId: null, i7: 'ACGT', i5: null }, volumeUl: 1, concentrationNgUl: 1, meanFragmentBp: 1, molarityNm: 1 } },
    { streamId: `Pool-${P}`, type: 'PoolCreated', data: { poolId: P, name: 'pool', molarityNm: 2, volumeUl: 10, members: [{ libraryId: L, proportion: 1, volumeUl: 1, i7: 'ACGT', i5: null }], warnings: [] } },
    { streamId: `SequencingRun-${R}`, type: 'PoolLoaded', data: { runId: R, lane: 1, poolId: P } },
    { streamId: `StorageUnit-${U}`, type: 'TemperatureRecorded', data: { unitId: U, celsius: -80, recordedAt: '2026-01-01T00:00:00.000Z', inRange: true } },
    { streamId: `SequencingRun-${R}`, type: 'LaneQcRecorded', data: { runId: R, lane: 1, metrics: { q30Percent: 90, percentPf: null, occupancyPercent: null, clusterDensityKmm2: null, yieldGb: null }, verdict: 'PASS', reasons: [], recordedBy: 'ada' } },
    { streamId: `Saga-${G}`, type: 'SagaCompleted', data: { sagaId: G, sagaType: 'submitSample', status: 'COMPLETED' } },
  ]);
  // Every event under one correlation id, as a client reusing its request id would send them: the
  // saga is tied to its sample by the step that names it, never by the correlation id.
  const correlationId = events[0]!.metadata.correlationId;
  return events.map((event) => ({ ...event, metadata: { ...event.metadata, correlationId } }));
};

const trails = async (read: Kysely<any>) =>
  Object.fromEntries(
    (await sql<{ subject_id: string; positions: string[] }>`SELECT subject_id, array_agg(global_position::text ORDER BY transaction_id, global_position) AS positions
      FROM audit_read.entries GROUP BY subject_id ORDER BY subject_id`.execute(read)).rows.map((row) => [row.subject_id, row.positions.map(Number)]),
  );

describe('audit trail read model', () => {
  it('files each event under every record it is about, containers included, and the same rows when every event comes twice', async () => {
    const rows = await projectionSpec(db, auditProjection, lab(), trails);
    expect(rows).toEqual({
      // saga: its own events; sample: everything (its saga, library, pool, the run it is on)
      [G]: [1, 3, 10],
      [S]: [1, 2, 3, 4, 5, 6, 7, 9, 10],
      [L]: [4, 5, 6, 7, 9],
      [P]: [4, 6, 7, 9],
      [R]: [4, 7, 9],
      [U]: [8],
    });
  });

  it('ends with the same trails whatever order a bus delivers the events in (Kafka interleaves partitions)', async () => {
    await auditProjection.reset!(db);
    const events = lab();
    for (const event of events) await auditProjection.apply(db, event);
    const inOrder = await trails(db);
    await auditProjection.reset!(db);
    for (const event of [...events].reverse()) await auditProjection.apply(db, event);
    expect(await trails(db)).toEqual(inOrder);
  });

  it('ties a saga only to the sample its step names, not to another registered under the same correlation id', async () => {
    await auditProjection.reset!(db);
    const [started, registered, stepDone] = lab();
    const other = '00000000-0000-4000-8000-0000000000a2';
    const sameRequestId = { ...registered!, eventId: '00000000-0000-4000-8000-0000000000aa', streamId: `Sample-${other}`, data: { ...registered!.data, sampleId: other } };
    for (const event of [started!, registered!, sameRequestId, stepDone!]) await auditProjection.apply(db, event);
    const rows = await trails(db);
    expect(rows[S]).toEqual([1, 2, 3]);
    expect(rows[other]).toEqual([2]);
  });

  it("leaves a sample taken off a job out of the job's later events, in any order and batching", async () => {
    const J = '00000000-0000-4000-8000-000000000091';
    const [S1, S2] = ['00000000-0000-4000-8000-0000000000a3', '00000000-0000-4000-8000-0000000000a4'];
    const added = (sampleId: string) => ({ streamId: `SequencingJob-${J}`, type: 'JobSampleAdded', data: { jobId: J, sampleId, lane: null, i7Index: 'ACGTACGT', i5Index: null } });
    const events = storedEvents([
      { streamId: `SequencingJob-${J}`, type: 'JobCreated', data: { jobId: J, name: 'job', platform: 'MISEQ', priority: 'NORMAL', readStructure: null } },
      added(S1),
      added(S2),
      { streamId: `SequencingJob-${J}`, type: 'JobSampleRemoved', data: { jobId: J, sampleId: S1 } },
      { streamId: `SequencingJob-${J}`, type: 'JobQueued', data: { jobId: J } },
      { streamId: `SequencingJob-${J}`, type: 'JobStarted', data: { jobId: J, flowcellId: 'FC-1', sampleIds: [S2] } },
    ]);
    // One by one, again each, in one batch and in batches of two (projectionSpec); then in reverse.
    await auditProjection.reset!(db);
    const rows = await projectionSpec(db, auditProjection, events, trails);
    expect(rows).toEqual({ [J]: [1, 2, 3, 4, 5, 6], [S1]: [1, 2, 3, 4], [S2]: [1, 2, 3, 4, 5, 6] });
    await auditProjection.reset!(db);
    for (const event of [...events].reverse()) await auditProjection.apply(db, event);
    expect(await trails(db)).toEqual(rows);
  });

  it("links a sample put back on a job to the job's events from then on, not to those while it was off, in any batching", async () => {
    const J = '00000000-0000-4000-8000-000000000092';
    const [S1, S2] = ['00000000-0000-4000-8000-0000000000a5', '00000000-0000-4000-8000-0000000000a6'];
    const job = (type: string, data: Record<string, unknown> = {}) => ({ streamId: `SequencingJob-${J}`, type, data: { jobId: J, ...data } });
    const added = (sampleId: string) => job('JobSampleAdded', { sampleId, lane: null, i7Index: sampleId === S1 ? 'ACGTACGT' : 'TTTTGGGG', i5Index: null });
    const events = storedEvents([
      job('JobCreated', { name: 'job', platform: 'MISEQ', priority: 'NORMAL', readStructure: null }),
      added(S1),
      job('JobSampleRemoved', { sampleId: S1 }),
      added(S2), // while S1 is off the job
      added(S1), // put back
      job('JobQueued'),
      job('JobStarted', { flowcellId: 'FC-2', sampleIds: [S1, S2] }),
    ]);
    await auditProjection.reset!(db);
    const rows = await projectionSpec(db, auditProjection, events, trails);
    expect(rows).toEqual({ [J]: [1, 2, 3, 4, 5, 6, 7], [S1]: [1, 2, 3, 5, 6, 7], [S2]: [1, 2, 3, 4, 5, 6, 7] });
    // Not in reverse: every change of the job's links is one of its own events, and both buses deliver
    // a stream's events in order (an end arriving after an event it excludes would not take it back).
  });

  it('classifies every published event type (a new one does not compile until it is)', () => {
    expect(auditProjection.handles.size).toBeGreaterThanOrEqual(60);
    for (const type of ['BarcodeClaimed', 'CustodyMoved', 'JobSampleAdded', 'RecordSigned', 'AlertRaised', 'ApiKeyCreated', 'SagaFailed']) expect(auditProjection.handles.has(type), type).toBe(true);
  });
});
