import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, loadContext } from '@graphql-codegen/cli';
import { generatePersistedQueryManifest } from '@apollo/generate-persisted-query-manifest';
import { buildClientSchema, buildSchema, getIntrospectionQuery, lexicographicSortSchema, parse, printSchema, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTracSeqClient, TracSeqError, type PersistedQueryManifest } from '../../examples/client.js';
import { useFragment } from '../../examples/__generated__/fragment-masking.js';
import {
  AcknowledgeAlertDocument,
  AlertRaisedDocument,
  FreezerContentsDocument,
  OpenAlertsDocument,
  ResolveAlertDocument,
  SampleDetailDocument,
  SampleListDocument,
  SampleRowFragmentDoc,
  SubmitSampleDocument,
  type AlertRaisedSubscription,
  type SampleRowFragment,
} from '../../examples/__generated__/graphql.js';
import { apiSchemaOf, API_SCHEMA_PATH } from '../../schema/api-schema.js';
import { composeSupergraph } from '../../schema/compose.js';
import { compareCheckpoints, parsePosition } from '../../event-store/position.js';
import { labClient } from '../support/lab.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { bearer } from '../support/tokens.js';
import { waitUntil } from '../support/wait.js';

/** The frontend kit: schema/api.graphql, graphql.config.yml, examples/ and their generated code and manifest. */
const root = fileURLToPath(new URL('../../', import.meta.url));
const apiSdl = readFileSync(API_SCHEMA_PATH, 'utf8');
const manifest = JSON.parse(readFileSync(path.join(root, 'examples/persisted-query-manifest.json'), 'utf8')) as PersistedQueryManifest;

/** What `npm run codegen:examples` writes (graphql.config.yml), in memory; it throws on any invalid operation. */
const runCodegen = async (documents?: string[]): Promise<Array<{ filename: string; content: string }>> => {
  const context = await loadContext(path.join(root, 'graphql.config.yml'));
  context.updateConfig({ silent: true, ...(documents ? { documents } : {}) });
  return generate(context, false);
};

describe('schema/api.graphql', () => {
  it('is current: the client-facing schema of the composed subgraphs (run `npm run compose`)', () => {
    expect(apiSdl).toBe(apiSchemaOf(composeSupergraph()));
  });

  it('has no federation internals', () => {
    for (const internal of ['join__', 'link__', '@link', '@join', '_entities', '_service', '_Any', '_Entity', '@key', '@shareable']) expect(apiSdl, internal).not.toContain(internal);
    const schema = buildSchema(apiSdl);
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(expect.arrayContaining(['samples', 'sample', 'alerts', 'storageUnit', 'saga']));
    expect(Object.keys(schema.getSubscriptionType()!.getFields())).toEqual(expect.arrayContaining(['alertRaised', 'sampleStatusChanged', 'labEvents', 'sagaUpdated']));
  });
});

describe('example operations (examples/operations)', () => {
  it('compile with the codegen client preset into the committed examples/__generated__ (run `npm run codegen:examples`)', async () => {
    const outputs = await runCodegen();
    const folder = path.join(root, 'examples/__generated__');
    expect(outputs.map((o) => path.relative(folder, path.join(root, o.filename))).sort()).toEqual(readdirSync(folder).sort());
    // The CLI writes a lint banner on files whose content lacks one; in memory it is not added.
    const unbannered = (text: string) => text.replace(/^\/\* eslint-disable \*\/\n/, '');
    for (const output of outputs) expect(unbannered(readFileSync(path.join(root, output.filename), 'utf8')), output.filename).toBe(unbannered(output.content));
  });

  it('fail to compile when an operation does not match the schema', async () => {
    await expect(runCodegen(['query Stale { sample(id: "x") { barcode colour } }'])).rejects.toThrow(/colour/);
  });

  it('are in the persisted-query manifest, each id the sha256 of its body (run `npm run codegen:examples`)', async () => {
    const config = JSON.parse(readFileSync(path.join(root, 'examples/persisted-query-manifest.config.json'), 'utf8')) as { documents: string[] };
    const previous = process.cwd();
    process.chdir(root);
    try {
      expect(await generatePersistedQueryManifest(config, 'examples/persisted-query-manifest.config.json')).toEqual(manifest);
    } finally {
      process.chdir(previous);
    }
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    const names = readdirSync(path.join(root, 'examples/operations')).flatMap((file) =>
      [...readFileSync(path.join(root, 'examples/operations', file), 'utf8').matchAll(/^(?:query|mutation|subscription) (\w+)/gm)].map((m) => m[1]!),
    );
    expect(manifest.operations.map((o) => o.name).sort()).toEqual(names.sort());
    const schema = buildSchema(apiSdl);
    for (const operation of manifest.operations) {
      expect(operation.id, operation.name).toBe(createHash('sha256').update(operation.body).digest('hex'));
      expect(validate(schema, parse(operation.body)), operation.name).toEqual([]);
    }
  });
});

describe('the kit against the running gateway', () => {
  let system: TestSystem;
  let manifests: string;
  const closers: Array<() => Promise<void> | void> = [];
  beforeAll(async () => {
    manifests = mkdtempSync(path.join(tmpdir(), 'tracseq-kit-'));
    cpSync(path.join(root, 'examples/persisted-query-manifest.json'), path.join(manifests, 'examples.json'));
    system = await startTestSystem({ PERSISTED_QUERIES_DIR: manifests, BODY_LIMIT_BYTES: '65536' });
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await system?.stop();
    if (manifests) rmSync(manifests, { recursive: true, force: true });
  });

  it('serves exactly schema/api.graphql', async () => {
    const introspection = await system.gql(getIntrospectionQuery({ descriptions: true }));
    expect(introspection.errors, JSON.stringify(introspection.errors)).toBeUndefined();
    const served = printSchema(lexicographicSortSchema(buildClientSchema(introspection.data)));
    expect(served).toBe(printSchema(lexicographicSortSchema(buildSchema(apiSdl))));
  });

  it('answers each kind of refusal with the code and HTTP status docs/errors.md gives it', async () => {
    const codes = new Map(
      readFileSync(path.join(root, 'docs/errors.md'), 'utf8')
        .split('\n')
        .filter((line) => /^\| `[A-Z_]+` \|/.test(line))
        .map((line) => [line.match(/`([A-Z_]+)`/)![1]!, line.split('|')[2]!] as const),
    );
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const deep = `{ sample(id: "${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}") { ${'parent { '.repeat(14)}id${' }'.repeat(14)} } }`;
    const cases: Array<[string, () => Promise<Response>, number, string]> = [
      ['body that is not JSON', () => post('{"query": '), 400, 'BAD_REQUEST'],
      ['body over BODY_LIMIT_BYTES', () => post(JSON.stringify({ query: `{ samples { totalCount } } #${'x'.repeat(70_000)}` })), 413, 'BAD_REQUEST'],
      ['mutation over GET', () => fetch(`${system.gatewayUrl}?query=${encodeURIComponent('mutation { acknowledgeAlert(id: "x") { position } }')}`, { headers: { 'apollo-require-preflight': 'true' } }), 405, 'BAD_REQUEST'],
      ['text that is not GraphQL', () => post(JSON.stringify({ query: '{ samples {' })), 400, 'GRAPHQL_PARSE_FAILED'],
      ['a field the schema does not have', () => post(JSON.stringify({ query: '{ samples { colour } }' })), 400, 'GRAPHQL_VALIDATION_FAILED'],
      ['variables of the wrong type', () => post(JSON.stringify({ query: 'query($n: Int) { samples(first: $n) { totalCount } }', variables: { n: 'ten' } })), 400, 'BAD_USER_INPUT'],
      ['a malformed consistency position', () => post(JSON.stringify({ query: '{ samples { totalCount } }' }), { 'x-tracseq-consistent-with': 'yesterday' }), 400, 'BAD_USER_INPUT'],
      ['an unknown persisted query', () => post(JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } })), 200, 'PERSISTED_QUERY_NOT_FOUND'],
      ['an operation too deep', () => post(JSON.stringify({ query: deep })), 400, 'QUERY_TOO_COMPLEX'],
      ['an invalid token', () => post(JSON.stringify({ query: '{ samples { totalCount } }' }), { authorization: 'Bearer not-a-jwt' }), 401, 'UNAUTHENTICATED'],
      ['a viewer running lab work', () => bearer({ tenant: 'kit', roles: ['viewer'] }).then((auth) => post(JSON.stringify({ query: 'mutation { registerSample(input: { barcode: "KIT-VIEW-1", sampleType: DNA }) { position } }' }), auth)), 200, 'FORBIDDEN'],
      ['a sample that does not exist', () => post(JSON.stringify({ query: 'mutation { receiveSample(id: "00000000-0000-4000-8000-000000000000") { position } }' })), 200, 'NOT_FOUND'],
    ];
    for (const [what, send, status, code] of cases) {
      const answer = await send();
      const body = (await answer.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
      expect({ what, status: answer.status, code: body.errors?.[0]?.extensions?.code }).toEqual({ what, status, code });
      expect(codes.get(code), `docs/errors.md: ${code}`).toContain(String(status));
    }
  });

  it('runs the example operations by persisted id, with the generated types and examples/client.ts', async () => {
    const lab = labClient(system);
    const facility = await lab.unit({ name: 'Kit site', kind: 'FACILITY' });
    const freezer = await lab.unit({ name: 'Kit freezer', kind: 'FREEZER', parentId: facility, zone: 'MINUS_80', minTempC: -90, maxTempC: -60 });
    const rack = await lab.unit({ name: 'Kit rack', kind: 'RACK', parentId: freezer });
    await lab.unit({ name: 'Kit box', kind: 'BOX', parentId: rack, rows: 2, columns: 2 });
    // Another client made the units: this one starts at that client's last write, or submitSample
    // could look for the freezer before storage's read model has it (NOT_FOUND).
    const client = createTracSeqClient({ url: system.gatewayUrl, manifest, webSocketImpl: WebSocket, consistentWith: lab.position });
    closers.push(() => client.close());

    const raised: AlertRaisedSubscription[] = [];
    const errors: unknown[] = [];
    closers.push(client.subscribe(AlertRaisedDocument, { minSeverity: 'WARNING' }, { next: (data) => raised.push(data), error: (error) => errors.push(error) }));
    await waitUntil(() => system.runtime.liveFeed.size >= 1, 10_000, 'alertRaised live');

    const submitted = await client.request(SubmitSampleDocument, { input: { sample: { barcode: 'KIT-0001', sampleType: 'DNA' }, storageUnitId: freezer }, idempotencyKey: 'kit-0001' });
    expect(['RUNNING', 'COMPLETED']).toContain(submitted.submitSample.saga.status);
    expect(client.consistentWith).toBe(submitted.submitSample.position);

    let row: SampleRowFragment | undefined;
    await waitUntil(async () => {
      const list = await client.request(SampleListDocument, { filter: { barcodePrefix: 'KIT-' }, first: 10 });
      row = list.samples.edges.map((edge) => useFragment(SampleRowFragmentDoc, edge.node))[0];
      return row?.status === 'IN_STORAGE';
    }, 20_000, 'submitted sample stored');
    // Status (samples) and location (storage) come from two read models, each applying the saga's
    // later events on its own, and the client's position is the submission's: the gateway holds the
    // storage fetch to what the samples answer showed, so IN_STORAGE comes with its location.
    expect(row!.location?.unit.name).toBe('Kit box');

    const detail = await client.request(SampleDetailDocument, { id: row!.id });
    expect(detail.sample?.location?.unit.zone).toBe('MINUS_80');
    expect(detail.sample?.custody.map((c) => c.action)).toContain('STORED');
    expect(detail.sample?.history.length).toBeGreaterThanOrEqual(4);
    expect(detail.sample?.sequencingJobs).toEqual([]);

    const contents = await client.request(FreezerContentsDocument, { id: freezer });
    expect(contents.storageUnit?.occupied).toBe(1);
    expect(contents.storageUnit?.children[0]?.children[0]?.positions.filter((p) => p.sample?.barcode === 'KIT-0001')).toHaveLength(1);

    await lab.mutate(`mutation($u: ID!) { recordTemperature(unitId: $u, celsius: -41) { position } }`, { u: freezer });
    await waitUntil(() => raised.length >= 1, 15_000, 'alert delivered over WebSocket');
    expect(errors).toEqual([]);
    expect(raised[0]!.alertRaised).toMatchObject({ kind: 'TEMPERATURE_EXCURSION', storageUnit: { id: freezer, name: 'Kit freezer', zone: 'MINUS_80' } });
    const alertId = raised[0]!.alertRaised.id;
    // The alert came with its position, after the submission's: the inbox read below includes it.
    expect(compareCheckpoints(parsePosition(client.consistentWith!), parsePosition(submitted.submitSample.position))).toBe(1);

    const inbox = await client.request(OpenAlertsDocument, { minSeverity: 'WARNING' });
    expect(inbox.alerts.edges.map((e) => e.node.id)).toContain(alertId);
    expect((await client.request(AcknowledgeAlertDocument, { id: alertId, note: 'door was open' })).acknowledgeAlert.alert.status).toBe('ACKNOWLEDGED');
    expect((await client.request(ResolveAlertDocument, { id: alertId })).resolveAlert.alert.status).toBe('RESOLVED');

    // A key limited to persisted operations proves the ids reach the manifest, and text is refused.
    const { secret } = await lab.mutate(`mutation { createApiKey(name: "kit", roles: ["viewer"], persistedOnly: true) { secret apiKey { id } } }`);
    const partner = createTracSeqClient({ url: system.gatewayUrl, manifest, headers: { 'x-api-key': secret } });
    expect((await partner.request(SampleDetailDocument, { id: row!.id })).sample?.barcode).toBe('KIT-0001');
    const textOnly = createTracSeqClient({ url: system.gatewayUrl, headers: { 'x-api-key': secret } });
    const refused = await textOnly.request(SampleDetailDocument, { id: row!.id }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TracSeqError);
    expect(refused).toMatchObject({ code: 'OPERATION_NOT_ALLOWED', status: 403 });
  });
});
