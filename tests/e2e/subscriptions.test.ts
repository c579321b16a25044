import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { SUPERGRAPH_FILE } from '../../bin/system.js';
import { startGateway } from '../../gateway/gateway.js';
import { compareCheckpoints, parsePosition } from '../../event-store/position.js';
import { runBus } from '../support/buses.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { labClient } from '../support/lab.js';
import { bearer } from '../support/tokens.js';
import { waitUntil } from '../support/wait.js';
import { holdWrites } from '../support/log-holds.js';
import { closeAll, collect, wsClient } from '../support/ws.js';

let system: TestSystem;
let lab: ReturnType<typeof labClient>;

beforeAll(async () => {
  system = await startTestSystem();
  lab = labClient(system);
});
afterAll(() => system?.stop());
afterEach(async () => {
  await closeAll();
  // Every test starts with no live subscription, so `live(n)` counts only its own.
  await waitUntil(() => system.runtime.liveFeed.size === 0, 10_000, 'previous subscriptions released');
});

/** Subscriptions are live once the subgraph's feed has them; wait for that rather than sleeping. */
const live = (subscribers: number) => waitUntil(() => system.runtime.liveFeed.size >= subscribers, 5000, 'subscription live');
const meta = (tenantId = 'demo') => ({ tenantId, actor: 'burst', correlationId: crypto.randomUUID(), occurredAt: new Date().toISOString() });

describe('subscriptions through the gateway (graphql-ws)', () => {
  it('alertRaised with fields from notifications, samples and storage', async () => {
    const client = wsClient(system.gatewayUrl);
    const sub = collect(client, `subscription { alertRaised { kind severity message sample { barcode status location { label } custody { action } } storageUnit { name } } }`);
    await live(1);
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "SUB-ALERT-01", sampleType: DNA }) { position sample { id } } }`);
    await lab.mutate(`mutation($id: ID!) { rejectSample(id: $id, reason: "unlabelled tube") { position } }`, { id: sample.id });
    await waitUntil(() => sub.results.length >= 1, 10_000, 'alert delivered');
    expect(sub.results[0]).toEqual({
      data: { alertRaised: { kind: 'SAMPLE_REJECTED', severity: 'INFO', message: 'Sample rejected: unlabelled tube', sample: { barcode: 'SUB-ALERT-01', status: 'REJECTED', location: null, custody: [] }, storageUnit: null } },
      // The AlertRaised event's position: a read sent with it includes the alert.
      extensions: { position: expect.stringMatching(/^\d+:\d+$/) },
    });
    const inbox = await system.gql(`{ alerts(status: OPEN, first: 100) { edges { node { message } } } }`, {}, { 'x-tracseq-consistent-with': sub.results[0].extensions.position });
    expect(inbox.data.alerts.edges.map((e: { node: { message: string } }) => e.node.message)).toContain('Sample rejected: unlabelled tube');
    sub.stop();
    await client.dispose();
  });

  it('alertRaised announces an open alert again when its condition repeats: a freezer that recovered and failed again', async () => {
    const { freezer } = await lab.freezerWithBox('Repeat freezer', 'MINUS_20');
    const client = wsClient(system.gatewayUrl);
    const sub = collect(client, `subscription { alertRaised(minSeverity: CRITICAL) { id kind severity status message storageUnit { id } } }`);
    await live(1);
    const record = (celsius: number) => lab.mutate(`mutation($u: ID!, $c: Float!) { recordTemperature(unitId: $u, celsius: $c) { position } }`, { u: freezer, c: celsius });
    await record(-2);
    await waitUntil(() => sub.results.length >= 1, 10_000, 'the excursion announced');
    await record(-20);
    await record(12);
    await waitUntil(() => sub.results.length >= 2, 10_000, 'the second excursion announced');
    const [first, again] = sub.results.map((result) => result.data.alertRaised);
    expect(first).toMatchObject({ kind: 'TEMPERATURE_EXCURSION', severity: 'CRITICAL', status: 'OPEN', storageUnit: { id: freezer } });
    expect(first.message).toContain('-2 °C');
    // One open alert per freezer: the same alert, now saying what happened this time.
    expect(again).toMatchObject({ id: first.id, kind: 'TEMPERATURE_EXCURSION', severity: 'CRITICAL', status: 'OPEN' });
    expect(again.message).toContain('12 °C');
  });

  it('alertRaised with what the alert itself says (its sample\'s barcode too) does not wait for the alerts read model', async () => {
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "SUB-ALERT-03", sampleType: DNA }) { position sample { id } } }`);
    const client = wsClient(system.gatewayUrl);
    const sub = collect(client, `subscription { alertRaised { id kind sample { id barcode } } }`);
    await live(1);
    // The notifications read model applies nothing until released: the alert must come from its event.
    const release = await holdWrites(system.runtime.db, 'notifications_read.alerts');
    try {
      await lab.mutate(`mutation($id: ID!) { rejectSample(id: $id, reason: "cracked tube") { position } }`, { id: sample.id });
      // Within the subgraph's consistency timeout (10 s here), after which a held delivery would go out
      // anyway; the Kafka bus's two hops (source event, then the alert) can take seconds under load.
      await waitUntil(() => sub.results.length >= 1, 8000, 'alert delivered while the read model is held');
    } finally {
      await release();
    }
    expect(sub.results[0].data.alertRaised).toMatchObject({ kind: 'SAMPLE_REJECTED', sample: { id: sample.id, barcode: 'SUB-ALERT-03' } });
  });

  it('alertRaised reaching past its event (Sample.alerts, a read model) lists the alert it announces', async () => {
    const client = wsClient(system.gatewayUrl);
    const sub = collect(client, `subscription { alertRaised { id sample { barcode alerts { id kind } } } }`);
    await live(1);
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "SUB-ALERT-02", sampleType: DNA }) { position sample { id } } }`);
    await lab.mutate(`mutation($id: ID!) { rejectSample(id: $id, reason: "leaking cap") { position } }`, { id: sample.id });
    await waitUntil(() => sub.results.length >= 1, 10_000, 'alert delivered');
    const { id, sample: alerted } = sub.results[0].data.alertRaised;
    expect(alerted).toEqual({ barcode: 'SUB-ALERT-02', alerts: [{ id, kind: 'SAMPLE_REJECTED' }] });
  });

  it('sampleStatusChanged for one sample, with its location once stored (samples + storage)', async () => {
    const { positions } = await lab.freezerWithBox('Sub', 'MINUS_80');
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "SUB-STATUS-01", sampleType: DNA }) { position sample { id } } }`);
    const client = wsClient(system.gatewayUrl);
        const sub = collect(client, `subscription($id: ID) { sampleStatusChanged(sampleId: $id) { from to sample { barcode status location { label } } } }`, { id: sample.id });
    await live(1);
    await lab.validatedSample('SUB-STATUS-02'); // another sample: filtered out
    await lab.mutate(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id: sample.id });
    await lab.mutate(`mutation($id: ID!) { validateSample(id: $id) { position } }`, { id: sample.id });
    await lab.mutate(`mutation($s: ID!, $p: ID!) { storeSample(sampleId: $s, positionId: $p) { position } }`, { s: sample.id, p: positions.B3 });
    await waitUntil(() => sub.results.length >= 3, 10_000, 'three changes');
    const changes = sub.results.map((r) => r.data.sampleStatusChanged);
    expect(changes.map(({ from, to }) => ({ from, to }))).toEqual([
      { from: 'PENDING', to: 'RECEIVED' },
      { from: 'RECEIVED', to: 'VALIDATED' },
      { from: 'VALIDATED', to: 'IN_STORAGE' },
    ]);
    // The rest of each event's selection is read at least as of the event (x-tracseq-consistent-with
    // its position), possibly later: a change delivered after the next one happened shows the newer state.
    expect(changes.every((c) => c.sample.barcode === 'SUB-STATUS-01')).toBe(true);
    expect(changes[2].sample).toEqual({ barcode: 'SUB-STATUS-01', status: 'IN_STORAGE', location: { label: 'B3' } });
    sub.stop();
    await client.dispose();
  });

  it('refuses sampleStatusChanged for a malformed sample id with BAD_USER_INPUT, instead of waiting forever', async () => {
    const client = wsClient(system.gatewayUrl);
    const sub = collect(client, `subscription { sampleStatusChanged(sampleId: "not-a-uuid") { to } }`);
    await waitUntil(() => sub.results.length + sub.errors.length > 0 || sub.completed, 10_000, 'an answer');
    const errors = [...sub.results.flatMap((r) => r.errors ?? []), ...sub.errors.flatMap((e) => (Array.isArray(e) ? e : []))];
    expect(errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'sampleId' } });
    await client.dispose();
  });

  it('sagaUpdated follows a saga to COMPLETED, with its sample from another subgraph', async () => {
    const { box } = await lab.freezerWithBox('SubSaga', 'MINUS_80');
    const started = await lab.mutate(`mutation($u: ID) { submitSample(input: { sample: { barcode: "SUB-SAGA-01", sampleType: DNA }, storageUnitId: $u }) { position saga { id } } }`, { u: box });
    const client = wsClient(system.gatewayUrl);
    const sub = collect(client, `subscription($id: ID!) { sagaUpdated(id: $id) { status steps { name status } sample { barcode } } }`, { id: started.saga.id });
    await waitUntil(() => sub.results.some((r) => r.data?.sagaUpdated.status === 'COMPLETED'), 15_000, 'saga completed');
    const last = sub.results.at(-1).data.sagaUpdated;
    expect(last.status).toBe('COMPLETED');
    expect(last.sample).toEqual({ barcode: 'SUB-SAGA-01' });
    // The last transition appends three events (storeSample done, notify skipped, completed): one update.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sub.results.filter((r) => r.data?.sagaUpdated.status === 'COMPLETED')).toHaveLength(1);
    sub.stop();
    await client.dispose();
  });

  it('runs each (document, variables, tenant, roles) once per event for all its subscribers; other roles and other labs are groups of their own', async () => {
    const ALERTS = `subscription { alertRaised { kind message sample { barcode } } }`;
    const person = (sub: string, tenant: string, roles: string[]) => bearer({ sub, tenant, roles });
    const before = system.subscriptionStats();
    const ada = collect(wsClient(system.gatewayUrl, await person('ada@lab-a', 'lab-a', ['admin'])), ALERTS);
    const bob = collect(wsClient(system.gatewayUrl, await person('bob@lab-a', 'lab-a', ['admin'])), ALERTS);
    const tia = collect(wsClient(system.gatewayUrl, await person('tia@lab-a', 'lab-a', ['technician'])), ALERTS);
    const ola = collect(wsClient(system.gatewayUrl, await person('ola@lab-b', 'lab-b', ['admin'])), ALERTS);
    await waitUntil(() => system.subscriptionStats().subscribers === before.subscribers + 4, 5000, 'four subscribers');
    // Ada and Bob differ only in who they are, not in what they may see: one group, one upstream subscription.
    expect(system.subscriptionStats().groups).toBe(before.groups + 3);
    await live(3);
    const labA = labClient(system, await person('ada@lab-a', 'lab-a', ['admin']));
    const a = (await labA.mutate(`mutation { registerSample(input: { barcode: "FAN-A-0001", sampleType: DNA }) { position sample { id } } }`)).sample.id;
    await labA.mutate(`mutation($id: ID!) { rejectSample(id: $id, reason: "cracked tube") { position } }`, { id: a });
    await waitUntil(() => ada.results.length > 0 && bob.results.length > 0 && tia.results.length > 0, 10_000, 'lab A alert delivered');
    const alertA = { data: { alertRaised: { kind: 'SAMPLE_REJECTED', message: 'Sample rejected: cracked tube', sample: { barcode: 'FAN-A-0001' } } }, extensions: { position: ada.results[0].extensions.position } };
    expect([ada.results, bob.results, tia.results]).toEqual([[alertA], [alertA], [alertA]]);
    // Lab B's own alert, after lab A's: when it arrives, lab A's would have too, had it leaked.
    const labB = labClient(system, await person('ola@lab-b', 'lab-b', ['admin']));
    const b = (await labB.mutate(`mutation { registerSample(input: { barcode: "FAN-B-0001", sampleType: DNA }) { position sample { id } } }`)).sample.id;
    await labB.mutate(`mutation($id: ID!) { rejectSample(id: $id, reason: "no label") { position } }`, { id: b });
    await waitUntil(() => ola.results.length > 0, 10_000, 'lab B alert delivered');
    expect(ola.results.map((r) => r.data)).toEqual([{ alertRaised: { kind: 'SAMPLE_REJECTED', message: 'Sample rejected: no label', sample: { barcode: 'FAN-B-0001' } } }]);
    expect(ada.results).toHaveLength(1);
  });

  it('keeps tenants apart: saga(id), sagaUpdated(id) and sampleStatusChanged(sampleId) of another lab show nothing (sagaUpdated: NOT_FOUND, as for an id no saga has)', async () => {
    const spyLab = labClient(system, { 'x-tracseq-tenant': 'spy-lab' });
    const { box } = await lab.freezerWithBox('Isolated', 'MINUS_80');
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "ISO-SAMPLE-01", sampleType: DNA }) { position sample { id } } }`);
    const owner = wsClient(system.gatewayUrl);
    const spy = wsClient(system.gatewayUrl, { 'x-tracseq-tenant': 'spy-lab' });
    const STATUS = `subscription($id: ID) { sampleStatusChanged(sampleId: $id) { to sample { barcode } } }`;
    const SAGA = `subscription($id: ID!) { sagaUpdated(id: $id) { status } }`;
    const ownerOnSample = collect(owner, STATUS, { id: sample.id });
    const spyOnSample = collect(spy, STATUS, { id: sample.id });
    await live(2);
    const started = await lab.mutate(`mutation($u: ID) { submitSample(input: { sample: { barcode: "ISO-SAGA-01", sampleType: DNA }, storageUnitId: $u }) { position saga { id } } }`, { u: box });
    const sagaId = started.saga.id as string;
    const ownerOnSaga = collect(owner, SAGA, { id: sagaId });
    const spyOnSaga = collect(spy, SAGA, { id: sagaId });
    await lab.mutate(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id: sample.id });
    await waitUntil(() => ownerOnSample.results.length > 0 && ownerOnSaga.completed && spyOnSaga.completed, 15_000, 'the owner sees both; the spy is refused');
    expect(ownerOnSaga.results.at(-1).data.sagaUpdated.status).toBe('COMPLETED');
    expect(ownerOnSample.results[0].data.sampleStatusChanged).toEqual({ to: 'RECEIVED', sample: { barcode: 'ISO-SAMPLE-01' } });
    const query = `query($id: ID!) { saga(id: $id) { id status } }`;
    expect((await lab.gql(query, { id: sagaId })).data.saga).toEqual({ id: sagaId, status: 'COMPLETED' });
    const spied = await spyLab.gql(query, { id: sagaId });
    expect(spied.errors).toBeUndefined();
    expect(spied.data.saga).toBeNull();

    // Markers on the spy's own connection: its own sample and saga, changed after all of the above.
    const own = (await spyLab.mutate(`mutation { registerSample(input: { barcode: "ISO-SPY-0001", sampleType: DNA }) { position sample { id } } }`)).sample.id;
    const spyOnOwnSample = collect(spy, STATUS, { id: own });
    // Live: both sample subscriptions and this one (the owner's saga subscription ended with the saga, the spy's was refused).
    await live(3);
    await spyLab.mutate(`mutation($id: ID!) { receiveSample(id: $id) { position } }`, { id: own });
    // Nowhere to store it in the spy's lab: the spy's saga ends compensated, which is an update too.
    const ownSaga = (await spyLab.mutate(`mutation { submitSample(input: { sample: { barcode: "ISO-SPY-SAGA", sampleType: DNA }, zone: MINUS_80 }) { position saga { id } } }`)).saga.id;
    const spyOnOwnSaga = collect(spy, SAGA, { id: ownSaga });
    await waitUntil(() => spyOnOwnSample.results.length > 0 && spyOnOwnSaga.results.some((r) => ['COMPENSATED', 'FAILED'].includes(r.data?.sagaUpdated.status)), 15_000, "the spy's own updates");
    expect(spyOnSample.results).toEqual([]);
    expect(spyOnSaga.results.map((r) => ({ data: r.data, codes: (r.errors ?? []).map((e: { extensions?: { code?: string } }) => e.extensions?.code) }))).toEqual([{ data: undefined, codes: ['NOT_FOUND'] }]);
    expect([...spyOnSample.errors, ...spyOnSaga.errors]).toEqual([]);
  });

  it('delivers a burst of 1,000 events in order per stream (and in commit order on the postgres bus), each once, and only to its tenant', async () => {
    const client = wsClient(system.gatewayUrl);
    const other = wsClient(system.gatewayUrl, { 'x-tracseq-tenant': 'other-lab' });
    const mine = collect(client, `subscription { labEvents(eventTypes: ["BurstTick"]) { id streamId version position } }`);
    const theirs = collect(other, `subscription { labEvents(eventTypes: ["BurstTick"]) { streamId } }`);
    await live(2);
    await Promise.all(
      Array.from({ length: 10 }, async (_, writer) => {
        for (let i = 0; i < 100; i++) await system.runtime.store.append(`Burst-${writer}`, i, [{ type: 'BurstTick', data: { i } }], meta());
      }),
    );
    // Markers: one more event per stream, and one of the other tenant's own. A stream's events
    // arrive in order on either bus, so once its marker is in, nothing of the burst is on the way.
    for (let writer = 0; writer < 10; writer++) await system.runtime.store.append(`Burst-${writer}`, 100, [{ type: 'BurstTick', data: { marker: true } }], meta());
    await system.runtime.store.append('Burst-other-lab', 0, [{ type: 'BurstTick', data: { marker: true } }], meta('other-lab'));
    const markers = () => new Set(mine.results.filter((r) => r.data.labEvents.version === 101).map((r) => r.data.labEvents.streamId)).size;
    await waitUntil(() => markers() === 10 && theirs.results.length > 0, 30_000, 'every marker delivered');
    const events = mine.results.map((r) => r.data.labEvents);
    expect(events).toHaveLength(1010);
    expect(new Set(events.map((e) => e.id)).size).toBe(1010);
    for (let writer = 0; writer < 10; writer++) {
      expect(events.filter((e) => e.streamId === `Burst-${writer}`).map((e) => e.version)).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    }
    // The postgres bus hands out the log itself; Kafka promises order per stream only (README), checked above.
    if (runBus().name === 'postgres') {
      const inCommitOrder = events.every((e, i) => i === 0 || compareCheckpoints(parsePosition(events[i - 1].position), parsePosition(e.position)) < 0);
      expect(inCommitOrder).toBe(true);
    }
    expect(theirs.results.map((r) => r.data.labEvents)).toEqual([{ streamId: 'Burst-other-lab' }]);
    mine.stop();
    theirs.stop();
    await client.dispose();
    await other.dispose();
  });

  it('runs as several gateway replicas, each delivering every event to its own subscribers', async () => {
    const replica = await startGateway({
      config: system.runtime.config,
      logger: system.runtime.logger,
      port: 0,
      supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
      subgraphUrls: Object.fromEntries(system.subgraphs.map((s) => [s.name, s.url])),
      databaseUrl: system.runtime.databaseUrl,
    });
    try {
      const one = collect(wsClient(system.gatewayUrl), `subscription { labEvents(eventTypes: ["ReplicaTick"]) { id } }`);
      const two = collect(wsClient(replica.url), `subscription { labEvents(eventTypes: ["ReplicaTick"]) { id } }`);
      await live(2);
      for (let i = 0; i < 20; i++) await system.runtime.store.append(`Replica-${i}`, 0, [{ type: 'ReplicaTick', data: {} }], meta());
      await waitUntil(() => one.results.length === 20 && two.results.length === 20, 10_000, 'both replicas delivered');
      expect(one.results.map((r) => r.data.labEvents.id)).toEqual(two.results.map((r) => r.data.labEvents.id));
      await closeAll();
    } finally {
      await replica.close();
    }
  });

  it('applies filters before sending: minSeverity CRITICAL never sees an INFO alert', async () => {
    const client = wsClient(system.gatewayUrl);
        const critical = collect(client, `subscription { alertRaised(minSeverity: CRITICAL) { kind severity } }`);
    const everything = collect(client, `subscription { alertRaised { kind severity } }`);
    await live(2);
    const { sample } = await lab.mutate(`mutation { registerSample(input: { barcode: "SUB-FILTER-01", sampleType: DNA }) { position sample { id } } }`);
    await lab.mutate(`mutation($id: ID!) { rejectSample(id: $id, reason: "x") { position } }`, { id: sample.id });
    const { freezer } = await lab.freezerWithBox('SubHot', 'MINUS_20');
    await lab.mutate(`mutation($u: ID!) { recordTemperature(unitId: $u, celsius: 5) { position } }`, { u: freezer });
    await waitUntil(() => everything.results.length >= 2 && critical.results.length >= 1, 10_000, 'alerts');
    expect(critical.results.map((r) => r.data.alertRaised)).toEqual([{ kind: 'TEMPERATURE_EXCURSION', severity: 'CRITICAL' }]);
    // Raised from two contexts' events: on Kafka their topics interleave, so the alerts may come in either order.
    expect(everything.results.map((r) => r.data.alertRaised.kind).sort()).toEqual(['SAMPLE_REJECTED', 'TEMPERATURE_EXCURSION']);
    critical.stop();
    everything.stop();
    await client.dispose();
  });

  it('releases everything when 500 subscriptions close', async () => {
    const clients = Array.from({ length: 10 }, (_, i) => wsClient(system.gatewayUrl, { 'x-tracseq-tenant': `leak-${i}` }));
    const subs = clients.flatMap((client, c) =>
      Array.from({ length: 50 }, (_, i) => collect(client, `subscription($id: ID) { sampleStatusChanged(sampleId: $id) { to } }`, { id: `00000000-0000-4000-8000-${String(c * 50 + i).padStart(12, '0')}` })),
    );
    await waitUntil(() => system.runtime.liveFeed.size >= 500, 15_000, '500 live');
    expect(system.subscriptionStats().subscribers).toBeGreaterThanOrEqual(500);
    for (const sub of subs) sub.stop();
    await closeAll();
    await waitUntil(() => system.runtime.liveFeed.size === 0, 10_000, 'feed listeners released');
    await waitUntil(() => system.subscriptionStats().subscribers === 0 && system.subscriptionStats().groups === 0, 10_000, 'gateway subscriptions released');
  });

  it('answers bad documents with errors, and bad connection_init payloads with protocol close codes', async () => {
    const client = wsClient(system.gatewayUrl);
    const unknownField = collect(client, `subscription { alertRaised { noSuchField } }`);
    const notASubscription = collect(client, `query { samples { totalCount } }`);
    await waitUntil(() => unknownField.errors.length > 0 && notASubscription.errors.length > 0, 5000, 'errors');
    expect((unknownField.errors[0] as any[])[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((notASubscription.errors[0] as any[])[0].message).toContain('only subscriptions');
    await client.dispose();

    const closeCode = (params: unknown, messages?: string[]) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(system.gatewayUrl.replace('http', 'ws'), 'graphql-transport-ws');
        socket.on('open', () => {
          for (const message of messages ?? [JSON.stringify({ type: 'connection_init', payload: params })]) socket.send(message);
        });
        socket.on('close', (code) => resolve(code));
      });
    expect(await closeCode({ 'x-tracseq-tenant': 42 })).toBe(4400);
    expect(await closeCode({ 'x-tracseq-tenant': 'Not A Tenant!' })).toBe(4400);
    expect(await closeCode(undefined, [JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { alertRaised { id } }' } })])).toBe(4401);
    expect(await closeCode(undefined, ['not json'])).toBe(4400);
  });
});

describe('subscription limits', () => {
  it('refuses connections without credentials outside development with 4403', async () => {
    const production = await startTestSystem({ NODE_ENV: 'production', INTERNAL_SECRET: 'production-secret-for-test-at-least-32-chars' });
    try {
      const code = await new Promise<number>((resolve) => {
        const socket = new WebSocket(production.gatewayUrl.replace('http', 'ws'), 'graphql-transport-ws');
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
        socket.on('close', (c) => resolve(c));
      });
      expect(code).toBe(4403);
    } finally {
      await production.stop();
    }
  });
});
