import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestSystem } from '../support/system.js';
import { waitUntil } from '../support/wait.js';
import { collect, wsClient } from '../support/ws.js';

/**
 * The gateway's per-subscriber buffer, which does not depend on the bus. Runs in the postgres
 * project only: it pushes about 40 MB of events, beyond what librdkafka's mock cluster keeps per
 * partition (it drops the oldest, so the Kafka run would test the mock's retention instead).
 */
const meta = (tenantId = 'demo') => ({ tenantId, actor: 'burst', correlationId: crypto.randomUUID(), occurredAt: new Date().toISOString() });

describe('subscriber backpressure', () => {
  it('disconnects a subscriber that stops reading, without holding up the others', { timeout: 200_000 }, async () => {
    const small = await startTestSystem({ SUBSCRIPTION_BUFFER: '5' });
    try {
      const url = small.gatewayUrl.replace('http', 'ws');
      const slow = new WebSocket(url, 'graphql-transport-ws');
      const closed = new Promise<{ code: number; reason: string }>((resolve) => slow.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
      await new Promise((resolve) => slow.on('open', resolve));
      slow.send(JSON.stringify({ type: 'connection_init', payload: {} }));
      await new Promise((resolve) => slow.once('message', resolve));
      slow.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { query: 'subscription { labEvents(eventTypes: ["Bulky"]) { data } }' } }));
      const fast = wsClient(small.gatewayUrl);
      const healthy = collect(fast, 'subscription { labEvents(eventTypes: ["Bulky"]) { id } }');
      await waitUntil(() => small.runtime.liveFeed.size >= 2, 5000, 'both live');
      (slow as any)._socket.pause(); // stop reading: the kernel buffers fill, then ours
      // More than loopback socket buffers can hold (they grow to several MB), so sends start to wait.
      const blob = 'x'.repeat(100_000);
      for (let i = 0; i < 400 && small.subscriptionStats().subscribers > 1; i++) {
        await small.runtime.store.append(`Bulky-${i}`, 0, [{ type: 'Bulky', data: { blob } }], meta());
      }
      // The gateway lets go of the slow subscriber; once it reads again it finds the close frame.
      await waitUntil(() => small.subscriptionStats().subscribers === 1, 45_000, 'slow subscriber dropped');
      (slow as any)._socket.resume();
      const { code, reason } = await closed;
      expect(code).toBe(1013);
      expect(reason).toContain('too slow');
      const sent = (await small.runtime.pool.query(`SELECT count(*)::int AS n FROM es.events WHERE event_type = 'Bulky'`)).rows[0].n;
      // 40 MB through the gateway to the healthy subscriber: a bound for a busy 2-core machine, not a speed.
      await waitUntil(() => healthy.results.length === sent, 90_000, 'the healthy subscriber got everything');
      healthy.stop();
      await fast.dispose();
    } finally {
      await small.stop();
    }
  });
});
