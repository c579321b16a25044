import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { progress, type ProgressOutput } from './cli/progress.js';
import { table } from './cli/table.js';

const IMPORT = `mutation ImportSamples($csv: String!) { importSamples(csv: $csv) { position imported { id } errors { row barcode message } } }`;

export interface ImportOptions {
  file: string;
  /** The gateway's /graphql. */
  gatewayUrl: string;
  /** Sent as is (Authorization, x-api-key, x-tracseq-tenant in development). */
  headers: Record<string, string>;
  /** Rows per importSamples call: small enough for steady progress, large enough to fill group commits. */
  chunkRows: number;
  out?: ProgressOutput;
  /** Where the summary and the error table go. @default process.stdout */
  report?: (text: string) => void;
}

/**
 * Imports a CSV of any size through the gateway, `chunkRows` rows per importSamples mutation (the
 * server takes at most 10 000 at once), with progress. Row numbers in the report count from 1 after
 * the header across the whole file. `parentId` may name a barcode of an earlier chunk: by then it
 * is an existing sample.
 */
export const importSamplesFile = async (options: ImportOptions): Promise<{ imported: number; failed: number }> => {
  const report = options.report ?? ((text: string) => process.stdout.write(`${text}\n`));
  let records: Array<{ raw: string }>;
  try {
    // The server's own parse options, so blank lines count as rows here exactly as there.
    records = parse(readFileSync(options.file, 'utf8'), { raw: true, relax_column_count: true, skip_empty_lines: false, bom: true }) as unknown as Array<{ raw: string }>;
  } catch (error) {
    throw new Error(`${options.file} is not valid CSV: ${(error as Error).message}`);
  }
  const [header, ...rows] = records;
  if (!header) throw new Error(`${options.file} is empty: expected a header row`);
  const line = (raw: string) => (raw.endsWith('\n') ? raw : `${raw}\n`);
  const bar = progress({ label: `import ${options.file}`, total: rows.length, unit: 'rows', out: options.out });
  let imported = 0;
  const errors: Array<{ row: number; barcode: string | null; message: string }> = [];
  for (let start = 0; start < rows.length; start += options.chunkRows) {
    const chunk = rows.slice(start, start + options.chunkRows);
    const csv = line(header.raw) + chunk.map((row) => line(row.raw)).join('');
    const response = await fetch(options.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify({ query: IMPORT, variables: { csv }, operationName: 'ImportSamples' }),
    });
    const body = (await response.json().catch(() => ({}))) as { data?: { importSamples?: { imported: unknown[]; errors: typeof errors } }; errors?: Array<{ message: string; extensions?: { code?: string } }> };
    if (!body.data?.importSamples) {
      const error = body.errors?.[0];
      throw new Error(`rows ${start + 1}–${start + chunk.length}: ${error ? `${error.extensions?.code ? `${error.extensions.code}: ` : ''}${error.message}` : `HTTP ${response.status}`} (${imported} rows imported before)`);
    }
    imported += body.data.importSamples.imported.length;
    errors.push(...body.data.importSamples.errors.map((error) => ({ ...error, row: error.row + start })));
    bar.update(start + chunk.length);
  }
  bar.finish(`${imported} imported, ${errors.length} refused`);
  if (errors.length > 0) {
    const shown = errors.slice(0, 50);
    report(table(['ROW', 'BARCODE', 'ERROR'], shown.map((error) => [error.row, error.barcode ?? '', error.message]), { maxWidth: 100 }));
    if (errors.length > shown.length) report(`… and ${errors.length - shown.length} more`);
  }
  return { imported, failed: errors.length };
};
