import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { libraryLabel } from '../../subgraphs/sequencing/domain/library-label.js';

const golden = (name: string) => readFileSync(new URL(`./golden/${name}`, import.meta.url), 'utf8');

const library = { barcode: 'LIB-0001', index: { kitId: 'k1', indexId: 'SYN01', i7: 'ACGTACGT', i5: null }, preparedAt: '2026-12-02T21:40:00.000Z' };

// Checked command by command against Zebra's ZPL II Programming Guide as the other golden labels are:
// ^PW260/^LL102 is the 32.5 × 12.7 mm cryo-tube stock at 203 dpi, ^BY2 then ^BCN,…,N,N,N,A a Code 128 in
// automatic mode without interpretation line, ^BXN,3,200 a Data Matrix ECC 200, ^FH escapes.
describe('library tube labels', () => {
  it('prints a Code 128 with the library barcode, "Library" with its index id, and the preparation date', () => {
    expect(libraryLabel(library, 'CODE128')).toBe(golden('library-code128.zpl'));
  });

  it('prints a Data Matrix when asked, with the same text', () => {
    expect(libraryLabel(library, 'DATAMATRIX')).toBe(golden('library-datamatrix.zpl'));
  });

  it('says "Library" alone for typed-in indexes', () => {
    const zpl = libraryLabel({ ...library, index: { kitId: null, indexId: null, i7: 'ACGTACGT', i5: null } }, 'CODE128');
    expect(zpl).toContain('^FDLibrary^FS');
    expect(zpl).not.toContain('SYN01');
  });
});
