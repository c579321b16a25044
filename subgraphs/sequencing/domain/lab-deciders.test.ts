import { describe, expect, it } from 'vitest';
import { foldEvents } from '../../../event-store/decider.js';
import { given, givenAcross, SPEC_NOW } from '../../../event-store/testing/decider-spec.js';
import { BadInputError, ConflictError, NotFoundError } from '../../../platform/errors.js';
import type { IndexKitEvent, LibraryEvent, PoolEvent, RunEvent } from '../events.js';
import { DEFAULT_INDEX_CHECK_LEVELS as defaults } from './index-check.js';
import { indexKitDecider } from './index-kit.js';
import { libraryDecider, type LibraryCommand } from './library.js';
import { libraryPreparation } from './library-barcode.js';
import { poolDecider, type PoolCandidate, type PoolCommand } from './pool.js';
import { sequencingLabConfig } from '../lab-config.js';
import { poolLoading, poolLoadingStreams } from './pool-loading.js';
import { MAX_INDEX_CYCLES, MAX_READ_CYCLES, MAX_TOTAL_CYCLES } from './read-structure.js';
import { runDecider, type LoadedLibrary } from './run.js';

/** Synthetic sequences throughout. */
describe('index kit', () => {
  const imported: IndexKitEvent = { type: 'IndexKitImported', data: { kitId: 'k1', name: 'Synthetic', indexes: [
    { indexId: 'S1', i7: 'ACGTACGT', i5: 'AGGTGCGT', well: 'A1' },
    { indexId: 'S2', i7: 'TGCATGCA', i5: null, well: null },
  ] } };
  it('imports a kit from CSV (case-insensitive header, optional i5 and well, sequences upper-cased)', () => {
    given(indexKitDecider).when({ type: 'ImportIndexKit', data: { kitId: 'k1', name: ' Synthetic ', csv: 'Index_ID,I7,i5,Well\nS1,acgtacgt,AGGTGCGT,A1\nS2,TGCATGCA,,\n' } }).then([imported]);
  });
  it('refuses a second import, a bad sequence, a duplicate or missing index id, an empty kit and a blank name', () => {
    const importing = (csv: string, name = 'K') => ({ type: 'ImportIndexKit' as const, data: { kitId: 'k1', name, csv } });
    given(indexKitDecider, [imported]).when(importing('index_id,i7\nS1,ACGT')).thenThrows(ConflictError);
    given(indexKitDecider).when(importing('index_id,i7\nS1,ACGTXX')).thenThrows(BadInputError, /row 2/);
    given(indexKitDecider).when(importing('index_id,i7\nS1,ACGTAC\nS1,TTTTGG')).thenThrows(BadInputError, /twice/);
    given(indexKitDecider).when(importing('i7\nACGTAC')).thenThrows(BadInputError, /index_id/);
    given(indexKitDecider).when(importing('index_id,i7\n')).thenThrows(BadInputError, /no indexes/);
    given(indexKitDecider).when(importing('index_id,i7\nS1,ACGTAC', ' ')).thenThrows(BadInputError, /name/);
  });
});

describe('library', () => {
  const prepare = (data: Partial<Extract<LibraryCommand, { type: 'PrepareLibrary' }>['data']> = {}): LibraryCommand => ({ type: 'PrepareLibrary', data: {
    libraryId: 'l1', sampleId: 's1', sampleStatus: 'VALIDATED', barcode: 'LIB-0001', index: { kitId: null, indexId: null, i7: 'acgtacgt', i5: 'AGGTGCGT' },
    volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400, ...data,
  } });
  // 10 / (660 × 400) × 10^6 = 37.8787… nM, kept to three decimals.
  const prepared: LibraryEvent = { type: 'LibraryPrepared', data: {
    libraryId: 'l1', sampleId: 's1', barcode: 'LIB-0001', index: { kitId: null, indexId: null, i7: 'ACGTACGT', i5: 'AGGTGCGT' }, volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400, molarityNm: 37.879,
  } };
  it('claims its barcode in the same commit; a barcode already claimed in the tenant is refused', () => {
    const prepareAcross = prepare() as Extract<LibraryCommand, { type: 'PrepareLibrary' }>;
    const claimed = { type: 'LibraryBarcodeClaimed' as const, data: { barcode: 'LIB-0001', libraryId: 'l1' } };
    givenAcross(libraryPreparation).when(prepareAcross).then({ library: [prepared], barcode: [claimed] });
    givenAcross(libraryPreparation, { barcode: [{ type: 'LibraryBarcodeClaimed', data: { barcode: 'LIB-0001', libraryId: 'l0' } }] }).when(prepareAcross).thenThrows(ConflictError, /LIB-0001 is already used/);
    // A malformed barcode is refused as such, before its claim is looked at.
    givenAcross(libraryPreparation).when(prepare({ barcode: 'bad barcode!' }) as typeof prepareAcross).thenThrows(BadInputError);
  });
  it('is prepared from a VALIDATED or IN_STORAGE sample with its molarity computed', () => {
    given(libraryDecider).when(prepare()).then([prepared]);
    given(libraryDecider).when(prepare({ sampleStatus: 'IN_STORAGE' })).then([prepared]);
  });
  it('refuses other samples, a second preparation, bad indexes, barcodes and amounts', () => {
    given(libraryDecider).when(prepare({ sampleStatus: 'RECEIVED' })).thenThrows(BadInputError, /VALIDATED or IN_STORAGE/);
    given(libraryDecider, [prepared]).when(prepare()).thenThrows(ConflictError);
    given(libraryDecider).when(prepare({ index: { kitId: null, indexId: null, i7: 'ACGN', i5: null } })).thenThrows(BadInputError, /indexes/);
    given(libraryDecider).when(prepare({ barcode: 'x' })).thenThrows(BadInputError, /barcode/);
    given(libraryDecider).when(prepare({ concentrationNgUl: 0 })).thenThrows(BadInputError, /concentrationNgUl/);
    given(libraryDecider).when(prepare({ meanFragmentBp: Number.NaN })).thenThrows(BadInputError, /meanFragmentBp/);
    given(libraryDecider).when(prepare({ volumeUl: -1 })).thenThrows(BadInputError, /volumeUl/);
  });
  it('refuses a library too dilute to be kept above 0 nM, which no pool could take, naming its concentration', () => {
    // 0.0001 / (660 × 10^6) × 10^6 ≈ 1.5e-7 nM: 0 at the 0.001 nM the molarity is kept to.
    given(libraryDecider).when(prepare({ concentrationNgUl: 0.0001, meanFragmentBp: 1_000_000 })).thenThrows(BadInputError, /below 0\.001 nM/);
    expect(() => libraryDecider.decide(prepare({ concentrationNgUl: 0.0001, meanFragmentBp: 1_000_000 }), libraryDecider.initialState(), { now: '2026-01-01T00:00:00.000Z', version: 0 })).toThrow(
      expect.objectContaining({ details: { field: 'concentrationNgUl' } }),
    );
    // 0.00033 / (660 × 500) × 10^6 = 0.001 nM: the least molarity kept, so the library is accepted.
    given(libraryDecider).when(prepare({ concentrationNgUl: 0.00033, meanFragmentBp: 500 })).then([{ ...prepared, data: { ...prepared.data, concentrationNgUl: 0.00033, meanFragmentBp: 500, molarityNm: 0.001 } }]);
  });
  it('records QC verdicts with who recorded them, only for a library that exists', () => {
    given(libraryDecider, [prepared]).when({ type: 'RecordLibraryQc', data: { verdict: 'FAIL', note: ' adapter dimers ', recordedBy: 'tech-1' } })
      .then([{ type: 'LibraryQcRecorded', data: { libraryId: 'l1', verdict: 'FAIL', note: 'adapter dimers', recordedBy: 'tech-1' } }]);
    given(libraryDecider).when({ type: 'RecordLibraryQc', data: { verdict: 'PASS', note: null, recordedBy: null } }).thenThrows(NotFoundError);
  });
});

describe('pool', () => {
  const lib = (id: string, i7: string, i5: string | null, molarityNm: number, proportion = 1): PoolCandidate => ({ libraryId: id, barcode: id.toUpperCase(), molarityNm, i7, i5, proportion });
  const a = lib('a', 'ACGTACGT', 'AGGTGCGT', 20);
  const b = lib('b', 'TGCATGCA', 'GAACATAC', 10, 3);
  const near = lib('c', 'ACGTACCA', 'AGGTGCGA', 20); // 3 from a: i7 positions 7–8, i5 position 8
  const close = lib('d', 'ACGTACGA', 'AGGTGCGT', 20); // 1 from a; 2 from c
  const create = (libraries: PoolCandidate[], extra: Partial<Extract<PoolCommand, { type: 'CreatePool' }>['data']> = {}): PoolCommand =>
    ({ type: 'CreatePool', data: { poolId: 'p1', name: 'Pool', libraries, targetMolarityNm: 2, volumeUl: 40, ...extra } });
  it('normalises each library by its proportion: v = share × target × volume / molarity', () => {
    // a: 1/4 × 2 × 40 / 20 = 1 µl; b: 3/4 × 2 × 40 / 10 = 6 µl.
    given(poolDecider).when(create([a, b])).then([{ type: 'PoolCreated', data: { poolId: 'p1', name: 'Pool', molarityNm: 2, volumeUl: 40, warnings: [], members: [
      { libraryId: 'a', proportion: 1, volumeUl: 1, i7: 'ACGTACGT', i5: 'AGGTGCGT' },
      { libraryId: 'b', proportion: 3, volumeUl: 6, i7: 'TGCATGCA', i5: 'GAACATAC' },
    ], levels: defaults } }]);
  });
  it('warns at 2 combined mismatches and refuses at 1 (MISO defaults), or as configured', () => {
    const member = (l: PoolCandidate) => ({ libraryId: l.libraryId, proportion: 1, volumeUl: 2, i7: l.i7, i5: l.i5 }); // 1/2 × 2 × 40 / 20 = 2 µl
    const pooled = (members: PoolCandidate[], message: string, levels = defaults): PoolEvent[] => [{ type: 'PoolCreated', data: {
      poolId: 'p1', name: 'Pool', molarityNm: 2, volumeUl: 40, members: members.map(member), warnings: [{ kind: 'INDEX_COLLISION', message }], levels,
    } }];
    given(poolDecider).when(create([near, close])).then(pooled([near, close], 'indexes ACGTACCA+AGGTGCGA and ACGTACGA+AGGTGCGT differ by 2 combined mismatches'));
    given(poolDecider).when(create([a, close])).thenThrows(ConflictError, /1 combined mismatch/);
    given(poolDecider).when(create([a, close], { levels: { errorMismatches: 0, warningMismatches: 1 } }))
      .then(pooled([a, close], 'indexes ACGTACGT+AGGTGCGT and ACGTACGA+AGGTGCGT differ by 1 combined mismatch', { errorMismatches: 0, warningMismatches: 1 }));
    given(poolDecider).when(create([near, close], { levels: { errorMismatches: 2, warningMismatches: 2 } })).thenThrows(ConflictError);
  });
  it('records the levels it was judged by; a pool created before they were recorded still loads, with none (null)', () => {
    const strict = { errorMismatches: 2, warningMismatches: 3 };
    const [event] = poolDecider.decide(create([a, b], { levels: strict }), poolDecider.initialState(), { now: SPEC_NOW, version: 0 });
    expect(event!.data.levels).toEqual(strict);
    expect(foldEvents(poolDecider, [event!])).toMatchObject({ status: 'CREATED', levels: strict });
    const { levels: _, ...before } = event!.data;
    expect(foldEvents(poolDecider, [{ type: 'PoolCreated', data: before }])).toMatchObject({ status: 'CREATED', id: 'p1', name: 'Pool', levels: null });
    // Snapshots of the state before `levels` are not read as the new state.
    expect(poolDecider.stateSchema).toBe(2);
  });
  it('refuses an empty pool, a library twice, bad proportions or amounts, libraries too dilute for the target, and a second creation', () => {
    given(poolDecider).when(create([])).thenThrows(BadInputError, /at least one/);
    given(poolDecider).when(create([a, a])).thenThrows(BadInputError, /twice/);
    given(poolDecider).when(create([lib('z', 'ACGTACGT', null, 20, 0)])).thenThrows(BadInputError, /proportions/);
    given(poolDecider).when(create([a], { volumeUl: 0 })).thenThrows(BadInputError, /volumeUl/);
    given(poolDecider).when(create([lib('weak', 'ACGTACGT', null, 1)])).thenThrows(BadInputError, /more than the pool/); // 2 × 40 / 1 = 80 µl > 40
    given(poolDecider, poolDecider.decide(create([a]), poolDecider.initialState(), { now: '', version: 0 }) as PoolEvent[]).when(create([a])).thenThrows(ConflictError);
  });
});

describe('run', () => {
  const created: RunEvent = { type: 'RunCreated', data: { runId: 'r1', name: 'Run', instrument: 'NOVASEQ_6000', flowcellType: 'S1', lanes: 2, readStructure: '151T8B8B151T' } };
  const loaded: RunEvent = { type: 'PoolLoaded', data: { runId: 'r1', lane: 1, poolId: 'p1' } };
  it('is created on a catalogued flowcell, whose lane count it keeps', () => {
    given(runDecider).when({ type: 'CreateRun', data: { runId: 'r1', name: ' Run ', instrument: 'NOVASEQ_6000', flowcellType: 'S1', readStructure: '151T8B8B151T' } }).then([created]);
  });
  it('refuses a read structure beyond what an instrument reads: a read over 301 cycles, an index over 24, over 650 cycles in all', () => {
    const create = (readStructure: string) => ({ type: 'CreateRun' as const, data: { runId: 'r1', name: 'R', instrument: 'MISEQ', flowcellType: 'MISEQ_V3', readStructure } });
    expect([MAX_READ_CYCLES, MAX_INDEX_CYCLES, MAX_TOTAL_CYCLES]).toEqual([301, 24, 650]);
    given(runDecider).when(create('99999T8B')).thenThrows(BadInputError, 'read 1 has 99999 cycles; no instrument reads more than 301 in one read');
    given(runDecider).when(create('151T8B8B302T')).thenThrows(BadInputError, 'read 4 has 302 cycles');
    given(runDecider).when(create('8U294T8B')).thenThrows(BadInputError, 'read 1 has 302 cycles'); // every segment of a read counts
    given(runDecider).when(create('151T25B151T')).thenThrows(BadInputError, 'index (B) cycles; indexes are at most 24 bases');
    given(runDecider).when(create('301T24B100U24B301T')).thenThrows(BadInputError, '750 cycles in all; the largest sequencing kits hold about 650');
    given(runDecider).when(create('301T24B24B301T')).then([{ type: 'RunCreated', data: { runId: 'r1', name: 'R', instrument: 'MISEQ', flowcellType: 'MISEQ_V3', lanes: 1, readStructure: '301T24B24B301T' } }]);
    given(runDecider).when(create('301T24B8U24B301T')).thenThrows(BadInputError, '658 cycles in all');
  });
  it('refuses an unknown instrument or flowcell, a missing or bad read structure, Nanopore settings on an Illumina run and a second creation', () => {
    const create = (instrument: string, flowcellType: string, readStructure: string | null = '151T8B8B151T') => ({ type: 'CreateRun' as const, data: { runId: 'r1', name: 'R', instrument, flowcellType, readStructure } });
    given(runDecider).when(create('HISEQ', 'S1')).thenThrows(BadInputError, /instrument/);
    given(runDecider).when(create('NOVASEQ_X', 'S4')).thenThrows(BadInputError, /10B, 25B/);
    given(runDecider).when(create('PROMETHION', 'S1')).thenThrows(BadInputError, /FLO-PRO114/);
    given(runDecider).when(create('MISEQ', 'MISEQ_V3', '151X')).thenThrows(BadInputError, /read structure/);
    given(runDecider).when(create('MISEQ', 'MISEQ_V3', null)).thenThrows(BadInputError, /needs? a read structure/);
    given(runDecider).when({ ...create('MISEQ', 'MISEQ_V3'), data: { ...create('MISEQ', 'MISEQ_V3').data, minknow: { kit: 'SQK-NBD114-24' } } }).thenThrows(BadInputError, /Nanopore/);
    given(runDecider, [created]).when(create('MISEQ', 'MISEQ_V3')).thenThrows(ConflictError);
  });

  describe('on a Nanopore flow cell', () => {
    const minknow = { flowCellId: 'PAK12345', kit: 'SQK-NBD114-24', experimentId: 'EXP_2026-12' };
    const promethion: RunEvent = { type: 'RunCreated', data: { runId: 'r1', name: 'ONT run', instrument: 'PROMETHION', flowcellType: 'FLO-PRO114', lanes: 1, readStructure: null, minknow } };
    const create = (data: Record<string, unknown> = {}) => ({ type: 'CreateRun' as const, data: { runId: 'r1', name: 'ONT run', instrument: 'PROMETHION', flowcellType: 'FLO-PRO114', readStructure: null, minknow: { ...minknow }, ...data } });
    const load = (libraries: Array<{ barcode: string; indexId: string | null }>, lane = 1) => ({ type: 'LoadPool' as const, data: { lane, poolId: 'p1',
      libraries: libraries.map((l, n): LoadedLibrary => ({ ...l, libraryId: `l${n}`, status: 'PREPARED', i7: 'AAAACCCCGGGGTTTTAAAACCCC', i5: null })), levels: defaults } });

    it('is created on a PromethION or MinION flow cell (one position) with its flow cell id, kit and experiment id', () => {
      given(runDecider).when(create()).then([promethion]);
      given(runDecider).when(create({ instrument: 'MINION', flowcellType: 'FLO-MIN114', minknow: { flowCellId: ' FAK54854 ', kit: 'SQK-LSK114', experimentId: 'My_Group' } }))
        .then([{ type: 'RunCreated', data: { runId: 'r1', name: 'ONT run', instrument: 'MINION', flowcellType: 'FLO-MIN114', lanes: 1, readStructure: null, minknow: { flowCellId: 'FAK54854', kit: 'SQK-LSK114', experimentId: 'My_Group' } } }]);
    });
    it('refuses a missing or malformed flow cell id, kit or experiment id, and a read structure', () => {
      given(runDecider).when(create({ minknow: { kit: 'SQK-NBD114-24', experimentId: 'E' } })).thenThrows(BadInputError, /flowCellId/);
      given(runDecider).when(create({ minknow: { ...minknow, flowCellId: 'pak 1' } })).thenThrows(BadInputError, /flowCellId/);
      given(runDecider).when(create({ minknow: { ...minknow, kit: 'nbd114' } })).thenThrows(BadInputError, /kit/);
      given(runDecider).when(create({ minknow: { ...minknow, experimentId: 'x'.repeat(41) } })).thenThrows(BadInputError, /experimentId/);
      given(runDecider).when(create({ minknow: null })).thenThrows(BadInputError, /needs flowCellId/);
      given(runDecider).when(create({ readStructure: '151T8B151T' })).thenThrows(BadInputError, /no read structure/);
    });
    it('loads one pool whose libraries each carry a different MinKNOW barcode', () => {
      const libraries = [{ barcode: 'LIB-0001', indexId: 'barcode01' }, { barcode: 'LIB-0002', indexId: 'barcode02' }];
      given(runDecider, [promethion]).when(load(libraries)).then([{ type: 'PoolLoaded', data: { runId: 'r1', lane: 1, poolId: 'p1' } }]);
      given(runDecider, [promethion]).when(load(libraries, 2)).thenThrows(BadInputError, /lane 1 only/);
      given(runDecider, [promethion]).when(load([{ barcode: 'LIB-0001', indexId: 'SYN01' }])).thenThrows(BadInputError, /LIB-0001 has no MinKNOW barcode/);
      given(runDecider, [promethion]).when(load([{ barcode: 'LIB-0001', indexId: null }])).thenThrows(BadInputError, /no MinKNOW barcode/);
      given(runDecider, [promethion]).when(load([{ barcode: 'LIB-0001', indexId: 'barcode01' }, { barcode: 'LIB-0002', indexId: 'barcode01' }])).thenThrows(ConflictError, /both carry barcode01/);
    });
    it('is not judged by Illumina lane metrics; it completes with a reason', () => {
      const loaded: RunEvent = { type: 'PoolLoaded', data: { runId: 'r1', lane: 1, poolId: 'p1' } };
      const thresholds = sequencingLabConfig(undefined).qcThresholds('PROMETHION', 'FLO-PRO114');
      given(runDecider, [promethion, loaded]).when({ type: 'RecordLaneQc', data: { lane: 1, metrics: { q30Percent: 60 }, thresholds, recordedBy: 'ana' } }).thenThrows(BadInputError, /Nanopore/);
      given(runDecider, [promethion, loaded]).when({ type: 'CompleteRun', data: { qcOverrideReason: 'MinKNOW report reviewed', completedBy: 'ana' } })
        .then([{ type: 'RunCompleted', data: { runId: 'r1', qcVerdict: null, qcOverrideReason: 'MinKNOW report reviewed', completedBy: 'ana' } }]);
    });
  });
  it('loads a pool onto a free lane of the flowcell, and nowhere else', () => {
    given(runDecider, [created]).when({ type: 'LoadPool', data: { lane: 1, poolId: 'p1', libraries: [], levels: defaults } }).then([loaded]);
    given(runDecider, [created, loaded]).when({ type: 'LoadPool', data: { lane: 2, poolId: 'p1', libraries: [], levels: defaults } }).then([{ type: 'PoolLoaded', data: { runId: 'r1', lane: 2, poolId: 'p1' } }]);
    given(runDecider, [created, loaded]).when({ type: 'LoadPool', data: { lane: 1, poolId: 'p2', libraries: [], levels: defaults } }).thenThrows(ConflictError, /already loaded/);
    given(runDecider, [created]).when({ type: 'LoadPool', data: { lane: 3, poolId: 'p2', libraries: [], levels: defaults } }).thenThrows(BadInputError, /lanes 1–2/);
    given(runDecider, [created]).when({ type: 'LoadPool', data: { lane: 0, poolId: 'p2', libraries: [], levels: defaults } }).thenThrows(BadInputError, /lanes 1–2/);
    given(runDecider).when({ type: 'LoadPool', data: { lane: 1, poolId: 'p2', libraries: [], levels: defaults } }).thenThrows(NotFoundError);
  });

  it("names the run's own lanes for a lane off its flowcell (0 or 5 on a four-lane S4), loading a pool or recording QC", () => {
    const s4: RunEvent = { type: 'RunCreated', data: { runId: 'r1', name: 'S4 run', instrument: 'NOVASEQ_6000', flowcellType: 'S4', lanes: 4, readStructure: '151T8B8B151T' } };
    const thresholds = sequencingLabConfig(undefined).qcThresholds('NOVASEQ_6000', 'S4');
    for (const lane of [0, 5, -1, 2_147_483_647]) {
      const refusal = (command: Parameters<typeof runDecider.decide>[0]) => () => runDecider.decide(command, foldEvents(runDecider, [s4, loaded]), { now: SPEC_NOW, version: 2 });
      for (const command of [{ type: 'LoadPool' as const, data: { lane, poolId: 'p2', libraries: [], levels: defaults } }, { type: 'RecordLaneQc' as const, data: { lane, metrics: { q30Percent: 90 }, thresholds, recordedBy: 'ana' } }]) {
        expect(refusal(command)).toThrow(expect.objectContaining({ message: `lane ${lane} is not on this run: a S4 flowcell has lanes 1–4`, details: { field: 'lane', min: 1, max: 4 } }));
      }
    }
  });

  describe('a pool on an Illumina lane', () => {
    const run = (readStructure: string): RunEvent => ({ type: 'RunCreated', data: { runId: 'r1', name: 'r2', instrument: 'MISEQ', flowcellType: 'MISEQ_V3', lanes: 1, readStructure } });
    const dual = run('151T8B8B151T');
    const single = run('151T8B151T');
    const library = (barcode: string, i7: string, i5: string | null, status: LoadedLibrary['status'] = 'QC_PASSED'): LoadedLibrary => ({ libraryId: barcode.toLowerCase(), barcode, indexId: null, status, i7, i5 });
    const load = (...libraries: LoadedLibrary[]) => ({ type: 'LoadPool' as const, data: { lane: 1, poolId: 'p1', libraries, levels: defaults } });
    const pooled: RunEvent = { type: 'PoolLoaded', data: { runId: 'r1', lane: 1, poolId: 'p1' } };

    it('is loaded when the run reads every index as the sheet writes it: i7 as long as Index1Cycles, i5 (if any) as Index2Cycles', () => {
      given(runDecider, [dual]).when(load(library('LIB-1', 'ACGTACGT', 'AGGTGCGT'), library('LIB-2', 'TGCATGCA', null))).then([pooled]);
      given(runDecider, [single]).when(load(library('LIB-1', 'ACGTACGT', null))).then([pooled]);
      given(runDecider, [run('151T10B10B151T')]).when(load(library('LIB-1', 'ACGTACGTAC', 'AGGTGCGTAA'))).then([pooled]);
    });

    it('loads dual-indexed libraries on a single-index run (their i5 is not read) when their i7s tell them apart', () => {
      given(runDecider, [single]).when(load(library('LIB-1', 'ACGTACGT', 'AGGTGCGT'), library('LIB-2', 'TGCATGCA', 'AGGTGCGT'))).then([pooled]);
      given(runDecider, [single]).when(load(library('LIB-1', 'ACGTACGT', 'AAAATTTTTT'))).then([pooled]);
    });

    it('refuses, on a single-index run, libraries whose i7s are within 1 mismatch once their i5 is not read (CONFLICT, INDEX_COLLISION, naming both)', () => {
      const refusal = () => runDecider.decide(load(library('LIB-1', 'ACGTACGT', 'AGGTGCGT'), library('LIB-2', 'ACGTACGA', 'GAACATAC')), foldEvents(runDecider, [single]), { now: SPEC_NOW, version: 1 });
      expect(refusal).toThrow(ConflictError);
      expect(refusal).toThrow(expect.objectContaining({
        message: 'indexes ACGTACGT and ACGTACGA differ by 1 combined mismatch (libraries LIB-1 and LIB-2): read structure 151T8B151T reads no second index, so their i5 is not read and they cannot be demultiplexed on one lane',
        details: { reason: 'INDEX_COLLISION', field: 'poolId', libraries: [{ libraryId: 'lib-1', barcode: 'LIB-1' }, { libraryId: 'lib-2', barcode: 'LIB-2' }] },
      }));
      // Read with their i5, the same pool is told apart.
      given(runDecider, [dual]).when(load(library('LIB-1', 'ACGTACGT', 'AGGTGCGT'), library('LIB-2', 'ACGTACGA', 'GAACATAC'))).then([pooled]);
    });

    it('judges the i7-only check by the levels the pool was judged by: i7s 2 apart are refused at errorMismatches 2, loaded at the defaults', () => {
      // LIB-1 ↔ LIB-2: i7 positions 7, 8 → 2 (ACGTACGT / ACGTACCA); their i5s differ everywhere, so the pool took them.
      const pair = [library('LIB-1', 'ACGTACGT', 'AGGTGCGT'), library('LIB-2', 'ACGTACCA', 'GAACATAC')];
      const strict = { ...load(...pair), data: { ...load(...pair).data, levels: { errorMismatches: 2, warningMismatches: 3 } } };
      const refusal = () => runDecider.decide(strict, foldEvents(runDecider, [single]), { now: SPEC_NOW, version: 1 });
      expect(refusal).toThrow(ConflictError);
      expect(refusal).toThrow(expect.objectContaining({
        message: 'indexes ACGTACGT and ACGTACCA differ by 2 combined mismatches (libraries LIB-1 and LIB-2): read structure 151T8B151T reads no second index, so their i5 is not read and they cannot be demultiplexed on one lane',
        details: { reason: 'INDEX_COLLISION', field: 'poolId', libraries: [{ libraryId: 'lib-1', barcode: 'LIB-1' }, { libraryId: 'lib-2', barcode: 'LIB-2' }] },
      }));
      given(runDecider, [single]).when(load(...pair)).then([pooled]);
      given(runDecider, [dual]).when(strict).then([pooled]);
    });

    it("refuses an index the run's reads do not fit (BAD_USER_INPUT, field poolId), naming the library, the index and the read structure's index cycles", () => {
      given(runDecider, [dual]).when(load(library('LIB-1', 'GGGGCC', null))).thenThrows(BadInputError, 'library LIB-1: i7 index GGGGCC is 6 bases; read structure 151T8B8B151T reads 8 (Index1Cycles)');
      given(runDecider, [dual]).when(load(library('LIB-1', 'ACGTACGTAC', null))).thenThrows(BadInputError, 'i7 index ACGTACGTAC is 10 bases; read structure 151T8B8B151T reads 8 (Index1Cycles)');
      given(runDecider, [dual]).when(load(library('LIB-1', 'ACGTACGT', 'AAAATTTTTT'))).thenThrows(BadInputError, 'i5 index AAAATTTTTT is 10 bases; read structure 151T8B8B151T reads 8 (Index2Cycles)');
      // Every misfit is named, the fitting ones are not.
      given(runDecider, [dual]).when(load(library('LIB-1', 'ACGTACGT', null), library('LIB-2', 'GGGGCC', null), library('LIB-3', 'TTTTCC', null)))
        .thenThrows(BadInputError, /^library LIB-2: .*; library LIB-3: .*: BCL Convert could not demultiplex/);
      expect(() => runDecider.decide(load(library('LIB-1', 'GGGGCC', null)), foldEvents(runDecider, [dual]), { now: SPEC_NOW, version: 1 })).toThrow(expect.objectContaining({ details: { field: 'poolId' } }));
    });

    it('refuses a pool holding a library that failed QC after it was pooled: CONFLICT, reason LIBRARY_QC_FAILED, naming each', () => {
      given(runDecider, [dual]).when(load(library('LIB-1', 'ACGTACGT', null, 'QC_FAILED'), library('LIB-2', 'TGCATGCA', null, 'PREPARED'), library('LIB-3', 'CATCATCA', null, 'QC_FAILED')))
        .thenThrows(ConflictError, 'libraries LIB-1, LIB-3 failed QC');
      expect(() => runDecider.decide(load(library('LIB-1', 'ACGTACGT', null, 'QC_FAILED')), foldEvents(runDecider, [dual]), { now: SPEC_NOW, version: 1 }))
        .toThrow(expect.objectContaining({ details: { reason: 'LIBRARY_QC_FAILED', libraries: [{ libraryId: 'lib-1', barcode: 'LIB-1' }] } }));
    });
  });

  describe('loading a pool, decided on the libraries\' own streams', () => {
    const dual: RunEvent = { type: 'RunCreated', data: { runId: 'r1', name: 'r2', instrument: 'MISEQ', flowcellType: 'MISEQ_V3', lanes: 1, readStructure: '151T8B8B151T' } };
    const prepared = (libraryId: string, barcode: string, i7: string, i5: string | null = null): LibraryEvent => ({ type: 'LibraryPrepared', data: {
      libraryId, sampleId: `s-${libraryId}`, barcode, index: { kitId: null, indexId: null, i7, i5 }, volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400, molarityNm: 37.879,
    } });
    const qc = (libraryId: string, verdict: 'PASS' | 'FAIL'): LibraryEvent => ({ type: 'LibraryQcRecorded', data: { libraryId, verdict, note: null, recordedBy: 'ana' } });
    const pool = { id: 'p1', members: [
      { libraryId: 'l1', proportion: 1, volumeUl: 1, i7: 'ACGTACGT', i5: null },
      { libraryId: 'l2', proportion: 1, volumeUl: 1, i7: 'TGCATGCA', i5: null },
    ], levels: defaults };
    const history = (l2: LibraryEvent[]) => ({ run: [dual], 'library:l1': [prepared('l1', 'LIB-1', 'ACGTACGT'), qc('l1', 'PASS')], 'library:l2': [prepared('l2', 'LIB-2', 'TGCATGCA'), ...l2] });
    const loadOnLane = { type: 'LoadPoolOnLane' as const, data: { lane: 1 } };

    it('names the run and every library of the pool as its streams', () => {
      expect(poolLoadingStreams('r1', pool)).toEqual({ run: 'r1', 'library:l1': 'l1', 'library:l2': 'l2' });
    });
    it('loads the pool when no library failed QC, writing only to the run', () => {
      givenAcross(poolLoading(pool), history([])).when(loadOnLane).then({ run: [{ type: 'PoolLoaded', data: { runId: 'r1', lane: 1, poolId: 'p1' } }] });
    });
    it('judges the lane by the levels the pool was judged by, on a run that reads no second index', () => {
      const single: RunEvent = { ...dual, data: { ...dual.data, readStructure: '151T8B151T' } };
      // l1 ↔ l2: i7 positions 7, 8 → 2 (ACGTACGT / ACGTACCA); i5s apart, so both levels pooled them.
      const close = (levels: typeof defaults) => ({ id: 'p1', levels, members: [
        { libraryId: 'l1', proportion: 1, volumeUl: 1, i7: 'ACGTACGT', i5: 'AGGTGCGT' },
        { libraryId: 'l2', proportion: 1, volumeUl: 1, i7: 'ACGTACCA', i5: 'GAACATAC' },
      ] });
      const streams = { run: [single], 'library:l1': [prepared('l1', 'LIB-1', 'ACGTACGT', 'AGGTGCGT')], 'library:l2': [prepared('l2', 'LIB-2', 'ACGTACCA', 'GAACATAC')] };
      givenAcross(poolLoading(close({ errorMismatches: 2, warningMismatches: 3 })), streams).when(loadOnLane).thenThrows(ConflictError, 'differ by 2 combined mismatches (libraries LIB-1 and LIB-2)');
      givenAcross(poolLoading(close(defaults)), streams).when(loadOnLane).then({ run: [{ type: 'PoolLoaded', data: { runId: 'r1', lane: 1, poolId: 'p1' } }] });
    });
    it('refuses it once a library failed QC after pooling, and loads it again once the library passed a new QC', () => {
      givenAcross(poolLoading(pool), history([qc('l2', 'FAIL')])).when(loadOnLane).thenThrows(ConflictError, 'library LIB-2 failed QC');
      givenAcross(poolLoading(pool), history([qc('l2', 'FAIL'), qc('l2', 'PASS')])).when(loadOnLane).then({ run: [{ type: 'PoolLoaded', data: { runId: 'r1', lane: 1, poolId: 'p1' } }] });
    });
  });

  describe('QC and completion', () => {
    const novaseq = sequencingLabConfig(undefined).qcThresholds('NOVASEQ_6000', 'S1');
    const strict = sequencingLabConfig(JSON.stringify({ qc: { NOVASEQ_6000: { minPercentPf: 70, minOccupancyPercent: 85, clusterDensityKmm2: { min: 1, max: 2 } } } })).qcThresholds('NOVASEQ_6000', 'S1');
    const none = { q30Percent: null, percentPf: null, occupancyPercent: null, clusterDensityKmm2: null, yieldGb: null };
    const qc = (lane: number, metrics: Record<string, number>, thresholds = novaseq) => ({ type: 'RecordLaneQc' as const, data: { lane, metrics, thresholds, recordedBy: 'ana' } });
    const judged = (lane: number, metrics: Record<string, number>, verdict: 'PASS' | 'WARN' | 'FAIL', reasons: string[] = []): RunEvent =>
      ({ type: 'LaneQcRecorded', data: { runId: 'r1', lane, metrics: { ...none, ...metrics }, verdict, reasons, recordedBy: 'ana' } });
    const lane2: RunEvent = { type: 'PoolLoaded', data: { runId: 'r1', lane: 2, poolId: 'p2' } };

    it('judges a patterned lane by Q30, %PF and occupancy (never by density), with who recorded it', () => {
      given(runDecider, [created, loaded]).when(qc(1, { q30Percent: 91, percentPf: 80, clusterDensityKmm2: 3000 })).then([judged(1, { q30Percent: 91, percentPf: 80, clusterDensityKmm2: 3000 }, 'PASS')]);
      given(runDecider, [created, loaded]).when(qc(1, { q30Percent: 78 })).then([judged(1, { q30Percent: 78 }, 'WARN', ['Q30 78% is below 80%'])]);
      given(runDecider, [created, loaded]).when(qc(1, { q30Percent: 74.9, percentPf: 60 }, strict)).then([judged(1, { q30Percent: 74.9, percentPf: 60 }, 'FAIL', ['Q30 74.9% is below 75%', '%PF 60 is below 70'])]);
      given(runDecider, [created, loaded]).when(qc(1, { q30Percent: 90, occupancyPercent: 80, clusterDensityKmm2: 3000 }, strict)).then([judged(1, { q30Percent: 90, occupancyPercent: 80, clusterDensityKmm2: 3000 }, 'WARN', ['occupancy 80% is below 85%'])]);
    });
    it('judges a non-patterned MiSeq v3 lane by its density band (1200–1400 K/mm²)', () => {
      const miseq: RunEvent = { type: 'RunCreated', data: { runId: 'r1', name: 'M', instrument: 'MISEQ', flowcellType: 'MISEQ_V3', lanes: 1, readStructure: '151T8B8B151T' } };
      const v3 = sequencingLabConfig(undefined).qcThresholds('MISEQ', 'MISEQ_V3');
      given(runDecider, [miseq, loaded]).when(qc(1, { q30Percent: 90, clusterDensityKmm2: 1100 }, v3)).then([judged(1, { q30Percent: 90, clusterDensityKmm2: 1100 }, 'WARN', ['cluster density 1100 K/mm² is outside 1200–1400'])]);
      given(runDecider, [miseq, loaded]).when(qc(1, { q30Percent: 90, clusterDensityKmm2: 1300 }, v3)).then([judged(1, { q30Percent: 90, clusterDensityKmm2: 1300 }, 'PASS')]);
    });
    it('refuses QC on an empty lane, no metrics, impossible values, and anything on a completed run', () => {
      given(runDecider, [created, loaded]).when(qc(2, { q30Percent: 90 })).thenThrows(BadInputError, /no pool/);
      given(runDecider, [created, loaded]).when(qc(1, {})).thenThrows(BadInputError, /at least one/);
      given(runDecider, [created, loaded]).when(qc(1, { q30Percent: 101 })).thenThrows(BadInputError, /at most 100/);
      given(runDecider, [created, loaded]).when(qc(1, { yieldGb: -1 })).thenThrows(BadInputError, /≥ 0/);
      given(runDecider).when(qc(1, { q30Percent: 90 })).thenThrows(NotFoundError);
      const done: RunEvent = { type: 'RunCompleted', data: { runId: 'r1', qcVerdict: 'PASS', completedBy: 'ana' } };
      given(runDecider, [created, loaded, judged(1, { q30Percent: 90 }, 'PASS'), done]).when(qc(1, { q30Percent: 90 })).thenThrows(ConflictError, /completed/);
      given(runDecider, [created, loaded, judged(1, { q30Percent: 90 }, 'PASS'), done]).when({ type: 'LoadPool', data: { lane: 2, poolId: 'p2', libraries: [], levels: defaults } }).thenThrows(ConflictError, /completed/);
      given(runDecider, [created, loaded, judged(1, { q30Percent: 90 }, 'PASS'), done]).when({ type: 'CompleteRun', data: { qcOverrideReason: null, completedBy: 'ana' } }).thenThrows(ConflictError, /completed/);
    });
    it('completes with the worst lane verdict, or with an explicit reason when a loaded lane has no QC', () => {
      const complete = (qcOverrideReason: string | null) => ({ type: 'CompleteRun' as const, data: { qcOverrideReason, completedBy: 'ana' } });
      given(runDecider, [created, loaded, lane2, judged(1, { q30Percent: 90 }, 'PASS'), judged(2, { q30Percent: 78 }, 'WARN', ['Q30 78% is below 80%'])]).when(complete(null))
        .then([{ type: 'RunCompleted', data: { runId: 'r1', qcVerdict: 'WARN', completedBy: 'ana' } }]);
      given(runDecider, [created, loaded, lane2, judged(1, { q30Percent: 90 }, 'PASS')]).when(complete(null)).thenThrows(BadInputError, /lane 2 has no QC/);
      given(runDecider, [created, loaded, lane2, judged(1, { q30Percent: 90 }, 'PASS')]).when(complete(' instrument PC lost lane 2 metrics '))
        .then([{ type: 'RunCompleted', data: { runId: 'r1', qcVerdict: 'PASS', qcOverrideReason: 'instrument PC lost lane 2 metrics', completedBy: 'ana' } }]);
      given(runDecider, [created, loaded]).when(complete('no metrics')).then([{ type: 'RunCompleted', data: { runId: 'r1', qcVerdict: null, qcOverrideReason: 'no metrics', completedBy: 'ana' } }]);
      given(runDecider, [created]).when(complete('x')).thenThrows(BadInputError, /no pool/);
      given(runDecider, [created, loaded]).when(complete('x'.repeat(501))).thenThrows(BadInputError, /500/);
    });
  });
});
