import { sql, type Kysely, type RawBuilder } from 'kysely';
import { decodeCursor, encodeCursor, toConnection, type Connection } from './connection.js';

/**
 * Newest-first keyset pagination over `table`, on (`timeColumn`, id): the page (`first` + 1 rows to
 * know whether more follow), its cursors, and a lazily counted total under the same filter.
 */
export const newestFirstPage = async <Row extends { id: string }, Node>(
  db: Kysely<any>,
  options: {
    /** The list's name in the API: its cursors carry it, and a cursor of another list is refused. */
    connection: string;
    table: string;
    timeColumn: keyof Row & string;
    where: RawBuilder<unknown>;
    first: number;
    after: string | null | undefined;
    map: (row: Row) => Node;
  },
): Promise<Connection<Node>> => {
  const table = sql.table(options.table);
  const time = sql.ref(options.timeColumn);
  const cursor = decodeCursor<[string, string]>(options.after, options.connection, 2);
  const page = cursor ? sql`AND (${time}, id) < (${cursor[0]}::timestamptz, ${cursor[1]}::uuid)` : sql``;
  const { rows } = await sql<Row>`SELECT * FROM ${table} WHERE ${options.where} ${page} ORDER BY ${time} DESC, id DESC LIMIT ${options.first + 1}`.execute(db);
  const byNode = new Map<Node, Row>();
  const nodes = rows.map((row) => {
    const node = options.map(row);
    byNode.set(node, row);
    return node;
  });
  return toConnection(nodes, options.first, (node) => {
    const row = byNode.get(node)!;
    return encodeCursor(options.connection, [(row[options.timeColumn] as Date).toISOString(), row.id]);
  }, async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${table} WHERE ${options.where}`.execute(db)).rows[0]!.n));
};
