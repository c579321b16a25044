import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../event-store/types.js';
import { startTestSystem, type TestSystem } from '../support/system.js';
import { waitUntil } from '../support/wait.js';

/**
 * The live feed subscriptions read, on the run's bus: a listener gets what committed after it
 * subscribed, never what committed before, even when an older transaction still open keeps those
 * events ahead of the log's readable head (the postgres tail) or the relay behind them (Kafka).
 */
let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(() => system?.stop());

const meta = () => ({ tenantId: 'demo', actor: 'feed-test', correlationId: crypto.randomUUID(), occurredAt: new Date().toISOString() });

describe('the live feed', () => {
  it('hands a listener the events committed after it subscribed, not one committed just before behind an open transaction', async () => {
    const { store, liveFeed, databaseUrl } = system.runtime;
    // An open transaction that has taken a transaction id holds the log's commit horizon back.
    const holder = new pg.Client({ connectionString: databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_current_xact_id()');
      const before = await store.append(`FeedProbe-${crypto.randomUUID()}`, 0, [{ type: 'FeedProbe', data: { when: 'before' } }], meta());

      const seen: StoredEvent[] = [];
      const unsubscribe = await liveFeed.subscribe((event) => {
        if (event.type === 'FeedProbe') seen.push(event);
      });
      try {
        await holder.query('COMMIT');
        const after = await store.append(`FeedProbe-${crypto.randomUUID()}`, 0, [{ type: 'FeedProbe', data: { when: 'after' } }], meta());
        await waitUntil(() => seen.some((event) => event.position === after.position), 20_000, 'the event appended after subscribing');
        // The tail (or the relay) has read past the earlier event by now: it came before, so not to us.
        expect(seen.map((event) => event.data)).toEqual([{ when: 'after' }]);
        expect(seen.some((event) => event.position === before.position)).toBe(false);
      } finally {
        unsubscribe();
      }
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  });
});
