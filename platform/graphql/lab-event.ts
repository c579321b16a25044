import type { StoredEvent } from '../../event-store/types.js';

/** A stored event as the API's `LabEvent` (the audit trail's unit), wherever a subgraph serves one. */
export const toLabEvent = (event: StoredEvent) => ({
  id: event.eventId,
  type: event.type,
  streamId: event.streamId,
  streamType: event.streamType,
  version: event.streamVersion,
  position: event.position,
  occurredAt: event.occurredAt,
  actor: event.metadata.actor,
  correlationId: event.metadata.correlationId,
  data: event.data,
});

export type LabEventView = ReturnType<typeof toLabEvent>;
