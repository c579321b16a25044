import type { Kysely, Transaction } from 'kysely';
import type { CommandContext, CommandHandler, CommandResult, ExecuteOptions } from './command-handler.js';
import type { Command, Decider } from './decider.js';
import type { Event, StoredEvent } from './types.js';

/**
 * What a bus runner feeds (projection runner, Kafka consumer, rebuild): a named consumer of the
 * global log. `apply` runs inside the transaction that also advances the consumer's checkpoint, so
 * an event is applied exactly once per consumer; handlers are still idempotent upserts, because a
 * rebuild or a Kafka redelivery replays events. Built by `projection()` or `bindPolicy()`, not by hand.
 */
export interface EventConsumer<DB = any> {
  /** Consumer name: checkpoint key and advisory-lock key. */
  name: string;
  /** Event types this consumer reads; others only advance the checkpoint. Derived from the handler map. */
  handles: ReadonlySet<string>;
  apply(trx: Transaction<DB> | Kysely<DB>, event: StoredEvent): Promise<void>;
  /**
   * Applies a run of consecutive events of the log at once, with the same effect as `apply` on each
   * in order: a read model that costs statements per event (the audit index reads every event)
   * writes a batch in a few multi-row statements. Only events of `handles` are passed. Optional:
   * without it a runner applies one event at a time.
   */
  applyBatch?(trx: Transaction<DB> | Kysely<DB>, events: readonly StoredEvent[]): Promise<void>;
  /** Empties the read model for a rebuild from the start of the log. Policies have none: they are not rebuilt. */
  reset?(trx: Transaction<DB> | Kysely<DB>): Promise<void>;
  /**
   * Handles an event as soon as the process's runners first see it appended (their shared peek),
   * outside any batch (a live policy: see Policy.live). The runner's batch then waits for that
   * reaction and applies the event only if it failed (the PostgreSQL runner; Kafka consumers and
   * rebuilds apply every event, which the policy's idempotency makes a no-op).
   */
  react?(event: StoredEvent): Promise<void>;
}

/** The stored event of one member of a union, by its type. */
export type StoredOf<E extends Event, T extends E['type']> = StoredEvent<Extract<E, { type: T }>>;

/** One typed handler per event type of `E`: the map is the list of what is read, so nothing can drift. */
export type ProjectionHandlers<E extends Event, DB> = {
  [T in E['type']]: (trx: Transaction<DB> | Kysely<DB>, event: StoredOf<E, T>) => Promise<unknown>;
};

/** A read model: typed handlers per event type, and how to empty it for a rebuild. */
export interface Projection<E extends Event, DB = any> extends EventConsumer<DB> {
  handlers: ProjectionHandlers<E, DB>;
}

/**
 * Declares a read model over the events `E` (a union, usually several contexts' published types,
 * imported type-only). Every member of `E` must have a handler.
 */
export const projection = <E extends Event, DB = any>(
  name: string,
  handlers: ProjectionHandlers<E, DB>,
  options: {
    reset?: (trx: Transaction<DB> | Kysely<DB>) => Promise<void>;
    /** The whole batch at once (see EventConsumer.applyBatch); must leave what `handlers` one by one would. */
    batch?: (trx: Transaction<DB> | Kysely<DB>, events: ReadonlyArray<StoredOf<E, E['type']>>) => Promise<void>;
  } = {},
): Projection<E, DB> => {
  // The one place the typed map meets the untyped log: the event type selects its handler.
  const table = handlers as unknown as Record<string, (trx: Transaction<DB> | Kysely<DB>, event: StoredEvent) => Promise<unknown>>;
  return {
    name,
    handlers,
    handles: new Set(Object.keys(handlers)),
    async apply(trx, event) {
      await table[event.type]?.(trx, event);
    },
    reset: options.reset,
    applyBatch: options.batch as EventConsumer<DB>['applyBatch'],
  };
};

/**
 * A piece of a read model that owns its tables (a replica) and writes a run of its events at once,
 * with the same effect as its handlers one by one.
 */
export interface BatchedPart<DB = any> {
  handles: ReadonlySet<string>;
  batch(trx: Transaction<DB> | Kysely<DB>, events: readonly StoredEvent[]): Promise<void>;
}

/**
 * A projection's `batch` from a part that writes its events at once and the rest of the handlers
 * one by one, in log order. The part's writes commute with the others' only because no other
 * handler reads or writes its tables: use it for such parts only.
 */
export const batchedWith =
  <E extends Event, DB>(part: BatchedPart<DB>, handlers: ProjectionHandlers<E, DB>) =>
  async (trx: Transaction<DB> | Kysely<DB>, events: ReadonlyArray<StoredOf<E, E['type']>>): Promise<void> => {
    const table = handlers as unknown as Record<string, ((trx: Transaction<DB> | Kysely<DB>, event: StoredEvent) => Promise<unknown>) | undefined>;
    const own = events.filter((event) => part.handles.has(event.type));
    if (own.length > 0) await part.batch(trx, own);
    for (const event of events) if (!part.handles.has(event.type)) await table[event.type]?.(trx, event);
  };

/**
 * How a policy acts: it sends commands to this context's deciders. Each command's metadata comes
 * from the event that caused it (tenant, correlation id, causation = the event's id, time = when
 * the event happened), so the audit trail links cause and effect.
 */
export interface Dispatcher {
  send<C extends Command, E extends Event, State>(
    decider: Decider<C, E, State>,
    id: string,
    command: C,
    options?: ExecuteOptions,
  ): Promise<CommandResult<State>>;
  /** The context a hand-written command path (e.g. a decideAcross) should use for this event. */
  readonly context: CommandContext;
}

export type PolicyHandlers<E extends Event> = {
  [T in E['type']]: (event: StoredOf<E, T>, dispatch: Dispatcher) => Promise<unknown>;
};

/** A reaction to events (this context's or another's) that issues commands; never a read model. */
export interface Policy<E extends Event> {
  name: string;
  handlers: PolicyHandlers<E>;
  /**
   * Whose act the policy's commands record. `policy`: the policy's own name (`policy:<name>`), for
   * reactions nobody asked for (an alert). `cause`: the actor of the source event, for a consequence
   * of that person's act (a sample becomes IN_STORAGE because someone stored it).
   * @default 'policy'
   */
  actor: 'policy' | 'cause';
  /**
   * Reacts as soon as the process leading this policy sees an event appended (the runners' shared
   * peek reads it), not only when its runner's batch comes round: for reactions people wait for,
   * like alerts. The batch handles only the events the live path missed or failed on; it must still
   * be idempotent, since a redelivery or a second process can handle an event again.
   * @default false
   */
  live: boolean;
}

export const policy = <E extends Event>(name: string, handlers: PolicyHandlers<E>, options: { actor?: Policy<E>['actor']; live?: boolean } = {}): Policy<E> => ({
  name,
  handlers,
  actor: options.actor ?? 'policy',
  live: options.live ?? false,
});

/** The context of a command a policy issues because of `event`. */
export const causedBy = (event: StoredEvent, policyName: string, actor: 'policy' | 'cause' = 'policy'): CommandContext => ({
  tenantId: event.tenantId,
  actor: actor === 'cause' ? event.metadata.actor : `policy:${policyName}`,
  correlationId: event.metadata.correlationId,
  causationId: event.eventId,
  now: event.occurredAt,
});

/**
 * Makes a policy runnable by a bus: its commands go through `commands` (their own transactions,
 * never the checkpoint's), so a policy must be idempotent per source event: a redelivery after a
 * crash sends the command again, and the decider or an idempotency key makes that a no-op.
 */
export const bindPolicy = <E extends Event>(definition: Policy<E>, commands: CommandHandler): EventConsumer => {
  const table = definition.handlers as unknown as Record<string, (event: StoredEvent, dispatch: Dispatcher) => Promise<unknown>>;
  const react = async (event: StoredEvent) => {
    const handler = table[event.type];
    if (!handler) return;
    const context = causedBy(event, definition.name, definition.actor);
    await handler(event, {
      context,
      send: (decider, id, command, options) => commands.execute(decider, id, command, context, options),
    });
  };
  return {
    name: definition.name,
    handles: new Set(Object.keys(table)),
    apply: (_trx, event) => react(event),
    ...(definition.live ? { react } : {}),
  };
};
