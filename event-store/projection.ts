import type { Kysely, Transaction } from 'kysely';
import type { StoredEvent } from './types.js';

/**
 * A read model or policy fed from the global log. `apply` runs inside the transaction that also
 * advances the projection's checkpoint, so an event is applied exactly once per projection.
 * Handlers should still be idempotent upserts: a rebuild or a Kafka redelivery replays events.
 */
export interface Projection<DB = any> {
  /** Consumer name: checkpoint key and advisory-lock key. */
  name: string;
  /** Event types this projection cares about; others only advance the checkpoint. */
  handles: ReadonlySet<string>;
  apply(trx: Transaction<DB> | Kysely<DB>, event: StoredEvent): Promise<void>;
  /** Empties the read model for a rebuild from the start of the log. Policies have none: they are not rebuilt. */
  reset?(trx: Transaction<DB> | Kysely<DB>): Promise<void>;
}
