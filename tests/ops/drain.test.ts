import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sendJson } from '../../platform/http/graphql-handler.js';
import { startHttpServer, type RunningServer } from '../../platform/http/http-server.js';
import { startTestSystem } from '../support/system.js';
import { waitUntil } from '../support/wait.js';

/** A route that holds its request until the test lets it go, and says when the request arrived. */
const heldRoute = () => {
  let arrive!: () => void;
  let release!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    arrived,
    release,
    route: async (_req: unknown, res: Parameters<typeof sendJson>[0]) => {
      arrive();
      await released;
      sendJson(res, 200, { finished: true });
    },
  };
};

describe('graceful shutdown', () => {
  let server: RunningServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('turns /ready to 503, refuses new connections, and lets the request in flight finish', async () => {
    const held = heldRoute();
    server = await startHttpServer({
      name: 'probe',
      port: 0,
      host: '127.0.0.1',
      drainDelayMs: 0,
      shutdownTimeoutMs: 60_000,
      routes: { '/slow': held.route, '/ready': (_req, res) => sendJson(res, 200, { status: 'ready' }) },
    });
    const url = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    const inFlight = fetch(`${url}/slow`);
    await held.arrived;

    await server.drain();
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'shutting down' });

    const closed = server.close();
    await expect(fetch(`${url}/ready`)).rejects.toThrow();
    held.release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ finished: true });
    await closed;
  });

  it('cuts requests still running at the hard timeout, so a stop never hangs', async () => {
    const held = heldRoute();
    server = await startHttpServer({ name: 'probe', port: 0, host: '127.0.0.1', drainDelayMs: 0, shutdownTimeoutMs: 50, routes: { '/slow': held.route } });
    const inFlight = fetch(`http://127.0.0.1:${server.port}/slow`);
    await held.arrived;
    await server.close();
    await expect(inFlight).rejects.toThrow();
    held.release();
  });

  it('closes WebSocket subscribers with 1001 (going away) when the gateway stops', async () => {
    const system = await startTestSystem();
    const socket = new WebSocket(system.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    const acked = new Promise<void>((resolve) => socket.on('message', (data) => JSON.parse(String(data)).type === 'connection_ack' && resolve()));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await acked;
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { alertRaised { kind } }' } }));
    await waitUntil(() => system.subscriptionStats().subscribers === 1, 10_000, 'subscription live');
    await system.stop();
    expect(await closed).toBe(1001);
  });
});
