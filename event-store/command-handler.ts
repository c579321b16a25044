import { randomUUID } from 'node:crypto';
import { ConcurrencyError, ContentionError } from './errors.js';
import type { AcrossDecider, AnyDecider, Command, Decider, DeciderSet, EventsOf, Envelope, Route, StatesOf, StreamIds } from './decider.js';
import type { EventStore } from './event-store.js';
import type { AppendResult, Event, EventMetadata, IdempotencyClaim, StoredEvent } from './types.js';
import { activeTraceContext } from './trace-context.js';
import { checkpointOf, compareCheckpoints, parsePosition } from './position.js';
import { StateCache } from './state-cache.js';

/** Who issued a command and when; becomes every resulting event's metadata. */
export interface CommandContext {
  tenantId: string;
  actor: string | null;
  correlationId?: string;
  causationId?: string | null;
  /** ISO time of the command; deciders read time from here, never from the clock. */
  now?: string;
}

/** A routed decision found its route stream moved since the ids were read: read them again. */
class Rerouted extends Error {}

/** What loading an aggregate needs of its decider. */
export type Loadable<State, E extends Event> = Pick<Decider<any, E, State>, 'streamType' | 'stateSchema' | 'initialState' | 'evolve'>;

/** The id a keyed single-stream command's first call saved with its key (the call's own if none). */
const firstId = (result: Record<string, unknown> | undefined, fallback: string): string => (typeof result?.id === 'string' ? result.id : fallback);

/** The position of a command that appended nothing: every read model is already past it. */
export const NO_POSITION = '0:0';

export interface CommandResult<State> {
  id: string;
  state: State;
  version: number;
  position: string;
  replayed: boolean;
}

interface MultiCommand {
  context: CommandContext;
  /**
   * The aggregates the decision reads; `readOnly` ones are loaded but neither written nor
   * version-checked; `likelyNew` ones are guessed empty when not cached (ExecuteAcrossOptions).
   */
  streams: ReadonlyArray<{ decider: AnyDecider; id: string; readOnly?: boolean; likelyNew?: boolean }>;
  /** Events per stream, in the order of `streams`. */
  decide: (states: any[], meta: { now: string; versions: readonly number[] }) => ReadonlyArray<readonly Event[]>;
  /** Computed from the states after the decision; saved with the idempotency key, so a replay answers the same. */
  resultOf?: (states: any[]) => Record<string, unknown>;
  /**
   * The streams a replayed key answers from, by the first call's saved result: a command that makes
   * its id up per call (a create) answers the stream the first call created. @default `streams`
   */
  replayed?: (result: Record<string, unknown>) => MultiCommand['streams'];
  idempotencyKey?: { scope: string; key: string };
}

interface MultiResult {
  states: any[];
  versions: number[];
  position: string;
  replayed: boolean;
  result?: Record<string, unknown>;
}

/** How one command is run: who, and the client's concurrency and idempotency asks. */
export interface ExecuteOptions {
  /** From the client: a mismatch fails with CONCURRENCY_CONFLICT and is not retried. */
  expectedVersion?: number | null;
  /** A repeated key (per stream type, or per `scope`) answers like the first call and appends nothing. */
  idempotencyKey?: string | null;
}

export interface ExecuteAcrossOptions<D extends DeciderSet> {
  /** Streams the decision reads but never writes (not version-checked either). */
  readOnly?: ReadonlyArray<keyof D>;
  /**
   * Streams that almost always do not exist yet (an id the caller just made up, a barcode's first
   * claim, a sample's first custody): decided as empty without a load when the others are in the
   * cache. A stream that did exist costs the append's version conflict and a load, never a wrong write.
   */
  likelyNew?: ReadonlyArray<keyof D>;
  idempotencyKey?: { scope: string; key: string };
  /** Saved with the idempotency key; a replay returns it (e.g. which position was reserved). */
  result?: (states: StatesOf<D>) => Record<string, unknown>;
  /**
   * The ids a replayed key answers with, from the first call's saved result, where they differ from
   * this call's (a registration's new sample id): its states are then the first call's, as it left them.
   */
  replayedIds?: (result: Record<string, unknown>) => Partial<StreamIds<D>>;
}

export interface AcrossResult<D extends DeciderSet> {
  states: StatesOf<D>;
  versions: { [K in keyof D]: number };
  position: string;
  replayed: boolean;
  result: Record<string, unknown>;
}

export interface CommandHandlerOptions {
  /**
   * Events between snapshots of one aggregate.
   * @default 50
   */
  snapshotEvery?: number;
  /**
   * Attempts when another writer got in first and the client gave no expectedVersion; each retry
   * waits a random pause (full jitter, growing from `retryBaseMs` up to `retryMaxMs`), so many
   * writers to one stream take turns instead of colliding again. Past this the command fails with
   * ContentionError, having written nothing.
   * @default 50
   */
  maxAttempts?: number;
  /**
   * Upper bound of the first retry's random pause, doubled per attempt up to `retryMaxMs`.
   * @default 2
   */
  retryBaseMs?: number;
  /**
   * Upper bound of any one retry's random pause.
   * @default 50
   */
  retryMaxMs?: number;
  onSnapshotError?: (error: unknown) => void;
  /**
   * Aggregate states kept in memory (see StateCache): a command on a stream this process wrote last
   * decides without loading it. 0 loads every time.
   * @default 10_000
   */
  cachedStates?: number;
}

/** A stream's state: its snapshot (if any) with the events after it applied. */
const fold = <State, E extends Event>(decider: Loadable<State, E>, { snapshot, events }: { snapshot: { version: number; state: unknown } | null; events: readonly StoredEvent[] }) => {
  let state = (snapshot?.state as State | undefined) ?? decider.initialState();
  let version = snapshot?.version ?? 0;
  for (const event of events) {
    state = decider.evolve(state, event as unknown as Envelope<E>);
    version = event.streamVersion;
  }
  return { state, version };
};

/**
 * The one command pipeline every subgraph uses: load (snapshot + later events) → decide → append
 * with the loaded version, retrying only on version conflicts the client did not ask to see.
 */
export class CommandHandler {
  private readonly snapshotEvery: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly states: StateCache;

  constructor(
    readonly store: EventStore,
    private readonly options: CommandHandlerOptions = {},
  ) {
    this.snapshotEvery = options.snapshotEvery ?? 50;
    this.maxAttempts = options.maxAttempts ?? 50;
    this.retryBaseMs = options.retryBaseMs ?? 2;
    this.retryMaxMs = options.retryMaxMs ?? 50;
    this.states = new StateCache(options.cachedStates ?? 10_000);
  }

  /**
   * After `attempt` lost to another writer: ContentionError once the attempts are spent (the client
   * asked for no version, so it is no CONCURRENCY_CONFLICT), else a random pause before the next.
   */
  private async backOff(attempt: number, streamIds: readonly string[]): Promise<void> {
    if (attempt >= this.maxAttempts) throw new ContentionError(streamIds, attempt);
    const ceiling = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (attempt - 1));
    await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
  }

  /**
   * Runs one command against one aggregate: load → decide → append at the loaded version. Version
   * conflicts are retried from a fresh load; a client's expectedVersion is checked against each
   * load, so a write that lost to another answers CONCURRENCY_CONFLICT with the version it lost to.
   */
  async execute<C extends { type: string }, E extends Event, State>(
    decider: Decider<C & Command, E, State>,
    id: string,
    command: C & Command,
    context: CommandContext,
    options: ExecuteOptions = {},
  ): Promise<CommandResult<State>> {
    const outcome = await this.runStreams({
      context,
      streams: [{ decider, id }],
      idempotencyKey: options.idempotencyKey ? { scope: decider.streamType, key: options.idempotencyKey } : undefined,
      decide: ([state], { now, versions: [version] }) => {
        if (options.expectedVersion != null && options.expectedVersion !== version) {
          throw new ConcurrencyError(`${decider.streamType}-${id}`, options.expectedVersion, version!);
        }
        return [decider.decide(command, state as State, { now, version: version! })];
      },
      // Saved with the key (as before this path was shared with executeAcross: keys used then answer
      // alike); a repeat answers that id's aggregate as the first write left it.
      resultOf: () => ({ id }),
      replayed: (result) => [{ decider, id: firstId(result, id) }],
    });
    const answered = outcome.replayed ? firstId(outcome.result, id) : id;
    return { id: answered, state: outcome.states[0] as State, version: outcome.versions[0]!, position: outcome.position, replayed: outcome.replayed };
  }

  /**
   * Runs a decision over several streams (declared with decideAcross): all are loaded, the decision
   * returns events per stream, and every written stream is appended at the version it was loaded
   * at, in one transaction. Any version conflict reruns the whole decision on fresh state, so a
   * decider that refuses (e.g. a barcode already claimed) answers with its own typed error.
   */
  async executeAcross<C, D extends DeciderSet>(
    across: AcrossDecider<C, D>,
    ids: StreamIds<D> | Route<D>,
    command: C,
    context: CommandContext,
    options: ExecuteAcrossOptions<D> = {},
  ): Promise<AcrossResult<D>> {
    if (typeof ids.ids !== 'function') return this.runAcross(across, ids as StreamIds<D>, command, context, options);
    const route = ids as Route<D>;
    // The guess is checked against the `from` state loaded with it, and does not count as an attempt.
    let guess = route.likely;
    for (let attempt = guess ? 0 : 1; ; attempt++) {
      let routed: StreamIds<D>;
      let version = -1;
      if (guess) {
        routed = guess;
        guess = undefined;
      } else {
        const loaded = await this.load(across.deciders[route.from]!, route.id, context.tenantId);
        routed = route.ids(loaded.state);
        version = loaded.version;
      }
      let movedTo = version;
      const same = (states: StatesOf<D>, versions: { [K in keyof D]: number }) => {
        const now = route.ids(states[route.from]);
        movedTo = versions[route.from];
        return Object.keys(routed).every((name) => now[name] === routed[name]);
      };
      try {
        return await this.runAcross(across, routed, command, context, options, same);
      } catch (error) {
        if (!(error instanceof Rerouted)) throw error;
        if (attempt >= this.maxAttempts) throw new ConcurrencyError(`${across.deciders[route.from]!.streamType}-${route.id}`, version, movedTo);
      }
    }
  }

  private async runAcross<C, D extends DeciderSet>(
    across: AcrossDecider<C, D>,
    ids: StreamIds<D>,
    command: C,
    context: CommandContext,
    options: ExecuteAcrossOptions<D>,
    stillRouted?: (states: StatesOf<D>, versions: { [K in keyof D]: number }) => boolean,
  ): Promise<AcrossResult<D>> {
    const names = Object.keys(across.deciders) as Array<keyof D & string>;
    const streams = names.map((name) => ({ decider: across.deciders[name]!, id: ids[name], readOnly: options.readOnly?.includes(name), likelyNew: options.likelyNew?.includes(name) }));
    const byName = <T>(values: readonly T[]) => Object.fromEntries(names.map((name, index) => [name, values[index]])) as { [K in keyof D]: T };
    let result: Record<string, unknown> | undefined;
    const outcome = await this.runStreams({
      context,
      streams,
      idempotencyKey: options.idempotencyKey,
      decide: (states, meta) => {
        const versions = byName(meta.versions);
        if (stillRouted && !stillRouted(byName(states) as StatesOf<D>, versions)) throw new Rerouted();
        const events: EventsOf<D> = across.decide(command, byName(states) as StatesOf<D>, { now: meta.now, versions });
        return names.map((name) => events[name] ?? []);
      },
      resultOf: options.result ? (states) => (result = options.result!(byName(states) as StatesOf<D>)) : undefined,
      replayed: options.replayedIds
        ? (first) => {
            const firstIds = { ...ids, ...options.replayedIds!(first) };
            return streams.map((stream, index) => ({ ...stream, id: firstIds[names[index]!]! }));
          }
        : undefined,
    });
    return {
      states: byName(outcome.states) as StatesOf<D>,
      versions: byName(outcome.versions),
      position: outcome.position,
      replayed: outcome.replayed,
      result: outcome.result ?? result ?? {},
    };
  }

  /**
   * An aggregate's state and version from its snapshot and later events. With `idempotency`, also
   * what a first use of that key stored (in the same statement), else null.
   */
  async load<State, E extends Event>(
    decider: Loadable<State, E>,
    id: string,
    tenantId: string,
    { useSnapshots = true, idempotency }: { useSnapshots?: boolean; idempotency?: IdempotencyClaim } = {},
  ): Promise<{ state: State; version: number; idempotent: AppendResult | null }> {
    const streamId = `${decider.streamType}-${id}`;
    const { snapshot, events, idempotent } = useSnapshots
      ? await this.store.loadStream<State>(streamId, tenantId, decider.stateSchema, idempotency)
      : { snapshot: null, events: await this.store.readStream(streamId, { tenantId }), idempotent: idempotency ? await this.store.findIdempotent(tenantId, idempotency) : null };
    return { ...fold(decider, { snapshot, events }), idempotent };
  }

  /**
   * A decision over several aggregates (e.g. a storage position and the sample's custody): each is
   * loaded, the decision returns events per aggregate, and all are appended atomically with the
   * versions they were loaded at. Retried from the top when another writer got in first.
   */
  private async runStreams(command: MultiCommand): Promise<MultiResult> {
    const { context } = command;
    const idempotency = command.idempotencyKey ? { scope: command.idempotencyKey.scope, key: command.idempotencyKey.key } : undefined;
    const keys = command.streams.map((stream) => StateCache.key(context.tenantId, `${stream.decider.streamType}-${stream.id}`, stream.decider.stateSchema));
    // A cached state is a guess: whatever it leads to short of a write (a refusal, a conflict, a
    // no-op) is decided again from a load, which also asks whether the key was used (a guessed
    // write learns that from its append). Guessed only when every stream is cached (or likely new)
    // and written: a read-only stream's version is not checked by the append, so it is always loaded.
    let guess = command.streams.some((stream) => stream.readOnly) ? undefined : this.guessAll(command.streams, keys);
    let keyAsked = false;
    for (let attempt = 1; ; attempt++) {
      const guessed = guess;
      guess = undefined;
      let loaded: { states: unknown[]; versions: number[]; idempotent: AppendResult | null };
      if (guessed) {
        loaded = { ...guessed, idempotent: null };
      } else {
        loaded = await this.loadAll(command, keyAsked ? undefined : idempotency);
        keyAsked = true;
        keys.forEach((key, index) => this.states.set(key, loaded.states[index], loaded.versions[index]!));
      }
      const { states, versions, idempotent } = loaded;
      if (idempotent) return { ...(await this.loadAllAsOf(command, idempotent)), position: idempotent.position, replayed: true, result: idempotent.result };
      const now = context.now ?? new Date().toISOString();
      let perStream: ReadonlyArray<readonly Event[]>;
      let next: unknown[];
      let result: Record<string, unknown> | undefined;
      try {
        perStream = command.decide(states, { now, versions });
        next = command.streams.map((stream, index) =>
          (perStream[index] ?? []).reduce(
            (acc: unknown, event, step) => stream.decider.evolve(acc, { ...event, occurredAt: now, streamVersion: versions[index]! + step + 1 }),
            states[index],
          ),
        );
        result = command.resultOf?.(next);
      } catch (error) {
        if (!guessed) throw error;
        attempt--;
        continue;
      }
      const writes = command.streams.flatMap((stream, index) =>
        stream.readOnly ? [] : [{ streamId: `${stream.decider.streamType}-${stream.id}`, expectedVersion: versions[index]!, events: perStream[index] ?? [] }],
      );
      // Nothing to record (e.g. an alert someone else already raised): a no-op, not an error.
      if (writes.every((write) => write.events.length === 0)) {
        if (guessed) {
          attempt--;
          continue;
        }
        return { states: next, versions, position: NO_POSITION, replayed: false, result };
      }
      try {
        const appended = await this.store.appendUnit({ streams: writes, metadata: this.metadata(context, now), idempotency, result });
        if (appended.replayed) return { ...(await this.loadAllAsOf(command, appended)), position: appended.position, replayed: true, result: appended.result };
        const written = command.streams.map((_, index) => versions[index]! + (perStream[index]?.length ?? 0));
        keys.forEach((key, index) => this.states.set(key, next[index], written[index]!));
        await this.snapshotCrossed(command, context.tenantId, versions, written, next);
        return { states: next, versions: written, position: appended.position, replayed: false, result };
      } catch (error) {
        for (const key of keys) this.states.delete(key);
        // The decision's own ConcurrencyError (a client's expected version) is thrown above, not here.
        if (!(error instanceof ConcurrencyError)) throw error;
        if (guessed) attempt--;
        else await this.backOff(attempt, writes.map((write) => write.streamId));
      }
    }
  }

  /** Every stream's cached state (a likely-new one's empty state if not cached), or none if any is missing. */
  private guessAll(streams: MultiCommand['streams'], keys: readonly string[]): { states: unknown[]; versions: number[] } | undefined {
    const states: unknown[] = [];
    const versions: number[] = [];
    for (const [index, key] of keys.entries()) {
      const entry = this.states.get(key) ?? (streams[index]!.likelyNew ? { state: streams[index]!.decider.initialState(), version: 0 } : undefined);
      if (!entry) return undefined;
      states.push(entry.state);
      versions.push(entry.version);
    }
    return { states, versions };
  }

  /** Saves a snapshot of each stream whose write crossed a multiple of snapshotEvery. */
  private async snapshotCrossed(command: MultiCommand, tenantId: string, before: readonly number[], after: readonly number[], states: readonly unknown[]): Promise<void> {
    for (const [index, stream] of command.streams.entries()) {
      if (Math.floor(after[index]! / this.snapshotEvery) <= Math.floor(before[index]! / this.snapshotEvery)) continue;
      // A failed snapshot only costs a longer load later; the command itself has succeeded.
      await this.store
        .saveSnapshot(`${stream.decider.streamType}-${stream.id}`, tenantId, after[index]!, stream.decider.stateSchema, states[index])
        .catch((error) => this.options.onSnapshotError?.(error));
    }
  }

  /** A replayed key's answer: the streams it names as the write at its position left them. */
  private async loadAllAsOf(command: MultiCommand, first: { position: string; result: Record<string, unknown> }): Promise<{ states: unknown[]; versions: number[] }> {
    const streams = command.replayed?.(first.result) ?? command.streams;
    const loaded = await Promise.all(streams.map((stream) => this.loadAsOf(stream.decider, stream.id, command.context.tenantId, first.position)));
    return { states: loaded.map((l) => l.state), versions: loaded.map((l) => l.version) };
  }

  /** Every stream of a multi-stream command and its idempotency key's lookup, in one statement. */
  private async loadAll(command: MultiCommand, idempotency?: IdempotencyClaim): Promise<{ states: unknown[]; versions: number[]; idempotent: AppendResult | null }> {
    const asked = command.streams.map((stream) => ({ streamId: `${stream.decider.streamType}-${stream.id}`, stateSchema: stream.decider.stateSchema }));
    const { streams, idempotent } = await this.store.loadStreams(asked, command.context.tenantId, idempotency);
    const loaded = command.streams.map((stream, index) => fold(stream.decider, streams[index]!));
    return { states: loaded.map((l) => l.state), versions: loaded.map((l) => l.version), idempotent };
  }

  private metadata(context: CommandContext, now: string): EventMetadata {
    return {
      correlationId: context.correlationId ?? randomUUID(),
      causationId: context.causationId ?? null,
      tenantId: context.tenantId,
      actor: context.actor,
      occurredAt: now,
      // Tracing: projections, policies and sagas continue the trace of the request that caused the events.
      ...activeTraceContext(),
    };
  }

  /**
   * An aggregate as the write at `position` left it: its events up to that write's. A write's events
   * share its transaction, and a stream's later writes loaded after it committed, so they come after
   * it in commit order. Read without snapshots (a snapshot may be newer than the write).
   */
  async loadAsOf<State, E extends Event>(decider: Loadable<State, E>, id: string, tenantId: string, position: string): Promise<{ state: State; version: number }> {
    const write = parsePosition(position);
    const events = await this.store.readStream(`${decider.streamType}-${id}`, { tenantId });
    return fold(decider, { snapshot: null, events: events.filter((event) => compareCheckpoints(checkpointOf(event), write) <= 0) });
  }
}
