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

export interface CommandResult<State> {
  id: string;
  state: State;
  version: number;
  position: string;
  replayed: boolean;
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
      const metadata: EventMetadata = {
        correlationId: context.correlationId ?? randomUUID(),
        causationId: context.causationId ?? null,
        tenantId: context.tenantId,
        actor: context.actor,
        occurredAt: now,
      };
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

  private async replayed<State, E extends Event>(decider: Decider<State, E>, id: string, position: string, tenantId: string): Promise<CommandResult<State>> {
    const { state, version } = await this.load(decider, id, tenantId);
    return { id, state, version, position, replayed: true };
  }
}
