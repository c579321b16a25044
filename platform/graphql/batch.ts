/** DataLoader batch results in key order: one item (or null) per key. */
export const keyBy = <T>(keys: readonly string[], rows: readonly T[], keyOf: (row: T) => string): Array<T | null> => {
  const found = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => found.get(key) ?? null);
};

/** DataLoader batch results in key order: every row of each key, in the order the query returned them. */
export const groupBy = <T>(keys: readonly string[], rows: readonly T[], keyOf: (row: T) => string): T[][] => {
  const groups = new Map<string, T[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((key) => groups.get(key) ?? []);
};
