import { ROOT_CONTEXT, propagation, trace, type Span } from '@opentelemetry/api';
import type { Message } from 'kafkajs';
import { traceFields, type TraceCarrier } from './propagation.js';

/**
 * The kafkajs instrumentation gives every produced message a `send` span under whatever is active
 * and writes that span into the `traceparent` header, replacing the one the relay copied from the
 * event. The relay publishes events of many requests in one batch, so its send span cannot be each
 * request's child: it gets a link to the request instead, and the header goes back to the
 * request's context, so a consumer of the topic continues the trace of the command that appended
 * the event (the message value is the stored event, with that context in its metadata).
 */
export const keepEventTraceContext = (span: Span, { message }: { topic: string; message: Message }): void => {
  if (typeof message.value !== 'string' || !message.value.includes('"traceparent"')) return;
  let stored: TraceCarrier | undefined;
  try {
    stored = (JSON.parse(message.value) as { metadata?: TraceCarrier }).metadata;
  } catch {
    return;
  }
  if (!stored?.traceparent) return;
  const request = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, stored));
  if (request) span.addLink({ context: request });
  message.headers = { ...message.headers, ...traceFields(stored) };
};
