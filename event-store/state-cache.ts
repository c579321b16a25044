/** An aggregate's state at a version, as this process last loaded or wrote it. */
export interface CachedState {
  state: unknown;
  version: number;
}

/** Nested objects of a state are shared between versions (evolve spreads), so each is frozen once. */
const deepFreeze = (value: unknown): void => {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const nested of Object.values(value)) deepFreeze(nested);
};

/**
 * The states of the aggregates this process touched last (least recently used out first), by
 * tenant, stream and state schema. A command may decide from one instead of loading its stream: it
 * appends expecting the cached version, so an entry another writer made stale costs a version
 * conflict and a fresh load, never a wrong write (CommandHandler decides again from the load on
 * any refusal, too). States are frozen: a caller that changed one would change the next decision.
 */
export class StateCache {
  private readonly entries = new Map<string, CachedState>();

  constructor(private readonly capacity: number) {}

  static key(tenantId: string, streamId: string, stateSchema: number): string {
    return `${tenantId}\u0000${stateSchema}\u0000${streamId}`;
  }

  get(key: string): CachedState | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, state: unknown, version: number): void {
    if (this.capacity <= 0) return;
    deepFreeze(state);
    this.entries.delete(key);
    this.entries.set(key, { state, version });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
