import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../../platform/errors.js';
import { SAMPLE_TYPES } from '../events.js';
import { MAX_IMPORT_ROWS, readSampleCsv } from './import-samples.js';

/** Seeded, so a failure names a run anyone can repeat. */
const SEED = 19;
const runs = (n: number) => ({ seed: SEED, numRuns: n });

interface Sample {
  barcode: string;
  sampleType: string;
  volumeUl: number | null;
  submitter: string | null;
  projectCode: string | null;
  metadata: unknown;
}

const barcode = fc.stringMatching(/^[A-Z0-9][A-Z0-9_-]{5,31}$/);
/** Text a person types: commas, quotes, line breaks, non-Latin letters; no formula start, no edge spaces (csv trims). */
const text = fc
  .string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r\n', ';', 'é', '字', '😀', "'", '0'), minLength: 1, maxLength: 30 })
  .map((s) => s.trim())
  .filter((s) => s.length > 0 && !/^[=+\-@]/.test(s));
const sample: fc.Arbitrary<Sample> = fc.record({
  barcode,
  sampleType: fc.constantFrom(...SAMPLE_TYPES),
  volumeUl: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((v) => Object.is(v, -0) ? 0 : v), { nil: null }),
  submitter: fc.option(text, { nil: null }),
  projectCode: fc.option(text, { nil: null }),
  metadata: fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.boolean())), { nil: null }),
});

const COLUMNS = ['barcode', 'sampleType', 'volumeUl', 'submitter', 'projectCode', 'metadata'] as const;

/** RFC 4180: quote a field holding a delimiter, quote or line break; double the quotes inside. */
const quote = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
const cellOf = (s: Sample, column: (typeof COLUMNS)[number]) => {
  const value = s[column];
  if (value === null) return '';
  return column === 'metadata' ? JSON.stringify(value) : String(value);
};
const toCsv = (samples: Sample[], order: readonly (typeof COLUMNS)[number][], options: { bom: boolean; eol: string }) =>
  (options.bom ? '\uFEFF' : '') + [order.join(','), ...samples.map((s) => order.map((column) => quote(cellOf(s, column))).join(','))].join(options.eol) + options.eol;

const layout = fc.record({ bom: fc.boolean(), eol: fc.constantFrom('\n', '\r\n'), order: fc.shuffledSubarray([...COLUMNS], { minLength: COLUMNS.length }) });

describe('reading an import CSV', () => {
  it('reads back exactly what was written, whatever the quoting, BOM, line ends and column order', () => {
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 20 }), layout, (samples, { bom, eol, order }) => {
        const rows = readSampleCsv(toCsv(samples, order, { bom, eol }));
        expect(rows.map((r) => r.row)).toEqual(samples.map((_, i) => i + 1));
        rows.forEach((row, i) => {
          const s = samples[i]!;
          expect(row.error).toBeUndefined();
          expect(row.input).toEqual({ barcode: s.barcode, sampleType: s.sampleType, volumeUl: s.volumeUl, concentrationNgUl: null, submitter: s.submitter, projectCode: s.projectCode, metadata: s.metadata });
        });
      }),
      runs(200),
    );
  });

  it('refuses the row of any text cell a spreadsheet would run as a formula, and only that row', () => {
    const formula = fc.tuple(fc.constantFrom('=', '+', '-', '@'), fc.constantFrom('cmd|\' /C calc\'!A0', 'HYPERLINK("http://x")', '1+1', 'SUM(A1:A9)')).map(([start, rest]) => start + rest);
    fc.assert(
      fc.property(fc.array(sample, { minLength: 2, maxLength: 10 }), fc.nat(), fc.constantFrom('submitter', 'projectCode', 'barcode') as fc.Arbitrary<'submitter' | 'projectCode' | 'barcode'>, formula, (samples, pick, column, cell) => {
        const victim = pick % samples.length;
        const poisoned = samples.map((s, i) => (i === victim ? { ...s, [column]: cell } : s));
        const rows = readSampleCsv(toCsv(poisoned, COLUMNS, { bom: false, eol: '\n' }));
        expect(rows[victim]!.error).toMatch(new RegExp(`^${column} starts with .*formulas are not accepted`));
        expect(rows.filter((r) => r.error)).toHaveLength(1);
      }),
      runs(200),
    );
  });

  it('answers any text with rows or BAD_USER_INPUT, never another error', () => {
    const anyCsv = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.array(fc.array(fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', '\uFEFF', '=', '{', '\u0000', 'barcode', 'sampleType', 'metadata', 'volumeUl'), maxLength: 12 }), { maxLength: 6 }), { maxLength: 6 })
        .map((rows) => ['barcode,sampleType,metadata,volumeUl', ...rows.map((r) => r.join(','))].join('\n')),
    );
    fc.assert(
      fc.property(anyCsv, (csv) => {
        try {
          const rows = readSampleCsv(csv);
          for (const row of rows) expect(row.input !== undefined || typeof row.error === 'string').toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(BadInputError);
        }
      }),
      runs(200),
    );
  });

  it(`reads ${MAX_IMPORT_ROWS.toLocaleString('en')} rows and refuses one more`, () => {
    const samples = fc.sample(sample, { seed: SEED, numRuns: MAX_IMPORT_ROWS });
    const csv = toCsv(samples, COLUMNS, { bom: true, eol: '\r\n' });
    const rows = readSampleCsv(csv);
    expect(rows).toHaveLength(MAX_IMPORT_ROWS);
    expect(rows.every((r) => r.input)).toBe(true);
    expect(() => readSampleCsv(`${csv}${quote(cellOf(samples[0]!, 'barcode'))},DNA,,,,\r\n`)).toThrow(BadInputError);
  });
});
