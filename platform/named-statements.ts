import type pg from 'pg';

/**
 * How many statements one connection keeps prepared. The read models' statements have constant
 * texts (ids travel as one array parameter), about a hundred in all; the bound keeps a text that
 * varies (a list spelled out per length) from filling the server's memory.
 */
export const NAMED_STATEMENTS_PER_CONNECTION = 128;

/**
 * PostgreSQL refuses a prepared `SELECT *` whose table gained a column since (another process's
 * migration in a rolling deploy): "cached plan must not change result type".
 */
const isStalePlan = (error: unknown): boolean =>
  (error as { code?: string } | null)?.code === '0A000' && String((error as Error).message).includes('cached plan must not change result type');

type QueryCallback = (error: Error | null, result?: pg.QueryResult) => void;

/** The connection is in no transaction: a statement that fails there aborts nothing. */
const outsideTransaction = (client: pg.PoolClient | pg.Client) => (client as pg.Client).getTransactionStatus?.() === 'I';

/**
 * Runs every parameterised statement of `client` as a named prepared statement, so PostgreSQL
 * parses and analyses each text once per connection and may keep its plan: on the federated page
 * that halved PostgreSQL's CPU per request (docs/performance.md, round six). Statements without
 * parameters (BEGIN, DDL, LISTEN) stay unnamed. A statement whose plan went stale is run unnamed
 * from then on: at once when the connection is outside a transaction, else by the caller's retry
 * (the transaction is aborted either way).
 */
export const nameStatements = (client: pg.PoolClient | pg.Client, limit = NAMED_STATEMENTS_PER_CONNECTION): void => {
  const names = new Map<string, string>();
  const unnamed = new Set<string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const nameOf = (text: string): string | undefined => {
    if (unnamed.has(text)) return undefined;
    let name = names.get(text);
    if (name === undefined && names.size < limit) names.set(text, (name = `tracseq_${names.size + 1}`));
    return name;
  };
  (client as { query: unknown }).query = (text: unknown, values?: unknown, callback?: unknown) => {
    const name = typeof text === 'string' && Array.isArray(values) && values.length > 0 ? nameOf(text) : undefined;
    if (name === undefined) return query(text, values, callback);
    const named = { name, text, values };
    if (typeof callback === 'function') {
      query(named, (error: Error | null, result?: pg.QueryResult) => {
        if (!isStalePlan(error)) return (callback as QueryCallback)(error, result);
        unnamed.add(text as string);
        if (outsideTransaction(client)) return query(text, values, callback);
        (callback as QueryCallback)(error);
      });
      return undefined;
    }
    return (query(named) as Promise<pg.QueryResult>).catch((error: unknown) => {
      if (!isStalePlan(error)) throw error;
      unnamed.add(text as string);
      if (outsideTransaction(client)) return query(text, values);
      throw error;
    });
  };
};

/** Executions on one connection after which a prepared statement is prepared again: 16, 64, … 65,536. */
const FIRST_REPLAN = 16;
const REPLAN_GROWTH = 4;
const LAST_REPLAN = 65_536;
/** Retired statements deallocated together, in one round trip. */
const DEALLOCATE_BATCH = 8;

interface Replanned {
  version: number;
  runs: number;
  next: number;
}

/**
 * Prepares each named statement of `client` again whenever its executions on the connection grow
 * fourfold (up to LAST_REPLAN). PostgreSQL keeps a prepared statement's generic plan until the statistics of
 * its tables change, and a connection opened on a young database plans while the tables are small:
 * a lookup by stream id then scans es.events, since for a table of one page a scan is cheapest, and
 * it keeps scanning as the table grows, until autovacuum next analyses it (the saga bench's first
 * minute cost several times the buffers per saga). A table's growth follows the statements that
 * write it, so a plan is never made from less than a quarter of the history it runs against; each
 * preparation costs a parse and a plan, so fourfold rather than twofold (seven per statement and
 * connection in all). Retired statements are deallocated eight at a time, when the connection is
 * outside a transaction (a DEALLOCATE in an aborted one would fail).
 */
export const replanAsTablesGrow = (client: pg.PoolClient | pg.Client): void => {
  const statements = new Map<string, Replanned>();
  const retired: string[] = [];
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const versioned = (name: string, version: number) => (version === 0 ? name : `${name}_r${version}`);
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    const name = (config as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || typeof (config as { submit?: unknown }).submit === 'function') return query(config, values, callback);
    const statement = statements.get(name) ?? { version: 0, runs: 0, next: FIRST_REPLAN };
    statements.set(name, statement);
    if (++statement.runs > statement.next) {
      retired.push(versioned(name, statement.version));
      statement.version += 1;
      statement.next = statement.next < LAST_REPLAN ? statement.next * REPLAN_GROWTH : Number.POSITIVE_INFINITY;
    }
    const run = () => query({ ...(config as object), name: versioned(name, statement.version) }, values, callback);
    if (retired.length < DEALLOCATE_BATCH || !outsideTransaction(client)) return run();
    const parsed = (client as unknown as { connection?: { parsedStatements?: Record<string, unknown> } }).connection?.parsedStatements;
    const names = retired.splice(0);
    for (const old of names) if (parsed) delete parsed[old];
    // Before the statement, not beside it (pg refuses a second query while one runs); a failure only
    // leaves the old plan allocated.
    const deallocate = names.map((old) => `DEALLOCATE "${old}"`).join('; ');
    if (typeof callback === 'function' || typeof values === 'function') {
      query(deallocate, () => run());
      return undefined;
    }
    return (query(deallocate) as Promise<unknown>).catch(() => undefined).then(run);
  };
};
