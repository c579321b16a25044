import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { FlushBatch, socketSubscriber } from './socket-subscriber.js';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A real WebSocket pair: the server side as the gateway holds it, the client as a subscriber's. */
const connected = async (): Promise<{ server: WebSocket; client: WebSocket; received: unknown[] }> => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  servers.push(wss);
  await new Promise((resolve) => wss.once('listening', resolve));
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const received: unknown[] = [];
  client.on('message', (data, isBinary) => received.push(isBinary ? 'binary frame' : JSON.parse(data.toString())));
  await new Promise((resolve) => client.once('open', resolve));
  return { server: await accepted, client, received };
};

const until = async (done: () => boolean) => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('fan-out frames', () => {
  it('reach a standard client as the text frames ws would send, at every frame length', async () => {
    const { server, received } = await connected();
    // Frame lengths under 126 bytes, under 64 KiB and above: the three header forms of RFC 6455.
    const results = [{ data: { n: 1 } }, { data: { text: 'é'.repeat(150) } }, { data: { text: 'µ€'.repeat(40_000) } }];
    const payloads = results.map((result) => JSON.stringify(result));
    const subscriber = socketSubscriber(server, 'sub-ü', 10, () => undefined);
    const batch = new FlushBatch();
    subscriber.member.write(payloads, batch);
    batch.release();
    await until(() => received.length === 3);
    expect(received).toEqual(results.map((payload) => ({ id: 'sub-ü', type: 'next', payload })));
  });

  it('shares one flush between subscriptions on one connection, each in its own frames and order', async () => {
    const { server, received } = await connected();
    const one = socketSubscriber(server, '1', 10, () => undefined);
    const two = socketSubscriber(server, '2', 10, () => undefined);
    const batch = new FlushBatch();
    one.member.write(['{"data":{"n":1}}', '{"data":{"n":2}}'], batch);
    two.member.write(['{"data":{"n":1}}', '{"data":{"n":2}}'], batch);
    batch.release();
    await until(() => received.length === 4);
    expect(received).toEqual([
      { id: '1', type: 'next', payload: { data: { n: 1 } } },
      { id: '1', type: 'next', payload: { data: { n: 2 } } },
      { id: '2', type: 'next', payload: { data: { n: 1 } } },
      { id: '2', type: 'next', payload: { data: { n: 2 } } },
    ]);
  });
});
