import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { StoredEvent } from './types.js';

/**
 * W3C trace context (traceparent, tracestate) as stored beside what a request caused: event
 * metadata, Kafka headers, saga rows. Only @opentelemetry/api: without a started SDK (tracing is
 * off unless an exporter is configured) every call here is a no-op that stores nothing.
 */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The active trace as W3C fields; `{}` when nothing is being traced. */
export const activeTraceContext = (): TraceCarrier => {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  // Baggage (or any other propagator's field) is not ours to persist.
  return carrier.traceparent ? { traceparent: carrier.traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) } : {};
};

const tracer = trace.getTracer('tracseq');

/**
 * Runs asynchronous work caused earlier as a child of the span that was active when the cause was
 * stored, so it joins the request's trace. Without a stored context it starts a new trace (never a
 * child of whatever loop happens to call it).
 */
export const inStoredTrace = <T>(carrier: TraceCarrier | null | undefined, name: string, attributes: Record<string, string | number>, work: () => Promise<T>): Promise<T> => {
  const parent = carrier?.traceparent ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
  return tracer.startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  });
};

/** A projection's or policy's handling of one event, in the trace of the command that appended it. */
export const inEventTrace = <T>(consumer: string, event: StoredEvent, work: () => Promise<T>): Promise<T> =>
  inStoredTrace(event.metadata, `${consumer} ${event.type}`, eventAttributes(consumer, event), work);

/** What a consumer's span of one event says about it. */
const eventAttributes = (consumer: string, event: StoredEvent): Record<string, string> => ({
  'tracseq.consumer': consumer,
  'tracseq.event.type': event.type,
  'tracseq.event.id': event.eventId,
  'tracseq.stream.id': event.streamId,
  'tracseq.event.position': event.position,
});

/**
 * A batch of events applied at once: one span per event, each in the trace of the command that
 * appended it, all spanning the one piece of work (a trace still shows its events being applied,
 * batched or not); the work's own spans (its SQL) go under the first event's. When tracing is off
 * these are no-ops.
 */
export const inEventsTrace = async <T>(consumer: string, events: readonly StoredEvent[], work: () => Promise<T>): Promise<T> => {
  const parents = events.map((event) => (event.metadata.traceparent ? propagation.extract(ROOT_CONTEXT, event.metadata) : ROOT_CONTEXT));
  const spans = events.map((event, index) =>
    tracer.startSpan(
      `${consumer} ${event.type}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: { ...eventAttributes(consumer, event), 'tracseq.batch.size': events.length },
      },
      parents[index],
    ),
  );
  try {
    // The batch's statements are recorded once, under the first event's span.
    return await (spans[0] ? context.with(trace.setSpan(parents[0]!, spans[0]), work) : work());
  } catch (error) {
    for (const span of spans) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
    }
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
};

/** Only the W3C fields of a carrier: what is stored in event metadata and sent as Kafka headers (the names every tracer reads). */
export const traceFields = (carrier: TraceCarrier): Record<string, string> => ({
  ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
  ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
});
