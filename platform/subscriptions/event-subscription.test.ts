import { buildSchema, execute, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { FeedListener, LiveFeed } from '../../event-store/bus/live-feed.js';
import type { StoredEvent } from '../../event-store/types.js';
import { answeredByPayload, eventSubscription, type Delivery } from './event-subscription.js';

/** A live feed the test appends to by hand. */
const handFeed = () => {
  const listeners = new Set<FeedListener>();
  const feed: LiveFeed = {
    get size() {
      return listeners.size;
    },
    subscribe: async (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    start: async () => undefined,
    close: async () => undefined,
  };
  let position = 0;
  const append = (status: string) => {
    const event = { tenantId: 'lab-a', streamId: 'Job-1', position: `1:${++position}`, data: { status } } as unknown as StoredEvent;
    for (const listener of listeners) listener(event);
  };
  return { feed, append };
};

const FINAL = new Set(['DONE', 'FAILED']);
const statusOf = (event: StoredEvent) => (event.data as { status: string }).status;

const read = async <T>(iterator: AsyncIterableIterator<Delivery<T>>) => {
  const items: Array<{ payload: T; position: string }> = [];
  for await (const { payload, position } of iterator) items.push({ payload, position });
  return items;
};

describe('an event subscription with a current state', () => {
  it('reads the current state only once the feed has the subscription: an event committed meanwhile is delivered, not lost', async () => {
    const { feed, append } = handFeed();
    const subscription = await eventSubscription(feed, {
      tenantId: 'lab-a',
      accept: () => true,
      map: statusOf,
      current: async () => {
        expect(feed.size).toBe(1);
        append('WORKING'); // committed after subscribing, not yet in what `current` reads
        return null;
      },
      last: (status) => FINAL.has(status),
    });
    append('DONE');
    expect(await read(subscription)).toEqual([
      { payload: 'WORKING', position: '1:1' },
      { payload: 'DONE', position: '1:2' },
    ]);
    expect(feed.size).toBe(0);
  });

  it('answers a state that is already final with it alone, then ends: its final event is not delivered again', async () => {
    const { feed, append } = handFeed();
    const subscription = await eventSubscription(feed, {
      tenantId: 'lab-a',
      accept: () => true,
      map: statusOf,
      current: async () => {
        append('DONE'); // finished between subscribing and reading: in both
        return { payload: 'DONE', position: '1:1' };
      },
      last: (status) => FINAL.has(status),
    });
    expect(feed.size).toBe(0);
    expect(await read(subscription)).toEqual([{ payload: 'DONE', position: '1:1' }]);
  });

  it('is refused with what reading the current state throws, leaving nothing subscribed', async () => {
    const { feed } = handFeed();
    const refused = eventSubscription(feed, { tenantId: 'lab-a', accept: () => true, map: statusOf, current: () => Promise.reject(new Error('no such job')) });
    await expect(refused).rejects.toThrow('no such job');
    expect(feed.size).toBe(0);
  });

  it('without `current` and `last`, delivers events as they come and never ends by itself', async () => {
    const { feed, append } = handFeed();
    const subscription = await eventSubscription(feed, { tenantId: 'lab-a', accept: () => true, map: statusOf });
    append('DONE');
    expect(await subscription.next()).toEqual({ value: { payload: 'DONE', position: '1:1', needsReadModels: true }, done: false });
    expect(feed.size).toBe(1);
    await subscription.return?.();
    expect(feed.size).toBe(0);
  });
});

describe('answeredByPayload: what a subscription answers from its event alone', () => {
  const schema = buildSchema(`
    type Sample { id: ID! barcode: String status: String }
    type Unit { id: ID! name: String }
    type Alert { id: ID! message: String sample: Sample @provides(fields: "barcode") unit: Unit @provides(fields: "name { x }") }
    type Query { a: Alert }
    type Subscription { alertRaised: Alert }
    directive @provides(fields: String!) on FIELD_DEFINITION
  `);
  /** The resolve info graphql-js gives the subscription field, for `selection`. */
  const answered = (selection: string) => {
    let result: boolean | undefined;
    const subscription = schema.getSubscriptionType()!.getFields().alertRaised!;
    subscription.resolve = (_source, _args, _ctx, info) => {
      result = answeredByPayload(info, new Set(['sample', 'unit']));
      return null;
    };
    execute({ schema, document: parse(`subscription { alertRaised ${selection} }`), rootValue: {} });
    return result;
  };

  it('counts the payload\'s own fields, a reference\'s key and the fields the schema says it @provides', () => {
    expect(answered('{ id message sample { id barcode } unit { id } }')).toBe(true);
  });

  it('waits for the read models for anything else of a reference, or for a @provides it cannot read as plain fields', () => {
    expect(answered('{ sample { barcode status } }')).toBe(false);
    expect(answered('{ unit { name } }')).toBe(false);
  });
});
