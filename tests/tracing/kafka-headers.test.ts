import { ROOT_CONTEXT, SpanKind, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { toMessage } from '../../event-store/bus/kafka/wire.js';
import type { StoredEvent } from '../../event-store/types.js';
import { keepEventTraceContext } from '../../platform/tracing/kafka-producer-hook.js';

/** The relay's messages carry the trace of the command that appended each event, not the relay's own. */
const REQUEST = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const event = (traceparent?: string): StoredEvent => ({
  type: 'SampleRejected', data: { sampleId: 's-1' }, eventId: 'e-1', streamId: 'Sample-s-1', streamType: 'Sample', streamVersion: 2,
  globalPosition: '7', transactionId: '42', position: '42:7', tenantId: 'demo', occurredAt: '2026-01-01T00:00:00.000Z', schemaVersion: 1,
  metadata: { correlationId: 'c-1', tenantId: 'demo', actor: 'a', occurredAt: '2026-01-01T00:00:00.000Z', ...(traceparent ? { traceparent, tracestate: 'lab=1' } : {}) },
});

propagation.setGlobalPropagator(new W3CTraceContextPropagator());
afterAll(() => propagation.disable());
const exporter = new InMemorySpanExporter();
const traceparentOf = (message: { headers?: object }) => (message.headers as Record<string, string>).traceparent;
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('kafka-test');

describe('Kafka headers', () => {
  it('the relay copies the event’s stored trace context into the message headers, and nothing when it has none', () => {
    expect(toMessage(event(REQUEST)).headers).toMatchObject({ traceparent: REQUEST, tracestate: 'lab=1', 'event-type': 'SampleRejected' });
    expect(toMessage(event()).headers).not.toHaveProperty('traceparent');
  });

  it('the producer span the kafkajs instrumentation adds is linked to the request, and the header stays the request’s', () => {
    const message = toMessage(event(REQUEST));
    const send = tracer.startSpan('send laboratory.sample.events', { kind: SpanKind.PRODUCER });
    // What the instrumentation does before calling the hook: its own span into the header.
    propagation.inject(trace.setSpan(ROOT_CONTEXT, send), message.headers);
    expect(traceparentOf(message)).not.toBe(REQUEST);
    keepEventTraceContext(send, { topic: 'laboratory.sample.events', message });
    send.end();
    expect(traceparentOf(message)).toBe(REQUEST);
    const [finished] = exporter.getFinishedSpans();
    expect(finished!.links.map((link) => link.context.traceId)).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736']);
  });

  it('leaves a message of an untraced event as the instrumentation made it', () => {
    const message = toMessage(event());
    message.headers = { ...message.headers, traceparent: 'relay' } as typeof message.headers;
    keepEventTraceContext(tracer.startSpan('send'), { topic: 't', message });
    expect(traceparentOf(message)).toBe('relay');
  });
});
