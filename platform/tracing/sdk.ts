import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { envDetector, hostDetector, osDetector, processDetector } from '@opentelemetry/resources';
import { keepEventTraceContext } from './kafka-producer-hook.js';
import { defaultServiceName } from './settings.js';

export interface TracingOptions {
  /** Tests pass an in-memory exporter's processor; otherwise OTEL_TRACES_EXPORTER and OTEL_EXPORTER_OTLP_* pick the exporter. */
  spanProcessors?: SpanProcessor[];
  serviceName?: string;
}

/**
 * The NodeSDK with what TracSeq talks through: http (servers and node:http clients), undici (the
 * gateway's subgraph fetches, saga step calls, fetch()), pg and kafkajs. @apollo/gateway creates
 * its own spans through @opentelemetry/api once a tracer provider is registered here.
 * Every other setting is the SDK's OTEL_* environment (sampler, propagators, resource attributes).
 */
export const startSdk = (options: TracingOptions = {}): NodeSDK => {
  const sdk = new NodeSDK({
    ...(process.env.OTEL_SERVICE_NAME ? {} : { serviceName: options.serviceName ?? defaultServiceName() }),
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    // Local detectors only: the cloud ones probe metadata endpoints, which nobody opted in to.
    resourceDetectors: [envDetector, hostDetector, osDetector, processDetector],
    instrumentations: [
      // Probes and scrapes would drown the traces that matter.
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => /^\/(health|ready|metrics)\b/.test(request.url ?? '') }),
      new UndiciInstrumentation(),
      // Queries outside any traced work (pollers, LISTEN, leases) are noise, not traces.
      new PgInstrumentation({ requireParentSpan: true }),
      new KafkaJsInstrumentation({ producerHook: keepEventTraceContext }),
    ],
  });
  sdk.start();
  return sdk;
};
