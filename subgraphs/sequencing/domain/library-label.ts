import { labelDate, printLabels, tubeLabel, type LabelFormat } from '../../../platform/labels/print.js';
import type { Symbology } from '../../../platform/labels/zpl.js';
import type { Library } from './library.js';

/** A library tube's label: its barcode for the scanner; the barcode, "Library" with its kit index id and the preparation date (UTC) for a person. */
export const libraryLabel = (library: Pick<Library, 'barcode' | 'index' | 'preparedAt'>, symbology: Symbology, format: LabelFormat = 'ZPL'): string =>
  printLabels(format, [tubeLabel(library.barcode, symbology, [library.index.indexId ? `Library ${library.index.indexId}` : 'Library', labelDate(library.preparedAt)])]);
