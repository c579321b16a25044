import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubgraphTransport } from './subgraph-transport.js';

/** A subgraph stand-in over real HTTP: counts requests, answers each after a pause (so they overlap). */
let server: Server;
let url: string;
const received: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push(`${req.headers['x-tracseq-identity']} ${body}`);
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { n: received.length } })), 50);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const as = (identity: string, position = '1:1') => ({ 'content-type': 'application/json', 'x-tracseq-identity': identity, 'x-tracseq-consistent-with': position });
const query = JSON.stringify({ query: 'query { samples { id } }', variables: {} });

describe('subgraph transport: identical queries in flight are shared', () => {
  it('sends one request for identical concurrent queries of one caller, and each caller gets its own copy of the answer', async () => {
    const transport = new SubgraphTransport();
    received.length = 0;
    const replies = await Promise.all(Array.from({ length: 5 }, () => transport.fetch(url, { headers: as('alice'), body: query })));
    expect(received).toHaveLength(1);
    expect(new Set(replies.map((reply) => reply.body))).toEqual(new Set(['{"data":{"n":1}}']));
    // Once answered, nothing is kept: the next identical query is sent again.
    await transport.fetch(url, { headers: as('alice'), body: query });
    expect(received).toHaveLength(2);
    await transport.close();
  });

  it('never shares between callers, consistency positions or bodies, and never shares a mutation', async () => {
    const transport = new SubgraphTransport();
    received.length = 0;
    const mutation = JSON.stringify({ query: 'mutation { receiveSample(id: "x") { position } }', variables: {} });
    await Promise.all([
      transport.fetch(url, { headers: as('alice'), body: query }),
      transport.fetch(url, { headers: as('bob'), body: query }),
      transport.fetch(url, { headers: as('alice', '2:1'), body: query }),
      transport.fetch(url, { headers: as('alice'), body: JSON.stringify({ query: 'query { samples { id barcode } }', variables: {} }) }),
      transport.fetch(url, { headers: as('alice'), body: mutation }),
      transport.fetch(url, { headers: as('alice'), body: mutation }),
    ]);
    expect(received).toHaveLength(6);
    expect(received.filter((line) => line.startsWith('bob '))).toHaveLength(1);
    await transport.close();
  });

  it('sends every request when sharing is off (SINGLE_FLIGHT=false)', async () => {
    const transport = new SubgraphTransport({ singleFlight: false });
    received.length = 0;
    await Promise.all(Array.from({ length: 3 }, () => transport.fetch(url, { headers: as('alice'), body: query })));
    expect(received).toHaveLength(3);
    await transport.close();
  });
});
