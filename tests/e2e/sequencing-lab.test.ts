import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labClient } from '../support/lab.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

let system: TestSystem;
let lab: ReturnType<typeof labClient>;

beforeAll(async () => {
  // A lab that judges NovaSeq 6000 lanes by %PF as well (no default: Illumina gives no single number).
  // The default MAX_COST: the deep batching query below fits it (gateway/use-operation-limits.test.ts).
  system = await startTestSystem({ SEQUENCING_LAB_CONFIG: JSON.stringify({ qc: { NOVASEQ_6000: { minPercentPf: 70 } } }) });
  lab = labClient(system);
});
afterAll(() => system?.stop());

/** A synthetic kit: SYN03 is one mismatch from SYN01 (i7 position 8), so the two cannot share a pool. */
const KIT_CSV = ['index_id,i7,i5,well', 'SYN01,ACGTACGT,AGGTGCGT,A1', 'SYN02,TGCATGCA,GAACATAC,B1', 'SYN03,ACGTACGA,AGGTGCGT,C1'].join('\n');
const code = (result: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => result.errors?.[0]?.extensions?.code;

describe('sample → library → pool → lane → run → sheet through the gateway', () => {
  it('prepares libraries from kit indexes, pools them with index checks, loads lanes of a NovaSeq 6000 S1 and writes its sheet', async () => {
    const kit = (await lab.mutate(`mutation($csv: String!) { importIndexKit(input: { name: "Synthetic test kit", csv: $csv }) { position kit { id name indexes { indexId i7 i5 well } } } }`, { csv: KIT_CSV })).kit;
    expect(kit.indexes).toHaveLength(3);
    expect(code(await lab.gql(`mutation { importIndexKit(input: { name: "bad", csv: "index_id,i7\\nX1,ACGTXX" }) { position } }`))).toBe('BAD_USER_INPUT');

    const samples: string[] = [];
    for (const barcode of ['LIBSRC-0001', 'LIBSRC-0002', 'LIBSRC-0003', 'LIBSRC-0004']) samples.push(await lab.validatedSample(barcode));
    const prepare = (input: Record<string, unknown>) =>
      lab.gql(`mutation($input: PrepareLibraryInput!) { prepareLibrary(input: $input) { position library { id barcode status molarityNm i7Index i5Index indexId sample { barcode } } } }`, { input });
    const library = async (input: Record<string, unknown>) => {
      const result = await prepare(input);
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      return result.data.prepareLibrary.library;
    };
    // 10 ng/µl at 400 bp: 10 / (660 × 400) × 10^6 = 37.879 nM; 5 ng/µl at 500 bp: 15.152 nM.
    const one = await library({ sampleId: samples[0], barcode: 'LIB-0001', kitId: kit.id, indexId: 'SYN01', volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 });
    expect(one).toMatchObject({ barcode: 'LIB-0001', status: 'PREPARED', molarityNm: 37.879, i7Index: 'ACGTACGT', i5Index: 'AGGTGCGT', indexId: 'SYN01' });
    const two = await library({ sampleId: samples[1], barcode: 'LIB-0002', kitId: kit.id, indexId: 'SYN02', volumeUl: 20, concentrationNgUl: 5, meanFragmentBp: 500 });
    expect(two.molarityNm).toBe(15.152);
    const three = await library({ sampleId: samples[2], barcode: 'LIB-0003', kitId: kit.id, indexId: 'SYN03', volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 });
    // Explicit sequences: 2 combined mismatches from SYN03 (i7 position 7, i5 position 8), 3 from SYN01.
    const four = await library({ sampleId: samples[3], barcode: 'LIB-0004', i7Index: 'ACGTACCA', i5Index: 'AGGTGCGA', volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 });
    expect(code(await prepare({ sampleId: samples[0], barcode: 'LIB-0005', kitId: kit.id, indexId: 'NOPE', volumeUl: 1, concentrationNgUl: 1, meanFragmentBp: 1 }))).toBe('BAD_USER_INPUT');
    // The tube label through the gateway: Code 128 by default, Data Matrix on request.
    const labels = await lab.gql(`query($id: ID!) { library(id: $id) { label dm: label(format: ZPL, symbology: DATAMATRIX) } }`, { id: one.id });
    expect(labels.errors).toBeUndefined();
    for (const [zpl, symbol] of [[labels.data.library.label, '^BCN'], [labels.data.library.dm, '^BXN']] as const) {
      expect(zpl).toMatch(/^\^XA\n/);
      expect(zpl).toContain(symbol);
      expect(zpl).toContain('^FDLIB-0001^FS');
      expect(zpl).toContain('^FDLibrary SYN01^FS');
      expect(zpl).toMatch(/\^FD\d{4}-\d{2}-\d{2}\^FS/); // the preparation date (exact date: tests/labels golden files)
    }
    expect(code(await lab.gql(`query($id: ID!) { library(id: $id) { label(symbology: QR) } }`, { id: one.id }))).toBe('GRAPHQL_VALIDATION_FAILED');
    const qc = await lab.mutate(`mutation($id: ID!) { recordLibraryQc(libraryId: $id, verdict: PASS, note: "Bioanalyzer ok") { position library { status qcNote qcRecordedBy } } }`, { id: one.id });
    expect(qc.library).toMatchObject({ status: 'QC_PASSED', qcNote: 'Bioanalyzer ok' });
    expect(qc.library.qcRecordedBy).toBeTruthy();

    const pool = (name: string, libraries: Array<{ libraryId: string; proportion?: number }>) =>
      lab.gql(`mutation($input: CreatePoolInput!) { createPool(input: $input) { position warnings { kind message } pool { id name molarityNm volumeUl members { proportion volumeUl library { barcode } } } } }`,
        { input: { name, libraries, targetMolarityNm: 2, volumeUl: 50 } });
    const refused = await pool('Clash', [{ libraryId: one.id }, { libraryId: three.id }]);
    expect(code(refused)).toBe('CONFLICT');
    expect(refused.errors![0]!.message).toMatch(/1 combined mismatch/);
    const clean = await pool('Pool A', [{ libraryId: one.id }, { libraryId: two.id }]);
    expect(clean.errors).toBeUndefined();
    // Equal shares of 2 nM in 50 µl: 0.5 × 2 × 50 / 37.879 = 1.32 µl and 50 / 15.152 = 3.3 µl.
    expect(clean.data.createPool).toMatchObject({ warnings: [], pool: { name: 'Pool A', molarityNm: 2, volumeUl: 50, members: [
      { proportion: 1, volumeUl: 1.32, library: { barcode: 'LIB-0001' } },
      { proportion: 1, volumeUl: 3.3, library: { barcode: 'LIB-0002' } },
    ] } });
    const warned = await pool('Pool B', [{ libraryId: two.id }, { libraryId: three.id }, { libraryId: four.id, proportion: 2 }]);
    expect(warned.errors).toBeUndefined();
    expect(warned.data.createPool.warnings).toEqual([{ kind: 'INDEX_COLLISION', message: 'indexes ACGTACGA+AGGTGCGT and ACGTACCA+AGGTGCGA differ by 2 combined mismatches' }]);
    const poolA = clean.data.createPool.pool.id;
    const poolB = warned.data.createPool.pool.id;

    const run = (await lab.mutate(`mutation { createSequencingRun(input: { name: "NV6K 2026-12-02", instrument: "NOVASEQ_6000", flowcellType: "S1", readStructure: "151T8B8B151T" }) { position run { id laneCount } } }`)).run;
    expect(run.laneCount).toBe(2);
    const load = (lane: number, poolId: string) => lab.gql(`mutation($r: ID!, $l: Int!, $p: ID!) { loadPoolOnLane(runId: $r, lane: $l, poolId: $p) { position run { lanes { lane pool { name } } } } }`, { r: run.id, l: lane, p: poolId });
    expect((await load(1, poolA)).errors).toBeUndefined();
    expect(code(await load(3, poolB))).toBe('BAD_USER_INPUT'); // an S1 flowcell has lanes 1–2
    expect(code(await load(1, poolB))).toBe('CONFLICT');
    const loaded = await lab.mutate(`mutation($r: ID!, $p: ID!) { loadPoolOnLane(runId: $r, lane: 2, poolId: $p) { position run { lanes { lane pool { name } } } } }`, { r: run.id, p: poolB });
    expect(loaded.run.lanes).toEqual([{ lane: 1, pool: { name: 'Pool A' } }, { lane: 2, pool: { name: 'Pool B' } }]);

    const read = await lab.gql(`query($r: ID!) { sequencingRun(id: $r) { instrument { name chemistry i5Orientation } sampleSheet } }`, { r: run.id });
    expect(read.errors).toBeUndefined();
    expect(read.data.sequencingRun.instrument).toEqual({ name: 'NovaSeq 6000', chemistry: 'TWO_COLOUR', i5Orientation: 'REVERSE_COMPLEMENT' });
    const sheet: string = read.data.sequencingRun.sampleSheet;
    expect(sheet).toContain('[Reads]\nRead1Cycles,151\nRead2Cycles,151\nIndex1Cycles,8\nIndex2Cycles,8\n');
    // One row per library per lane; NovaSeq 6000 (v1.5) i5 reverse-complemented: AGGTGCGT → ACGCACCT, GAACATAC → GTATGTTC, AGGTGCGA → TCGCACCT.
    expect(parseCsv(sheet.split('[BCLConvert_Data]')[1]!.trim(), { columns: true })).toEqual([
      { Lane: '1', Sample_ID: 'LIB-0001', Index: 'ACGTACGT', Index2: 'ACGCACCT' },
      { Lane: '1', Sample_ID: 'LIB-0002', Index: 'TGCATGCA', Index2: 'GTATGTTC' },
      { Lane: '2', Sample_ID: 'LIB-0002', Index: 'TGCATGCA', Index2: 'GTATGTTC' },
      { Lane: '2', Sample_ID: 'LIB-0003', Index: 'ACGTACGA', Index2: 'ACGCACCT' },
      { Lane: '2', Sample_ID: 'LIB-0004', Index: 'ACGTACCA', Index2: 'TCGCACCT' },
    ]);

    // The links across subgraphs: sample → libraries → pools → runs, and back from a library to its sample.
    const linked = await lab.gql(`query($s: ID!, $l: ID!) { sample(id: $s) { barcode libraries { barcode pools { name runs { name } } } } library(id: $l) { sample { barcode status } } }`, { s: samples[1], l: four.id });
    expect(linked.errors).toBeUndefined();
    expect(linked.data.sample).toEqual({ barcode: 'LIBSRC-0002', libraries: [{ barcode: 'LIB-0002', pools: [
      { name: 'Pool A', runs: [{ name: 'NV6K 2026-12-02' }] },
      { name: 'Pool B', runs: [{ name: 'NV6K 2026-12-02' }] },
    ] }] });
    expect(linked.data.library.sample).toEqual({ barcode: 'LIBSRC-0004', status: 'VALIDATED' });
    const catalogue = await lab.gql(`{ instrumentModels { code flowcellTypes { code lanes } } }`);
    expect(catalogue.data.instrumentModels.find((m: { code: string }) => m.code === 'NOVASEQ_X').flowcellTypes).toEqual([{ code: '10B', lanes: 8 }, { code: '25B', lanes: 8 }]);
  });
});

describe('a Nanopore run through the gateway: flow cell, barcoded libraries, MinKNOW sample sheet', () => {
  /** A synthetic barcoding kit: index ids as MinKNOW names them, sequences made up for this test only. */
  const ONT_KIT_CSV = ['index_id,i7', 'barcode01,AAAACCCCGGGGTTTTAAAACCCC', 'barcode02,CCCCAAAATTTTGGGGCCCCAAAA', 'barcode03,GGGGTTTTAAAACCCCGGGGTTTT'].join('\n');
  const ILLUMINA_KIT_CSV = ['index_id,i7', 'SYNO1,ACGTTGCA'].join('\n');

  it('creates a PromethION run, loads a pool of barcoded libraries on its flow cell and serves the MinKNOW sheet', async () => {
    const kit = (await lab.mutate(`mutation($csv: String!) { importIndexKit(input: { name: "Synthetic SQK-NBD114-24 stand-in", csv: $csv }) { position kit { id } } }`, { csv: ONT_KIT_CSV })).kit;
    const illumina = (await lab.mutate(`mutation($csv: String!) { importIndexKit(input: { name: "Synthetic Illumina one", csv: $csv }) { position kit { id } } }`, { csv: ILLUMINA_KIT_CSV })).kit;
    const library = async (barcode: string, kitId: string, indexId: string) => {
      const sampleId = await lab.validatedSample(`ONT-SRC-${barcode.slice(-4)}`);
      return (await lab.mutate(`mutation($input: PrepareLibraryInput!) { prepareLibrary(input: $input) { position library { id } } }`,
        { input: { sampleId, barcode, kitId, indexId, volumeUl: 20, concentrationNgUl: 30, meanFragmentBp: 8000 } })).library.id as string;
    };
    const a = await library('ONT-LIB-0001', kit.id, 'barcode01');
    const b = await library('ONT-LIB-0002', kit.id, 'barcode02');
    const plain = await library('ONT-LIB-0003', illumina.id, 'SYNO1');
    const pool = async (name: string, libraries: string[]) => (await lab.mutate(`mutation($input: CreatePoolInput!) { createPool(input: $input) { position pool { id } } }`,
      { input: { name, libraries: libraries.map((libraryId) => ({ libraryId })), targetMolarityNm: 0.05, volumeUl: 12 } })).pool.id as string;
    const barcoded = await pool('ONT pool 1', [a, b]);
    const unbarcoded = await pool('ONT pool 2', [a, plain]);

    const create = (input: Record<string, unknown>) => lab.gql(`mutation($input: CreateSequencingRunInput!) { createSequencingRun(input: $input) { position run { id laneCount readStructure flowCellId kit experimentId instrument { chemistry } } } }`, { input });
    const ont = { name: 'PromethION 2026-12-02', instrument: 'PROMETHION', flowcellType: 'FLO-PRO114', flowCellId: 'PAK12345', kit: 'SQK-NBD114-24', experimentId: 'EXP-2026-12-02' };
    expect(code(await create({ ...ont, kit: undefined }))).toBe('BAD_USER_INPUT');
    expect(code(await create({ ...ont, readStructure: '151T8B151T' }))).toBe('BAD_USER_INPUT');
    expect(code(await create({ name: 'x', instrument: 'MISEQ', flowcellType: 'MISEQ_V3', readStructure: '151T8B151T', kit: 'SQK-NBD114-24' }))).toBe('BAD_USER_INPUT');
    const created = await create(ont);
    expect(created.errors).toBeUndefined();
    const run = created.data.createSequencingRun.run;
    expect(run).toMatchObject({ laneCount: 1, readStructure: null, flowCellId: 'PAK12345', kit: 'SQK-NBD114-24', experimentId: 'EXP-2026-12-02', instrument: { chemistry: 'NANOPORE' } });

    const load = (lane: number, poolId: string) => lab.gql(`mutation($r: ID!, $l: Int!, $p: ID!) { loadPoolOnLane(runId: $r, lane: $l, poolId: $p) { position warnings { kind } run { lanes { lane pool { name } } } } }`, { r: run.id, l: lane, p: poolId });
    const refused = await load(1, unbarcoded);
    expect(code(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0]!.message).toMatch(/ONT-LIB-0003 has no MinKNOW barcode/);
    expect(code(await load(2, barcoded))).toBe('BAD_USER_INPUT'); // one flow cell, one position
    const loaded = await load(1, barcoded);
    expect(loaded.errors).toBeUndefined();
    expect(loaded.data.loadPoolOnLane).toMatchObject({ warnings: [], run: { lanes: [{ lane: 1, pool: { name: 'ONT pool 1' } }] } });

    const read = await lab.gql(`query($r: ID!) { sequencingRun(id: $r) { sampleSheet } }`, { r: run.id });
    expect(read.errors).toBeUndefined();
    expect(read.data.sequencingRun.sampleSheet).toBe([
      'flow_cell_id,kit,sample_id,experiment_id,barcode,alias',
      'PAK12345,SQK-NBD114-24,ONT_pool_1,EXP-2026-12-02,barcode01,ONT-LIB-0001',
      'PAK12345,SQK-NBD114-24,ONT_pool_1,EXP-2026-12-02,barcode02,ONT-LIB-0002',
      '',
    ].join('\n'));
    expect(code(await lab.gql(`mutation($r: ID!) { recordLaneQc(runId: $r, lane: 1, metrics: { q30Percent: 60 }) { position } }`, { r: run.id }))).toBe('BAD_USER_INPUT');
    const done = await lab.mutate(`mutation($r: ID!) { completeSequencingRun(runId: $r, qcOverrideReason: "MinKNOW run report reviewed") { position run { status qcVerdict } } }`, { r: run.id });
    expect(done.run).toEqual({ status: 'COMPLETED', qcVerdict: null });
  });
});

describe('completing a job without run metrics', () => {
  it('is refused unless someone gives a qcOverrideReason, which then lets the samples become SEQUENCED', async () => {
    const sample = await lab.validatedSample('NOQC-0001');
    const job = (await lab.mutate(`mutation { createSequencingJob(input: { name: "No metrics", platform: MISEQ, readStructure: "151T8B151T" }) { position job { id } } }`)).job.id;
    await lab.mutate(`mutation($j: ID!, $s: ID!) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: "ACGTACGT") { position } }`, { j: job, s: sample });
    await lab.mutate(`mutation($j: ID!) { queueJob(jobId: $j) { position } }`, { j: job });
    await lab.mutate(`mutation($j: ID!) { startJob(jobId: $j, flowcellId: "FC-NOQC-1") { position } }`, { j: job });
    const refused = await lab.gql(`mutation($j: ID!) { completeJob(jobId: $j) { position } }`, { j: job });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'qcOverrideReason' });
    const done = await lab.mutate(`mutation($j: ID!) { completeJob(jobId: $j, qcOverrideReason: "InterOp lost; FASTQ checked by hand") { position job { status qcVerdict } } }`, { j: job });
    expect(done.job).toEqual({ status: 'COMPLETED', qcVerdict: null });
    await lab.eventually(`query($id: ID!) { sample(id: $id) { status } }`, { id: sample }, (d) => d.sample.status === 'SEQUENCED', 'sample SEQUENCED');
  });
});

describe('a job\'s run metrics are judged by the lab\'s thresholds for its instrument and flowcell type', () => {
  const jobWithMetrics = async (barcode: string, input: string, metrics: Record<string, number>) => {
    const sample = await lab.validatedSample(barcode);
    const job = (await lab.mutate(`mutation { createSequencingJob(input: ${input}) { position job { id flowcellType } } }`)).job;
    await lab.mutate(`mutation($j: ID!, $s: ID!) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: "ACGTACGT") { position } }`, { j: job.id, s: sample });
    await lab.mutate(`mutation($j: ID!) { queueJob(jobId: $j) { position } }`, { j: job.id });
    await lab.mutate(`mutation($j: ID!) { startJob(jobId: $j, flowcellId: "FC-JOBQC-1") { position } }`, { j: job.id });
    const recorded = await lab.mutate(`mutation($j: ID!, $m: RunMetricsInput!) { recordRunMetrics(jobId: $j, metrics: $m) { position job { qcVerdict } } }`, { j: job.id, m: metrics });
    return { flowcellType: job.flowcellType, verdict: recorded.job.qcVerdict };
  };

  it('a NovaSeq 6000 job: density not judged (patterned), %PF below the lab\'s 70 warns', async () => {
    expect((await jobWithMetrics('JOBQC-0001', '{ name: "NV6K job", platform: NOVASEQ_6000, readStructure: "151T8B151T" }', { q30Percent: 92, clusterDensityKmm2: 3000 })).verdict).toBe('PASS');
    expect((await jobWithMetrics('JOBQC-0002', '{ name: "NV6K job 2", platform: NOVASEQ_6000, readStructure: "151T8B151T" }', { q30Percent: 92, percentPf: 65 })).verdict).toBe('WARN');
  });

  it('a MiSeq v3 job: density outside 1200–1400 K/mm² warns; the flowcell type is given at creation and checked', async () => {
    expect(await jobWithMetrics('JOBQC-0003', '{ name: "MiSeq job", platform: MISEQ, flowcellType: "MISEQ_V3", readStructure: "151T8B151T" }', { q30Percent: 92, clusterDensityKmm2: 1100 }))
      .toEqual({ flowcellType: 'MISEQ_V3', verdict: 'WARN' });
    expect((await jobWithMetrics('JOBQC-0004', '{ name: "MiSeq job 2", platform: MISEQ, flowcellType: "MISEQ_V3", readStructure: "151T8B151T" }', { q30Percent: 92, clusterDensityKmm2: 1300 })).verdict).toBe('PASS');
    expect(code(await lab.gql(`mutation { createSequencingJob(input: { name: "x", platform: MISEQ, flowcellType: "S4" }) { position } }`))).toBe('BAD_USER_INPUT');
  });
});

describe('a run on a two-colour instrument: colour balance, lane QC by the lab\'s thresholds, completion', () => {
  it('warns when every i7 starts with the dark base, judges a lane with who recorded it, and completes with the worst verdict', async () => {
    const libraries: string[] = [];
    // Both i7 start with G, which a two-colour NovaSeq 6000 sees as no signal; 6 mismatches apart.
    for (const [n, i7] of [[1, 'GGACTTAC'], [2, 'GTCAGGAT']] as const) {
      const sampleId = await lab.validatedSample(`CB-SRC-000${n}`);
      libraries.push((await lab.mutate(`mutation($input: PrepareLibraryInput!) { prepareLibrary(input: $input) { position library { id } } }`,
        { input: { sampleId, barcode: `LIB-010${n}`, i7Index: i7, volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 } })).library.id);
    }
    const pool = (await lab.mutate(`mutation($input: CreatePoolInput!) { createPool(input: $input) { position warnings { kind } pool { id } } }`,
      { input: { name: 'Dark start', libraries: libraries.map((libraryId) => ({ libraryId })), targetMolarityNm: 2, volumeUl: 50 } }));
    expect(pool.warnings).toEqual([]); // colour balance is the instrument's matter: known only on loading
    const run = (await lab.mutate(`mutation { createSequencingRun(input: { name: "NV6K QC", instrument: "NOVASEQ_6000", flowcellType: "SP", readStructure: "151T8B151T" }) { position run { id status qcThresholds { q30 { failBelow warnBelow } minPercentPf minOccupancyPercent clusterDensityKmm2 { min } } } } }`)).run;
    expect(run).toMatchObject({ status: 'PLANNED', qcThresholds: { q30: { failBelow: 75, warnBelow: 80 }, minPercentPf: 70, minOccupancyPercent: null, clusterDensityKmm2: null } });
    const loaded = await lab.mutate(`mutation($r: ID!, $p: ID!) { loadPoolOnLane(runId: $r, lane: 1, poolId: $p) { position warnings { kind message } } }`, { r: run.id, p: pool.pool.id });
    expect(loaded.warnings).toEqual([{ kind: 'COLOUR_BALANCE', message: 'lane 1: every i7 index has G (no signal on NovaSeq 6000) at cycle 1' }]);

    const record = (lane: number, metrics: Record<string, number>) =>
      lab.gql(`mutation($r: ID!, $l: Int!, $m: LaneMetricsInput!) { recordLaneQc(runId: $r, lane: $l, metrics: $m) { position run { laneQc { lane verdict reasons recordedBy metrics { q30Percent percentPf clusterDensityKmm2 } } } } }`, { r: run.id, l: lane, m: metrics });
    expect(code(await record(2, { q30Percent: 90 }))).toBe('BAD_USER_INPUT'); // lane 2 holds no pool
    expect(code(await record(1, { q30Percent: 120 }))).toBe('BAD_USER_INPUT');
    // Patterned SP: density is not judged; %PF 65 is below the lab's 70.
    const judged = await record(1, { q30Percent: 88, percentPf: 65, clusterDensityKmm2: 2900 });
    expect(judged.errors).toBeUndefined();
    const [laneQc] = judged.data.recordLaneQc.run.laneQc;
    expect(laneQc).toMatchObject({ lane: 1, verdict: 'WARN', reasons: ['%PF 65 is below 70'], metrics: { q30Percent: 88, percentPf: 65, clusterDensityKmm2: 2900 } });
    expect(laneQc.recordedBy).toBeTruthy();

    const done = await lab.mutate(`mutation($r: ID!) { completeSequencingRun(runId: $r) { position run { status qcVerdict qcOverrideReason completedBy completedAt } } }`, { r: run.id });
    expect(done.run).toMatchObject({ status: 'COMPLETED', qcVerdict: 'WARN', qcOverrideReason: null });
    expect(done.run.completedBy).toBeTruthy();
    expect(code(await record(1, { q30Percent: 95 }))).toBe('CONFLICT');
    const read = await lab.gql(`query($r: ID!) { sequencingRun(id: $r) { status qcVerdict laneQc { lane verdict } } }`, { r: run.id });
    expect(read.data.sequencingRun).toEqual({ status: 'COMPLETED', qcVerdict: 'WARN', laneQc: [{ lane: 1, verdict: 'WARN' }] });
  });

  it('completes a run whose lanes have no QC only with a reason', async () => {
    const sampleId = await lab.validatedSample('CB-SRC-0003');
    const library = (await lab.mutate(`mutation($input: PrepareLibraryInput!) { prepareLibrary(input: $input) { position library { id } } }`,
      { input: { sampleId, barcode: 'LIB-0103', i7Index: 'ACGTACGT', volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 } })).library.id;
    // Library barcodes are unique per tenant (the claim stream is named by tenant and barcode).
    const again = { sampleId, barcode: 'LIB-0103', i7Index: 'TTGGCCAA', volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 };
    expect(code(await lab.gql(`mutation($input: PrepareLibraryInput!) { prepareLibrary(input: $input) { position } }`, { input: again }))).toBe('CONFLICT');
    const pool = (await lab.mutate(`mutation($input: CreatePoolInput!) { createPool(input: $input) { position pool { id } } }`, { input: { name: 'One', libraries: [{ libraryId: library }], targetMolarityNm: 2, volumeUl: 50 } })).pool.id;
    const run = (await lab.mutate(`mutation { createSequencingRun(input: { name: "MiSeq override", instrument: "MISEQ", flowcellType: "MISEQ_V3", readStructure: "151T8B151T" }) { position run { id qcThresholds { clusterDensityKmm2 { min max } } } } }`)).run;
    expect(run.qcThresholds.clusterDensityKmm2).toEqual({ min: 1200, max: 1400 });
    await lab.mutate(`mutation($r: ID!, $p: ID!) { loadPoolOnLane(runId: $r, lane: 1, poolId: $p) { position } }`, { r: run.id, p: pool });
    const refused = await lab.gql(`mutation($r: ID!) { completeSequencingRun(runId: $r) { position } }`, { r: run.id });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'qcOverrideReason' });
    const done = await lab.mutate(`mutation($r: ID!) { completeSequencingRun(runId: $r, qcOverrideReason: "InterOp lost") { position run { status qcVerdict qcOverrideReason } } }`, { r: run.id });
    expect(done.run).toEqual({ status: 'COMPLETED', qcVerdict: null, qcOverrideReason: 'InterOp lost' });
  });
});

describe('what loading a pool checks: indexes against the read structure, library QC, the run\'s own lanes', () => {
  const library = async (barcode: string, i7: string, i5: string | null = null) => {
    const sampleId = await lab.validatedSample(`SRC-${barcode}`);
    return (await lab.mutate(`mutation($input: PrepareLibraryInput!) { prepareLibrary(input: $input) { position library { id } } }`,
      { input: { sampleId, barcode, i7Index: i7, i5Index: i5, volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 } })).library.id as string;
  };
  const pool = async (name: string, libraries: string[]) => (await lab.mutate(`mutation($input: CreatePoolInput!) { createPool(input: $input) { position pool { id } } }`,
    { input: { name, libraries: libraries.map((libraryId) => ({ libraryId })), targetMolarityNm: 2, volumeUl: 50 } })).pool.id as string;
  const run = async (name: string, flowcellType: string, readStructure: string, instrument = 'MISEQ') =>
    (await lab.mutate(`mutation($input: CreateSequencingRunInput!) { createSequencingRun(input: $input) { position run { id } } }`, { input: { name, instrument, flowcellType, readStructure } })).run.id as string;
  const load = (runId: string, lane: number, poolId: string) => lab.gql(`mutation($r: ID!, $l: Int!, $p: ID!) { loadPoolOnLane(runId: $r, lane: $l, poolId: $p) { position run { lanes { lane } } } }`, { r: runId, l: lane, p: poolId });

  it('refuses a pool whose i7 is shorter than the run\'s index read (BAD_USER_INPUT naming it and the index cycles), so the run keeps its sheet', async () => {
    const r2 = await run('r2', 'MISEQ_V3', '151T8B8B151T');
    const short = await pool('Short index pool', [await library('LIB-SHORT-1', 'GGGGCC')]);
    const refused = await load(r2, 1, short);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'poolId' });
    expect(refused.errors![0]!.message).toContain('library LIB-SHORT-1: i7 index GGGGCC is 6 bases; read structure 151T8B8B151T reads 8 (Index1Cycles)');
    const read = await lab.gql(`query($r: ID!) { sequencingRun(id: $r) { name lanes { lane } sampleSheet } }`, { r: r2 });
    expect(read.errors).toBeUndefined();
    expect(read.data.sequencingRun).toMatchObject({ name: 'r2', lanes: [] });
    expect(code(await lab.gql(`mutation($r: ID!) { completeSequencingRun(runId: $r, qcOverrideReason: "x") { position } }`, { r: r2 }))).toBe('BAD_USER_INPUT'); // nothing loaded
  });

  it('loads dual-indexed libraries on a single-index run: their i5 is not read, so the sheet writes none (no Index2 column)', async () => {
    const single = await run('single index', 'MISEQ_V3', '151T8B151T');
    const dual = await pool('Dual index pool', [await library('LIB-DUAL-1', 'ACGTACGT', 'AGGTGCGT'), await library('LIB-DUAL-2', 'TGCATGCA', 'GAACATAC')]);
    const loaded = await load(single, 1, dual);
    expect(loaded.errors).toBeUndefined();
    expect(loaded.data.loadPoolOnLane.run.lanes).toEqual([{ lane: 1 }]);
    const read = await lab.gql(`query($r: ID!) { sequencingRun(id: $r) { sampleSheet } }`, { r: single });
    expect(read.errors).toBeUndefined();
    const sheet: string = read.data.sequencingRun.sampleSheet;
    expect(sheet).toContain('[Reads]\nRead1Cycles,151\nRead2Cycles,151\nIndex1Cycles,8\n\n');
    expect(sheet.split('[BCLConvert_Data]')[1]!.trim()).toBe('Lane,Sample_ID,Index\n1,LIB-DUAL-1,ACGTACGT\n1,LIB-DUAL-2,TGCATGCA');
  });

  it('refuses on a single-index run a pool whose libraries differ only by i5 (CONFLICT, INDEX_COLLISION, naming both); a dual-index run takes it', async () => {
    const first = await library('LIB-I5ONLY-1', 'ACGTACGT', 'AGGTGCGT');
    const second = await library('LIB-I5ONLY-2', 'ACGTACGT', 'GAACATAC');
    const onlyI5 = await pool('Differ by i5 only', [first, second]);
    const refused = await load(await run('single index i5-only', 'MISEQ_V3', '151T8B151T'), 1, onlyI5);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT', reason: 'INDEX_COLLISION', field: 'poolId',
      libraries: [{ libraryId: first, barcode: 'LIB-I5ONLY-1' }, { libraryId: second, barcode: 'LIB-I5ONLY-2' }],
    });
    expect(refused.errors![0]!.message).toBe('indexes ACGTACGT and ACGTACGT differ by 0 combined mismatches (libraries LIB-I5ONLY-1 and LIB-I5ONLY-2): read structure 151T8B151T reads no second index, so their i5 is not read and they cannot be demultiplexed on one lane');
    expect((await load(await run('dual index i5-only', 'MISEQ_V3', '151T8B8B151T'), 1, onlyI5)).errors).toBeUndefined();
  });

  it('judges a single-index lane by the levels the pool was judged by: i7s 2 apart are refused from a pool made with errorMismatches 2 and loaded from one made at the defaults; the sheet agrees', async () => {
    // i7 positions 7 and 8 → 2 (the defaults refuse at 1); the i5s differ at all 8 positions, so either level pools them.
    const first = await library('LIB-LEVELS-1', 'ACGTACGT', 'AGGTGCGT');
    const second = await library('LIB-LEVELS-2', 'ACGTACCA', 'GAACATAC');
    const strict = (await lab.mutate(`mutation($input: CreatePoolInput!) { createPool(input: $input) { position warnings { kind } pool { id } } }`, { input: {
      name: 'Strict levels', libraries: [{ libraryId: first }, { libraryId: second }], targetMolarityNm: 2, volumeUl: 50, indexCheck: { errorMismatches: 2, warningMismatches: 3 },
    } })).pool.id as string;
    const refused = await load(await run('single index strict', 'MISEQ_V3', '151T8B151T'), 1, strict);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT', reason: 'INDEX_COLLISION', field: 'poolId',
      libraries: [{ libraryId: first, barcode: 'LIB-LEVELS-1' }, { libraryId: second, barcode: 'LIB-LEVELS-2' }],
    });
    expect(refused.errors![0]!.message).toBe('indexes ACGTACGT and ACGTACCA differ by 2 combined mismatches (libraries LIB-LEVELS-1 and LIB-LEVELS-2): read structure 151T8B151T reads no second index, so their i5 is not read and they cannot be demultiplexed on one lane');
    // A dual-index run reads the i5s: the strict pool goes on.
    expect((await load(await run('dual index strict', 'MISEQ_V3', '151T8B8B151T'), 1, strict)).errors).toBeUndefined();

    const lenient = await pool('Default levels', [first, second]);
    const single = await run('single index default levels', 'MISEQ_V3', '151T8B151T');
    expect((await load(single, 1, lenient)).errors).toBeUndefined();
    const sheet = await lab.gql(`query($r: ID!) { sequencingRun(id: $r) { sampleSheet } }`, { r: single });
    expect(sheet.errors).toBeUndefined();
    expect(sheet.data.sequencingRun.sampleSheet.split('[BCLConvert_Data]')[1]!.trim()).toBe('Lane,Sample_ID,Index\n1,LIB-LEVELS-1,ACGTACGT\n1,LIB-LEVELS-2,ACGTACCA');

    // The strict pool on a single-index lane, as recorded before loadPoolOnLane judged it by its levels: no sheet, by the same rule.
    const old = await run('single index strict, loaded before', 'MISEQ_V3', '151T8B151T');
    const { position } = await system.runtime.store.append(`SequencingRun-${old}`, 1, [{ type: 'PoolLoaded', data: { runId: old, lane: 1, poolId: strict } }],
      { tenantId: 'demo', actor: 'test', correlationId: crypto.randomUUID(), occurredAt: new Date().toISOString() });
    const unwritten = await system.gql(`query($r: ID!) { sequencingRun(id: $r) { lanes { lane } sampleSheet } }`, { r: old }, { 'x-tracseq-consistent-with': position });
    expect(unwritten.data.sequencingRun).toEqual({ lanes: [{ lane: 1 }], sampleSheet: null });
    expect(unwritten.errors![0]).toMatchObject({ path: ['sequencingRun', 'sampleSheet'], extensions: { code: 'BAD_USER_INPUT' } });
    expect(unwritten.errors![0]!.message).toContain('LIB-LEVELS-1 and LIB-LEVELS-2: indexes ACGTACGT and ACGTACCA differ by 2 combined mismatches, and read structure 151T8B151T reads no second index (lane 1)');
  });

  it('a run loaded before the check still answers: its sampleSheet is null with an error naming the library and index, the rest of the run is there', async () => {
    const old = await run('loaded before the check', 'MISEQ_V3', '151T8B8B151T');
    const short = await pool('Old short pool', [await library('LIB-OLD-1', 'GGGGCC')]);
    // What loadPoolOnLane recorded before it checked indexes.
    const { position } = await system.runtime.store.append(`SequencingRun-${old}`, 1, [{ type: 'PoolLoaded', data: { runId: old, lane: 1, poolId: short } }],
      { tenantId: 'demo', actor: 'test', correlationId: crypto.randomUUID(), occurredAt: new Date().toISOString() });
    const read = await system.gql(`query($r: ID!) { sequencingRun(id: $r) { name lanes { lane pool { name } } sampleSheet } }`, { r: old }, { 'x-tracseq-consistent-with': position });
    expect(read.data.sequencingRun).toEqual({ name: 'loaded before the check', lanes: [{ lane: 1, pool: { name: 'Old short pool' } }], sampleSheet: null });
    expect(read.errors).toHaveLength(1);
    expect(read.errors![0]).toMatchObject({ path: ['sequencingRun', 'sampleSheet'], extensions: { code: 'BAD_USER_INPUT' } });
    expect(read.errors![0]!.message).toContain('LIB-OLD-1: i7 index GGGGCC is 6 bases; read structure 151T8B8B151T reads 8 (Index1Cycles)');
  });

  it('refuses a pool holding a library that failed QC after pooling (CONFLICT, LIBRARY_QC_FAILED, decided on the library\'s stream); a new passing QC lets it on', async () => {
    const passed = await library('LIB-QC-1', 'ACGTACGT');
    const failing = await library('LIB-QC-2', 'TGCATGCA');
    await lab.mutate(`mutation($l: ID!) { recordLibraryQc(libraryId: $l, verdict: PASS) { position } }`, { l: passed });
    const pooled = await pool('QC pool', [passed, failing]);
    await lab.mutate(`mutation($l: ID!) { recordLibraryQc(libraryId: $l, verdict: FAIL, note: "adapter dimers") { position } }`, { l: failing });
    const target = await run('QC run', 'MISEQ_V3', '151T8B151T');
    const refused = await load(target, 1, pooled);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'LIBRARY_QC_FAILED', libraries: [{ libraryId: failing, barcode: 'LIB-QC-2' }] });
    expect(refused.errors![0]!.message).toContain('library LIB-QC-2 failed QC');
    await lab.mutate(`mutation($l: ID!) { recordLibraryQc(libraryId: $l, verdict: PASS, note: "re-run Bioanalyzer") { position } }`, { l: failing });
    const loaded = await load(target, 1, pooled);
    expect(loaded.errors).toBeUndefined();
    expect(loaded.data.loadPoolOnLane.run.lanes).toEqual([{ lane: 1 }]);
  });

  it('refuses a pool of libraries one of which failed QC (CONFLICT, LIBRARY_QC_FAILED naming each), as a lane refuses such a pool', async () => {
    const good = await library('LIB-QCP-1', 'ACGTACGT');
    const bad = await library('LIB-QCP-2', 'TGCATGCA');
    await lab.mutate(`mutation($l: ID!) { recordLibraryQc(libraryId: $l, verdict: FAIL, note: "low yield") { position } }`, { l: bad });
    const refused = await lab.gql(`mutation($input: CreatePoolInput!) { createPool(input: $input) { position } }`,
      { input: { name: 'QC-failed pool', libraries: [{ libraryId: good }, { libraryId: bad }], targetMolarityNm: 2, volumeUl: 50 } });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'LIBRARY_QC_FAILED', libraries: [{ libraryId: bad, barcode: 'LIB-QCP-2' }] });
    expect(refused.errors![0]!.message).toBe('library LIB-QCP-2 failed QC: it goes into no pool (record a passing QC, or leave it out)');
  });

  it('names the run\'s own lanes for a lane off its flowcell: 0 or 9 on a four-lane S4 are "lanes 1–4", loading or recording QC', async () => {
    const s4 = await run('S4 lanes', 'S4', '151T8B151T', 'NOVASEQ_6000');
    const pooled = await pool('S4 pool', [await library('LIB-S4-1', 'ACGTACGT')]);
    for (const lane of [0, 5, 9]) {
      const refused = await load(s4, lane, pooled);
      expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lane', min: 1, max: 4 });
      expect(refused.errors![0]!.message).toBe(`lane ${lane} is not on this run: a S4 flowcell has lanes 1–4`);
      const qc = await lab.gql(`mutation($r: ID!, $l: Int!) { recordLaneQc(runId: $r, lane: $l, metrics: { q30Percent: 90 }) { position } }`, { r: s4, l: lane });
      expect(qc.errors?.[0]?.message).toBe(`lane ${lane} is not on this run: a S4 flowcell has lanes 1–4`);
    }
  });

  it('refuses a read structure beyond what an instrument reads (99999T8B), and one on a PromethION job, as on a PromethION run', async () => {
    const create = (readStructure: string) => lab.gql(`mutation($rs: String!) { createSequencingRun(input: { name: "long", instrument: "MISEQ", flowcellType: "MISEQ_V3", readStructure: $rs }) { position } }`, { rs: readStructure });
    const refused = await create('99999T8B');
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'readStructure' });
    expect(refused.errors![0]!.message).toContain('read 1 has 99999 cycles; no instrument reads more than 301 in one read');
    expect((await create('301T8B8B301T')).errors).toBeUndefined();
    const ont = await lab.gql(`mutation { createSequencingJob(input: { name: "ONT job", platform: PROMETHION, readStructure: "151T8B151T" }) { position } }`);
    expect(ont.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'readStructure' });
    expect((await lab.mutate(`mutation { createSequencingJob(input: { name: "ONT job", platform: PROMETHION }) { position job { readStructure sampleSheet } } }`)).job)
      .toEqual({ readStructure: null, sampleSheet: null });
  });
});

describe('the sequencing links are batched', () => {
  it('a constant, small number of SQL statements in sequencing for Sample.libraries → Library.pools → Pool.runs → Run.lanes.pool, however many samples', async () => {
    const i7 = ['AAAAAAAA', 'CCCCCCCC', 'GGGGGGGG', 'TTTTTTTT', 'ACACACAC', 'GTGTGTGT'];
    const libraries: string[] = [];
    for (const [n, index] of i7.entries()) {
      const sampleId = await lab.validatedSample(`SQLN-000${n + 1}`);
      libraries.push((await lab.mutate(`mutation($input: PrepareLibraryInput!) { prepareLibrary(input: $input) { position library { id } } }`,
        { input: { sampleId, barcode: `LIB-SQLN-${n + 1}`, i7Index: index, volumeUl: 20, concentrationNgUl: 10, meanFragmentBp: 400 } })).library.id);
    }
    for (const pair of [0, 1, 2]) {
      const pool = (await lab.mutate(`mutation($input: CreatePoolInput!) { createPool(input: $input) { position pool { id } } }`,
        { input: { name: `SQLN pool ${pair + 1}`, libraries: [{ libraryId: libraries[2 * pair] }, { libraryId: libraries[2 * pair + 1] }], targetMolarityNm: 2, volumeUl: 50 } })).pool.id;
      const run = (await lab.mutate(`mutation($name: String!) { createSequencingRun(input: { name: $name, instrument: "MISEQ", flowcellType: "MISEQ_V2", readStructure: "151T8B151T" }) { position run { id } } }`, { name: `SQLN run ${pair + 1}` })).run.id;
      await lab.mutate(`mutation($r: ID!, $p: ID!) { loadPoolOnLane(runId: $r, lane: 1, poolId: $p) { position } }`, { r: run, p: pool });
    }
    const query = `query($first: Int) { samples(first: $first, filter: { barcodePrefix: "SQLN-" }) { edges { node { barcode libraries { barcode pools { name runs { name lanes { lane pool { name } } } } } } } } }`;
    const count = async (first: number) => {
      const before = system.runtime.sqlStatements.get('sequencing') ?? 0;
      const read = await lab.gql(query, { first });
      expect(read.errors).toBeUndefined();
      const nodes = read.data.samples.edges.map((e: any) => e.node);
      expect(nodes).toHaveLength(first);
      for (const node of nodes) expect(node.libraries[0].pools[0].runs[0].lanes).toEqual([{ lane: 1, pool: { name: node.libraries[0].pools[0].name } }]);
      return system.runtime.sqlStatements.get('sequencing')! - before;
    };
    const few = await count(2);
    const many = await count(6);
    expect(many).toBe(few);
    // libraries of the samples, pools of the libraries, runs of the pools, the lanes' pools.
    expect(many).toBeLessThanOrEqual(4);
  });
});
