import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, stopTracing } from '../../platform/tracing/tracing.js';
import type { TestSystem } from '../support/system.js';
import { waitUntil } from '../support/wait.js';

/**
 * One mutation through the real system (gateway, subgraphs, PostgreSQL, the run's bus), traced in
 * memory: the request's single trace reaches from the gateway through the subgraph and its SQL to
 * the projections that apply the events and the policy that reacts, and on into what the policy's
 * own command appended.
 */
const exporter = new InMemorySpanExporter();
let system: TestSystem;

beforeAll(async () => {
  // Before the system's modules (pg, kafkajs, http) are imported, as the process preload does.
  await startTracing({ force: true, serviceName: 'tracseq-test', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const { startTestSystem } = await import('../support/system.js');
  system = await startTestSystem();
});
afterAll(async () => {
  await system?.stop();
  await stopTracing();
});

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const inTrace = (traceId: string) => exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
/** The chain of spans from `span` up to its trace's root. */
const ancestry = (spans: ReadableSpan[], span: ReadableSpan): ReadableSpan[] => {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const chain = [span];
  for (let parent = byId.get(parentOf(span) ?? ''); parent; parent = byId.get(parentOf(parent) ?? '')) chain.push(parent);
  return chain;
};
const isSql = (span: ReadableSpan) => span.attributes['db.system'] === 'postgresql' || span.attributes['db.system.name'] === 'postgresql';
const consumerSpan = (spans: ReadableSpan[], consumer: RegExp, eventType: string) =>
  spans.find((s) => consumer.test(String(s.attributes['tracseq.consumer'])) && s.attributes['tracseq.event.type'] === eventType);

describe('one mutation, one trace', () => {
  it('spans gateway → subgraph → SQL → projection → policy → the policy’s command → its projection', async () => {
    const registered = await system.gql(`mutation { registerSample(input: { barcode: "TRACE-0001", sampleType: DNA }) { sample { id } } }`);
    expect(registered.errors).toBeUndefined();
    // The read model applies in batches, a batch's SQL under its first event's span: the registration
    // applied first, so the rejection's batch is its own and its SQL is in the rejection's trace.
    const sampleId: string = registered.data.registerSample.sample.id;
    await waitUntil(async () => (await system.gql(`query($id: ID!) { sample(id: $id) { id } }`, { id: sampleId })).data?.sample?.id === sampleId, 10_000, 'the registration applied');
    exporter.reset();

    const rejected = await system.gql(`mutation($id: ID!) { rejectSample(id: $id, reason: "label unreadable") { position } }`, { id: sampleId });
    expect(rejected.errors).toBeUndefined();

    // The test's own fetch roots the trace; the gateway's request span is the first of @apollo/gateway's.
    const gatewayRequest = () => exporter.getFinishedSpans().find((s) => s.name === 'gateway.request');
    await waitUntil(() => Boolean(gatewayRequest()), 10_000, 'the gateway request span');
    const traceId = gatewayRequest()!.spanContext().traceId;
    // The alert raised by the policy is applied by the notifications read model: the end of the chain.
    // The samples read model applies the rejection on its own schedule (on Kafka, its own consumer
    // group), possibly after the alert's whole chain: wait for both.
    await waitUntil(
      () => Boolean(consumerSpan(inTrace(traceId), /^notifications(?!-alert-policy)/, 'AlertRaised') && consumerSpan(inTrace(traceId), /^samples/, 'SampleRejected')),
      30_000,
      'the alert applied, and the rejection by the samples read model, in the same trace',
    )
      .catch((error: Error) => {
        const seen = (spans: ReadableSpan[]) => spans.map((s) => `${s.name}${s.attributes['tracseq.consumer'] ? ` [${String(s.attributes['tracseq.consumer'])}]` : ''}`).join(', ');
        throw new Error(`${error.message}; the trace holds: ${seen(inTrace(traceId))}; other consumer spans: ${seen(exporter.getFinishedSpans().filter((s) => s.attributes['tracseq.consumer'] && s.spanContext().traceId !== traceId))}`);
      });
    // Other consumers (the audit index reads every event) may still be inside an apply whose SQL spans
    // have ended: a span is exported when it ends, so wait until every exported span's parent has too.
    await waitUntil(() => {
      const all = inTrace(traceId);
      const ended = new Set(all.map((s) => s.spanContext().spanId));
      return all.every((s) => !parentOf(s) || ended.has(parentOf(s)!));
    }, 10_000, 'every span of the trace ended');
    const spans = inTrace(traceId);
    const names = spans.map((s) => s.name);

    // @apollo/gateway's own spans, and its fetch to the subgraph over undici, all under the request.
    for (const name of ['gateway.request', 'gateway.plan', 'gateway.execute', 'gateway.fetch']) expect(names, name).toContain(name);
    const gatewayServer = spans.find((s) => s.spanContext().spanId === parentOf(gatewayRequest()!));
    expect(gatewayServer?.kind, 'the gateway’s HTTP server span').toBe(SpanKind.SERVER);
    const subgraphServer = spans.find((s) => s.kind === SpanKind.SERVER && s !== gatewayServer);
    expect(subgraphServer, 'the samples subgraph request').toBeDefined();
    const fetchToSubgraph = spans.find((s) => s.spanContext().spanId === parentOf(subgraphServer!));
    expect(fetchToSubgraph?.kind, 'the subgraph request is the child of the gateway’s HTTP client span').toBe(SpanKind.CLIENT);
    expect(ancestry(spans, fetchToSubgraph!).map((s) => s.name)).toContain('gateway.fetch');

    // The command's SQL, inside the subgraph request.
    const sqlInSubgraph = spans.filter((s) => isSql(s) && ancestry(spans, s).includes(subgraphServer!));
    expect(sqlInSubgraph.length, 'pg spans under the subgraph request').toBeGreaterThan(0);

    // Projections applying SampleRejected, and the alert policy reacting to it: same trace.
    const samplesProjection = consumerSpan(spans, /^samples/, 'SampleRejected');
    const policy = consumerSpan(spans, /^notifications-alert-policy$/, 'SampleRejected');
    expect(samplesProjection, `a samples read model applies SampleRejected (consumers: ${spans.map((s) => s.attributes['tracseq.consumer']).filter(Boolean).join(', ')})`).toBeDefined();
    expect(policy, 'the alert policy handles SampleRejected').toBeDefined();
    // Its SQL runs inside the apply span (the read-model write).
    expect(spans.some((s) => isSql(s) && ancestry(spans, s).includes(samplesProjection!))).toBe(true);
    // What the policy's command appended carries the trace on: the alert's SQL is under the policy span,
    // and the notifications read model applies AlertRaised in the same trace.
    expect(spans.some((s) => isSql(s) && ancestry(spans, s).includes(policy!)), 'the policy’s command SQL').toBe(true);
    expect(consumerSpan(spans, /^notifications(?!-alert-policy)/, 'AlertRaised')).toBeDefined();

    // Every span of the trace hangs off the one request: nothing floats as a second root.
    const roots = spans.filter((s) => !parentOf(s));
    expect(roots).toHaveLength(1);
    for (const span of spans) expect(ancestry(spans, span).at(-1), span.name).toBe(roots[0]);
  });
});

describe('a saga', () => {
  it('runs each step in the trace of the mutation that started it, and the subgraph calls of a step under it', async () => {
    const site = await system.gql(`mutation { createStorageUnit(input: { name: "Trace site", kind: FACILITY }) { unit { id } } }`);
    const freezer = await system.gql(`mutation($p: ID!) { createStorageUnit(input: { name: "Trace F1", kind: FREEZER, zone: MINUS_80, parentId: $p }) { unit { id } } }`, { p: site.data.createStorageUnit.unit.id });
    await system.gql(`mutation($p: ID!) { createStorageUnit(input: { name: "Trace B1", kind: BOX, zone: MINUS_80, parentId: $p, rows: 2, columns: 2 }) { unit { id } } }`, { p: freezer.data.createStorageUnit.unit.id });
    exporter.reset();
    const submitted = await system.gql(`mutation { submitSample(input: { sample: { barcode: "TRACE-SAGA-01", sampleType: DNA }, zone: MINUS_80 }) { saga { id } } }`);
    expect(submitted.errors).toBeUndefined();
    const sagaId: string = submitted.data.submitSample.saga.id;
    await waitUntil(async () => (await system.gql(`query($id: ID!) { saga(id: $id) { status } }`, { id: sagaId })).data.saga?.status === 'COMPLETED', 30_000, 'saga completed');

    const steps = () => exporter.getFinishedSpans().filter((s) => s.attributes['tracseq.saga.id'] === sagaId);
    await waitUntil(() => steps().length > 0, 10_000, 'saga step spans');
    const request = exporter.getFinishedSpans().find((s) => s.name === 'gateway.request' && steps().some((step) => step.spanContext().traceId === s.spanContext().traceId));
    expect(request, 'the steps share the trace of the submitSample request').toBeDefined();
    const traceId = request!.spanContext().traceId;
    expect(steps().every((step) => step.spanContext().traceId === traceId)).toBe(true);
    expect(steps().length, 'every step of the definition').toBeGreaterThanOrEqual(2);
    // A step's call to a subgraph is served inside it (undici client → subgraph server span).
    const spans = inTrace(traceId);
    const servedInStep = spans.filter((s) => s.kind === SpanKind.SERVER && ancestry(spans, s).some((a) => steps().includes(a)));
    expect(servedInStep.length).toBeGreaterThan(0);
    // The saga's own events carry that trace too: what reacts to them (here any consumer of the
    // saga's completion) joins the request's trace instead of starting one of its own.
    await waitUntil(() => consumerSpan(inTrace(traceId), /./, 'SagaCompleted') !== undefined, 10_000, 'SagaCompleted handled in the request trace');
  });
});
