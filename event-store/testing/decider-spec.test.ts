import { describe, expect, it } from 'vitest';
import { decideAcross, type Command, type Decider } from '../decider.js';
import type { Event } from '../types.js';
import { given, givenAcross } from './decider-spec.js';

// A tube rack's slot: the smallest decider that has a refusal, enough to show the helper can fail.
type Slot = { filledBy: string | null };
type Fill = Command<'Fill', { by: string }>;
type Filled = Event<'Filled', { by: string }>;
class Occupied extends Error {}
const slot: Decider<Fill, Filled, Slot> = {
  streamType: 'Slot',
  stateSchema: 1,
  initialState: () => ({ filledBy: null }),
  decide: (command, state) => {
    if (state.filledBy) throw new Occupied(`slot holds ${state.filledBy}`);
    return [{ type: 'Filled', data: { by: command.data.by } }];
  },
  evolve: (_state, event) => ({ filledBy: event.data.by }),
};
const fill = (by: string): Fill => ({ type: 'Fill', data: { by } });
const filled = (by: string): Filled => ({ type: 'Filled', data: { by } });

describe('decider specs', () => {
  it('passes when the decision records the expected events and fails when it does not', () => {
    given(slot).when(fill('S1')).then([filled('S1')]);
    expect(() => given(slot).when(fill('S1')).then([filled('S2')])).toThrow();
  });

  it('folds the history first, so a refusal that depends on it is seen', () => {
    given(slot, [filled('S1')]).when(fill('S2')).thenThrows(Occupied, /holds S1/);
    expect(() => given(slot).when(fill('S2')).thenThrows(Occupied)).toThrow();
    expect(() => given(slot, [filled('S1')]).when(fill('S2')).thenThrows(Occupied, 'S9')).toThrow();
  });

  it('specifies decisions over several streams per stream name', () => {
    const swap = decideAcross({ from: slot, to: slot }, (command: Fill, { to }) => ({ to: slot.decide(command, to, { now: '', version: 0 }) }));
    givenAcross(swap, { from: [filled('S1')] }).when(fill('S2')).then({ to: [filled('S2')] });
    givenAcross(swap, { to: [filled('S1')] }).when(fill('S2')).thenThrows(Occupied);
  });
});
