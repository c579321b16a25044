import { BadInputError } from '../errors.js';
import { BOX_STOCK, CRYO_TUBE_STOCK, LabelError, renderZpl, WIDE_BOX_STOCK, type LabelContent, type LabelStock, type Symbology } from './zpl.js';

/** The label languages the API offers (LabelFormat in the schemas). */
export type LabelFormat = 'ZPL';

/** One label of a print job, on the stock it is meant for (a box label and its tubes' differ). */
export interface LabelJobItem {
  content: LabelContent;
  stock: LabelStock;
}

/**
 * The stock a tube's label needs: a Data Matrix fits a cryo-tube cap label; a Code 128 with 2-dot
 * bars needs a 2 × 1 in wrap-around label up to 14 characters, and a 4 × 1 in one beyond.
 */
export const tubeStock = (symbology: Symbology, code: string): LabelStock =>
  symbology === 'DATAMATRIX' ? CRYO_TUBE_STOCK : code.length <= 14 ? BOX_STOCK : WIDE_BOX_STOCK;

/** A tube's label: its barcode, the barcode as text, then the lines its context chooses (type, date, …). */
export const tubeLabel = (barcode: string, symbology: Symbology, lines: ReadonlyArray<string | null>): LabelJobItem => ({
  content: { code: barcode, symbology, title: barcode, lines },
  stock: tubeStock(symbology, barcode),
});

/** The day a label shows for a time: its UTC date, YYYY-MM-DD, so every printer prints the same. */
export const labelDate = (at: string | Date): string => new Date(at).toISOString().slice(0, 10);

/**
 * One print job in `format`: the labels in the order given, each carrying its own width and
 * length, so one document can hold a box label and its tube labels. A label the renderer refuses
 * is the caller's input (a code outside the barcode alphabet), never an internal error.
 */
export const printLabels = (format: LabelFormat, items: readonly LabelJobItem[]): string => {
  switch (format) {
    case 'ZPL':
      try {
        return items.map((item) => renderZpl(item.content, item.stock)).join('');
      } catch (error) {
        if (error instanceof LabelError) throw new BadInputError(error.message, { field: 'label' });
        throw error;
      }
    default: {
      const unknown: never = format;
      throw new BadInputError(`unknown label format ${String(unknown)}`, { field: 'format' });
    }
  }
};
