import { BadInputError } from '../../../platform/errors.js';
import type { MinknowRun } from '../events.js';
import type { Job } from './job.js';
import { DEFAULT_INDEX_CHECK_LEVELS, laneLevels, unreadI5Collision, type IndexCheckLevels } from './index-check.js';
import { i5ForSampleSheet, instrumentModel, type InstrumentModel } from './instruments.js';
import { DEFAULT_READ_STRUCTURE, indexLengths, indexMisfit, needsOverride, overrideCycles, parseReads } from './read-structure.js';

const BCL_CONVERT_VERSION = '4.2.7';

const csvField = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

export interface SheetRow {
  /** null: the row is written for every lane (no Lane column when no row has one). */
  lane: number | null;
  sampleId: string;
  i7: string;
  /** Forward (kit) orientation; the sheet writes it as the instrument wants. */
  i5: string | null;
  /** The mismatch levels of the pool the row's library came from; the defaults when absent (a job's samples are in no pool). */
  levels?: IndexCheckLevels;
}

/**
 * An Illumina sample sheet v2 for BCL Convert: [Header] with Illumina's InstrumentPlatform/Type where
 * known, [Reads] with the actual cycles of each read (UMI and skip cycles included), OverrideCycles in
 * [BCLConvert_Settings] when a read has UMI or skip cycles, and [BCLConvert_Data] with one row per
 * sample per lane, i5 in the instrument's orientation. Index lengths must equal the index cycles (indexMisfit).
 * With no second index read no i5 is written (no Index2 column), and each lane's rows must differ by i7 alone
 * (unreadI5Collision) at the strictest levels of its rows' pools (laneLevels), as loadPoolOnLane judges the lane.
 */
export const bclConvertSheet = (input: { runName: string; model: InstrumentModel; readStructure: string; rows: readonly SheetRow[] }): string => {
  const { model } = input;
  if (model.vendor !== 'ILLUMINA') throw new BadInputError(`${model.name} runs are described by a MinKNOW sample sheet, not BCL Convert's`, { field: 'platform' });
  const reads = parseReads(input.readStructure);
  const templates = reads.filter((r) => r.kind === 'TEMPLATE');
  const indexes = reads.filter((r) => r.kind === 'INDEX');
  const [, index2Length] = indexLengths(reads);
  // The commands refuse such indexes (loadPoolOnLane, addSampleToJob); a run or job loaded before they did answers why it has no sheet.
  for (const row of input.rows) {
    const misfit = indexMisfit(input.readStructure, reads, row);
    if (misfit) throw new BadInputError(`${row.sampleId}: ${misfit.message}; no sample sheet can be written for it`, { field: 'readStructure' });
  }
  const lanes = [...new Set(input.rows.map((r) => r.lane).filter((lane): lane is number => lane !== null))].sort((a, b) => a - b);
  const withLanes = lanes.length > 0;
  const rows = input.rows.flatMap((row) => (row.lane !== null || !withLanes ? [{ ...row }] : lanes.map((lane) => ({ ...row, lane }))));
  if (withLanes) rows.sort((a, b) => a.lane! - b.lane!);
  // With no second index read the sheet writes no i5: each lane's rows must differ by i7 alone.
  for (const lane of withLanes ? lanes : [null]) {
    const onLane = rows.filter((row) => row.lane === lane);
    const clash = unreadI5Collision(reads, onLane.map((row) => ({ id: row.sampleId, i7: row.i7, i5: row.i5 })), laneLevels(onLane.map((row) => row.levels ?? DEFAULT_INDEX_CHECK_LEVELS)));
    if (clash) throw new BadInputError(`${clash.libraryIds.join(' and ')}: ${clash.message}, and read structure ${input.readStructure.trim()} reads no second index${lane === null ? '' : ` (lane ${lane})`}; no sample sheet can be written for them`, { field: 'readStructure' });
  }
  const dual = index2Length !== undefined && input.rows.some((r) => r.i5 !== null);
  const header = withLanes ? ['Lane', 'Sample_ID', 'Index', ...(dual ? ['Index2'] : [])] : ['Sample_ID', 'Index', ...(dual ? ['Index2'] : [])];
  const line = (row: SheetRow) =>
    [...(withLanes ? [String(row.lane)] : []), csvField(row.sampleId), row.i7, ...(dual ? [row.i5 ? i5ForSampleSheet(model, row.i5) : ''] : [])].join(',');
  return [
    '[Header]',
    'FileFormatVersion,2',
    `RunName,${csvField(input.runName.replace(/[^A-Za-z0-9_-]/g, '_'))}`,
    ...(model.instrumentPlatform ? [`InstrumentPlatform,${model.instrumentPlatform}`] : []),
    ...(model.instrumentType ? [`InstrumentType,${model.instrumentType}`] : []),
    ...(model.headerIndexOrientation ? [`IndexOrientation,${model.headerIndexOrientation}`] : []),
    '',
    '[Reads]',
    `Read1Cycles,${templates[0]!.cycles}`,
    ...(templates[1] ? [`Read2Cycles,${templates[1].cycles}`] : []),
    ...(indexes[0] ? [`Index1Cycles,${indexes[0].cycles}`] : []),
    ...(indexes[1] ? [`Index2Cycles,${indexes[1].cycles}`] : []),
    '',
    '[BCLConvert_Settings]',
    `SoftwareVersion,${BCL_CONVERT_VERSION}`,
    ...(needsOverride(reads) ? [`OverrideCycles,${overrideCycles(reads)}`] : []),
    'CreateFastqForIndexReads,0',
    '',
    '[BCLConvert_Data]',
    header.join(','),
    ...rows.map(line),
    '',
  ].join('\n');
};

const MINKNOW_FIELD = /^[A-Za-z0-9_-]{1,40}$/;
/** MinKNOW's sample_id from a free-text name: the characters Dorado accepts, at most 40. */
export const minknowSampleId = (name: string): string => name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40) || 'pool';

/**
 * A MinKNOW sample sheet (CSV) for a Nanopore run: one row per barcoded sample on the flow cell.
 * Columns and formats as Oxford Nanopore documents them (ont-output-specifications, protocol_formats/
 * sample_sheet: barcode `barcode([0-9]+)`, alias `[A-Za-z0-9-_.]+`; Dorado's sample sheet page: one
 * experiment_id per sheet, identifiers at most 40 of A–Z, a–z, 0–9, _ and -, each barcode once).
 */
export const minknowSheet = (input: { flowCellId: string; kit: string; sampleId: string; experimentId: string; rows: ReadonlyArray<{ barcode: string; alias: string }> }): string => {
  for (const [field, value] of [['flowCellId', input.flowCellId], ['sampleId', input.sampleId], ['experimentId', input.experimentId]] as const) {
    if (!MINKNOW_FIELD.test(value)) throw new BadInputError(`${field} must be 1–40 of A–Z, a–z, 0–9, _ and -`, { field });
  }
  if (!/^[A-Z0-9-]+$/.test(input.kit)) throw new BadInputError(`"${input.kit}" is not a kit product code like SQK-LSK114`, { field: 'kit' });
  const barcodes = new Set<string>();
  for (const row of input.rows) {
    if (!/^barcode[0-9]+$/.test(row.barcode)) throw new BadInputError(`"${row.barcode}" is not a MinKNOW barcode (barcode01, barcode02, …)`, { field: 'barcode' });
    if (!/^[A-Za-z0-9._-]+$/.test(row.alias)) throw new BadInputError(`alias "${row.alias}" may hold only A–Z, a–z, 0–9, -, _ and .`, { field: 'alias' });
    if (barcodes.has(row.barcode)) throw new BadInputError(`barcode ${row.barcode} is used twice`, { field: 'barcode' });
    barcodes.add(row.barcode);
  }
  return [
    'flow_cell_id,kit,sample_id,experiment_id,barcode,alias',
    ...input.rows.map((row) => [input.flowCellId, input.kit, input.sampleId, input.experimentId, row.barcode, row.alias].map(csvField).join(',')),
    '',
  ].join('\n');
};

/**
 * The sample sheet of a job: BCL Convert v2 for an Illumina platform (i5 written as the instrument
 * wants it), null for a Nanopore platform (its MinKNOW sheet needs kit and barcodes a job does not hold).
 */
export const sampleSheet = (job: Pick<Job, 'name' | 'platform' | 'readStructure' | 'samples'>, sampleIdOf: (sampleId: string) => string): string | null => {
  const model = instrumentModel(job.platform);
  if (!model || model.vendor !== 'ILLUMINA') return null;
  return bclConvertSheet({
    runName: job.name,
    model,
    readStructure: job.readStructure ?? DEFAULT_READ_STRUCTURE,
    rows: job.samples.map((s) => ({ lane: s.lane, sampleId: sampleIdOf(s.sampleId), i7: s.i7Index, i5: s.i5Index })),
  });
};

/** A library as a run's sheet writes it: its barcode names it (Sample_ID, MinKNOW alias). */
export interface SheetLibrary {
  barcode: string;
  indexId: string | null;
  i7: string;
  i5: string | null;
}

/**
 * The sample sheet of a run from what is loaded on it: MinKNOW's CSV for a Nanopore run (one row per library,
 * barcode = the library's kit index id, alias = the library barcode, sample_id = the pool's name), BCL Convert
 * v2 for an Illumina run (one row per library per lane). `levels`: the mismatch levels the lane's pool was judged
 * by, as loadPoolOnLane takes them.
 */
export const runSampleSheet = (
  run: { name: string; instrument: string; readStructure: string | null; minknow?: MinknowRun },
  lanes: ReadonlyArray<{ lane: number; poolName: string; levels: IndexCheckLevels; libraries: readonly SheetLibrary[] }>,
): string => {
  const model = instrumentModel(run.instrument);
  if (!model) throw new BadInputError(`unknown instrument ${run.instrument}`, { field: 'instrument' });
  if (run.minknow) {
    return minknowSheet({
      ...run.minknow,
      sampleId: minknowSampleId(lanes.map((l) => l.poolName).join('_') || run.name),
      rows: lanes.flatMap((l) => l.libraries.map((library) => ({ barcode: library.indexId ?? '', alias: library.barcode }))),
    });
  }
  return bclConvertSheet({
    runName: run.name,
    model,
    readStructure: run.readStructure ?? DEFAULT_READ_STRUCTURE,
    rows: lanes.flatMap((l) => l.libraries.map((library) => ({ lane: l.lane, sampleId: library.barcode, i7: library.i7, i5: library.i5, levels: l.levels }))),
  });
};
