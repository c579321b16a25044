/** An event as a decider produces it: a past-tense type and its data. */
export type Event<Type extends string = string, Data extends Record<string, unknown> = Record<string, unknown>> = Readonly<{
  type: Type;
  data: Data;
}>;

/** Who and why, stored beside every event. `occurredAt` and ids come from the command, never from a decider. */
export interface EventMetadata {
  eventId?: string;
  correlationId: string;
  causationId?: string | null;
  tenantId: string;
  actor: string | null;
  occurredAt: string;
  schemaVersion?: number;
  /** W3C trace context of the command that appended the event (event-store/trace-context.ts); absent when not traced. */
  traceparent?: string;
  tracestate?: string;
}

export interface StoredEvent<E extends Event = Event> {
  type: E['type'];
  data: E['data'];
  eventId: string;
  streamId: string;
  streamType: string;
  streamVersion: number;
  globalPosition: string;
  transactionId: string;
  /** Opaque `transactionId:globalPosition`: what mutations return and consistency headers carry. */
  position: string;
  tenantId: string;
  occurredAt: string;
  schemaVersion: number;
  metadata: EventMetadata;
}

/** `null` accepts any current version; 0 means the stream must not exist yet. */
export type ExpectedVersion = number | null;

export interface StreamAppend {
  streamId: string;
  expectedVersion: ExpectedVersion;
  events: readonly Event[];
}

export interface IdempotencyClaim {
  scope: string;
  key: string;
}

/** One atomic write: every stream's events commit together or none do. */
export interface AppendUnit {
  streams: readonly StreamAppend[];
  metadata: EventMetadata;
  idempotency?: IdempotencyClaim;
  /** Saved with the idempotency key so a replay can answer like the first call. */
  result?: Record<string, unknown>;
}

export interface AppendResult {
  /** Position of the unit's last event. */
  position: string;
  /** Version of each stream after the append, in request order. */
  versions: number[];
  /** True when the idempotency key had been used: nothing was appended, this is the first result. */
  replayed: boolean;
  result: Record<string, unknown>;
}

/** The stream type is the part of a stream id before the first '-' (e.g. `Sample-<uuid>`). */
export const streamTypeOf = (streamId: string): string => {
  const dash = streamId.indexOf('-');
  return dash > 0 ? streamId.slice(0, dash) : streamId;
};
