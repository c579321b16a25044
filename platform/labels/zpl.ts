/**
 * ZPL II for the thermal label printers labs use (Zebra and compatibles): one label per tube, plate
 * or box, with the barcode a scanner reads and the text a person reads. Pure: content in, printer
 * program out; which fields a sample, library or box shows is decided by its context.
 *
 * Commands follow Zebra's ZPL II Programming Guide: ^XA/^XZ frame a label, ^CI28 selects UTF-8,
 * ^PW/^LL set width and length in dots, ^FO places a field, ^A0 is the scalable font, ^BC is Code 128
 * (mode A: the printer picks subsets), ^BX with quality 200 is Data Matrix ECC 200, and ^FH lets field
 * data carry `^`, `~` and `_` as hex escapes so no text can end a field or start a command.
 */

export type Symbology = 'CODE128' | 'DATAMATRIX';

/** The label stock loaded in the printer. */
export interface LabelStock {
  widthMm: number;
  heightMm: number;
  /** Print head resolution in dots per inch. @default 203 */
  dpi?: 203 | 300 | 600;
}

export interface LabelContent {
  /** What the scanner reads (a barcode of the lab's alphabet: A–Z, 0–9, `-`, `_`). */
  code: string;
  symbology: Symbology;
  /** The human-readable id, printed largest. */
  title: string;
  /** Further lines (type, date, ...), printed smaller; empty lines are dropped. */
  lines?: ReadonlyArray<string | null | undefined>;
}

/** A common cryo-tube label: 1.28 × 0.5 in (32.5 × 12.7 mm) at 203 dpi. */
export const CRYO_TUBE_STOCK: LabelStock = { widthMm: 32.5, heightMm: 12.7, dpi: 203 };
/** A common box/rack label: 2 × 1 in (50.8 × 25.4 mm) at 203 dpi; also a tube's wrap-around label for a Code 128. */
export const BOX_STOCK: LabelStock = { widthMm: 50.8, heightMm: 25.4, dpi: 203 };
/** A wide box label, 4 × 1 in (101.6 × 25.4 mm) at 203 dpi: room for a Code 128 of a 36-character id. */
export const WIDE_BOX_STOCK: LabelStock = { widthMm: 101.6, heightMm: 25.4, dpi: 203 };

const CODE = /^[A-Z0-9_-]{1,64}$/;

export class LabelError extends Error {}

/** Field data with `^`, `~`, `_` and control characters hex-escaped for ^FH (underscore indicator). */
export const escapeFieldData = (text: string): string =>
  text.replace(/[\^~_\u0000-\u001f\u007f]/g, (ch) => `_${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

const dots = (mm: number, dpi: number) => Math.round((mm * dpi) / 25.4);

/** One ZPL label. Throws LabelError for a code the lab's alphabet does not allow or a stock too small. */
export const renderZpl = (content: LabelContent, stock: LabelStock): string => {
  if (!CODE.test(content.code)) throw new LabelError(`"${content.code}" cannot be printed as a barcode (A–Z, 0–9, - and _ only)`);
  const dpi = stock.dpi ?? 203;
  const width = dots(stock.widthMm, dpi);
  const height = dots(stock.heightMm, dpi);
  const margin = dots(1.5, dpi);
  if (width < dots(20, dpi) || height < dots(8, dpi)) throw new LabelError('label stock must be at least 20 × 8 mm');
  const lines = (content.lines ?? []).filter((line): line is string => Boolean(line && line.trim()));
  const titleHeight = dots(2.8, dpi);
  const lineHeight = dots(2.2, dpi);
  const out = ['^XA', '^CI28', `^PW${width}`, `^LL${height}`, '^LH0,0'];
  if (content.symbology === 'DATAMATRIX') {
    // Square symbol at the left, as tall as the label allows; text to its right. The printer picks
    // the symbol size from the data, so the space is reserved for the largest it can pick.
    const side = height - 2 * margin;
    const modules = dataMatrixModules(content.code);
    const module = Math.floor(side / modules);
    if (module < 2) throw new LabelError(`"${content.code}" is too long for a Data Matrix on a ${stock.heightMm} mm high label`);
    out.push(`^FO${margin},${margin}^BXN,${module},200,,,,~^FH^FD${escapeFieldData(content.code)}^FS`);
    const textX = margin + modules * module + margin;
    out.push(...textFields(textX, margin, content.title, lines, titleHeight, lineHeight, height - margin));
  } else {
    // Code 128 across the top with no interpretation line (the title below is the readable id).
    const barHeight = Math.max(dots(4, dpi), Math.round((height - 2 * margin) * 0.45));
    // Narrower bars for a long code, so the symbol stays on the label; refused when even 1 dot is too wide.
    const moduleWidth = Math.min(dpi >= 600 ? 4 : dpi >= 300 ? 3 : 2, Math.floor((width - 2 * margin) / code128Modules(content.code)));
    if (moduleWidth < 1) throw new LabelError(`"${content.code}" is too long for a Code 128 on a ${stock.widthMm} mm wide label`);
    out.push(`^BY${moduleWidth}`);
    out.push(`^FO${margin},${margin}^BCN,${barHeight},N,N,N,A^FH^FD${escapeFieldData(content.code)}^FS`);
    out.push(...textFields(margin, margin + barHeight + dots(1, dpi), content.title, lines, titleHeight, lineHeight, height - margin));
  }
  out.push('^XZ');
  return out.join('\n') + '\n';
};

/** ECC 200 square symbols: modules per side and the data codewords each holds (ISO/IEC 16022, table 7). */
const ECC200_SQUARES: ReadonlyArray<[modules: number, dataCodewords: number]> = [
  [10, 3], [12, 5], [14, 8], [16, 12], [18, 18], [20, 22], [22, 30], [24, 36], [26, 44], [32, 62], [36, 86], [40, 114], [44, 144],
];

/**
 * Modules per side of the largest ECC 200 symbol a printer may make for `code`: ASCII encodation
 * (one codeword per character, one per pair of digits) is the least compact it would use.
 */
const dataMatrixModules = (code: string): number => {
  const codewords = code.replace(/\d\d/g, '.').length;
  return (ECC200_SQUARES.find(([, capacity]) => capacity >= codewords) ?? [Infinity])[0];
};

/**
 * Modules of a Code 128 symbol in subset B (11 per character, start and check, stop 13), quiet
 * zones excluded: the widest the printer's auto mode can make it, so a fit here always fits.
 */
const code128Modules = (code: string): number => (code.length + 2) * 11 + 13;

/** Title then lines, stopping at the bottom margin: a line that does not fit is left out, not overprinted. */
const textFields = (x: number, y: number, title: string, lines: readonly string[], titleHeight: number, lineHeight: number, bottom: number): string[] => {
  const fields = [`^FO${x},${y}^A0N,${titleHeight},${titleHeight}^FH^FD${escapeFieldData(title)}^FS`];
  let next = y + titleHeight + Math.round(lineHeight / 4);
  for (const line of lines) {
    if (next + lineHeight > bottom) break;
    fields.push(`^FO${x},${next}^A0N,${lineHeight},${lineHeight}^FH^FD${escapeFieldData(line)}^FS`);
    next += lineHeight + Math.round(lineHeight / 4);
  }
  return fields;
};

/** Several labels in one print job (e.g. every tube of a box), in the order given. */
export const renderZplBatch = (labels: readonly LabelContent[], stock: LabelStock): string => labels.map((label) => renderZpl(label, stock)).join('');
