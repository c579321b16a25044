import type { IHeaders } from 'kafkajs';
import type { StoredEvent } from '../../types.js';
import { traceFields } from '../../trace-context.js';
import { partitionKeyFor } from './topics.js';

/** An event on the wire: key = stream id or tenant (partitionKeyFor), the event as JSON, ids as headers. */
export const toMessage = (event: StoredEvent) => ({
  key: partitionKeyFor(event),
  value: JSON.stringify(event),
  headers: {
    'event-id': event.eventId,
    'event-type': event.type,
    'tenant-id': event.tenantId,
    'correlation-id': event.metadata.correlationId ?? '',
    'causation-id': event.metadata.causationId ?? '',
    position: event.position,
    ...traceFields(event.metadata), // tracing: W3C traceparent of the command that appended the event
  },
});

export const fromMessage = (value: Buffer | null): StoredEvent => {
  if (!value) throw new Error('empty message');
  return JSON.parse(value.toString('utf8')) as StoredEvent;
};

export const headerText = (headers: IHeaders | undefined, name: string): string | undefined => {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value[0]?.toString() : value.toString();
};
