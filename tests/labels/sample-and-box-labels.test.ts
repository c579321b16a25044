import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../platform/errors.js';
import { printLabels, tubeLabel } from '../../platform/labels/print.js';
import { BOX_STOCK, CRYO_TUBE_STOCK, LabelError, renderZpl } from '../../platform/labels/zpl.js';
import { sampleLabel } from '../../subgraphs/samples/sample-label.js';
import type { StoredSampleRow, UnitRow } from '../../subgraphs/storage/read-model/queries.js';
import { unitLabels } from '../../subgraphs/storage/unit-labels.js';

const golden = (name: string) => readFileSync(new URL(`./golden/${name}`, import.meta.url), 'utf8');

const BOX: UnitRow = {
  id: '5f0c7a52-3c1e-4d1a-9b7e-0a6f2d9c4e11', name: 'Freezer A / Rack 1 / Box 7', kind: 'BOX', zone: 'MINUS_80', parent_id: null, rows: 9, columns: 9,
  min_temp_c: null, max_temp_c: null, capacity: 81, occupied: 2, reserved: 0, latest_celsius: null, latest_recorded_at: null, latest_in_range: null,
};
const STORED: StoredSampleRow[] = [
  { unit_id: BOX.id, position_label: 'A1', barcode: 'RNA-000123', sample_type: 'RNA', placed_at: new Date('2026-12-02T09:15:00Z') },
  { unit_id: BOX.id, position_label: 'B3', barcode: 'DNA-000456', sample_type: 'DNA', placed_at: new Date('2026-12-01T23:59:59Z') },
];

// Golden files checked command by command against Zebra's ZPL II Programming Guide, as zpl.test.ts's.
describe('sample labels', () => {
  it('prints a tube label with a Data Matrix, the barcode as text, the type and the UTC registration day', () => {
    // Registered 23:30 UTC: the label shows the UTC day, whatever the printer's time zone.
    expect(sampleLabel({ barcode: 'RNA-000123', sampleType: 'RNA', createdAt: '2026-12-02T23:30:00.000Z' }, 'ZPL', 'DATAMATRIX')).toBe(golden('cryo-tube-datamatrix.zpl'));
  });

  it('prints a Code 128 on the 2 × 1 in wrap-around label, where the bars and all three lines fit', () => {
    const zpl = sampleLabel({ barcode: 'SMP-2026-0042', sampleType: 'BLOOD', createdAt: '2026-12-02T23:30:00.000Z' }, 'ZPL', 'CODE128');
    expect(zpl).toBe(golden('sample-code128.zpl'));
  });

  it('keeps the longest lab barcode (32 characters) on the label, with 2-dot bars on the 4 × 1 in label', () => {
    const zpl = sampleLabel({ barcode: 'A'.repeat(32), sampleType: 'DNA', createdAt: '2026-12-02T00:00:00.000Z' }, 'ZPL', 'CODE128');
    expect(zpl).toContain('^PW812');
    expect(zpl).toContain('^BY2');
    // (32 + 2) × 11 + 13 modules × 2 dots, from x = 12: inside 812 dots.
    expect(12 + ((32 + 2) * 11 + 13) * 2).toBeLessThanOrEqual(812);
  });
});

describe('box labels', () => {
  it("prints a box's own label then one tube label per stored sample, in position order, as one job (Data Matrix)", () => {
    expect(unitLabels(BOX, STORED, 'ZPL', 'DATAMATRIX')).toBe(golden('box-batch-datamatrix.zpl'));
  });

  it('prints the box id as a Code 128 on the 4 × 1 in label, and its tubes on theirs (Code 128)', () => {
    const job = unitLabels(BOX, STORED, 'ZPL', 'CODE128');
    expect(job).toBe(golden('box-batch-code128.zpl'));
    expect(job.match(/\^XA/g)).toHaveLength(3);
    expect([...job.matchAll(/\^B[CX]N[^\n]*\^FD([^^]+)\^FS/g)].map((m) => m[1])).toEqual(['5F0C7A52-3C1E-4D1A-9B7E-0A6F2D9C4E11', 'RNA-000123', 'DNA-000456']);
  });

  it('prints just the unit for an empty box or a freezer', () => {
    const job = unitLabels({ ...BOX, kind: 'FREEZER', rows: null, columns: null, zone: 'CRYO', name: 'LN2 tank' }, [], 'ZPL', 'DATAMATRIX');
    expect(job.match(/\^XA/g)).toHaveLength(1);
    expect(job).toContain('^FDcryo, below −130 °C^FS');
    expect(job).toContain('^FDFREEZER^FS');
  });

  it('escapes a unit name that would end a field or start a printer command', () => {
    const job = unitLabels({ ...BOX, name: 'Box ^XZ~JR_1' }, STORED, 'ZPL', 'DATAMATRIX');
    expect(job.match(/\^XZ/g)).toHaveLength(3);
    expect(job).toContain('^FDBox _5EXZ_7EJR_5F1^FS');
    expect(job).not.toContain('~JR');
  });
});

describe('printing', () => {
  it('narrows the bars of a long Code 128 to keep it on the label, and refuses one that cannot fit', () => {
    const long = renderZpl({ code: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', symbology: 'CODE128', title: 'x' }, BOX_STOCK);
    expect(long).toContain('^BY1');
    expect(() => renderZpl({ code: 'A'.repeat(40), symbology: 'CODE128', title: 'x' }, BOX_STOCK)).toThrow(LabelError);
  });

  it('reserves room for the largest Data Matrix the printer may make, so the symbol never runs into the text', () => {
    // 32 characters the printer may have to encode one codeword each: a 24 × 24 symbol at most.
    const zpl = renderZpl({ code: 'A-B-C-D-E-F-G-H-I-J-K-L-M-N-O-P-', symbology: 'DATAMATRIX', title: 'x' }, CRYO_TUBE_STOCK);
    const [, module] = /\^BXN,(\d+),200/.exec(zpl)!;
    const [, textX] = /\^FO(\d+),12\^A0N/.exec(zpl)!;
    expect(12 + 24 * Number(module)).toBeLessThanOrEqual(102 - 12);
    expect(Number(textX)).toBeGreaterThan(12 + 24 * Number(module));
    // Digits pair up (one codeword per two), so an all-digit code gets a smaller symbol and larger modules.
    const digits = renderZpl({ code: '12345678901234567890123456789012', symbology: 'DATAMATRIX', title: 'x' }, CRYO_TUBE_STOCK);
    expect(Number(/\^BXN,(\d+),200/.exec(digits)![1])).toBeGreaterThan(Number(module));
    // 64 characters need a 36 × 36 symbol: more than an 8 mm label can hold at 2 dots a module.
    expect(() => renderZpl({ code: 'A'.repeat(64), symbology: 'DATAMATRIX', title: 'x' }, { widthMm: 30, heightMm: 8 })).toThrow(LabelError);
  });

  it('answers a label the printer cannot take as bad input, not an internal error', () => {
    expect(() => printLabels('ZPL', [tubeLabel('not a barcode', 'CODE128', [])])).toThrow(BadInputError);
  });
});
