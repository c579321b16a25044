import { BadInputError } from '../errors.js';

/** Relay connection arguments as API.md fixes them: `first` defaults to 50, at most 500. */
export const pageSize = (first: number | null | undefined): number => {
  if (first === null || first === undefined) return 50;
  if (!Number.isInteger(first) || first < 1 || first > 500) throw new BadInputError('first must be between 1 and 500', { field: 'first' });
  return first;
};

/** Keyset cursors: opaque to clients, the sort key of the last row to us. */
/**
 * A cursor names its connection: one from another list (alerts' handed to samples) has the same
 * shape, and would silently page from a foreign position instead of being refused.
 */
export const encodeCursor = (connection: string, key: readonly unknown[]): string => Buffer.from(JSON.stringify([connection, ...key])).toString('base64url');

export const decodeCursor = <T extends unknown[]>(cursor: string | null | undefined, connection: string, length: number): T | null => {
  if (cursor === null || cursor === undefined) return null;
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (Array.isArray(decoded) && decoded.length === length + 1 && decoded[0] === connection) return decoded.slice(1) as T;
  } catch {
    // fall through to the typed error
  }
  throw new BadInputError('after is not a cursor from this connection', { field: 'after' });
};

/**
 * Fields a resolver may give as a function, called only when the field is selected (a page's count
 * costs a query). graphql-js's default resolver calls such a function; the JIT executor reads
 * properties as they are, and is told of these (jit-executor.ts).
 */
export const LAZY_FIELDS: ReadonlySet<string> = new Set(['totalCount']);

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number | (() => Promise<number>);
}

/** An edge whose cursor is encoded when selected: most pages are read for their nodes only. */
class Edge<T> {
  constructor(
    readonly node: T,
    private readonly cursorOf: (row: T) => string,
  ) {}

  get cursor(): string {
    return this.cursorOf(this.node);
  }
}

/** Builds a connection from `first + 1` fetched rows (the extra row only says there is a next page). */
export const toConnection = <T>(rows: T[], first: number, cursorOf: (row: T) => string, totalCount: () => Promise<number>): Connection<T> => {
  const edges = rows.slice(0, first).map((node) => new Edge(node, cursorOf));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > first, get endCursor() { return edges.at(-1)?.cursor ?? null; } },
    totalCount,
  };
};

/** ISO text for a timestamp column (null stays null). */
export const isoOrNull = (value: Date | string | null): string | null => (value === null ? null : (value instanceof Date ? value : new Date(value)).toISOString());
