/** Keys per query at most: a turn with more lookups than this runs more than one query. */
const MAX_KEYS = 1000;

interface Pending<T> {
  keys: Set<string>;
  /** The batch's rows by key, indexed once for all its joiners (each row in the query's order within its key). */
  rows: Promise<ReadonlyMap<string, readonly T[]>>;
}

/**
 * A lookup by keys shared by every request in flight in this process: the keys that concurrent
 * requests ask for in one turn of the event loop go to PostgreSQL in one query per tenant, and each
 * request gets back its own rows. A request's DataLoader batches its own lookups; this batches the
 * requests. Under load each round trip costs the process a write to PostgreSQL's socket and the
 * server a wake-up, more than the query itself (docs/performance.md, round ten); idle, a lookup
 * waits one turn of the loop.
 *
 * Only for reads outside any transaction, answered from a read model a request has already waited
 * for: the shared query runs after every joiner's wait, so each sees at least what it waited for.
 * Its SQL span sits in the trace of the request that opened the batch.
 */
export const coalesce = <T>(find: (tenantId: string, keys: readonly string[]) => Promise<readonly T[]>, keyOf: (row: T) => string) => {
  const pending = new Map<string, Pending<T>>();
  const open = (tenantId: string): Pending<T> => {
    const opened: Pending<T> = { keys: new Set(), rows: null as unknown as Pending<T>['rows'] };
    opened.rows = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      if (pending.get(tenantId) === opened) pending.delete(tenantId);
      const byKey = new Map<string, T[]>();
      for (const row of await find(tenantId, [...opened.keys])) {
        const key = keyOf(row);
        const rows = byKey.get(key);
        if (rows) rows.push(row);
        else byKey.set(key, [row]);
      }
      return byKey;
    });
    pending.set(tenantId, opened);
    return opened;
  };
  return async (tenantId: string, keys: readonly string[]): Promise<T[]> => {
    const asked = new Set(keys);
    let batch = pending.get(tenantId);
    if (!batch || batch.keys.size + asked.size > MAX_KEYS) batch = open(tenantId);
    for (const key of asked) batch.keys.add(key);
    const byKey = await batch.rows;
    return [...asked].flatMap((key) => byKey.get(key) ?? []);
  };
};
