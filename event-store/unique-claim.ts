import type { Command, Decider } from './decider.js';
import type { Event } from './types.js';

/**
 * A value that must be unique within a tenant (a sample's or a library's barcode) gets a stream of
 * its own, named by tenant and value: the first append to it wins, so uniqueness holds under
 * concurrency without a read model. Claimed together with its owner in one multi-stream decision.
 */
export type Claim = { owner: string | null };

/** The claim's stream id: the tenant is part of it, so two labs may use the same value. */
export const claimStreamId = (tenantId: string, value: string): string => `${tenantId}/${value}`;

export const uniqueClaim = <C extends Command, E extends Event>(spec: {
  streamType: string;
  /** The event recording the claim. */
  claimed: (command: C) => E;
  /** Who the value belongs to, from that event. */
  owner: (event: E) => string;
  /** The error for a value someone already holds (the caller's own typed error). */
  taken: (command: C) => Error;
}): Decider<C, E, Claim> => ({
  streamType: spec.streamType,
  // 2: the state was `{ sampleId }` / `{ libraryId }` before claims shared this decider.
  stateSchema: 2,
  initialState: () => ({ owner: null }),
  decide: (command, state) => {
    if (state.owner) throw spec.taken(command);
    return [spec.claimed(command)];
  },
  evolve: (_state, event) => ({ owner: spec.owner(event) }),
});
