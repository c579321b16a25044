import { ConcurrencyError } from './errors.js';
import { APPEND_SQL, appendParameters, type AppendRow } from './append-statement.js';
import type { SqlRunner } from './event-store.js';
import { formatPosition } from './position.js';
import type { AppendResult, AppendUnit } from './types.js';

/**
 * Appends one unit inside the caller's transaction (same statement as the group commit), so a
 * write to the caller's own tables and its events commit or roll back together. Outside such a
 * transaction use EventStore.append, which group-commits. Idempotency claims are not supported here.
 */
export const appendWithin = async (run: SqlRunner, unit: AppendUnit): Promise<AppendResult> => {
  if (unit.idempotency) throw new Error('appendWithin takes no idempotency key');
  const result = appendResultOf((await run(APPEND_SQL, appendParameters([unit]))) as AppendRow[], unit);
  if (!result) throw new Error('append statement wrote nothing');
  return result;
};

/** A single unit's result from its append statement's rows: null when it wrote nothing. */
export const appendResultOf = (rows: readonly AppendRow[], unit: AppendUnit): AppendResult | null => {
  const conflict = rows.find((row) => row.kind === 'conflict');
  if (conflict) throw new ConcurrencyError(conflict.stream_id!, conflict.expected ?? 0, conflict.version ?? 0);
  const written = rows.filter((row) => row.kind === 'ok');
  if (written.length === 0) return null;
  const last = written.reduce((a, b) => (BigInt(a.global_position!) >= BigInt(b.global_position!) ? a : b));
  return {
    position: formatPosition(last.transaction_id!, last.global_position!),
    versions: unit.streams.map((stream) => written.find((row) => row.stream_id === stream.streamId)?.version ?? 0),
    replayed: false,
    result: unit.result ?? {},
  };
};
