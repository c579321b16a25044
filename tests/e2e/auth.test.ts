import { chmodSync, copyFileSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kind, parse, type ObjectTypeDefinitionNode } from 'graphql';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIdentity } from '../../platform/identity.js';
import { postGraphQL, startTestSystem, type TestSystem } from '../support/system.js';
import { bearer, TEST_JWT_SECRET } from '../support/tokens.js';
import { waitUntil } from '../support/wait.js';

let system: TestSystem;
let manifestDir: string;
const SECRET = 'production-internal-secret-for-tests';

beforeAll(async () => {
  manifestDir = mkdtempSync(path.join(os.tmpdir(), 'tracseq-manifests-'));
  chmodSync(manifestDir, 0o755);
  copyFileSync('schema/persisted-queries/partner-sequencing-center.json', path.join(manifestDir, 'partner.json'));
  system = await startTestSystem({ NODE_ENV: 'production', INTERNAL_SECRET: SECRET, JWT_SECRET: TEST_JWT_SECRET, PERSISTED_QUERIES_DIR: manifestDir, CORS_ORIGINS: 'https://lims.lab-a.example', RATE_LIMIT_PER_MINUTE: '100000' });
});
afterAll(() => system?.stop());

const as = async (roles: string[], tenant = 'lab-a') => bearer({ sub: `${roles[0]}@${tenant}`, tenant, roles });
const code = (result: { errors?: Array<{ extensions?: Record<string, any> }> }) => result.errors?.[0]?.extensions?.code;
const ZERO = '00000000-0000-4000-8000-000000000000';
/** A correctly signed token with exactly the claims given (tokens.ts always fills sub and tenant in). */
const tokenWith = async (claims: Record<string, unknown>, sub: string | null) => {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('tracseq').setAudience('tracseq').setExpirationTime('5m');
  if (sub) jwt.setSubject(sub);
  return { authorization: `Bearer ${await jwt.sign(new TextEncoder().encode(TEST_JWT_SECRET))}` };
};

describe('people: JWT bearer tokens', () => {
  it('accepts a valid token and refuses none, expired, malformed, wrongly signed, wrong-audience and sub- or tenant-less ones', async () => {
    const ok = await system.gql('{ samples { totalCount } }', {}, await as(['viewer']));
    expect(ok.errors).toBeUndefined();
    const refused = [
      {},
      await bearer({}, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
      { authorization: 'Bearer not.a.jwt' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      await bearer({}, { secret: 'someone-elses-secret-of-good-length' }),
      await bearer({}, { audience: 'another-api' }),
      await bearer({}, { issuer: 'someone-else' }),
      await tokenWith({ tenant: 'lab-a', roles: ['admin'] }, null),
      await tokenWith({ roles: ['admin'] }, 'ada@lab-a.example'),
      await tokenWith({ tenant: 'Not A Tenant!', roles: ['admin'] }, 'ada@lab-a.example'),
    ];
    for (const headers of refused) {
      const result = await system.gql('{ samples { totalCount } }', {}, headers as Record<string, string>);
      expect(result.status, JSON.stringify(headers)).toBe(401);
      expect(code(result)).toBe('UNAUTHENTICATED');
    }
  });

  it('hides introspection and the Sandbox in production', async () => {
    const result = await system.gql('{ __schema { types { name } } }', {}, await as(['admin']));
    expect(result.errors?.[0]?.message).toMatch(/introspection/i);
    // With valid credentials, so a refusal of the caller cannot stand in for the missing page.
    const page = await fetch(system.gatewayUrl, { headers: { accept: 'text/html', ...(await as(['admin'])) } });
    expect(page.headers.get('content-type')).not.toMatch(/text\/html/);
    expect(await page.text()).not.toContain('embeddable-sandbox');
  });

  it('ignores internal headers a client sends: a forged identity for lab A still acts as lab B', async () => {
    const a = await as(['admin'], 'lab-a');
    const registered = await system.gql(`mutation { registerSample(input: { barcode: "FORGE-A-0001", sampleType: DNA }) { position sample { id } } }`, {}, a);
    expect(registered.errors).toBeUndefined();
    const { position, sample } = registered.data.registerSample;
    const query = `{ sampleByBarcode(barcode: "FORGE-A-0001") { id } }`;
    // Lab A itself reads the sample at that position: a null below is the refusal, not lag.
    expect((await system.gql(query, {}, { ...a, 'x-tracseq-consistent-with': position })).data.sampleByBarcode).toEqual({ id: sample.id });
    const forged = signIdentity(SECRET, { tenantId: 'lab-a', subject: 'mallory', roles: ['admin'], requestId: 'r' });
    const result = await system.gql(query, {}, { ...(await as(['viewer'], 'lab-b')), 'x-tracseq-identity': forged, 'x-tracseq-tenant': 'lab-a', 'x-tracseq-consistent-with': position });
    expect(result.errors).toBeUndefined();
    expect(result.data.sampleByBarcode).toBeNull();
  });

  it('verifies RS256/ES256 tokens against a JWKS URL', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
    const jwks = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    const withJwks = await startTestSystem({ NODE_ENV: 'production', INTERNAL_SECRET: SECRET, JWKS_URL: url, RATE_LIMIT_PER_MINUTE: '100000' });
    try {
      const sign = (key: CryptoKey | Uint8Array, alg = 'ES256') =>
        new SignJWT({ tenant: 'lab-jwks', roles: ['viewer'] }).setProtectedHeader({ alg, kid: 'test-key' }).setSubject('sso-user').setIssuer('tracseq').setAudience('tracseq').setExpirationTime('5m').sign(key);
      const ok = await withJwks.gql('{ samples { totalCount } }', {}, { authorization: `Bearer ${await sign(privateKey)}` });
      expect(ok.errors).toBeUndefined();
      const otherKey = (await generateKeyPair('ES256')).privateKey;
      expect(code(await withJwks.gql('{ samples { totalCount } }', {}, { authorization: `Bearer ${await sign(otherKey)}` }))).toBe('UNAUTHENTICATED');
      // A shared-secret token is not accepted when keys come from a JWKS.
      expect(code(await withJwks.gql('{ samples { totalCount } }', {}, await as(['admin'])))).toBe('UNAUTHENTICATED');
    } finally {
      await withJwks.stop();
      jwks.close();
    }
  });
});

/** Every mutation in API.md with harmless arguments, and the least role that may run it. */
const MUTATIONS: Array<[string, string]> = [
  ['technician', `mutation { registerSample(input: { barcode: "ROLE-CHECK-1", sampleType: DNA }) { position } }`],
  ['technician', `mutation { receiveSample(id: "${ZERO}") { position } }`],
  ['technician', `mutation { validateSample(id: "${ZERO}") { position } }`],
  ['technician', `mutation { rejectSample(id: "${ZERO}", reason: "x") { position } }`],
  ['technician', `mutation { discardSample(id: "${ZERO}", reason: "x") { position } }`],
  ['technician', `mutation { archiveSample(id: "${ZERO}") { position } }`],
  ['technician', `mutation { resubmitSample(id: "${ZERO}") { position } }`],
  ['technician', `mutation { importSamples(csv: "barcode,sampleType") { position } }`],
  ['technician', `mutation { aliquotSample(input: { parentId: "${ZERO}", barcode: "ROLE-ALIQUOT-1", volumeTakenUl: 1 }) { position } }`],
  ['technician', `mutation { extractSample(input: { parentId: "${ZERO}", barcode: "ROLE-EXTRACT-1", sampleType: DNA, volumeTakenUl: 1 }) { position } }`],
  ['manager', `mutation { createStorageUnit(input: { name: "Site", kind: FACILITY }) { position } }`],
  ['technician', `mutation { reservePosition(positionId: "${ZERO}", sampleId: "${ZERO}") { position } }`],
  ['technician', `mutation { reserveFreePosition(sampleId: "${ZERO}", zone: MINUS_80) { position } }`],
  ['technician', `mutation { releaseReservation(positionId: "${ZERO}") { position } }`],
  ['technician', `mutation { removeSampleFromStorage(sampleId: "${ZERO}", reason: "x") { position } }`],
  ['technician', `mutation { storeSample(sampleId: "${ZERO}", positionId: "${ZERO}") { position } }`],
  ['technician', `mutation { moveSample(sampleId: "${ZERO}", toPositionId: "${ZERO}") { position } }`],
  ['technician', `mutation { checkOutSample(sampleId: "${ZERO}", reason: "x") { position } }`],
  ['technician', `mutation { checkInSample(sampleId: "${ZERO}") { position } }`],
  ['technician', `mutation { recordTemperature(unitId: "${ZERO}", celsius: 4) { position } }`],
  ['technician', `mutation { createSequencingJob(input: { name: "Run", platform: MISEQ }) { position } }`],
  ['technician', `mutation { addSampleToJob(jobId: "${ZERO}", sampleId: "${ZERO}", i7Index: "ACGTACGT") { position } }`],
  ['technician', `mutation { removeSampleFromJob(jobId: "${ZERO}", sampleId: "${ZERO}") { position } }`],
  ['technician', `mutation { queueJob(jobId: "${ZERO}") { position } }`],
  ['technician', `mutation { startJob(jobId: "${ZERO}", flowcellId: "FC-1234") { position } }`],
  ['technician', `mutation { pauseJob(jobId: "${ZERO}") { position } }`],
  ['technician', `mutation { resumeJob(jobId: "${ZERO}") { position } }`],
  ['technician', `mutation { recordRunMetrics(jobId: "${ZERO}", metrics: { q30Percent: 90 }) { position } }`],
  ['technician', `mutation { completeJob(jobId: "${ZERO}") { position } }`],
  ['technician', `mutation { failJob(jobId: "${ZERO}", reason: "x") { position } }`],
  ['technician', `mutation { cancelJob(jobId: "${ZERO}") { position } }`],
  ['technician', `mutation { requeueJob(jobId: "${ZERO}") { position } }`],
  ['technician', `mutation { importIndexKit(input: { name: "k", csv: "x" }) { position } }`],
  ['technician', `mutation { prepareLibrary(input: { sampleId: "${ZERO}", barcode: "LIB-ROLE-1", i7Index: "ACGTACGT", volumeUl: 1, concentrationNgUl: 1, meanFragmentBp: 100 }) { position } }`],
  ['technician', `mutation { recordLibraryQc(libraryId: "${ZERO}", verdict: PASS) { position } }`],
  ['technician', `mutation { createPool(input: { name: "p", libraries: [{ libraryId: "${ZERO}" }], targetMolarityNm: 2, volumeUl: 10 }) { position } }`],
  ['technician', `mutation { createSequencingRun(input: { name: "r", instrument: "NOPE", flowcellType: "X", readStructure: "151T" }) { position } }`],
  ['technician', `mutation { loadPoolOnLane(runId: "${ZERO}", lane: 1, poolId: "${ZERO}") { position } }`],
  ['technician', `mutation { recordLaneQc(runId: "${ZERO}", lane: 1, metrics: { q30Percent: 90 }) { position } }`],
  ['technician', `mutation { completeSequencingRun(runId: "${ZERO}") { position } }`],
  ['technician', `mutation { acknowledgeAlert(id: "${ZERO}") { position } }`],
  ['manager', `mutation { resolveAlert(id: "${ZERO}") { position } }`],
  ['technician', `mutation { submitSample(input: { sample: { barcode: "ROLE-CHECK-2", sampleType: DNA }, zone: MINUS_80 }) { position } }`],
  ['admin', `mutation { createApiKey(name: "k", roles: ["viewer"]) { secret } }`],
  ['admin', `mutation { revokeApiKey(id: "${ZERO}") { id } }`],
  // Any technician may sign (APPROVED needs a manager: tests/e2e/signatures.test.ts); the printed name and a fresh sign-in are checked after the role.
  ['technician', `mutation { signRecord(record: { type: SAMPLE, id: "${ZERO}" }, meaning: REVIEWED) { position } }`],
];
const ORDER = ['viewer', 'technician', 'manager', 'admin'];
/** What a permitted mutation may answer with the harmless arguments above: its result, or a domain refusal. */
const PERMITTED_OUTCOMES = [undefined, 'NOT_FOUND', 'BAD_USER_INPUT', 'INVALID_TRANSITION', 'CONFLICT'];

describe('roles gate mutations', () => {
  it('lists every mutation of the supergraph', () => {
    const document = parse(readFileSync('schema/supergraph.graphql', 'utf8'));
    const mutation = document.definitions.find((d): d is ObjectTypeDefinitionNode => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === 'Mutation')!;
    const listed = MUTATIONS.map(([, text]) => /^mutation \{ (\w+)\(/.exec(text)![1]);
    expect([...listed].sort()).toEqual(mutation.fields!.map((f) => f.name.value).sort());
  });

  it.each(ORDER)('%s may run exactly the mutations its role allows', async (role) => {
    const headers = await as([role], `roles-${role}`);
    for (const [needed, mutation] of MUTATIONS) {
      const result = await system.gql(mutation, {}, headers);
      const allowed = ORDER.indexOf(role) >= ORDER.indexOf(needed);
      if (allowed) expect(PERMITTED_OUTCOMES, `${role}: ${mutation} → ${JSON.stringify(result.errors)}`).toContain(code(result));
      else expect(code(result), `${role}: ${mutation}`).toBe('FORBIDDEN');
    }
  });

  it('lets viewers read', async () => {
    const result = await system.gql('{ samples { totalCount } alerts { totalCount } sequencingJobs { totalCount } storageUnits { id } sagas { totalCount } }', {}, await as(['viewer']));
    expect(result.errors).toBeUndefined();
    expect(code(await system.gql('{ apiKeys { id } }', {}, await as(['manager'])))).toBe('FORBIDDEN');
  });
});

describe('partners: API keys and persisted queries', () => {
  const manifest = readFileSync('schema/persisted-queries/partner-sequencing-center.json', 'utf8');
  const byName = (name: string) => (JSON.parse(manifest) as { operations: Array<{ id: string; name: string }> }).operations.find((o) => o.name === name)!.id;
  const persisted = (id: string, variables: Record<string, unknown>, headers: Record<string, string>) =>
    fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: id } } }) }).then(async (r) => ({ status: r.status, ...(await r.json()) }));

  it('creates a key whose secret is shown once, uses it, lists it without the secret, and revokes it', async () => {
    const admin = await as(['admin'], 'lab-a');
    const created = await system.gql(`mutation { createApiKey(name: "LIMS bridge", roles: ["technician"], persistedOnly: false) { secret apiKey { id name roles persistedOnly revokedAt } } }`, {}, admin);
    expect(created.errors).toBeUndefined();
    const { secret, apiKey } = created.data.createApiKey;
    expect(secret).toMatch(/^tsq_/);
    expect(apiKey).toMatchObject({ name: 'LIMS bridge', roles: ['technician'], persistedOnly: false, revokedAt: null });
    const key = { 'x-api-key': secret };
    // Effective at once: the very next request after createApiKey returned.
    expect((await system.gql('{ samples { totalCount } }', {}, key)).errors).toBeUndefined();
    // Well-formed secrets that fail the lookup itself: this key's id with another secret, and an unknown id.
    for (const wrong of [secret.replace(/\.[^.]+$/, `.${'A'.repeat(32)}`), `tsq_${ZERO}.${secret.split('.')[1]}`]) {
      const refused = await system.gql('{ samples { totalCount } }', {}, { 'x-api-key': wrong });
      expect(refused.status, wrong).toBe(401);
      expect(code(refused), wrong).toBe('UNAUTHENTICATED');
    }
    const registered = await system.gql(`mutation { registerSample(input: { barcode: "KEY-MADE-0001", sampleType: DNA }) { sample { id } } }`, {}, key);
    expect(registered.errors).toBeUndefined();
    expect(code(await system.gql(`mutation { createStorageUnit(input: { name: "S", kind: FACILITY }) { position } }`, {}, key))).toBe('FORBIDDEN');
    // The list is a read model (createApiKey's payload has no position to wait for): it follows.
    await waitUntil(async () => (await system.gql('{ apiKeys { id } }', {}, admin)).data?.apiKeys.length === 1, 10_000, 'key listed');
    const listed = await system.gql('{ apiKeys { id name revokedAt } }', {}, admin);
    expect(listed.data.apiKeys).toEqual([{ id: apiKey.id, name: 'LIMS bridge', revokedAt: null }]);
    expect(JSON.stringify(listed)).not.toContain(secret.split('.')[1]);
    const revoked = await system.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: apiKey.id }, admin);
    expect(revoked.data.revokeApiKey.revokedAt).not.toBeNull();
    await waitUntil(async () => code(await system.gql('{ samples { totalCount } }', {}, key)) === 'UNAUTHENTICATED', 10_000, 'revoked key refused');
    expect(code(await system.gql('{ samples { totalCount } }', {}, { 'x-api-key': 'tsq_not-a-key' }))).toBe('UNAUTHENTICATED');
  });

  it('lets a persistedOnly key run manifest operations by id, and nothing else', async () => {
    const admin = await as(['admin'], 'lab-a');
    const registered = await system.gql(`mutation { registerSample(input: { barcode: "PARTNER-0001", sampleType: DNA }) { position sample { id } } }`, {}, admin);
    expect(registered.errors).toBeUndefined();
    const created = await system.gql(`mutation { createApiKey(name: "Sequencing center", roles: ["viewer"], persistedOnly: true) { secret } }`, {}, admin);
    const key = { 'x-api-key': created.data.createApiKey.secret };
    // The key works on the very next request; the read waits for the registration to be projected.
    const allowed = await persisted(byName('SampleStatusByBarcode'), { barcode: 'PARTNER-0001' }, { ...key, 'x-tracseq-consistent-with': registered.data.registerSample.position });
    expect(allowed.status).toBe(200);
    expect(allowed.data.sampleByBarcode).toMatchObject({ barcode: 'PARTNER-0001', status: 'PENDING' });
    const text = await system.gql('{ samples { totalCount } }', {}, key);
    expect(text.status).toBe(403);
    expect(code(text)).toBe('OPERATION_NOT_ALLOWED');
    const unknown = await persisted('f'.repeat(64), {}, key);
    expect(unknown.errors[0].extensions.code).toBe('OPERATION_NOT_ALLOWED');
  });

  it('reloads manifests when their files change: added, removed, and a malformed file skipped whole', async () => {
    const manifestOf = (...operations: Array<Record<string, string>>) => JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations });
    const operation = (name: string, body: string) => ({ id: createHash('sha256').update(body).digest('hex'), name, type: 'query', body });
    const alerts = operation('PartnerAlerts', 'query PartnerAlerts { alerts(first: 5) { totalCount } }');
    const admin = await as(['admin'], 'lab-a');
    const created = await system.gql(`mutation { createApiKey(name: "Reloaded", roles: ["viewer"]) { secret } }`, {}, admin);
    const key = { 'x-api-key': created.data.createApiKey.secret };
    const runs = async (id: string) => (await persisted(id, {}, key)).data !== undefined;
    const refusal = async (id: string) => (await persisted(id, {}, key)).errors?.[0]?.extensions?.code;
    await waitUntil(async () => (await persisted(byName('SampleSheet'), { jobId: ZERO }, key)).status === 200, 5000, 'key usable');
    expect(await refusal(alerts.id)).toBe('OPERATION_NOT_ALLOWED');
    writeFileSync(path.join(manifestDir, 'alerts.json'), manifestOf(alerts));
    await waitUntil(() => runs(alerts.id), 5000, 'new manifest in force');

    // Skipped files come with a good one, so the reload that read them is the one seen taking effect.
    const good = operation('PartnerCount', 'query PartnerCount { samples(first: 1) { totalCount } }');
    const beforeBad = operation('BeforeBad', 'query BeforeBad { storageUnits { id } }');
    writeFileSync(path.join(manifestDir, 'broken.json'), '{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [');
    writeFileSync(path.join(manifestDir, 'bodyless.json'), manifestOf(beforeBad, { id: 'f'.repeat(64), name: 'NoBody', type: 'query' }));
    writeFileSync(path.join(manifestDir, 'good.json'), manifestOf(good));
    await waitUntil(() => runs(good.id), 5000, 'the good manifest in force');
    expect(await refusal(beforeBad.id)).toBe('OPERATION_NOT_ALLOWED');
    expect(await refusal('f'.repeat(64))).toBe('OPERATION_NOT_ALLOWED');
    expect(await runs(alerts.id)).toBe(true);
    expect((await persisted(byName('SampleSheet'), { jobId: ZERO }, key)).data).toEqual({ sequencingJob: null });

    unlinkSync(path.join(manifestDir, 'alerts.json'));
    await waitUntil(async () => (await refusal(alerts.id)) === 'OPERATION_NOT_ALLOWED', 5000, 'removed manifest out of force');
    expect(await runs(good.id)).toBe(true);
  });

  it('supports Automatic Persisted Queries for first-party clients', async () => {
    const headers = await as(['viewer']);
    const query = '{ samples(first: 1) { totalCount } }';
    const hash = createHash('sha256').update(query).digest('hex');
    const miss = await persisted(hash, {}, headers);
    expect(miss.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }) }).then((r) => r.json() as Promise<any>);
    expect(register.data.samples).toBeDefined();
    const hit = await persisted(hash, {}, headers);
    expect(hit.data.samples).toEqual(register.data.samples);
  });
});

describe('limits', () => {
  const SAMPLE_NODE = 'id barcode sampleType status volumeUl concentrationNgUl submitter projectCode metadata createdAt updatedAt version i1: id i2: id i3: id i4: id i5: id i6: id';
  const LIBRARY_16 = 'id barcode status indexId i7Index i5Index volumeUl concentrationNgUl meanFragmentBp molarityNm qcNote qcRecordedBy sample { id } kit { id }';
  /**
   * Each operation is exactly at one limit (MAX_DEPTH 12, MAX_ALIASES 30, MAX_TOKENS 3000, MAX_COST
   * 50000) and well inside the others; `over` takes it one step past, and the refusal names that limit.
   */
  const AT_LIMIT: Record<string, { query: (over: boolean) => string; refusal: RegExp }> = {
    depth: { query: (over) => { const n = over ? 12 : 11; return `{ sample(id: "${ZERO}") { ${'parent { '.repeat(n)}id${' }'.repeat(n)} } }`; }, refusal: /more than 12 levels deep/ },
    aliases: { query: (over) => `{ ${Array.from({ length: over ? 31 : 30 }, (_, i) => `a${i}: samples(first: 1) { totalCount }`).join(' ')} }`, refusal: /limit of 30 exceeded, found 31/ },
    // Fragments, not a long list (input bounds cap lists at 20 items) nor one field repeated (graphql-js
    // aborts validation of thousands of identical fields): 10 + 332 × 9 + 2 = 3000 tokens.
    tokens: {
      query: (over) => `{ sample(id: "${ZERO}") { ${Array.from({ length: 332 }, (_, i) => `...F${i}`).join(' ')} ${'id '.repeat(over ? 3 : 2)}} } ${Array.from({ length: 332 }, (_, i) => `fragment F${i} on Sample { id }`).join(' ')}`,
      refusal: /more than 3000 tokens/,
    },
    // A connection's edges are its page (counted once); other lists count 5: node 18 + libraries (1 + 5 × 16)
    // = 99, samples 1 + 481 × (1 + 1 + 99) = 48582, alerts 1 + 470 × 3 = 1411, storageUnits 6, __typename 1.
    cost: {
      query: (over) => `{ samples(first: 481) { edges { node { ${SAMPLE_NODE} libraries { ${LIBRARY_16} } } } } alerts(first: 470) { edges { node { id } } } storageUnits { id } __typename ${over ? 't: __typename' : ''} }`,
      refusal: /costs 50001/,
    },
  };

  it('refuses operations one step over each limit with QUERY_TOO_COMPLEX, naming the limit', async () => {
    const headers = await as(['viewer']);
    for (const [limit, { query, refusal }] of Object.entries(AT_LIMIT)) {
      const result = await system.gql(query(true), {}, headers);
      expect(code(result), limit).toBe('QUERY_TOO_COMPLEX');
      expect(result.errors![0]!.message, limit).toMatch(refusal);
    }
  });

  it('accepts operations exactly at each limit', async () => {
    const headers = await as(['viewer']);
    for (const [limit, { query }] of Object.entries(AT_LIMIT)) {
      const result = await system.gql(query(false), {}, headers);
      expect(result.errors, limit).toBeUndefined();
      expect(result.status, limit).toBe(200);
    }
  });

  it('refuses bodies over the size limit and accepts one exactly at it', async () => {
    const LIMIT = 1_048_576;
    const body = (bytes: number) => {
      const frame = JSON.stringify({ query: '# \n{ samples { totalCount } }' });
      return JSON.stringify({ query: `# ${'x'.repeat(bytes - Buffer.byteLength(frame))}\n{ samples { totalCount } }` });
    };
    const send = async (text: string) => fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(await as(['viewer'])) }, body: text });
    expect(Buffer.byteLength(body(LIMIT))).toBe(LIMIT);
    const atLimit = await send(body(LIMIT));
    expect(atLimit.status).toBe(200);
    expect(((await atLimit.json()) as any).data.samples).toBeDefined();
    expect((await send(body(LIMIT + 1))).status).toBe(413);
  });

  it('rate-limits per user with RATE_LIMITED and a retry-after hint, and recovers', async () => {
    // A bucket of 10 refilled by one request every 6 s: up to 30 requests in a row empty it however
    // slow this machine is (it would take 4 s per request to keep up with the refill).
    const limited = await startTestSystem({ RATE_LIMIT_PER_MINUTE: '10' });
    try {
      const results = [];
      while (results.length < 30 && results.at(-1)?.status !== 429) results.push(await limited.gql('{ samples { totalCount } }'));
      const refused = results.at(-1)!;
      expect(refused.status).toBe(429);
      expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(10);
      expect(code(refused)).toBe('RATE_LIMITED');
      const retryAfter = refused.errors![0]!.extensions!.retryAfterSeconds as number;
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(6);
      expect((await limited.gql('{ samples { totalCount } }', {}, { 'x-tracseq-tenant': 'someone-else' })).status).toBe(200);
      // A refused request takes no token, so asking until one is served waits for the refill itself.
      await waitUntil(async () => (await limited.gql('{ samples { totalCount } }')).status === 200, (retryAfter + 10) * 1000, 'the bucket refilled');
    } finally {
      await limited.stop();
    }
  });

  it('answers CORS preflights from allowed origins only', async () => {
    const preflight = (origin: string) => fetch(system.gatewayUrl, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const allowed = await preflight('https://lims.lab-a.example');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://lims.lab-a.example');
    expect((await preflight('https://evil.example')).status).toBe(403);
  });
});

describe('tenant isolation: an attacker in lab B holding lab A’s ids', () => {
  it('reads and changes nothing of lab A, through the gateway or directly at a subgraph', async () => {
    const a = await as(['admin'], 'lab-a');
    const b = await as(['admin'], 'lab-b');
    const sample = (await system.gql(`mutation { registerSample(input: { barcode: "SECRET-A-0001", sampleType: DNA }) { position sample { id } } }`, {}, a)).data.registerSample;
    const site = (await system.gql(`mutation { createStorageUnit(input: { name: "Lab A site", kind: FACILITY }) { position unit { id } } }`, {}, a)).data.createStorageUnit;
    const job = (await system.gql(`mutation { createSequencingJob(input: { name: "Lab A run", platform: MISEQ }) { position job { id } } }`, {}, a)).data.createSequencingJob;
    const rejected = (await system.gql(`mutation($id: ID!) { rejectSample(id: $id, reason: "a") { position } }`, { id: sample.sample.id }, a)).data.rejectSample;
    const alertId = await (async () => {
      let id: string | undefined;
      await waitUntil(async () => {
        id = (await system.gql('{ alerts { edges { node { id } } } }', {}, a)).data.alerts.edges[0]?.node.id;
        return Boolean(id);
      }, 10_000, 'lab A alert');
      return id!;
    })();
    const ids = { s: sample.sample.id, u: site.unit.id, j: job.job.id, al: alertId };
    const reads = await system.gql(
      `query($s: ID!, $u: ID!, $j: ID!, $al: ID!) { sample(id: $s) { id } sampleByBarcode(barcode: "SECRET-A-0001") { id } storageUnit(id: $u) { id }
        sequencingJob(id: $j) { id } alert(id: $al) { id } samples { totalCount } storageUnits { id } sequencingJobs { totalCount } alerts { totalCount } apiKeys { id } }`,
      ids,
      { ...b, 'x-tracseq-consistent-with': job.position },
    );
    expect(reads.data).toEqual({ sample: null, sampleByBarcode: null, storageUnit: null, sequencingJob: null, alert: null, samples: { totalCount: 0 }, storageUnits: [], sequencingJobs: { totalCount: 0 }, alerts: { totalCount: 0 }, apiKeys: [] });
    const writes = [
      `mutation($s: ID!) { receiveSample(id: $s) { position } }`,
      `mutation($s: ID!) { discardSample(id: $s, reason: "attack") { position } }`,
      `mutation($u: ID!) { recordTemperature(unitId: $u, celsius: 99) { position } }`,
      `mutation($u: ID!) { createStorageUnit(input: { name: "Inside A", kind: FREEZER, zone: MINUS_80, parentId: $u }) { position } }`,
      `mutation($j: ID!) { cancelJob(jobId: $j) { position } }`,
      `mutation($j: ID!, $s: ID!) { addSampleToJob(jobId: $j, sampleId: $s, i7Index: "ACGTACGT") { position } }`,
      `mutation($al: ID!) { acknowledgeAlert(id: $al) { position } }`,
      `mutation($al: ID!) { resolveAlert(id: $al) { position } }`,
    ];
    for (const mutation of writes) {
      const used = Object.fromEntries(Object.entries(ids).filter(([k]) => mutation.includes(`$${k}:`)));
      const result = await system.gql(mutation, used, b);
      expect(result.errors, mutation).toBeDefined();
      expect(['NOT_FOUND', 'BAD_USER_INPUT'], mutation).toContain(code(result));
    }
    const imported = await system.gql(`mutation($csv: String!) { importSamples(csv: $csv) { imported { id } errors { message } } }`, { csv: 'barcode,sampleType,parentId\nB-CHILD-0001,DNA,SECRET-A-0001' }, b);
    expect(imported.data.importSamples.imported).toEqual([]);
    const after = await system.gql(`query($s: ID!) { sample(id: $s) { status history { type } } }`, { s: ids.s }, { ...a, 'x-tracseq-consistent-with': rejected.position });
    expect(after.data.sample.status).toBe('REJECTED');
    expect(after.data.sample.history.map((e: any) => e.type)).toEqual(['SampleRegistered', 'BarcodeClaimed', 'SampleRejected', 'AlertRaised']);
    // Straight to a subgraph with a validly signed identity of lab B: entities of A resolve to nothing.
    const samplesUrl = system.subgraphs.find((s) => s.name === 'samples')!.url;
    const direct = await postGraphQL(samplesUrl, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Sample { id barcode } } }`, { r: [{ __typename: 'Sample', id: ids.s }] }, {
      'x-tracseq-identity': signIdentity(SECRET, { tenantId: 'lab-b', subject: 'attacker', roles: ['admin'], requestId: 'r' }),
    });
    expect(direct.data._entities).toEqual([null]);
    const unsigned = await postGraphQL(samplesUrl, `{ _service { sdl } }`);
    expect(code(unsigned)).toBe('UNAUTHENTICATED');
  });

  it('answers lookups two labs make at the same moment (one query for all concurrent requests) each from its own lab only', async () => {
    const a = await as(['admin'], 'lab-a');
    const b = await as(['admin'], 'lab-b');
    const register = (barcode: string, who: Record<string, string>) =>
      system.gql(`mutation($b: String!) { registerSample(input: { barcode: $b, sampleType: DNA }) { position sample { id } } }`, { b: barcode }, who).then((r) => r.data.registerSample);
    const ofA = await register('SAME-MOMENT-A', a);
    const ofB = await register('SAME-MOMENT-B', b);
    const samplesUrl = system.subgraphs.find((s) => s.name === 'samples')!.url;
    const identity = (tenantId: string) => signIdentity(SECRET, { tenantId, subject: 'reader', roles: ['admin'], requestId: 'r' });
    // Straight at the subgraph, so every request is there in the same moment; each asks for both labs' samples.
    const asks = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 'lab-a' : 'lab-b'));
    const answers = await Promise.all(
      asks.map((tenantId) =>
        postGraphQL(samplesUrl, `query($a: ID!, $b: ID!) { a: sample(id: $a) { barcode } b: sample(id: $b) { barcode } byA: sampleByBarcode(barcode: "SAME-MOMENT-A") { id } byB: sampleByBarcode(barcode: "SAME-MOMENT-B") { id } }`, { a: ofA.sample.id, b: ofB.sample.id }, {
          'x-tracseq-identity': identity(tenantId),
          'x-tracseq-consistent-with': ofB.position,
        }),
      ),
    );
    answers.forEach((answer, i) => {
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual(asks[i] === 'lab-a'
        ? { a: { barcode: 'SAME-MOMENT-A' }, b: null, byA: { id: ofA.sample.id }, byB: null }
        : { a: null, b: { barcode: 'SAME-MOMENT-B' }, byA: null, byB: { id: ofB.sample.id } });
    });
  });

  it('refuses an internal identity past its expiry at a subgraph, and accepts the same one signed now', async () => {
    const samplesUrl = system.subgraphs.find((s) => s.name === 'samples')!.url;
    const identity = { tenantId: 'lab-a', subject: 'gateway-replay', roles: ['viewer'], requestId: 'r' };
    const stale = await postGraphQL(samplesUrl, '{ samples { totalCount } }', {}, { 'x-tracseq-identity': signIdentity(SECRET, identity, Date.now() - 10 * 60_000) });
    expect(stale.status).toBe(401);
    expect(code(stale)).toBe('UNAUTHENTICATED');
    expect(stale.errors![0]!.message).toMatch(/expired/);
    const fresh = await postGraphQL(samplesUrl, '{ samples { totalCount } }', {}, { 'x-tracseq-identity': signIdentity(SECRET, identity) });
    expect(fresh.errors).toBeUndefined();
  });
});
