import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionSpec, storedEvents } from '../../event-store/testing/projection-spec.js';
import { createPool } from '../../platform/database.js';
import { runMigrations } from '../../event-store/migrations.js';
import type { LibraryEvent } from '../../subgraphs/sequencing/events.js';
import { labProjection } from '../../subgraphs/sequencing/read-model/lab-projection.js';
import { LabQueries } from '../../subgraphs/sequencing/read-model/lab-queries.js';
import { sequencingReadModelMigrations } from '../../subgraphs/sequencing/read-model/schema.js';
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

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const [kit, lib1, lib2, poolId, run, sample] = [id(1), id(2), id(3), id(4), id(5), id(6)];
const index = { kitId: kit, indexId: 'S1', i7: 'ACGTACGT', i5: 'AGGTGCGT' };
const prepared = (libraryId: string, barcode: string): LibraryEvent => ({ type: 'LibraryPrepared', data: { libraryId, sampleId: sample, barcode, index, volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400, molarityNm: 37.879 } });

describe('sequencing lab read model (kits, libraries, pools, runs)', () => {
  it('keeps each aggregate\'s state; every event applied twice leaves the same rows; the links query from them', async () => {
    const member = { libraryId: lib1, proportion: 1, volumeUl: 2.64, i7: 'ACGTACGT', i5: 'AGGTGCGT' };
    const rows = await projectionSpec(db, labProjection, storedEvents([
      { type: 'IndexKitImported', data: { kitId: kit, name: 'Synthetic', indexes: [{ indexId: 'S1', i7: 'ACGTACGT', i5: 'AGGTGCGT', well: 'A1' }] }, streamId: `IndexKit-${kit}` },
      { ...prepared(lib1, 'LIB-1'), streamId: `Library-${lib1}` },
      { ...prepared(lib2, 'LIB-2'), streamId: `Library-${lib2}` },
      { type: 'LibraryQcRecorded', data: { libraryId: lib1, verdict: 'PASS', note: 'ok', recordedBy: 'tech-1' }, streamId: `Library-${lib1}` },
      { type: 'PoolCreated', data: { poolId, name: 'Pool A', molarityNm: 2, volumeUl: 50, members: [member], warnings: [] }, streamId: `Pool-${poolId}` },
      { type: 'RunCreated', data: { runId: run, name: 'Run', instrument: 'NOVASEQ_6000', flowcellType: 'S4', lanes: 4, readStructure: '151T8B8B151T' }, streamId: `SequencingRun-${run}` },
      { type: 'PoolLoaded', data: { runId: run, lane: 3, poolId }, streamId: `SequencingRun-${run}` },
      { type: 'PoolLoaded', data: { runId: run, lane: 1, poolId }, streamId: `SequencingRun-${run}` },
    ], { tenantId: 'lab-a' }), async (from) => ({
      kits: (await sql`SELECT id, name, version FROM sequencing_read.index_kits`.execute(from)).rows,
      libraries: (await sql`SELECT id, sample_id, state->>'status' AS status, state->>'qcRecordedBy' AS recorded_by, version FROM sequencing_read.libraries ORDER BY id`.execute(from)).rows,
      pools: (await sql`SELECT id, state->'members' AS members, version FROM sequencing_read.pools`.execute(from)).rows,
      runs: (await sql`SELECT id, state->'loaded' AS loaded, (state->>'lanes')::int AS lanes, version FROM sequencing_read.runs`.execute(from)).rows,
    }));
    expect(rows).toEqual({
      kits: [{ id: kit, name: 'Synthetic', version: 1 }],
      libraries: [
        { id: lib1, sample_id: sample, status: 'QC_PASSED', recorded_by: 'tech-1', version: 2 },
        { id: lib2, sample_id: sample, status: 'PREPARED', recorded_by: null, version: 1 },
      ],
      pools: [{ id: poolId, members: [member], version: 1 }],
      runs: [{ id: run, loaded: [{ lane: 1, poolId }, { lane: 3, poolId }], lanes: 4, version: 3 }],
    });
    const queries = new LabQueries(db);
    expect((await queries.librariesOfSamples('lab-a', [sample])).map((l) => l.barcode)).toEqual(['LIB-1', 'LIB-2']);
    expect((await queries.poolsOfLibraries('lab-a', [lib1, lib2])).map((r) => [r.libraryId, r.pool.name])).toEqual([[lib1, 'Pool A']]);
    expect((await queries.runsOfPools('lab-a', [poolId])).map((r) => [r.poolId, r.run.name])).toEqual([[poolId, 'Run']]);
    expect(await queries.librariesOfSamples('lab-b', [sample])).toEqual([]);
  });

  it('keeps lane QC (replaced when recorded again, with who recorded it) and the completed run\'s verdict; replays change nothing', async () => {
    const runId = id(7);
    const metrics = (q30Percent: number) => ({ q30Percent, percentPf: null, occupancyPercent: null, clusterDensityKmm2: null, yieldGb: null });
    const rows = await projectionSpec(db, labProjection, storedEvents([
      { type: 'RunCreated', data: { runId, name: 'QC run', instrument: 'NOVASEQ_6000', flowcellType: 'SP', lanes: 2, readStructure: '151T8B151T' }, streamId: `SequencingRun-${runId}` },
      { type: 'PoolLoaded', data: { runId, lane: 1, poolId }, streamId: `SequencingRun-${runId}` },
      { type: 'LaneQcRecorded', data: { runId, lane: 1, metrics: metrics(70), verdict: 'FAIL', reasons: ['Q30 70% is below 75%'], recordedBy: 'tech-1' }, streamId: `SequencingRun-${runId}` },
      { type: 'LaneQcRecorded', data: { runId, lane: 1, metrics: metrics(78), verdict: 'WARN', reasons: ['Q30 78% is below 80%'], recordedBy: 'tech-2' }, streamId: `SequencingRun-${runId}` },
      { type: 'RunCompleted', data: { runId, qcVerdict: 'WARN', completedBy: 'tech-2' }, streamId: `SequencingRun-${runId}` },
    ], { tenantId: 'lab-a' }), async (from) => (await sql`SELECT state->>'status' AS status, state->>'qcVerdict' AS verdict, state->'laneQc' AS lane_qc, version FROM sequencing_read.runs WHERE id = ${runId}`.execute(from)).rows);
    expect(rows).toMatchObject([{ status: 'COMPLETED', verdict: 'WARN', version: 5, lane_qc: [{ lane: 1, verdict: 'WARN', recordedBy: 'tech-2', metrics: metrics(78), reasons: ['Q30 78% is below 80%'] }] }]);
  });

  it('keeps a Nanopore run\'s flow cell id, kit and experiment id, with no read structure; replays change nothing', async () => {
    const runId = id(8);
    const minknow = { flowCellId: 'PAK12345', kit: 'SQK-NBD114-24', experimentId: 'EXP-1' };
    const rows = await projectionSpec(db, labProjection, storedEvents([
      { type: 'RunCreated', data: { runId, name: 'ONT run', instrument: 'PROMETHION', flowcellType: 'FLO-PRO114', lanes: 1, readStructure: null, minknow }, streamId: `SequencingRun-${runId}` },
      { type: 'PoolLoaded', data: { runId, lane: 1, poolId }, streamId: `SequencingRun-${runId}` },
    ], { tenantId: 'lab-a' }), async (from) => (await sql`SELECT state->'minknow' AS minknow, state->'readStructure' AS read_structure, state->'loaded' AS loaded, version FROM sequencing_read.runs WHERE id = ${runId}`.execute(from)).rows);
    expect(rows).toEqual([{ minknow, read_structure: null, loaded: [{ lane: 1, poolId }], version: 2 }]);
  });
});
