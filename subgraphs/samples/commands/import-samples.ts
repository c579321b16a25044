import { parse } from 'csv-parse/sync';
import type { CommandContext } from '../../../event-store/command-handler.js';
import { compareCheckpoints, parsePosition } from '../../../event-store/position.js';
import { asDomainError, BadInputError } from '../../../platform/errors.js';
import { parseJson } from '../../../platform/graphql/scalars.js';
import { isSampleType, notASampleType } from '../../../platform/lab-rules.js';
import type { SampleView } from '../read-model/queries.js';
import type { RegisterSampleInput, SampleCommands } from './sample-commands.js';

export interface ImportResult {
  imported: SampleView[];
  errors: Array<{ row: number; barcode: string | null; message: string }>;
  position: string;
}

const COLUMNS = ['barcode', 'sampleType', 'volumeUl', 'concentrationNgUl', 'submitter', 'projectCode', 'metadata', 'parentId'] as const;
type Column = (typeof COLUMNS)[number];

/**
 * @default 10_000 rows per import
 */
export const MAX_IMPORT_ROWS = 10_000;
/** Rows registered at once: enough to fill a group commit, few enough to keep the pool free. */
const CONCURRENCY = 16;

class RowError extends Error {}

/** One data row of an import file, read but not yet registered. */
export interface CsvRow {
  /** Counting from 1 after the header row. */
  row: number;
  barcode: string | null;
  /** The sample to register, unless the row was refused (then `error`). */
  input?: RegisterSampleInput;
  /** `parentId` as written: a sample id, or a barcode resolved when the row is registered. */
  parentRef?: string;
  error?: string;
}

/**
 * Reads an import file without touching anything: header row of RegisterSampleInput field names in
 * any order (a byte-order mark, CRLF or LF line ends, and RFC 4180 quoting are all fine); blank rows
 * are skipped. A file-level problem throws BAD_USER_INPUT; a bad row comes back with its `error`.
 */
export const readSampleCsv = (csv: string): CsvRow[] => {
  let records: string[][];
  try {
    records = parse(csv, { relax_column_count: true, skip_empty_lines: false, trim: true, bom: true });
  } catch (error) {
    throw new BadInputError(`csv could not be parsed: ${(error as Error).message}`, { field: 'csv' });
  }
  const [header, ...rows] = records;
  if (!header) throw new BadInputError('csv is empty: expected a header row', { field: 'csv' });
  const unknown = header.filter((name) => !(COLUMNS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new BadInputError(`unknown column(s): ${unknown.map((name) => JSON.stringify(name.slice(0, 40))).join(', ')}; allowed: ${COLUMNS.join(', ')}`, { field: 'csv' });
  const repeated = header.filter((name, index) => header.indexOf(name) !== index);
  if (repeated.length > 0) throw new BadInputError(`column(s) named twice: ${repeated.join(', ')}`, { field: 'csv' });
  for (const required of ['barcode', 'sampleType']) {
    if (!header.includes(required)) throw new BadInputError(`the header row must include ${required}`, { field: 'csv' });
  }
  if (rows.length > MAX_IMPORT_ROWS) throw new BadInputError(`at most ${MAX_IMPORT_ROWS} rows per import`, { field: 'csv' });
  return rows.flatMap((cells, index): CsvRow[] => {
    if (cells.every((cell) => cell === '')) return [];
    const row = index + 1;
    const fields = Object.fromEntries(header.map((name, column) => [name, cells[column] ?? ''])) as Record<Column, string>;
    const barcode = fields.barcode || null;
    try {
      if (cells.length !== header.length) throw new RowError(`expected ${header.length} fields, found ${cells.length}`);
      return [{ row, barcode, input: toInput(fields), ...(fields.parentId ? { parentRef: fields.parentId } : {}) }];
    } catch (error) {
      if (!(error instanceof RowError)) throw error;
      return [{ row, barcode, error: error.message }];
    }
  });
};

/**
 * CSV import (see readSampleCsv). Each row registers on its own, so a bad row is reported and
 * never blocks the good ones. `parentId` may name a sample id, or the barcode of an existing
 * sample or of an earlier row.
 */
export const importSamples = async (samples: SampleCommands, context: CommandContext, csv: string): Promise<ImportResult> => {
  const rows = readSampleCsv(csv);
  const fileBarcodes = new Map<string, { row: number; id: Promise<string | null> }>();
  const outcomes: Array<{ row: number; barcode: string | null; sample?: SampleView; position?: string; message?: string }> = [];
  const tasks = rows.map((read, index) => {
    const { row, barcode } = read;
    let settle: (id: string | null) => void = () => undefined;
    if (barcode && !fileBarcodes.has(barcode)) fileBarcodes.set(barcode, { row, id: new Promise((resolve) => (settle = resolve)) });
    return async () => {
      try {
        if (!read.input) throw new RowError(read.error!);
        const input = { ...read.input };
        if (read.parentRef) input.parentId = await parentInFile(read.parentRef, row, fileBarcodes);
        const written = await samples.register(context, input);
        outcomes[index] = { row, barcode, sample: written.sample, position: written.position };
        settle(written.sample.id);
      } catch (error) {
        const refused = error instanceof RowError ? error : asDomainError(error);
        if (!refused) throw error;
        outcomes[index] = { row, barcode, message: refused.message };
        settle(null);
      }
    };
  });
  await runLimited(tasks, CONCURRENCY);

  const positions = outcomes.flatMap((outcome) => (outcome.position ? [outcome.position] : []));
  return {
    imported: outcomes.flatMap((outcome) => (outcome.sample ? [outcome.sample] : [])),
    errors: outcomes.flatMap((outcome) => (outcome.message ? [{ row: outcome.row, barcode: outcome.barcode, message: outcome.message }] : [])),
    position: positions.reduce((latest, position) => (compareCheckpoints(parsePosition(position), parsePosition(latest)) > 0 ? position : latest), '0:0'),
  };
};

/** A plain decimal: Number() alone would also take hex (0x10), binary and "Infinity". */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const number = (value: string, field: string): number | null => {
  if (value === '') return null;
  const parsed = DECIMAL.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(parsed)) throw new RowError(`${field} "${value.slice(0, 40)}" is not a number`);
  return parsed;
};

/**
 * Characters that make a spreadsheet run a cell as a formula (OWASP's CSV injection list). The lab's
 * files go back out to spreadsheets and sample sheets, so a text cell may not start with one.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const TEXT_COLUMNS = ['barcode', 'sampleType', 'submitter', 'projectCode', 'parentId'] as const;

const toInput = (fields: Record<Column, string>): RegisterSampleInput => {
  for (const column of TEXT_COLUMNS) {
    const cell = fields[column] ?? '';
    if (FORMULA_START.test(cell)) throw new RowError(`${column} starts with "${cell[0] === '\t' ? '\\t' : cell[0] === '\r' ? '\\r' : cell[0]}": spreadsheet formulas are not accepted`);
  }
  const sampleType = fields.sampleType.toUpperCase();
  if (!isSampleType(sampleType)) throw new RowError(notASampleType(fields.sampleType));
  let metadata: unknown = null;
  if (fields.metadata) {
    try {
      metadata = parseJson(JSON.parse(fields.metadata));
    } catch (error) {
      throw new RowError(error instanceof SyntaxError ? 'metadata is not valid JSON' : `metadata: ${(error as Error).message}`);
    }
  }
  return {
    barcode: fields.barcode ?? '',
    sampleType,
    volumeUl: number(fields.volumeUl ?? '', 'volumeUl'),
    concentrationNgUl: number(fields.concentrationNgUl ?? '', 'concentrationNgUl'),
    submitter: fields.submitter || null,
    projectCode: fields.projectCode || null,
    metadata,
  };
};

/**
 * A parent named by an earlier row of this file: that row's new id, once it is written. Any other
 * reference (a sample id, an existing tube's barcode) is registerSample's to resolve.
 */
const parentInFile = async (reference: string, row: number, fileBarcodes: Map<string, { row: number; id: Promise<string | null> }>): Promise<string> => {
  const inFile = fileBarcodes.get(reference);
  // Only earlier rows count: waiting on a later row could deadlock the worker pool.
  if (!inFile || inFile.row >= row) return reference;
  const id = await inFile.id;
  if (id) return id;
  throw new RowError(`parent ${reference} was not imported`);
};

const runLimited = async (tasks: Array<() => Promise<void>>, limit: number): Promise<void> => {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
};
