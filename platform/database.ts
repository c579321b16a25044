import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';

// bigint columns (global positions, counts) arrive as strings unless told otherwise; positions
// stay strings on purpose (they can exceed 2^53 in theory), counts are parsed where read.
export const createPool = (connectionString: string, max = 20, onError: (error: Error) => void = () => undefined): pg.Pool => {
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000 });
  pool.on('error', onError);
  // pg-pool listens for errors only on idle clients; a checked-out client (a projection's pinned
  // session, a transaction) whose server goes away would otherwise crash the process. The query
  // in flight still rejects, which is where the failure is handled.
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
};

export const createKysely = <DB>(pool: pg.Pool, onQuery?: () => void): Kysely<DB> =>
  new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log: onQuery ? (event) => void (event.level === 'query' && onQuery()) : undefined });

