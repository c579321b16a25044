/**
 * A plain-text table with a header row, columns padded to their widest cell. Cells are cut at
 * `maxWidth` (an error message can be long) and newlines inside cells flattened, so each row is one line.
 */
export const table = (columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>, options: { maxWidth?: number } = {}): string => {
  const maxWidth = options.maxWidth ?? 80;
  const cell = (value: unknown) => {
    const text = (value instanceof Date ? value.toISOString() : String(value ?? '')).replace(/\s*\n\s*/g, ' ');
    return text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text;
  };
  const cells = rows.map((row) => columns.map((_, index) => cell(row[index])));
  const widths = columns.map((name, index) => Math.max(name.length, ...cells.map((row) => row[index]!.length)));
  const format = (row: readonly string[]) => row.map((text, index) => (index === row.length - 1 ? text : text.padEnd(widths[index]!))).join('  ').trimEnd();
  return [format(columns), format(widths.map((width) => '-'.repeat(width))), ...cells.map(format)].join('\n');
};
