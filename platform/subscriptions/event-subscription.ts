import { getNamedType, isObjectType, Kind, type FragmentDefinitionNode, type GraphQLField, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
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

const NOTHING: ReadonlySet<string> = new Set();

/**
 * The fields a subgraph answers of a reference itself, as its schema says with `@provides(fields:
 * "…")` (an alert's `sample @provides(fields: "barcode")`): plain field names only; a nested
 * selection counts as nothing provided, so such a selection still waits for the read models.
 */
const providedBy = (field: GraphQLField<unknown, unknown> | undefined): ReadonlySet<string> => {
  if (!field) return NOTHING;
  let provided = PROVIDED.get(field);
  if (provided) return provided;
  const provides = field.astNode?.directives?.find((directive) => directive.name.value === 'provides');
  const fields = provides?.arguments?.find((argument) => argument.name.value === 'fields')?.value;
  provided = fields?.kind !== Kind.STRING || /[{}(]/.test(fields.value) ? NOTHING : new Set(fields.value.split(/[\s,]+/).filter(Boolean));
  PROVIDED.set(field, provided);
  return provided;
};

/** Read once per schema field, not on every subscribe (thousands of subscribers ask the same). */
const PROVIDED = new WeakMap<GraphQLField<unknown, unknown>, ReadonlySet<string>>();

/**
 * Whether a subscription's selection is answered by what its event carries: the payload's own
 * leaf fields, and of the `references` (fields the payload turns into `{ __typename, id }`) the key
 * and what the schema `@provides` of them, which is all the gateway asks of them before it fetches
 * the rest, with the event's position, from the subgraph that owns them. Any other field reads a
 * read model here, so such a selection waits until the read models include the event.
 */
export const answeredByPayload = (info: GraphQLResolveInfo, references: ReadonlySet<string>): boolean => {
  const payloadType = getNamedType(info.returnType);
  const fieldsOfPayload = isObjectType(payloadType) ? payloadType.getFields() : {};
  return info.fieldNodes.every((field) =>
    fieldsOf(field.selectionSet, info.fragments).every(({ name, selectionSet }) => {
      if (!selectionSet) return true;
      if (!references.has(name)) return false;
      const provided = providedBy(fieldsOfPayload[name]);
      return fieldsOf(selectionSet, info.fragments).every((inner) => !inner.selectionSet && (KEY_FIELDS.has(inner.name) || provided.has(inner.name)));
    }),
  );
};

/**
 * A subscription over the live feed: only this tenant's events that `accept` keeps, mapped (maybe
 * asynchronously) in commit order, buffered up to `limit` for a slow reader.
 *
 * `current` reads what the subscriber is owed before any event, once the feed has the subscription:
 * whatever commits meanwhile is then in what it reads or in an event to come, never in neither. It
 * returns the first delivery, or null for none; what it throws refuses the subscription (nothing is
 * left subscribed). `last` ends the subscription after the payload it says is the last one.
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
    /** The delivery before any event's, read after subscribing (see above). @default none */
    current?: () => Promise<{ payload: T; position: string } | null>;
    /** Whether `payload` is the last delivery: the iterator ends right after it. @default never */
    last?: (payload: T) => boolean;
  },
): Promise<AsyncIterableIterator<Delivery<T>>> => {
  let unsubscribe: () => void = () => undefined;
  const queue = new BoundedQueue<Delivery<T>>(options.limit ?? 1000, () => undefined, () => unsubscribe());
  const deliver = (payload: T, position: string) => {
    queue.push({ payload, position, needsReadModels: options.needsReadModels ?? true });
    if (options.last?.(payload)) queue.end();
  };
  // Events wait for `current`, so its delivery comes first.
  let opened: () => void = () => undefined;
  let chain = new Promise<void>((resolve) => (opened = resolve));
  unsubscribe = await feed.subscribe((event) => {
    if (event.tenantId !== options.tenantId || !options.accept(event)) return;
    // Mapping may await (e.g. load a saga); chaining keeps commit order.
    chain = chain.then(async () => {
      const payload = await options.map(event);
      if (payload !== null) deliver(payload, event.position);
    }).catch(() => undefined);
  });
  try {
    const first = await options.current?.();
    if (first) deliver(first.payload, first.position);
  } catch (error) {
    void queue.return();
    throw error;
  } finally {
    opened();
  }
  return queue;
};
