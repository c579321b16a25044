import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { startGateway, type RunningGateway } from './gateway.js';
import { postGraphQL } from '../tests/support/system.js';
import { token } from '../tests/support/tokens.js';
import { SUBGRAPH_NAMES } from '../schema/subgraphs.js';

/**
 * The real gateway in front of a subgraph that misbehaves on purpose (a real HTTP server whose
 * answers each test picks): the gateway must hand on a subgraph's errors with their code, message
 * and path whatever the HTTP status, and type what is not a GraphQL answer.
 */
type Answer = (res: http.ServerResponse) => void;
let answer: Answer;
let calls = 0;
let subgraph: http.Server;
let gateway: RunningGateway;

const json = (status: number, body: unknown): Answer => (res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  subgraph = http.createServer((req, res) => {
    calls++;
    req.resume().on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => subgraph.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(subgraph.address() as AddressInfo).port}/graphql`;
  gateway = await startGateway({
    config: loadConfig({ NODE_ENV: 'production', INTERNAL_SECRET: 'x'.repeat(32), JWT_SECRET: 'y'.repeat(32) }),
    logger: createLogger('silent'),
    port: 0,
    supergraphSdl: readFileSync(new URL('../schema/supergraph.graphql', import.meta.url), 'utf8'),
    subgraphUrls: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, url])),
  });
});

afterAll(async () => {
  await gateway?.close();
  subgraph?.closeAllConnections();
  await new Promise((resolve) => subgraph?.close(resolve));
});

beforeEach(() => {
  calls = 0;
});


const ask = async (query: string, variables?: Record<string, unknown>) =>
  postGraphQL(gateway.url, query, variables, { authorization: `Bearer ${await token({}, { secret: 'y'.repeat(32) })}` });

const BY_BARCODE = 'query($b: String!) { sampleByBarcode(barcode: $b) { id barcode } }';

describe('errors a subgraph returns reach the client', () => {
  it.each([400, 500])('keeps code, message and path of errors sent with HTTP %i', async (status) => {
    answer = json(status, { errors: [{ message: 'barcode is not valid', path: ['sampleByBarcode'], extensions: { code: 'BAD_USER_INPUT', field: 'barcode' } }] });
    const result = await ask(BY_BARCODE, { b: 'ABC123' });
    expect(result.status).toBeLessThan(500);
    expect(result.errors).toEqual([expect.objectContaining({ message: 'barcode is not valid', path: ['sampleByBarcode'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'barcode' }) })]);
  });

  it('makes a body that is not JSON a BAD_GATEWAY error', async () => {
    answer = (res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>proxy error</html>');
    const result = await ask(BY_BARCODE, { b: 'ABC123' });
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_GATEWAY']);
    expect(result.errors?.[0]?.message).toMatch(/samples service answered HTTP 502/);
  });

  it('makes JSON that is not a GraphQL response a BAD_GATEWAY error', async () => {
    answer = json(200, { hello: 'world' });
    const result = await ask(BY_BARCODE, { b: 'ABC123' });
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_GATEWAY']);
  });

  it('makes a subgraph that hangs up without answering SUBGRAPH_UNAVAILABLE', async () => {
    answer = (res) => res.socket?.destroy();
    const result = await ask(BY_BARCODE, { b: 'ABC123' });
    expect(result.status).toBeLessThan(500);
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['SUBGRAPH_UNAVAILABLE']);
    expect(result.errors?.[0]?.message).not.toBe('');
  });
});

describe('custom scalars are checked by the gateway, before any subgraph is asked', () => {
  const RECORD = 'mutation($at: DateTime) { recordTemperature(unitId: "00000000-0000-4000-8000-000000000001", celsius: 4, recordedAt: $at) { position } }';

  it('refuses recordTemperature(recordedAt: "A1") as BAD_USER_INPUT naming the argument (a variable)', async () => {
    const result = await ask(RECORD, { at: 'A1' });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'recordTemperature.recordedAt' });
    expect(calls).toBe(0);
  });

  it('refuses a malformed DateTime literal inside an input object', async () => {
    const result = await ask('{ samples(filter: { createdAfter: "2026-02-30" }) { totalCount } }');
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'samples.filter.createdAfter' });
    expect(calls).toBe(0);
  });

  it('refuses JSON with a NUL character in a nested input', async () => {
    const result = await ask('mutation($m: JSON) { registerSample(input: { barcode: "ABC123", sampleType: DNA, metadata: $m }) { position } }', { m: { note: 'a\u0000b' } });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'registerSample.input.metadata' });
    expect(calls).toBe(0);
  });

  it('lets a valid DateTime through to the subgraph', async () => {
    answer = json(200, { data: { recordTemperature: { position: '1:1' } } });
    const result = await ask(RECORD, { at: '2026-11-21T10:00:00+01:00' });
    expect(result.errors).toBeUndefined();
    expect(calls).toBe(1);
  });
});
