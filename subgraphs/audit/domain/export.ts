import type { RecordType } from '../events.js';
import { canonicalJson } from './trail.js';

/** One trail event as exported (the LabEvent fields). */
export interface TrailRow {
  id: string;
  type: string;
  streamId: string;
  streamType: string;
  version: number;
  position: string;
  occurredAt: string;
  actor: string | null;
  correlationId: string | null;
  data: unknown;
}

export type ExportFormat = 'CSV' | 'JSON';

export interface TrailExport {
  fileName: string;
  contentType: string;
  content: string;
}

const COLUMNS = ['position', 'occurredAt', 'type', 'streamType', 'streamId', 'version', 'actor', 'correlationId', 'eventId', 'data'] as const;

/**
 * A spreadsheet runs a cell that starts with = + - @ (or a tab / CR before one) as a formula
 * (OWASP "CSV injection"): such a cell gets a leading apostrophe, which spreadsheets show as text.
 */
const defused = (value: string): string => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled. */
const field = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

export const csvOf = (rows: readonly TrailRow[]): string => {
  const lines = [COLUMNS.join(',')];
  for (const row of rows) {
    const cells = [row.position, row.occurredAt, row.type, row.streamType, row.streamId, String(row.version), row.actor ?? '', row.correlationId ?? '', row.id, canonicalJson(row.data)];
    lines.push(cells.map((cell) => field(defused(cell))).join(','));
  }
  // RFC 4180 ends every record, the last included, with CRLF.
  return `${lines.join('\r\n')}\r\n`;
};

/** A record's trail as a file: CSV (text/csv, header row) or JSON (the record and its events). */
export const exportTrail = (record: { type: RecordType; id: string }, rows: readonly TrailRow[], format: ExportFormat): TrailExport => {
  const base = `${record.type.toLowerCase()}-${record.id}-audit-trail`;
  if (format === 'CSV') return { fileName: `${base}.csv`, contentType: 'text/csv; charset=utf-8; header=present', content: csvOf(rows) };
  return { fileName: `${base}.json`, contentType: 'application/json', content: JSON.stringify({ record, events: rows }, null, 2) };
};
