import { BOX_STOCK, CRYO_TUBE_STOCK, renderZpl, type LabelStock, type Symbology } from '../../../platform/labels/zpl.js';
import type { Library } from './library.js';

/**
 * The stock per symbology: a Data Matrix leaves room for three lines beside it on the 1.28 × 0.5 in
 * cryo-tube stock; a Code 128 needs the label's width for its bars, and on that stock the text under it
 * would stop at the id (type and date dropped), so it goes on the 2 × 1 in stock.
 */
const STOCK: Record<Symbology, LabelStock> = { DATAMATRIX: CRYO_TUBE_STOCK, CODE128: BOX_STOCK };

/** A library tube's label: its barcode for the scanner; the barcode, "Library" with its kit index id and the preparation date (UTC) for a person. */
export const libraryLabel = (library: Pick<Library, 'barcode' | 'index' | 'preparedAt'>, symbology: Symbology): string =>
  renderZpl({
    code: library.barcode,
    symbology,
    title: library.barcode,
    lines: [library.index.indexId ? `Library ${library.index.indexId}` : 'Library', library.preparedAt.slice(0, 10)],
  }, STOCK[symbology]);
