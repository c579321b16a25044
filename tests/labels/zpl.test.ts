import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BOX_STOCK, CRYO_TUBE_STOCK, LabelError, escapeFieldData, renderZpl, renderZplBatch } from '../../platform/labels/zpl.js';

const golden = (name: string) => readFileSync(new URL(`./golden/${name}`, import.meta.url), 'utf8');

// The golden files were checked command by command against Zebra's ZPL II Programming Guide
// (^BC Code 128 mode A, ^BX quality 200, ^FH escapes, ^CI28, ^PW/^LL in dots at 203 dpi).
describe('ZPL labels', () => {
  it('prints a cryo tube label with a Data Matrix, its id, type and date', () => {
    const zpl = renderZpl({ code: 'RNA-000123', symbology: 'DATAMATRIX', title: 'RNA-000123', lines: ['RNA', '2026-12-02'] }, CRYO_TUBE_STOCK);
    expect(zpl).toBe(golden('cryo-tube-datamatrix.zpl'));
  });

  it('prints a box label with a Code 128 and the box name', () => {
    const zpl = renderZpl({ code: 'BOX-A1-07', symbology: 'CODE128', title: 'Freezer A / Rack 1 / Box 7', lines: ['−80 °C', '81 positions'] }, BOX_STOCK);
    expect(zpl).toBe(golden('box-code128.zpl'));
  });

  it('prints a batch as one job of consecutive labels, one per tube', () => {
    const labels = ['DNA-1', 'DNA-2', 'DNA-3'].map((code) => ({ code: `${code}0000`, symbology: 'DATAMATRIX' as const, title: `${code}0000`, lines: ['DNA'] }));
    const job = renderZplBatch(labels, CRYO_TUBE_STOCK);
    expect(job.match(/\^XA/g)).toHaveLength(3);
    expect(job.match(/\^XZ/g)).toHaveLength(3);
    expect(job.split('^XZ\n').slice(0, 3).map((label) => /\^BX[^\n]*\^FD([^^]+)\^FS/.exec(label)?.[1])).toEqual(['DNA-10000', 'DNA-20000', 'DNA-30000']);
  });

  it('escapes text that would otherwise end a field or start a command', () => {
    expect(escapeFieldData('a^b~c_d')).toBe('a_5Eb_7Ec_5Fd');
    const zpl = renderZpl({ code: 'S_0001', symbology: 'CODE128', title: 'note ^XZ~JR', lines: [] }, BOX_STOCK);
    expect(zpl.match(/\^XZ/g)).toHaveLength(1);
    expect(zpl).toContain('^FDS_5F0001^FS');
    expect(zpl).not.toContain('~JR');
  });

  it('drops lines that do not fit instead of printing over the edge', () => {
    const zpl = renderZpl({ code: 'RNA-000123', symbology: 'DATAMATRIX', title: 'RNA-000123', lines: ['one', 'two', 'three', 'four', 'five', 'six'] }, CRYO_TUBE_STOCK);
    const heights = [...zpl.matchAll(/\^FO\d+,(\d+)\^A0N,(\d+)/g)].map((m) => Number(m[1]) + Number(m[2]));
    expect(Math.max(...heights)).toBeLessThanOrEqual(102);
    expect(zpl).not.toContain('six');
  });

  it('refuses a code outside the lab barcode alphabet and a stock too small to print on', () => {
    expect(() => renderZpl({ code: 'bad code', symbology: 'CODE128', title: 'x' }, BOX_STOCK)).toThrow(LabelError);
    expect(() => renderZpl({ code: 'ABC123', symbology: 'CODE128', title: 'x' }, { widthMm: 10, heightMm: 5 })).toThrow(LabelError);
  });
});
