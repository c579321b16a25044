import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parse } from 'graphql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { IdentitySigner } from '../../platform/identity-signer.js';
import { FederatedSubscriptions, GROUP_SUBJECT, groupIdentity } from './federated-subscriptions.js';

const SUPERGRAPH_FILE = new URL('../../schema/supergraph.graphql', import.meta.url);

describe('the identity a subscription group runs under upstream', () => {
  const ada = { tenantId: 'lab-a', subject: 'ada@lab-a', roles: ['technician', 'admin'], requestId: 'req-ada:1', name: 'Ada Lovelace', authTime: 1_700_000_000 };
  const bob = { tenantId: 'lab-a', subject: 'bob@lab-a', roles: ['admin', 'technician'], requestId: 'req-bob:7', name: 'Bob', authTime: 1_800_000_000 };

  it('is the same whichever member opened the group: no subject, name or sign-in time of theirs', () => {
    expect(groupIdentity(ada, 'group-1')).toEqual(groupIdentity(bob, 'group-1'));
    expect(groupIdentity(ada, 'group-1')).toEqual({ tenantId: 'lab-a', subject: GROUP_SUBJECT, roles: ['admin', 'technician'], requestId: 'group-1' });
  });

  it('keeps what authorization reads: the tenant and the roles', () => {
    const viewer = groupIdentity({ ...ada, tenantId: 'lab-b', roles: ['viewer'] }, 'group-2');
    expect([viewer.tenantId, viewer.roles]).toEqual(['lab-b', ['viewer']]);
  });
});

/** A subgraph's graphql-ws server the test drives by hand: it sends what the test says, when it says. */
const handUpstream = async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const subscribes: Array<{ id: string; socket: WebSocket }> = [];
  wss.on('connection', (socket) =>
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'connection_init') socket.send(JSON.stringify({ type: 'connection_ack' }));
      if (message.type === 'subscribe') subscribes.push({ id: message.id, socket });
    }),
  );
  return {
    url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}/graphql`,
    subscribes,
    send: (subscription: number, type: 'next' | 'error' | 'complete', payload?: unknown) =>
      subscribes[subscription]!.socket.send(JSON.stringify({ id: subscribes[subscription]!.id, type, ...(payload === undefined ? {} : { payload }) })),
    close: () => {
      for (const client of wss.clients) client.terminate();
      return new Promise((resolve) => wss.close(resolve));
    },
  };
};

const until = async (done: () => boolean, label: string) => {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!done()) throw new Error(`timed out waiting for ${label}`);
};

describe('a subscription group whose upstream subscription ends', () => {
  const SAGA = parse(`subscription($id: ID!) { sagaUpdated(id: $id) { status } }`);
  const ada = { tenantId: 'lab-a', subject: 'ada@lab-a', roles: ['admin'], requestId: 'req-ada:1' };
  const finished = { data: { sagaUpdated: { status: 'COMPLETED' } } };
  let upstream: Awaited<ReturnType<typeof handUpstream>>;
  let subscriptions: FederatedSubscriptions;
  beforeEach(async () => {
    upstream = await handUpstream();
    subscriptions = new FederatedSubscriptions({
      supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
      serviceMap: {},
      subgraphUrls: { sagas: upstream.url },
      signer: new IdentitySigner('a-test-secret-of-at-least-32-characters'),
    });
  });
  afterEach(async () => {
    await subscriptions.close();
    await upstream.close();
  });

  /** A member as a socket subscriber behaves: ending it leaves its group. */
  const join = (id = 'b1c2d3e4-0000-4000-8000-000000000001') => {
    const joined = { written: [] as unknown[], ended: false };
    let leave = () => undefined as void;
    leave = subscriptions.subscribe(SAGA, undefined, { id }, { identity: ada, correlationId: 'req-ada:1' }, {
      write: (payloads) => joined.written.push(...payloads.map((payload) => JSON.parse(payload))),
      end: () => {
        joined.ended = true;
        leave();
      },
    });
    return joined;
  };

  it('tells every member its results and then the end, and is gone: the next identical subscribe starts afresh', async () => {
    const [one, two] = [join(), join()];
    await until(() => upstream.subscribes.length === 1, 'one upstream subscription');
    upstream.send(0, 'next', finished);
    upstream.send(0, 'complete');
    await until(() => one.ended && two.ended, 'both ended');
    expect([one.written, two.written]).toEqual([[finished], [finished]]);
    expect(subscriptions.stats()).toMatchObject({ groups: 0, subscribers: 0 });
    const later = join();
    await until(() => upstream.subscribes.length === 2, 'a second upstream subscription');
    upstream.send(1, 'next', finished);
    upstream.send(1, 'complete');
    await until(() => later.ended, 'the later subscriber ended');
    expect(later.written).toEqual([finished]);
  });

  it('passes a refusal to every member, as a result with its errors or as an error message, then ends them', async () => {
    const refusal = [{ message: 'no saga b1c2d3e4-0000-4000-8000-000000000001', extensions: { code: 'NOT_FOUND' } }];
    const [one, two] = [join(), join()];
    await until(() => upstream.subscribes.length === 1, 'one upstream subscription');
    upstream.send(0, 'next', { errors: refusal });
    upstream.send(0, 'complete');
    await until(() => one.ended && two.ended, 'both ended');
    expect([one.written, two.written]).toEqual([[{ errors: refusal }], [{ errors: refusal }]]);

    const three = join('b1c2d3e4-0000-4000-8000-000000000002');
    await until(() => upstream.subscribes.length === 2, 'another upstream subscription');
    upstream.send(1, 'error', refusal);
    await until(() => three.ended, 'ended by the error');
    expect(three.written).toEqual([{ errors: refusal }]);
    expect(subscriptions.stats()).toMatchObject({ groups: 0, subscribers: 0 });
  });

  it('starts a member that joined after the last result over in a new group, instead of ending it with nothing', async () => {
    const early = join();
    await until(() => upstream.subscribes.length === 1, 'one upstream subscription');
    upstream.send(0, 'next', finished);
    await until(() => early.written.length === 1, 'the result written');
    // Joins the group after its final result and before the subgraph's `complete` arrives.
    const late = join();
    upstream.send(0, 'complete');
    await until(() => early.ended && upstream.subscribes.length === 2, 'the group ended and the late member subscribed afresh');
    expect(late).toEqual({ written: [], ended: false });
    upstream.send(1, 'next', finished);
    upstream.send(1, 'complete');
    await until(() => late.ended, 'the late member ended');
    expect(late.written).toEqual([finished]);
    expect(subscriptions.stats()).toMatchObject({ groups: 0, subscribers: 0 });
  });
});
