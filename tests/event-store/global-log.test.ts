import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { EventStore } from '../../event-store/event-store.js';
import { START, parsePosition, type Checkpoint } from '../../event-store/position.js';
import type { StoredEvent } from '../../event-store/types.js';
import { meta, openEventStore } from '../support/event-store.js';

let pool: pg.Pool;
let store: EventStore;
let url: string;

beforeAll(async () => {
  ({ pool, store, url } = await openEventStore());
});
afterAll(() => pool.end());

/** Reads like a projection does: from a checkpoint, advancing past what it got. */
const readFrom = async (from: Checkpoint): Promise<{ events: StoredEvent[]; next: Checkpoint }> => {
  const events = await store.readAll(from, 1000);
  const last = events.at(-1);
  return { events, next: last ? parsePosition(last.position) : from };
};

describe('the global log', () => {
  it('never skips an event whose transaction committed after later ones', async () => {
    await store.append('Early-1', 0, [{ type: 'E', data: { n: 0 } }], meta());
    // A writer that took its position first and commits last.
    const slow = new pg.Client({ connectionString: url });
    await slow.connect();
    await slow.query('BEGIN');
    await slow.query(
      `INSERT INTO es.events (stream_id, stream_type, stream_version, event_id, event_type, data, metadata, tenant_id, occurred_at)
       VALUES ('Late-1', 'Late', 1, gen_random_uuid(), 'E', '{"n":"late"}', '{}', 'lab-a', now())`,
    );
    const fast = [];
    for (let i = 1; i <= 5; i++) fast.push(await store.append(`Fast-${i}`, 0, [{ type: 'E', data: { n: i } }], meta()));

    const first = await readFrom(START);
    // Everything committed after the open transaction waits behind it: nothing is read past it yet.
    expect(first.events.map((e) => e.streamId)).toEqual(['Early-1']);

    await slow.query('COMMIT');
    await slow.end();
    const second = await readFrom(first.next);
    expect(second.events.map((e) => e.streamId)).toEqual(['Late-1', 'Fast-1', 'Fast-2', 'Fast-3', 'Fast-4', 'Fast-5']);
    // In commit-safe order the late event comes first: its transaction id is the oldest.
    expect((await readFrom(second.next)).events).toEqual([]);
  });

  it('delivers every event of concurrent appends exactly once to a reader that keeps up', async () => {
    const before = await readFrom(START);
    let cursor = before.next;
    for (let drained = await readFrom(cursor); drained.events.length; drained = await readFrom(cursor)) cursor = drained.next;
    const seen: string[] = [];
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 25; i++) await store.append(`W${w}-${i}`, 0, [{ type: 'E', data: {} }], meta());
      })(),
    );
    let done = false;
    const reading = (async () => {
      while (!done) {
        const { events, next } = await readFrom(cursor);
        seen.push(...events.map((e) => e.eventId));
        cursor = next;
      }
    })();
    await Promise.all(writers);
    done = true;
    await reading;
    const { events } = await readFrom(cursor);
    seen.push(...events.map((e) => e.eventId));
    expect(seen).toHaveLength(200);
    expect(new Set(seen).size).toBe(200);
  });
});
