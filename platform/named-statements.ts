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
  const outsideTransaction = () => (client as pg.Client).getTransactionStatus?.() === 'I';
  (client as { query: unknown }).query = (text: unknown, values?: unknown, callback?: unknown) => {
    const name = typeof text === 'string' && Array.isArray(values) && values.length > 0 ? nameOf(text) : undefined;
    if (name === undefined) return query(text, values, callback);
    const named = { name, text, values };
    if (typeof callback === 'function') {
      query(named, (error: Error | null, result?: pg.QueryResult) => {
        if (!isStalePlan(error)) return (callback as QueryCallback)(error, result);
        unnamed.add(text as string);
        if (outsideTransaction()) return query(text, values, callback);
        (callback as QueryCallback)(error);
      });
      return undefined;
    }
    return (query(named) as Promise<pg.QueryResult>).catch((error: unknown) => {
      if (!isStalePlan(error)) throw error;
      unnamed.add(text as string);
      if (outsideTransaction()) return query(text, values);
      throw error;
    });
  };
};
