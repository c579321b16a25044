import { Kind, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { StoredEvent } from '../../event-store/types.js';
import { BoundedQueue } from './bounded-queue.js';
import type { LiveFeed } from '../../event-store/bus/live-feed.js';

/** What a subgraph subscription yields: the field's value and the event position it reflects. */
export interface Delivery<T> {
  payload: T;
  position: string;
  /** False when the selection is answered by the payload alone: the event is not held for this subgraph's read models. */
  needsReadModels: boolean;
}

/** The fields a selection set names, through fragments. */
const fieldsOf = (selection: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>): Array<{ name: string; selectionSet?: SelectionSetNode }> =>
  (selection?.selections ?? []).flatMap((node) => {
    if (node.kind === Kind.FIELD) return [{ name: node.name.value, selectionSet: node.selectionSet }];
    const inner = node.kind === Kind.INLINE_FRAGMENT ? node.selectionSet : fragments[node.name.value]?.selectionSet;
    return fieldsOf(inner, fragments);
  });

const KEY_FIELDS = new Set(['id', '__typename']);

/**
 * Whether a subscription's selection is answered by what its event carries: the payload's own
 * leaf fields, and of the `references` (fields the payload turns into `{ __typename, id }`) only
 * the key, which is all the gateway asks of them before it fetches the rest, with the event's
 * position, from the subgraph that owns them. Any other field reads a read model here, so such a
 * selection waits until the read models include the event.
 */
export const answeredByPayload = (info: GraphQLResolveInfo, references: ReadonlySet<string>): boolean =>
  info.fieldNodes.every((field) =>
    fieldsOf(field.selectionSet, info.fragments).every(
      ({ name, selectionSet }) => !selectionSet || (references.has(name) && fieldsOf(selectionSet, info.fragments).every((inner) => !inner.selectionSet && KEY_FIELDS.has(inner.name))),
    ),
  );

/**
 * A subscription over the live feed: only this tenant's events that `accept` keeps, mapped (maybe
 * asynchronously) in commit order, buffered up to `limit` for a slow reader.
 * @param limit undelivered events before the subscription is ended (default 1000)
 */
export const eventSubscription = async <T>(
  feed: LiveFeed,
  options: {
    tenantId: string;
    accept: (event: StoredEvent) => boolean;
    map: (event: StoredEvent) => T | null | Promise<T | null>;
    limit?: number;
    /** False when the selection needs nothing but the payload (see answeredByPayload). @default true */
    needsReadModels?: boolean;
  },
): Promise<AsyncIterableIterator<Delivery<T>>> => {
  let unsubscribe: () => void = () => undefined;
  let chain = Promise.resolve();
  const queue = new BoundedQueue<Delivery<T>>(options.limit ?? 1000, () => undefined, () => unsubscribe());
  unsubscribe = await feed.subscribe((event) => {
    if (event.tenantId !== options.tenantId || !options.accept(event)) return;
    // Mapping may await (e.g. load a saga); chaining keeps commit order.
    chain = chain.then(async () => {
      const payload = await options.map(event);
      if (payload !== null) queue.push({ payload, position: event.position, needsReadModels: options.needsReadModels ?? true });
    }).catch(() => undefined);
  });
  return queue;
};
