import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../platform/errors.js';
import { DEFAULT_INDEX_CHECK_LEVELS as defaults } from '../../subgraphs/sequencing/domain/index-check.js';
import { instrumentModel, type InstrumentModel } from '../../subgraphs/sequencing/domain/instruments.js';
import { checkReadStructure, indexMisfit, parseReads } from '../../subgraphs/sequencing/domain/read-structure.js';
import { bclConvertSheet, minknowSampleId, minknowSheet, runSampleSheet, sampleSheet } from '../../subgraphs/sequencing/domain/sample-sheet.js';

const golden = (name: string) => readFileSync(new URL(`./golden/${name}`, import.meta.url), 'utf8');
const model = (code: string): InstrumentModel => instrumentModel(code)!;

/** Sequences named SYN-* are synthetic, made up for these tests only. */
describe('BCL Convert v2 sample sheets, per instrument', () => {
  it('NextSeq 1000/2000: Illumina\'s "Sample Sheet Structure" example (InstrumentPlatform NextSeq1k2k, InstrumentType NextSeq2000, i5 forward)', () => {
    const sheet = bclConvertSheet({
      runName: 'MyRun',
      model: model('NEXTSEQ_2000'),
      readStructure: '151T8B8B151T',
      rows: [
        { lane: 1, sampleId: 'S01-TOO-12plex-P1-rep1', i7: 'ATCCACTG', i5: 'AGGTGCGT' },
        { lane: 1, sampleId: 'S02-TOO-12plex-P1-rep2', i7: 'GCTTGTCA', i5: 'GAACATAC' },
      ],
    });
    expect(sheet).toBe(golden('nextseq2000.csv'));
  });

  it('NovaSeq X: the BCL Convert interactive sample sheet header (NovaSeqXSeries, IndexOrientation Forward) and the OverrideCycles example of Illumina KB 000005671 (R1 150, I1 16 with an 8-base UMI, I2 8, R2 150 → Y150;U8I8;I8;Y150)', () => {
    const sheet = bclConvertSheet({
      runName: 'DummyRun',
      model: model('NOVASEQ_X'),
      readStructure: '150T8U8B8B150T',
      rows: [
        { lane: 2, sampleId: 'SYN-LIB-2', i7: 'TTGGCCAA', i5: 'TGCATGCA' },
        { lane: 1, sampleId: 'SYN-LIB-1', i7: 'AACCGGTT', i5: 'ACGTACGT' },
      ],
    });
    expect(sheet).toBe(golden('novaseqx-umi.csv'));
    // The same reads written with explicit read separators give the same sheet.
    expect(bclConvertSheet({ runName: 'DummyRun', model: model('NOVASEQ_X'), readStructure: '150T 8U8B 8B 150T', rows: [
      { lane: 2, sampleId: 'SYN-LIB-2', i7: 'TTGGCCAA', i5: 'TGCATGCA' },
      { lane: 1, sampleId: 'SYN-LIB-1', i7: 'AACCGGTT', i5: 'ACGTACGT' },
    ] })).toBe(golden('novaseqx-umi.csv'));
  });

  it('NovaSeq 6000 (v1.5 reagents): i5 reverse-complemented for standalone BCL Convert, no InstrumentPlatform (Illumina gives none), a lane-less library in every used lane', () => {
    const sheet = bclConvertSheet({
      runName: 'NV6K run',
      model: model('NOVASEQ_6000'),
      readStructure: '151T8B8B151T',
      rows: [
        { lane: 1, sampleId: 'SYN-LIB-1', i7: 'ATCCACTG', i5: 'AGGTGCGT' },
        { lane: 2, sampleId: 'SYN-LIB-2', i7: 'GCTTGTCA', i5: 'GAACATAC' },
        { lane: null, sampleId: 'SYN-LIB-3', i7: 'CAGTCAGT', i5: 'GAACATAC' },
      ],
    });
    expect(sheet).toBe(golden('novaseq6000.csv'));
  });

  it('MiSeq, single index, no lanes: no Lane column (BCL Convert then applies each row to the one lane)', () => {
    const sheet = bclConvertSheet({
      runName: 'MiSeq run',
      model: model('MISEQ'),
      readStructure: '151T8B151T',
      rows: [
        { lane: null, sampleId: 'SYN-LIB-1', i7: 'ATCCACTG', i5: null },
        { lane: null, sampleId: 'SYN-LIB-2', i7: 'GCTTGTCA', i5: null },
      ],
    });
    expect(sheet).toBe(golden('miseq.csv'));
  });

  it('refuses indexes whose length is not the index cycles, and a Nanopore instrument', () => {
    const rows = [{ lane: 1, sampleId: 'SYN-LIB-1', i7: 'ATCCACTGAA', i5: 'AGGTGCGT' }];
    expect(() => bclConvertSheet({ runName: 'r', model: model('NOVASEQ_X'), readStructure: '151T8B8B151T', rows })).toThrow(/Index1Cycles/);
    expect(() => bclConvertSheet({ runName: 'r', model: model('NOVASEQ_X'), readStructure: '151T10B6B151T', rows })).toThrow(/Index2Cycles/);
    expect(() => bclConvertSheet({ runName: 'r', model: model('NOVASEQ_X'), readStructure: '151T151T', rows })).toThrow(BadInputError);
    expect(() => bclConvertSheet({ runName: 'r', model: model('PROMETHION'), readStructure: '151T8B151T', rows: [] })).toThrow(/MinKNOW/);
  });

  it('refuses what loadPoolOnLane and addSampleToJob refuse, by the same rule (indexMisfit), naming the row, the index and the cycles', () => {
    const sheet = (readStructure: string, i7: string, i5: string | null) => () => bclConvertSheet({ runName: 'r2', model: model('MISEQ'), readStructure, rows: [{ lane: 1, sampleId: 'SYN-LIB-1', i7, i5 }] });
    const cases: Array<[string, string, string | null]> = [['151T8B8B151T', 'GGGGCC', null], ['151T8B8B151T', 'GGGGCCCC', 'AAAATTTTTT'], ['151T151T', 'GGGGCCCC', null]];
    for (const [readStructure, i7, i5] of cases) {
      const misfit = indexMisfit(readStructure, parseReads(readStructure), { i7, i5 })!;
      expect(misfit).not.toBeNull();
      expect(sheet(readStructure, i7, i5)).toThrow(`SYN-LIB-1: ${misfit.message}; no sample sheet can be written for it`);
    }
    expect(indexMisfit('151T8B8B151T', parseReads('151T8B8B151T'), { i7: 'GGGGCC', i5: null })).toEqual({ index: 'i7', message: 'i7 index GGGGCC is 6 bases; read structure 151T8B8B151T reads 8 (Index1Cycles)' });
    // What fits renders: i7 as long as Index1Cycles, i5 absent or as long as Index2Cycles.
    expect(sheet('151T8B8B151T', 'GGGGCCCC', null)).not.toThrow();
    expect(sheet('151T8B151T', 'GGGGCCCC', null)).not.toThrow();
    // An i5 with no second index read is not read: it fits, whatever its length.
    expect(indexMisfit('151T8B151T', parseReads('151T8B151T'), { i7: 'GGGGCCCC', i5: 'AAAATTTTTT' })).toBeNull();
  });

  it('single index, dual-indexed libraries: no i5 written (no Index2 column), as for single-indexed ones; a lane whose libraries differ only by i5 has no sheet', () => {
    const rows = [
      { lane: null, sampleId: 'SYN-LIB-1', i7: 'ATCCACTG', i5: 'AGGTGCGT' },
      { lane: null, sampleId: 'SYN-LIB-2', i7: 'GCTTGTCA', i5: 'GAACATAC' },
    ];
    expect(bclConvertSheet({ runName: 'MiSeq run', model: model('MISEQ'), readStructure: '151T8B151T', rows })).toBe(golden('miseq.csv'));
    const onlyI5 = [{ lane: 1, sampleId: 'SYN-LIB-1', i7: 'ATCCACTG', i5: 'AGGTGCGT' }, { lane: 1, sampleId: 'SYN-LIB-2', i7: 'ATCCACTG', i5: 'GAACATAC' }];
    expect(() => bclConvertSheet({ runName: 'r', model: model('MISEQ'), readStructure: '151T8B151T', rows: onlyI5 }))
      .toThrow('SYN-LIB-1 and SYN-LIB-2: indexes ATCCACTG and ATCCACTG differ by 0 combined mismatches, and read structure 151T8B151T reads no second index (lane 1); no sample sheet can be written for them');
    // On different lanes, or read with their i5, they are told apart.
    expect(() => bclConvertSheet({ runName: 'r', model: model('NOVASEQ_6000'), readStructure: '151T8B151T', rows: [onlyI5[0]!, { ...onlyI5[1]!, lane: 2 }] })).not.toThrow();
    expect(() => bclConvertSheet({ runName: 'r', model: model('MISEQ'), readStructure: '151T8B8B151T', rows: onlyI5 })).not.toThrow();
  });

  it('renders a run created before read structures were bounded (a 351-cycle read): the bounds are for new runs and jobs only', () => {
    expect(() => checkReadStructure('151T8B8B351T')).toThrow(/read 4 has 351 cycles/);
    const sheet = bclConvertSheet({ runName: 'old', model: model('MISEQ'), readStructure: '151T8B8B351T', rows: [{ lane: null, sampleId: 'SYN-LIB-1', i7: 'ATCCACTG', i5: 'AGGTGCGT' }] });
    expect(sheet).toContain('[Reads]\nRead1Cycles,151\nRead2Cycles,351\nIndex1Cycles,8\nIndex2Cycles,8\n');
  });

  it('a PromethION job gets no Illumina sheet', () => {
    expect(sampleSheet({ name: 'ont', platform: 'PROMETHION', readStructure: null, samples: [] }, (id) => id)).toBeNull();
  });
});

describe('MinKNOW sample sheet', () => {
  it('is the CSV of Oxford Nanopore\'s sample sheet specification, with its example values', () => {
    const sheet = minknowSheet({ flowCellId: 'PXX12345', kit: 'SQK-LSK114', sampleId: 'My_Sample', experimentId: 'My_Group', rows: [
      { barcode: 'barcode01', alias: 'sample01' },
      { barcode: 'barcode02', alias: 'my_sample' },
    ] });
    expect(sheet).toBe(golden('minknow.csv'));
  });

  it('refuses a barcode that is not barcodeNN, a barcode twice, and identifiers MinKNOW does not accept', () => {
    const base = { flowCellId: 'PXX12345', kit: 'SQK-LSK114', sampleId: 'S', experimentId: 'E' };
    expect(() => minknowSheet({ ...base, rows: [{ barcode: 'BC01', alias: 'a' }] })).toThrow(/barcode/);
    expect(() => minknowSheet({ ...base, rows: [{ barcode: 'barcode01', alias: 'a' }, { barcode: 'barcode01', alias: 'b' }] })).toThrow(/twice/);
    expect(() => minknowSheet({ ...base, experimentId: 'has space', rows: [] })).toThrow(/experimentId/);
    expect(() => minknowSheet({ ...base, kit: 'lsk', rows: [] })).toThrow(/kit/);
  });
});

describe('a run\'s sample sheet', () => {
  it('is MinKNOW\'s for a Nanopore run: the run\'s flow cell, kit and experiment, the pool as sample_id, each library\'s kit index id as barcode and its barcode as alias', () => {
    // Oxford Nanopore's documented example values (flow cell PXX12345, My_Sample, My_Group, barcode01/sample01, barcode02/my_sample), kit SQK-NBD114-24.
    const sheet = runSampleSheet(
      { name: 'ONT run', instrument: 'PROMETHION', readStructure: null, minknow: { flowCellId: 'PXX12345', kit: 'SQK-NBD114-24', experimentId: 'My_Group' } },
      [{ lane: 1, poolName: 'My_Sample', levels: defaults, libraries: [
        { barcode: 'sample01', indexId: 'barcode01', i7: 'SYNTHETICAAAA', i5: null },
        { barcode: 'my_sample', indexId: 'barcode02', i7: 'SYNTHETICCCCC', i5: null },
      ] }],
    );
    expect(sheet).toBe(golden('promethion-nbd114.csv'));
  });

  it('is BCL Convert v2 for an Illumina run, one row per library per lane', () => {
    const sheet = runSampleSheet({ name: 'MiSeq run', instrument: 'MISEQ', readStructure: '151T8B151T' }, [{ lane: 1, poolName: 'P', levels: defaults, libraries: [
      { barcode: 'SYN-LIB-1', indexId: null, i7: 'ATCCACTG', i5: null },
      { barcode: 'SYN-LIB-2', indexId: null, i7: 'GCTTGTCA', i5: null },
    ] }]);
    expect(sheet).toContain('[BCLConvert_Data]\nLane,Sample_ID,Index\n1,SYN-LIB-1,ATCCACTG\n1,SYN-LIB-2,GCTTGTCA\n');
  });

  it('judges a single-index lane by the levels its pool was judged by, as loadPoolOnLane does: i7s 2 apart have no sheet at errorMismatches 2, and one at the defaults', () => {
    // SYN-LIB-1 ↔ SYN-LIB-2: i7 positions 7, 8 → 2 (ATCCACTG / ATCCACCA); i5 not read.
    const libraries = [
      { barcode: 'SYN-LIB-1', indexId: null, i7: 'ATCCACTG', i5: 'AGGTGCGT' },
      { barcode: 'SYN-LIB-2', indexId: null, i7: 'ATCCACCA', i5: 'GAACATAC' },
    ];
    const run = { name: 'MiSeq run', instrument: 'MISEQ', readStructure: '151T8B151T' };
    const strict = { errorMismatches: 2, warningMismatches: 3 };
    expect(() => runSampleSheet(run, [{ lane: 1, poolName: 'P', levels: strict, libraries }]))
      .toThrow('SYN-LIB-1 and SYN-LIB-2: indexes ATCCACTG and ATCCACCA differ by 2 combined mismatches, and read structure 151T8B151T reads no second index (lane 1); no sample sheet can be written for them');
    expect(runSampleSheet(run, [{ lane: 1, poolName: 'P', levels: defaults, libraries }])).toContain('[BCLConvert_Data]\nLane,Sample_ID,Index\n1,SYN-LIB-1,ATCCACTG\n1,SYN-LIB-2,ATCCACCA\n');
    // Rows of two pools on one lane are judged by the stricter pool's levels; rows with none (a job's) by the defaults.
    const rows = libraries.map((l) => ({ lane: 1, sampleId: l.barcode, i7: l.i7, i5: l.i5 }));
    expect(() => bclConvertSheet({ runName: 'r', model: model('MISEQ'), readStructure: '151T8B151T', rows: [{ ...rows[0]!, levels: defaults }, { ...rows[1]!, levels: strict }] })).toThrow(/differ by 2/);
    expect(() => bclConvertSheet({ runName: 'r', model: model('MISEQ'), readStructure: '151T8B151T', rows })).not.toThrow();
  });

  it('makes a MinKNOW sample_id of a free-text pool name', () => {
    expect(minknowSampleId('Pool A (2026/12)')).toBe('Pool_A_2026_12');
    expect(minknowSampleId('!!!')).toBe('pool');
    expect(minknowSampleId('x'.repeat(50))).toHaveLength(40);
  });
});
