/**
 * Trace propagation through what TracSeq stores. The mechanics live in event-store (which may depend
 * on @opentelemetry/api but not on platform/); everything else imports them from here.
 */
export { activeTraceContext, inEventTrace, inStoredTrace, traceFields, type TraceCarrier } from '../../event-store/trace-context.js';
