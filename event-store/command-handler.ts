import { randomUUID } from 'node:crypto';
import { ConcurrencyError } from '../platform/errors.js';
import type { Decider, Decision, Envelope } from './decider.js';
import type { EventStore } from './event-store.js';
import type { Event, EventMetadata } from './types.js';

/** Who issued a command and when; becomes every resulting event's metadata. */
export interface CommandContext {
  tenantId: string;
  actor: string | null;
  correlationId?: string;
  causationId?: string | null;
  /** ISO time of the command; deciders read time from here, never from the clock. */
  now?: string;
}

export interface CommandOptions<State, E extends Event> {
  id: string;
  context: CommandContext;
  /** From the client: a mismatch fails with CONCURRENCY_CONFLICT and is not retried. */
  expectedVersion?: number | null;
  /** Create commands: a repeated key returns the first result. */
  idempotencyKey?: string | null;
  decide: (state: State, meta: { now: string; version: number }) => Decision<E> | readonly E[];
}

/** The position of a command that appended nothing: every read model is already past it. */
export const NO_POSITION = '0:0';

export interface CommandResult<State> {
  id: string;
  state: State;
  version: number;
  position: string;
  replayed: boolean;
}

export interface MultiCommand {
  context: CommandContext;
  /** The aggregates the decision reads; `readOnly` ones are loaded but neither written nor version-checked. */
  streams: ReadonlyArray<{ decider: Decider<any, any>; id: string; readOnly?: boolean }>;
  /** Events per stream, in the order of `streams`. */
  decide: (states: any[], meta: { now: string }) => ReadonlyArray<readonly Event[]>;
  idempotencyKey?: { scope: string; key: string };
  /** Saved with the idempotency key; a replay returns it (e.g. which position was reserved). */
  result?: Record<string, unknown>;
}

export interface MultiResult {
  states: any[];
  versions: number[];
  position: string;
  replayed: boolean;
  result?: Record<string, unknown>;
}

export interface CommandHandlerOptions {
  /**
   * Events between snapshots of one aggregate.
   * @default 50
   */
  snapshotEvery?: number;
  /**
   * Attempts when another writer got in first and the client gave no expectedVersion.
   * @default 3
   */
  maxAttempts?: number;
  onSnapshotError?: (error: unknown) => void;
}

/**
 * The one command pipeline every subgraph uses: load (snapshot + later events) → decide → append
 * with the loaded version, retrying only on version conflicts the client did not ask to see.
 */
export class CommandHandler {
  private readonly snapshotEvery: number;
  private readonly maxAttempts: number;

  constructor(
    readonly store: EventStore,
    private readonly options: CommandHandlerOptions = {},
  ) {
    this.snapshotEvery = options.snapshotEvery ?? 50;
    this.maxAttempts = options.maxAttempts ?? 3;
  }

  async load<State, E extends Event>(decider: Decider<State, E>, id: string, tenantId: string, useSnapshots = true): Promise<{ state: State; version: number }> {
    const streamId = `${decider.streamType}-${id}`;
    const snapshot = useSnapshots ? await this.store.loadSnapshot<State>(streamId, tenantId, decider.stateSchema) : null;
    let state = snapshot?.state ?? decider.initialState();
    let version = snapshot?.version ?? 0;
    for (const event of await this.store.readStream(streamId, { tenantId, fromVersion: version })) {
      state = decider.evolve(state, event as unknown as Envelope<E>);
      version = event.streamVersion;
    }
    return { state, version };
  }

  async handle<State, E extends Event>(decider: Decider<State, E>, command: CommandOptions<State, E>): Promise<CommandResult<State>> {
    const { context } = command;
    const idempotency = command.idempotencyKey ? { scope: decider.streamType, key: command.idempotencyKey } : undefined;
    if (idempotency) {
      const first = await this.store.findIdempotent(context.tenantId, idempotency);
      if (first) return this.replayed(decider, first.result.id as string, first.position, context.tenantId);
    }
    const streamId = `${decider.streamType}-${command.id}`;
    for (let attempt = 1; ; attempt++) {
      const { state, version } = await this.load(decider, command.id, context.tenantId);
      if (command.expectedVersion != null && command.expectedVersion !== version) {
        throw new ConcurrencyError(streamId, command.expectedVersion, version);
      }
      const now = context.now ?? new Date().toISOString();
      const decided = command.decide(state, { now, version });
      const decision: Decision<E> = Array.isArray(decided) ? { events: decided } : (decided as Decision<E>);
      // Nothing to record (e.g. an escalation someone else already made): a no-op, not an error.
      if (decision.events.length === 0 && !decision.alsoAppend?.length) return { id: command.id, state, version, position: NO_POSITION, replayed: false };
      const metadata = this.metadata(context, now);
      try {
        const appended = await this.store.appendUnit({
          streams: [{ streamId, expectedVersion: version, events: decision.events }, ...(decision.alsoAppend ?? [])],
          metadata,
          idempotency,
          result: { id: command.id },
        });
        if (appended.replayed) return this.replayed(decider, appended.result.id as string, appended.position, context.tenantId);
        const next = decision.events.reduce<State>(
          (acc, event, index) => decider.evolve(acc, { ...event, occurredAt: now, streamVersion: version + index + 1 }),
          state,
        );
        const nextVersion = appended.versions[0]!;
        if (Math.floor(nextVersion / this.snapshotEvery) > Math.floor(version / this.snapshotEvery)) {
          // A failed snapshot only costs a longer load later; the command itself has succeeded.
          await this.store.saveSnapshot(streamId, context.tenantId, nextVersion, decider.stateSchema, next).catch((error) => this.options.onSnapshotError?.(error));
        }
        return { id: command.id, state: next, version: nextVersion, position: appended.position, replayed: false };
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        const other = decision.alsoAppend?.find((stream) => stream.streamId === error.streamId);
        if (other) throw other.onConflict();
        if (command.expectedVersion != null || attempt >= this.maxAttempts) throw error;
      }
    }
  }

  /**
   * A decision over several aggregates (e.g. a storage position and the sample's custody): each is
   * loaded, the decision returns events per aggregate, and all are appended atomically with the
   * versions they were loaded at. Retried from the top when another writer got in first.
   */
  async handleAcross(command: MultiCommand): Promise<MultiResult> {
    const { context } = command;
    const idempotency = command.idempotencyKey ? { scope: command.idempotencyKey.scope, key: command.idempotencyKey.key } : undefined;
    if (idempotency) {
      const first = await this.store.findIdempotent(context.tenantId, idempotency);
      if (first) return { ...(await this.loadAll(command)), position: first.position, replayed: true, result: first.result };
    }
    for (let attempt = 1; ; attempt++) {
      const { states, versions } = await this.loadAll(command);
      const now = context.now ?? new Date().toISOString();
      const perStream = command.decide(states, { now });
      const writes = command.streams.flatMap((stream, index) =>
        stream.readOnly ? [] : [{ streamId: `${stream.decider.streamType}-${stream.id}`, expectedVersion: versions[index]!, events: perStream[index] ?? [] }],
      );
      try {
        const appended = await this.store.appendUnit({ streams: writes, metadata: this.metadata(context, now), idempotency, result: command.result });
        if (appended.replayed) return { ...(await this.loadAll(command)), position: appended.position, replayed: true, result: appended.result };
        const next = command.streams.map((stream, index) =>
          (perStream[index] ?? []).reduce(
            (acc: unknown, event, step) => stream.decider.evolve(acc, { ...event, occurredAt: now, streamVersion: versions[index]! + step + 1 }),
            states[index],
          ),
        );
        return { states: next, versions: command.streams.map((_, index) => versions[index]! + (perStream[index]?.length ?? 0)), position: appended.position, replayed: false };
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= this.maxAttempts) throw error;
      }
    }
  }

  private async loadAll(command: MultiCommand): Promise<{ states: unknown[]; versions: number[] }> {
    const loaded = await Promise.all(command.streams.map((stream) => this.load(stream.decider, stream.id, command.context.tenantId)));
    return { states: loaded.map((l) => l.state), versions: loaded.map((l) => l.version) };
  }

  private metadata(context: CommandContext, now: string): EventMetadata {
    return {
      correlationId: context.correlationId ?? randomUUID(),
      causationId: context.causationId ?? null,
      tenantId: context.tenantId,
      actor: context.actor,
      occurredAt: now,
    };
  }

  private async replayed<State, E extends Event>(decider: Decider<State, E>, id: string, position: string, tenantId: string): Promise<CommandResult<State>> {
    const { state, version } = await this.load(decider, id, tenantId);
    return { id, state, version, position, replayed: true };
  }
}
