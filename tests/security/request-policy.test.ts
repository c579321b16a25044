import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SUPERGRAPH_FILE } from '../../bin/system.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { createLogger } from '../../platform/logger.js';
import { postGraphQL, startTestSystem, type TestSystem } from '../support/system.js';
import { bearer, TEST_MODE } from '../support/tokens.js';
import { waitUntil } from '../support/wait.js';
import { closeAll, wsClient } from '../support/ws.js';

const sha256 = (body: string) => createHash('sha256').update(body).digest('hex');
const operation = (name: string, type: string, body: string) => ({ id: sha256(body), name, type, body });
const manifest = (...operations: Array<ReturnType<typeof operation>>) => JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations });

const A_QUERY = operation('PartnerASample', 'query', 'query PartnerASample($barcode: String!) { sampleByBarcode(barcode: $barcode) { barcode status } }');
const A_SUBSCRIPTION = operation('PartnerAStatus', 'subscription', 'subscription PartnerAStatus { sampleStatusChanged { to sample { barcode } } }');
const A_MUTATION = operation('PartnerAReceive', 'mutation', 'mutation PartnerAReceive($id: ID!) { receiveSample(id: $id) { position } }');
const B_QUERY = operation('PartnerBCount', 'query', 'query PartnerBCount { samples { totalCount } }');
const DEEP = `subscription { sampleStatusChanged { sample { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { id } } } } } } } } } } } } } } } } }`;

const logLines: Array<Record<string, any>> = [];
let system: TestSystem;
let replica: RunningGateway;
let manifestDir: string;

beforeAll(async () => {
  manifestDir = mkdtempSync(path.join(os.tmpdir(), 'tracseq-policy-'));
  writeFileSync(path.join(manifestDir, 'partner-a.json'), manifest(A_QUERY, A_SUBSCRIPTION, A_MUTATION));
  writeFileSync(path.join(manifestDir, 'partner-b.json'), manifest(B_QUERY));
  const logger = createLogger('debug', 'tracseq', { write: (line: string) => void logLines.push(JSON.parse(line)) });
  system = await startTestSystem({ PERSISTED_QUERIES_DIR: manifestDir, RATE_LIMIT_PER_MINUTE: '30', CORS_ORIGINS: 'https://lims.example' }, { logger });
  // A second gateway replica over the same subgraphs and database, as behind a load balancer.
  replica = await startGateway({
    config: system.runtime.config,
    logger: createLogger('silent'),
    port: 0,
    supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
    subgraphUrls: Object.fromEntries(system.subgraphs.map((s) => [s.name, s.url])),
    databaseUrl: system.runtime.databaseUrl,
  });
});
afterAll(async () => {
  await replica?.close();
  await system?.stop();
});
afterEach(() => closeAll());

const code = (result: { errors?: Array<{ extensions?: Record<string, any> }> }) => result.errors?.[0]?.extensions?.code;
const as = (sub: string, roles = ['admin'], tenant = 'lab-p') => bearer({ sub, tenant, roles });
const createKey = async (admin: Record<string, string>, args: string) => {
  const created = await system.gql(`mutation { createApiKey(${args}) { secret apiKey { id manifests } } }`, {}, admin);
  expect(created.errors).toBeUndefined();
  return created.data.createApiKey as { secret: string; apiKey: { id: string; manifests: string[] | null } };
};
const byId = (url: string, id: string, headers: Record<string, string>, variables: Record<string, unknown> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: id } } }) }).then(async (r) => ({ status: r.status, ...((await r.json()) as any) }));
const byGet = (id: string, headers: Record<string, string>, variables: Record<string, unknown> = {}, query?: string) => {
  const params = new URLSearchParams({ variables: JSON.stringify(variables), extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: id } }) });
  if (query) params.set('query', query);
  // Apollo clients send hashed queries by GET with a JSON content type (which also satisfies CSRF prevention).
  return fetch(`${system.gatewayUrl}?${params}`, { headers: { 'content-type': 'application/json', ...headers } }).then(async (r) => ({ status: r.status, ...((await r.json()) as any) }));
};
/** The first thing a subscription answers: data, or the errors its subscribe was refused with. */
const firstAnswer = (client: Client, payload: { query: string; operationName?: string; variables?: Record<string, unknown>; extensions?: Record<string, unknown> }) =>
  new Promise<{ data?: any; errors?: any[] }>((resolve) => {
    client.subscribe(payload, {
      next: (message) => resolve(message as { data?: any; errors?: any[] }),
      error: (error) => resolve({ errors: Array.isArray(error) ? error : [error] }),
      complete: () => resolve({}),
    });
  });

describe('one request policy for HTTP and WebSocket', () => {
  it('refuses a too-deep subscription over WebSocket as over HTTP, with QUERY_TOO_COMPLEX', async () => {
    const headers = await as('deep@lab-p', ['viewer']);
    expect(code(await system.gql(DEEP, {}, headers))).toBe('QUERY_TOO_COMPLEX');
    const answer = await firstAnswer(wsClient(system.gatewayUrl, headers), { query: DEEP });
    expect(answer.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('rate-limits subscribes like requests', async () => {
    const headers = await as('eager@lab-p', ['viewer']);
    const client = wsClient(system.gatewayUrl, headers);
    const codes: string[] = [];
    for (let i = 0; i < 32; i++) codes.push((await firstAnswer(client, { query: DEEP })).errors?.[0]?.extensions?.code);
    expect(codes.slice(0, 25).every((c) => c === 'QUERY_TOO_COMPLEX')).toBe(true);
    expect(codes).toContain('RATE_LIMITED');
  });

  it('lets a persisted-only key subscribe by id, and refuses its free text with OPERATION_NOT_ALLOWED', async () => {
    const admin = await as('admin-ws@lab-p');
    const key = await createKey(admin, 'name: "Partner A live", roles: ["viewer"], persistedOnly: true, manifests: ["partner-a"]');
    const client = wsClient(system.gatewayUrl, { 'x-api-key': key.secret });
    const text = await firstAnswer(client, { query: 'subscription { sampleStatusChanged { to } }' });
    expect(text.errors?.[0]?.extensions?.code).toBe('OPERATION_NOT_ALLOWED');
    const live = firstAnswer(client, { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: A_SUBSCRIPTION.id } } });
    await waitUntil(() => system.runtime.liveFeed.size > 0, 10_000, 'persisted subscription live');
    await system.gql(`mutation { registerSample(input: { barcode: "LIVE-P-0001", sampleType: DNA }) { sample { id } } }`, {}, admin);
    expect((await live).data?.sampleStatusChanged).toMatchObject({ to: 'PENDING', sample: { barcode: 'LIVE-P-0001' } });
  });
});

describe('partners are bound to their manifests', () => {
  it("runs partner A's operations by id over POST and GET, and refuses partner B's", async () => {
    const admin = await as('admin-m@lab-p');
    const registered = await system.gql(`mutation { registerSample(input: { barcode: "PART-A-0001", sampleType: DNA }) { position } }`, {}, admin);
    const key = await createKey(admin, 'name: "Partner A", roles: ["technician"], persistedOnly: true, manifests: ["partner-a"]');
    expect(key.apiKey.manifests).toEqual(['partner-a']);
    // The partner reads what the admin registered: at that write's position.
    const headers = { 'x-api-key': key.secret, 'x-tracseq-consistent-with': registered.data.registerSample.position };
    // The very next request after createApiKey returned, with no waiting.
    const posted = await byId(system.gatewayUrl, A_QUERY.id, headers, { barcode: 'PART-A-0001' });
    expect(posted.data?.sampleByBarcode).toEqual({ barcode: 'PART-A-0001', status: 'PENDING' });
    const got = await byGet(A_QUERY.id, headers, { barcode: 'PART-A-0001' });
    expect(got.data?.sampleByBarcode).toEqual({ barcode: 'PART-A-0001', status: 'PENDING' });
    for (const answer of [await byId(system.gatewayUrl, B_QUERY.id, headers), await byGet(B_QUERY.id, headers)]) {
      expect(answer.status).toBe(403);
      expect(code(answer)).toBe('OPERATION_NOT_ALLOWED');
    }
    const mutationByGet = await byGet(A_MUTATION.id, headers, { id: '00000000-0000-4000-8000-000000000000' });
    expect(mutationByGet.status).toBe(400);
    expect(code(mutationByGet)).toBe('BAD_USER_INPUT');
  });

  it('lists a bound key with its manifests, before and after it is revoked', async () => {
    const admin = await as('admin-l@lab-p');
    const key = await createKey(admin, 'name: "QA partner", roles: ["viewer"], manifests: ["partner-sequencing-center"]');
    expect(key.apiKey.manifests).toEqual(['partner-sequencing-center']);
    const listed = async () => ((await system.gql('{ apiKeys { id manifests persistedOnly revokedAt } }', {}, admin)).data?.apiKeys ?? []) as Array<Record<string, unknown>>;
    await waitUntil(async () => (await listed()).some((k) => k.id === key.apiKey.id), 10_000, 'key listed');
    expect((await listed()).find((k) => k.id === key.apiKey.id)).toMatchObject({ manifests: ['partner-sequencing-center'], persistedOnly: true, revokedAt: null });
    await system.gql(`mutation { revokeApiKey(id: "${key.apiKey.id}") { id } }`, {}, admin);
    await waitUntil(async () => (await listed()).some((k) => k.id === key.apiKey.id && k.revokedAt !== null), 10_000, 'key revoked in the list');
    expect((await listed()).find((k) => k.id === key.apiKey.id)).toMatchObject({ manifests: ['partner-sequencing-center'] });
  });

  it('serves Automatic Persisted Queries by GET for first-party clients', async () => {
    const headers = await as('apq@lab-p', ['viewer']);
    const query = '{ samples(first: 2) { totalCount } }';
    expect(code(await byGet(sha256(query), headers))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await byGet(sha256(query), headers, {}, query)).data?.samples).toBeDefined();
    expect((await byGet(sha256(query), headers)).data?.samples).toBeDefined();
  });

  it('refuses a manifest file that fails its checks, logs file and operation, and keeps the previous version', async () => {
    const admin = await as('admin-c@lab-p');
    const key = await createKey(admin, 'name: "Partner C", roles: ["viewer"], persistedOnly: true, manifests: ["partner-c"]');
    const good = operation('PartnerCCount', 'query', 'query PartnerCCount { samples { totalCount } }');
    const file = path.join(manifestDir, 'partner-c.json');
    writeFileSync(file, manifest(good));
    await waitUntil(async () => (await byId(system.gatewayUrl, good.id, { 'x-api-key': key.secret })).status === 200, 5000, 'partner C manifest loaded');
    const added = operation('PartnerCUnits', 'query', 'query PartnerCUnits { storageUnits { id } }');
    const broken = [
      manifest(good, { ...added, id: sha256('something else') }),
      manifest(good, operation('PartnerCWrong', 'query', 'query PartnerCWrong { noSuchField }')),
      manifest(good, operation('PartnerCBad', 'query', 'query PartnerCBad {')),
    ];
    for (const version of broken) {
      const before = logLines.length;
      writeFileSync(file, version);
      await waitUntil(() => logLines.slice(before).some((l) => l.msg === 'persisted query manifest refused' && l.file === file), 5000, 'refusal logged');
      const refusal = logLines.slice(before).find((l) => l.msg === 'persisted query manifest refused')!;
      expect(refusal.operation).toMatch(/^PartnerC(Units|Wrong|Bad)$/);
      expect(refusal.keptPreviousVersion).toBe(true);
      expect((await byId(system.gatewayUrl, good.id, { 'x-api-key': key.secret })).status).toBe(200);
    }
  });
});

describe('API keys take effect at once on every replica', () => {
  it('works on both replicas right after createApiKey, and is refused on both, live subscriptions included, within moments of revokeApiKey', async () => {
    const admin = await as('admin-r@lab-p');
    const key = await createKey(admin, 'name: "Replicated", roles: ["viewer"], persistedOnly: false');
    const use = (url: string) => postGraphQL(url, '{ samples { totalCount } }', {}, { 'x-api-key': key.secret });
    expect((await use(replica.url)).errors).toBeUndefined();
    expect((await use(system.gatewayUrl)).errors).toBeUndefined();
    const live = wsClient(replica.url, { 'x-api-key': key.secret });
    let connected = false;
    let closedWith: number | undefined;
    live.on('connected', () => (connected = true));
    live.on('closed', (event) => (closedWith = (event as { code: number }).code));
    live.subscribe({ query: 'subscription { sampleStatusChanged { to } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    // Accepted before the revocation: only the pushed revocation can close it now.
    await waitUntil(() => connected, 10_000, 'partner connected');
    const revoked = await system.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: key.apiKey.id }, admin);
    expect(revoked.errors).toBeUndefined();
    // Both replicas cached the key a moment ago for a minute: only the pushed revocation can end it this soon.
    await waitUntil(async () => code(await use(replica.url)) === 'UNAUTHENTICATED', 5000, 'replica refuses the revoked key');
    await waitUntil(async () => code(await use(system.gatewayUrl)) === 'UNAUTHENTICATED', 5000, 'first gateway refuses the revoked key');
    await waitUntil(() => closedWith === 4403, 5000, 'live subscription of the revoked key closed');
    const client = wsClient(replica.url, { 'x-api-key': key.secret });
    const answer = await firstAnswer(client, { query: 'subscription { sampleStatusChanged { to } }' });
    expect(answer.data).toBeUndefined();
  });
});

describe('HTTP hardening and request ids', () => {
  it('sends nosniff, no-store and a referrer policy, and returns the request id given or a new one', async () => {
    const headers = await as('headers@lab-p', ['viewer']);
    const given = await fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'lims-7f3a-0001', ...headers }, body: JSON.stringify({ query: '{ samples { totalCount } }' }) });
    expect(given.headers.get('x-content-type-options')).toBe('nosniff');
    expect(given.headers.get('cache-control')).toBe('no-store');
    expect(given.headers.get('referrer-policy')).toBe('no-referrer');
    expect(given.headers.get('x-request-id')).toBe('lims-7f3a-0001');
    for (const unfit of [undefined, 'free text; with spaces', 'x'.repeat(200)]) {
      const made = await fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(unfit ? { 'x-request-id': unfit } : {}), ...headers }, body: JSON.stringify({ query: '{ samples { totalCount } }' }) });
      expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f-]{27}$/);
    }
  });

  it('writes the request id in the log lines of the request and in the events it causes', async () => {
    const admin = await as('admin-id@lab-p');
    const requestId = 'lims-req-42';
    const result = await system.gql(`mutation { registerSample(input: { barcode: "REQ-ID-0001", sampleType: DNA }) { position sample { id } } }`, {}, { ...admin, 'x-request-id': requestId });
    const read = await system.gql(`query($id: ID!) { sample(id: $id) { history { correlationId } } }`, { id: result.data.registerSample.sample.id }, { ...admin, 'x-tracseq-consistent-with': result.data.registerSample.position });
    // The registration and its barcode claim, one request.
    expect(read.data.sample.history).toEqual([{ correlationId: requestId }, { correlationId: requestId }]);
    const lines = logLines.filter((line) => line.requestId === requestId);
    // The gateway's line and the samples subgraph's line for the same request.
    expect(lines.filter((line) => line.msg === 'request').length).toBeGreaterThanOrEqual(2);
  });

  it('logs a failure of ours with the request id, and shows the caller only INTERNAL_SERVER_ERROR', async () => {
    const viewer = await as('outage@lab-p', ['viewer']);
    const requestId = 'lims-req-outage-1';
    // An outage the code cannot foresee: the read model's table is gone for a moment. Nothing writes
    // in this file meanwhile, so no projection reaches for it.
    await system.runtime.pool.query('ALTER TABLE samples_read.samples RENAME TO samples_away');
    let result: { errors?: Array<{ message: string; extensions?: Record<string, any> }> };
    try {
      result = await system.gql(`query { sampleByBarcode(barcode: "OUTAGE-0001") { id } }`, {}, { ...viewer, 'x-request-id': requestId });
    } finally {
      await system.runtime.pool.query('ALTER TABLE samples_read.samples_away RENAME TO samples');
    }
    expect(code(result)).toBe('INTERNAL_SERVER_ERROR');
    if (TEST_MODE === 'production') {
      expect(result.errors![0]!.message).toBe('Internal server error');
      expect(JSON.stringify(result.errors)).not.toMatch(/samples_read|relation|stacktrace/);
    }
    const logged = logLines.find((line) => line.msg === 'unexpected resolver error' && line.requestId === requestId);
    expect(logged, 'the subgraph logs the failure under the request id the caller gave').toBeDefined();
    expect(logged!.subgraph).toBe('samples');
    expect(logged!.err.message).toMatch(/samples_read\.samples/);
  });

  it('answers a document whose operation cannot be chosen, and an APQ hash that is not its text\'s, as client errors (400 with a code)', async () => {
    const headers = await as('resolution@lab-p', ['viewer']);
    const post = async (body: Record<string, unknown>) => {
      const response = await fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      return { status: response.status, errors: ((await response.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> }).errors };
    };
    const two = 'query A { samples { totalCount } } query B { alerts { totalCount } }';
    for (const [body, message] of [
      [{ query: two }, 'Must provide operation name if query contains multiple operations.'],
      [{ query: two, operationName: 'Z' }, 'Unknown operation named "Z".'],
    ] as const) {
      const answer = await post(body);
      expect(answer.status).toBe(400);
      expect(answer.errors?.[0]).toMatchObject({ message, extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } });
    }
    expect((await post({ query: two, operationName: 'B' })).status).toBe(200);
    // The same refusal over WebSocket (one request policy for both transports).
    const subscriptions = 'subscription A { sampleStatusChanged { to } } subscription B { alertRaised { id } }';
    for (const [payload, message] of [
      [{ query: subscriptions }, 'Must provide operation name if query contains multiple operations.'],
      [{ query: subscriptions, operationName: 'Z' }, 'Unknown operation named "Z".'],
    ] as const) {
      const answer = await firstAnswer(wsClient(system.gatewayUrl, headers), payload);
      expect(answer.errors?.[0]).toMatchObject({ message, extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } });
    }
    const mismatched = await post({ query: '{ samples { totalCount } }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(63) + '1' } } });
    expect(mismatched.status).toBe(400);
    expect(mismatched.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });

  it('gives no "did you mean" hints outside development, over HTTP or WebSocket', async () => {
    const headers = await as('typo@lab-p', ['viewer']);
    const http = await system.gql('{ sampl { id } }', {}, headers);
    expect(http.errors?.[0]?.message).toMatch(/sampl/);
    expect(JSON.stringify(http.errors)).not.toMatch(/did you mean/i);
    const ws = await firstAnswer(wsClient(system.gatewayUrl, headers), { query: 'subscription { sampleStatusChange { to } }' });
    expect(ws.errors?.[0]?.message).toMatch(/sampleStatusChange/);
    expect(JSON.stringify(ws.errors)).not.toMatch(/did you mean/i);
  });
});
