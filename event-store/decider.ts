import type { Event } from './types.js';

/**
 * An aggregate as pure functions. `evolve` folds one event into the state; commands are plain
 * functions `(command, state) => events` beside it. State must be JSON so it can be snapshotted.
 */
export interface Decider<State, E extends Event> {
  /** Prefix of every stream id of this aggregate, e.g. `Sample` for `Sample-<uuid>`. */
  streamType: string;
  initialState: () => State;
  evolve: (state: State, event: Envelope<E>) => State;
  /** Bump when the state's shape changes: older snapshots are then ignored and rebuilt. */
  stateSchema: number;
}

/** An event as evolve sees it: with when it happened and the stream version it got. */
export type Envelope<E extends Event> = E & { occurredAt: string; streamVersion: number };

/** What a command decides: events for its own stream, plus optional atomic appends to other streams. */
export interface Decision<E extends Event> {
  events: readonly E[];
  /** Streams that must be written in the same transaction, e.g. a uniqueness claim. */
  alsoAppend?: ReadonlyArray<{ streamId: string; expectedVersion: number | null; events: readonly Event[]; onConflict: () => Error }>;
}

export const streamIdOf = (streamType: string, id: string): string => `${streamType}-${id}`;
