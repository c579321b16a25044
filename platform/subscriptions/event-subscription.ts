import type { StoredEvent } from '../../event-store/types.js';
import { BoundedQueue } from './bounded-queue.js';
import type { LiveFeed } from '../../event-store/bus/live-feed.js';

/** What a subgraph subscription yields: the field's value and the event position it reflects. */
export interface Delivery<T> {
  payload: T;
  position: string;
}

/**
 * A subscription over the live feed: only this tenant's events that `accept` keeps, mapped (maybe
 * asynchronously) in commit order, buffered up to `limit` for a slow reader.
 * @param limit undelivered events before the subscription is ended (default 1000)
 */
export const eventSubscription = async <T>(
  feed: LiveFeed,
  options: { tenantId: string; accept: (event: StoredEvent) => boolean; map: (event: StoredEvent) => T | null | Promise<T | null>; limit?: number },
): Promise<AsyncIterableIterator<Delivery<T>>> => {
  let unsubscribe: () => void = () => undefined;
  let chain = Promise.resolve();
  const queue = new BoundedQueue<Delivery<T>>(options.limit ?? 1000, () => undefined, () => unsubscribe());
  unsubscribe = await feed.subscribe((event) => {
    if (event.tenantId !== options.tenantId || !options.accept(event)) return;
    // Mapping may await (e.g. load a saga); chaining keeps commit order.
    chain = chain.then(async () => {
      const payload = await options.map(event);
      if (payload !== null) queue.push({ payload, position: event.position });
    }).catch(() => undefined);
  });
  return queue;
};
