import type { Event } from './types.js';

/** A command as a decider receives it: an imperative type and its data. */
export type Command<Type extends string = string, Data extends Record<string, unknown> = Record<string, unknown>> = Readonly<{
  type: Type;
  data: Data;
}>;

/** What a decision may read besides the command and the state: time and the version it decides at. */
export interface DecideContext {
  /** ISO time of the command (from its metadata, never from the clock inside a decision). */
  now: string;
  /** Stream version the state was loaded at (0: the stream does not exist yet). */
  version: number;
}

/**
 * An aggregate as pure functions: `decide(command, state)` returns the events that record it (or
 * throws a typed error), `evolve` folds one event into the state. State must be JSON so it can be
 * snapshotted. One decider per aggregate; the command handler does all I/O.
 */
export interface Decider<C extends Command, E extends Event, State> {
  /** Prefix of every stream id of this aggregate, e.g. `Sample` for `Sample-<uuid>`. */
  streamType: string;
  /** Bump when the state's shape changes: older snapshots are then ignored and rebuilt. */
  stateSchema: number;
  initialState: () => State;
  decide: (command: C, state: State, context: DecideContext) => readonly E[];
  evolve: (state: State, event: Envelope<E>) => State;
}

// `any` here only widens what may be passed where a decider of some kind is expected.
export type AnyDecider = Decider<any, any, any>;
export type CommandOf<D> = D extends Decider<infer C, any, any> ? C : never;
export type EventOf<D> = D extends Decider<any, infer E, any> ? E : never;
export type StateOf<D> = D extends Decider<any, any, infer S> ? S : never;

/** An event as evolve sees it: with when it happened and the stream version it got. */
export type Envelope<E extends Event> = E & { occurredAt: string; streamVersion: number };

export const streamIdOf = (streamType: string, id: string): string => `${streamType}-${id}`;

/** Folds events into a state from scratch, stamping each as evolve expects (specs and replicas). */
export const foldEvents = <E extends Event, State>(
  decider: Pick<Decider<any, E, State>, 'initialState' | 'evolve'>,
  events: readonly E[],
  from: { state?: State; version?: number; occurredAt?: string } = {},
): State =>
  events.reduce(
    (state, event, index) => decider.evolve(state, { ...event, occurredAt: from.occurredAt ?? '1970-01-01T00:00:00.000Z', streamVersion: (from.version ?? 0) + index + 1 }),
    from.state ?? decider.initialState(),
  );

/** The named streams one decision reads and writes, e.g. `{ position: positionDecider, custody: custodyDecider }`. */
export type DeciderSet = Record<string, AnyDecider>;
export type StatesOf<D extends DeciderSet> = { [K in keyof D]: StateOf<D[K]> };
export type EventsOf<D extends DeciderSet> = { [K in keyof D]?: readonly EventOf<D[K]>[] };
export type StreamIds<D extends DeciderSet> = { [K in keyof D]: string };

/**
 * A decision over several streams that must commit together (position + custody, alert slot +
 * alert, sample + barcode claim). Declared here, run by the one command handler, which loads every
 * stream, decides once, appends all with the versions loaded and retries the whole decision when
 * another writer got in first.
 */
export interface AcrossDecider<C, D extends DeciderSet> {
  deciders: D;
  decide: (command: C, states: StatesOf<D>, context: { now: string; versions: { [K in keyof D]: number } }) => EventsOf<D>;
}

export const decideAcross = <D extends DeciderSet, C>(
  deciders: D,
  decide: AcrossDecider<C, D>['decide'],
): AcrossDecider<C, D> => ({ deciders, decide });

/**
 * Stream ids that depend on one stream's state, e.g. the alert an alert slot holds open. The handler
 * loads `from`, asks `ids`, and reruns the decision with fresh ids when the loaded state would route
 * elsewhere (the slot moved meanwhile), so a routed decision is never made on stale ids.
 * `likely`: the ids the route usually gives (an empty slot: the command's own new alert). The
 * handler then loads them all at once and decides, checking the guess against the loaded `from`
 * like any reroute: one round of loads instead of two when the guess holds.
 */
export interface Route<D extends DeciderSet, K extends keyof D = keyof D> {
  from: K;
  id: string;
  ids: (state: StateOf<D[K]>) => StreamIds<D>;
  likely?: StreamIds<D>;
}

export const routeFrom = <D extends DeciderSet, K extends keyof D>(
  _across: AcrossDecider<any, D>,
  from: K,
  id: string,
  ids: (state: StateOf<D[K]>) => StreamIds<D>,
  likely?: StreamIds<D>,
): Route<D, K> => ({ from, id, ids, likely });
