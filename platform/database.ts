import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { nameStatements, replanAsTablesGrow } from './named-statements.js';

// bigint columns (global positions, counts) arrive as strings unless told otherwise; positions
// stay strings on purpose (they can exceed 2^53 in theory), counts are parsed where read.
export const createPool = (connectionString: string, max = 20, onError: (error: Error) => void = () => undefined, { genericPlans = false } = {}): pg.Pool => {
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000, ...(genericPlans ? { options: '-c plan_cache_mode=force_generic_plan' } : {}) });
  pool.on('error', onError);
  // pg-pool listens for errors only on idle clients; a checked-out client (a projection's pinned
  // session, a transaction) whose server goes away would otherwise crash the process. The query
  // in flight still rejects, which is where the failure is handled.
  pool.on('connect', (client) => {
    client.on('error', onError);
    // Inside nameStatements: the statements it names are prepared again as tables grow too.
    replanAsTablesGrow(client);
    // The store's connections name their few hot statements themselves (and plan them generically).
    if (!genericPlans) nameStatements(client);
  });
  return pool;
};

export const createKysely = <DB>(pool: pg.Pool, onQuery?: () => void): Kysely<DB> =>
  new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log: onQuery ? (event) => void (event.level === 'query' && onQuery()) : undefined });


/**
 * The event store's own connections. Its hot statements are prepared by name, and on these
 * connections planned once per connection (a generic plan): PostgreSQL otherwise keeps re-planning
 * a statement whose custom plans look cheaper, and planning the append statement cost more than
 * running it (1.3 ms of 1.9 per single-event append in the saga bench). Not forced on the read
 * models' connections: there PostgreSQL keeps planning a statement with its values unless a generic
 * plan looks as good (plan_cache_mode auto), since their filters' selectivity varies.
 */
export const createStorePool = (connectionString: string, max = 10, onError?: (error: Error) => void): pg.Pool =>
  createPool(connectionString, max, onError, { genericPlans: true });
