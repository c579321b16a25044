import assert from 'node:assert/strict';
import type { AcrossDecider, Command, Decider, DeciderSet, EventsOf, StatesOf } from '../decider.js';
import { foldEvents } from '../decider.js';
import type { Event } from '../types.js';

/** A fixed command time, so specs never read the clock. */
export const SPEC_NOW = '2026-01-01T00:00:00.000Z';

type ErrorClass = abstract new (...args: any[]) => Error;

export interface Then<Result> {
  /** The decision records exactly these events (deep equality, order included). */
  then(expected: Result): void;
  /** The decision is refused with this error type (and, if given, a message matching `message`). */
  thenThrows(type: ErrorClass, message?: RegExp | string): void;
}

const refused = (run: () => unknown, type: ErrorClass, message?: RegExp | string): void => {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    if (message !== undefined) {
      const text = (error as Error).message;
      assert.ok(typeof message === 'string' ? text.includes(message) : message.test(text), `message "${text}" does not match ${String(message)}`);
    }
    return true;
  });
};

/**
 * given(decider, past events).when(command).then(new events): a decider spec in the domain's words.
 * The past events are folded through `evolve`, so a spec also proves evolve keeps what decide needs.
 */
export const given = <C extends Command, E extends Event, State>(decider: Decider<C, E, State>, history: readonly E[] = []) => ({
  when(command: C, now: string = SPEC_NOW): Then<readonly E[]> {
    const state = foldEvents(decider, history, { occurredAt: now });
    const decide = () => decider.decide(command, state, { now, version: history.length });
    return {
      then: (expected) => assert.deepEqual(decide(), expected),
      thenThrows: (type, message) => refused(decide, type, message),
    };
  },
});

/** The same for a decision over several streams: history and expected events are per stream name. */
export const givenAcross = <C, D extends DeciderSet>(across: AcrossDecider<C, D>, history: EventsOf<D> = {}) => ({
  when(command: C, now: string = SPEC_NOW): Then<EventsOf<D>> {
    const names = Object.keys(across.deciders) as Array<keyof D>;
    const states = Object.fromEntries(names.map((name) => [name, foldEvents(across.deciders[name]!, history[name] ?? [], { occurredAt: now })])) as StatesOf<D>;
    const versions = Object.fromEntries(names.map((name) => [name, history[name]?.length ?? 0])) as { [K in keyof D]: number };
    // Streams a decision leaves alone may be omitted or empty: both mean "no events".
    const decide = () => Object.fromEntries(Object.entries(across.decide(command, states, { now, versions })).filter(([, events]) => (events?.length ?? 0) > 0));
    return {
      then: (expected) => assert.deepEqual(decide(), Object.fromEntries(Object.entries(expected).filter(([, events]) => (events?.length ?? 0) > 0))),
      thenThrows: (type, message) => refused(decide, type, message),
    };
  },
});
