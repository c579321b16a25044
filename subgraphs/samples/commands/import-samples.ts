import { parse } from 'csv-parse/sync';
import type { CommandContext, CommandHandler } from '../../../event-store/command-handler.js';
import { compareCheckpoints, parsePosition } from '../../../event-store/position.js';
import { BadInputError, DomainError } from '../../../platform/errors.js';
import { isUuid } from '../../../platform/graphql/scalars.js';
import { SAMPLE_TYPES, type SampleType } from '../domain/events.js';
import { barcodeClaimStream } from '../domain/sample.js';
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

/**
 * CSV import: header row of RegisterSampleInput field names in any order; rows numbered from 1
 * after it. Each row registers on its own, so a bad row is reported and never blocks the good ones.
 * `parentId` may name a sample id, or the barcode of an existing sample or of an earlier row.
 */
export const importSamples = async (samples: SampleCommands, commands: CommandHandler, context: CommandContext, csv: string): Promise<ImportResult> => {
  let records: string[][];
  try {
    records = parse(csv, { relax_column_count: true, skip_empty_lines: false, trim: true, bom: true });
  } catch (error) {
    throw new BadInputError(`csv could not be parsed: ${(error as Error).message}`, { field: 'csv' });
  }
  const [header, ...rows] = records;
  if (!header) throw new BadInputError('csv is empty: expected a header row', { field: 'csv' });
  const unknown = header.filter((name) => !(COLUMNS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new BadInputError(`unknown column(s): ${unknown.join(', ')}; allowed: ${COLUMNS.join(', ')}`, { field: 'csv' });
  for (const required of ['barcode', 'sampleType']) {
    if (!header.includes(required)) throw new BadInputError(`the header row must include ${required}`, { field: 'csv' });
  }
  if (rows.length > MAX_IMPORT_ROWS) throw new BadInputError(`at most ${MAX_IMPORT_ROWS} rows per import`, { field: 'csv' });

  const fileBarcodes = new Map<string, { row: number; id: Promise<string | null> }>();
  const outcomes: Array<{ row: number; barcode: string | null; sample?: SampleView; position?: string; message?: string } | null> = [];
  const tasks = rows.map((cells, index) => {
    const row = index + 1;
    const fields = Object.fromEntries(header.map((name, column) => [name, cells[column] ?? ''])) as Record<Column, string>;
    const barcode = fields.barcode || null;
    let settle: (id: string | null) => void = () => undefined;
    if (barcode && !fileBarcodes.has(barcode)) fileBarcodes.set(barcode, { row, id: new Promise((resolve) => (settle = resolve)) });
    return async () => {
      if (cells.every((cell) => cell === '')) {
        outcomes[index] = null;
        return settle(null);
      }
      try {
        if (cells.length !== header.length) throw new RowError(`expected ${header.length} fields, found ${cells.length}`);
        const input = toInput(fields);
        if (fields.parentId) input.parentId = await resolveParent(fields.parentId, row, fileBarcodes, commands, context.tenantId);
        const written = await samples.register(context, input);
        outcomes[index] = { row, barcode, sample: written.sample, position: written.position };
        settle(written.sample.id);
      } catch (error) {
        if (!(error instanceof DomainError || error instanceof RowError)) throw error;
        outcomes[index] = { row, barcode, message: error.message };
        settle(null);
      }
    };
  });
  await runLimited(tasks, CONCURRENCY);

  const done = outcomes.filter((outcome) => outcome !== null);
  const positions = done.flatMap((outcome) => (outcome.position ? [outcome.position] : []));
  return {
    imported: done.flatMap((outcome) => (outcome.sample ? [outcome.sample] : [])),
    errors: done.flatMap((outcome) => (outcome.message ? [{ row: outcome.row, barcode: outcome.barcode, message: outcome.message }] : [])),
    position: positions.reduce((latest, position) => (compareCheckpoints(parsePosition(position), parsePosition(latest)) > 0 ? position : latest), '0:0'),
  };
};

const number = (value: string, field: string): number | null => {
  if (value === '') return null;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new RowError(`${field} "${value}" is not a number`);
  return parsed;
};

const toInput = (fields: Record<Column, string>): RegisterSampleInput => {
  const sampleType = fields.sampleType.toUpperCase();
  if (!(SAMPLE_TYPES as readonly string[]).includes(sampleType)) {
    throw new RowError(`sampleType "${fields.sampleType}" is not one of ${SAMPLE_TYPES.join(', ')}`);
  }
  let metadata: unknown = null;
  if (fields.metadata) {
    try {
      metadata = JSON.parse(fields.metadata);
    } catch {
      throw new RowError('metadata is not valid JSON');
    }
  }
  return {
    barcode: fields.barcode ?? '',
    sampleType: sampleType as SampleType,
    volumeUl: number(fields.volumeUl ?? '', 'volumeUl'),
    concentrationNgUl: number(fields.concentrationNgUl ?? '', 'concentrationNgUl'),
    submitter: fields.submitter || null,
    projectCode: fields.projectCode || null,
    metadata,
  };
};

/** A parent named by barcode: an earlier row of this file, or an existing sample (via its barcode claim). */
const resolveParent = async (
  reference: string,
  row: number,
  fileBarcodes: Map<string, { row: number; id: Promise<string | null> }>,
  commands: CommandHandler,
  tenantId: string,
): Promise<string> => {
  if (isUuid(reference)) return reference;
  const inFile = fileBarcodes.get(reference);
  // Only earlier rows count: waiting on a later row could deadlock the worker pool.
  if (inFile && inFile.row < row) {
    const id = await inFile.id;
    if (id) return id;
    throw new RowError(`parent ${reference} was not imported`);
  }
  const [claim] = await commands.store.readStream(barcodeClaimStream(tenantId, reference), { tenantId });
  if (!claim) throw new RowError(`parent ${reference} is neither a sample id nor a known barcode`);
  return (claim.data as { sampleId: string }).sampleId;
};

const runLimited = async (tasks: Array<() => Promise<void>>, limit: number): Promise<void> => {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
};
