import { randomUUID } from 'node:crypto';
import { executeQueryPlan, buildOperationContext, type GraphQLDataSource, type ServiceMap } from '../apollo-gateway.js';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type QueryPlan, type SubscriptionNode } from '@apollo/query-planner';
import { GraphQLError, Kind, print, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { IdentitySigner } from '../../platform/identity-signer.js';
import { IDENTITY_HEADER, type Identity } from '../../platform/identity.js';
import type { Logger } from '../../platform/logger.js';
import type { GatewayContext } from '../gateway.js';
import { subscriptionErrors } from '../subgraph-errors.js';
import { FlushBatch, type Member } from './socket-subscriber.js';

const EVENT_SOURCE = '__subscription_event__';

/** Hands the planner's primary fetch the event the subgraph already sent, instead of fetching. */
class EventDataSource implements GraphQLDataSource {
  constructor(private readonly data: Record<string, unknown>) {}
  async process() {
    return { data: this.data };
  }
}

/**
 * Everyone subscribed with the same document and variables under the same tenant and roles shares
 * one upstream subscription and one execution per event. Those are all that authorization reads
 * (the subgraphs scope by tenant and check roles), and the group runs under an identity made of
 * them alone (groupIdentity), so a subscriber joins only a group that answers it exactly as it
 * would answer itself, whoever opened the group.
 */
interface Group {
  key: string;
  /** What opened it: a member that joined it too late opens the next one with it (see open's finish). */
  request: GroupRequest;
  subscribers: Map<Member, Membership>;
  stop: () => void;
  /** Results written to its members so far. */
  delivered: number;
  /** Results delivered so far, in the order the subgraph sent their events. */
  chain: Promise<void>;
  /** Serialized results not yet written, in order; written together by the next flush. */
  ready: string[];
  flushing: boolean;
  /** Events being executed, and those waiting for one of the EXECUTIONS_PER_GROUP slots. */
  executing: number;
  waiting: Array<() => void>;
}

/** One member's place: its group now, and how many results that group had written when it joined. */
interface Membership {
  member: Member;
  group: Group;
  joinedAt: number;
}

/** What a group runs: the subscription and whoever opened it (tenant and roles: groupIdentity). */
interface GroupRequest {
  document: DocumentNode;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  subscriber: SubscriberOptions;
}

/**
 * Events of one group executed at once: enough to overlap their entity fetches, few enough that a
 * burst of events does not become a burst of concurrent fetches against the subgraphs.
 */
const EXECUTIONS_PER_GROUP = 8;

/** Runs `run` in one of the group's execution slots, once one is free. */
const inSlot = <T>(group: Group, run: () => Promise<T>): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const start = () => {
      group.executing++;
      run()
        .then(resolve, reject)
        .finally(() => {
          group.executing--;
          group.waiting.shift()?.();
        });
    };
    if (group.executing < EXECUTIONS_PER_GROUP) start();
    else group.waiting.push(start);
  });

export interface SubscriberOptions {
  identity: Omit<Identity, 'expiresAt'>;
  correlationId: string;
}

/** Subscribers mostly share their document object (CheckedDocuments): print each once. */
const printed = new WeakMap<DocumentNode, string>();
const textOf = (document: DocumentNode): string => {
  let text = printed.get(document);
  if (text === undefined) printed.set(document, (text = print(document)));
  return text;
};

/** The group key: the identity parts that decide what a subscriber may see, then the operation. */
const groupKey = (identity: Omit<Identity, 'expiresAt'>, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>) =>
  [identity.tenantId, [...identity.roles].sort().join(','), operationName ?? '', JSON.stringify(variables), textOf(document)].join('\u0000');

/** Whose name a group's upstream subscription and entity fetches carry: no member's. */
export const GROUP_SUBJECT = 'subscription-group';

/**
 * The identity a group runs under upstream: its key's tenant and roles and nothing of the member
 * who happened to open it (subject, name, sign-in time), so a field that depends on who asks
 * answers the same to every member, and never with another member's identity.
 */
export const groupIdentity = (identity: Omit<Identity, 'expiresAt'>, groupId: string): Omit<Identity, 'expiresAt'> => ({
  tenantId: identity.tenantId,
  subject: GROUP_SUBJECT,
  roles: [...identity.roles].sort(),
  requestId: groupId,
});

/** A result as graphql-ws would serialize it (errors last), for every member of a group at once. */
const serialize = ({ errors, ...rest }: ExecutionResult): string => JSON.stringify(errors ? { ...rest, errors } : rest);

/**
 * Executes federated subscriptions, which @apollo/gateway plans but does not run. The planner's
 * Subscription node is used as designed: its primary fetch becomes a graphql-ws subscription to
 * the owning subgraph; for each event, a plan of [the primary fetch answered with the event,
 * then the rest] runs through @apollo/gateway's own executeQueryPlan, so any field of any subgraph
 * can be selected. Entity fetches carry the event's position, so other subgraphs answer with read
 * models that include it.
 */
export class FederatedSubscriptions {
  readonly apiSchema: GraphQLSchema;
  private readonly supergraph: Supergraph;
  private readonly supergraphSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  private readonly clients = new Map<string, Client>();
  private readonly groups = new Map<string, Group>();

  constructor(
    private readonly options: {
      supergraphSdl: string;
      serviceMap: ServiceMap;
      subgraphUrls: Record<string, string>;
      signer: IdentitySigner;
      /** Events per subscriber not yet handed to its socket before it is cut off. @default 1000 */
      bufferLimit?: number;
      logger?: Logger;
    },
  ) {
    this.supergraph = Supergraph.build(options.supergraphSdl);
    this.supergraphSchema = this.supergraph.schema.toGraphQLJSSchema();
    this.apiSchema = this.supergraph.apiSchema().toGraphQLJSSchema();
    this.planner = new QueryPlanner(this.supergraph);
  }

  get bufferLimit(): number {
    return this.options.bufferLimit ?? 1000;
  }

  /** Counts for /metrics and leak checks. */
  stats() {
    return { groups: this.groups.size, subscribers: [...this.groups.values()].reduce((n, g) => n + g.subscribers.size, 0), upstreamClients: this.clients.size };
  }

  /** Adds `member` to its group (opening the group upstream if it is the first); returns how to leave. */
  subscribe(document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>, subscriber: SubscriberOptions, member: Member): () => void {
    const membership: Membership = { member, group: null as unknown as Group, joinedAt: 0 };
    this.enter(membership, { document, operationName, variables, subscriber });
    return () => this.leave(membership);
  }

  /** Puts `membership` in the open group of `request`'s key, opening one if there is none. */
  private enter(membership: Membership, request: GroupRequest): void {
    const key = groupKey(request.subscriber.identity, request.document, request.operationName, request.variables);
    let group = this.groups.get(key);
    if (!group) {
      group = this.open(key, request);
      this.groups.set(key, group);
    }
    membership.group = group;
    membership.joinedAt = group.delivered;
    group.subscribers.set(membership.member, membership);
  }

  /** Takes `membership` out of its group; the group's upstream subscription ends with its last member. */
  private leave(membership: Membership): void {
    const { group, member } = membership;
    if (!group.subscribers.delete(member) || group.subscribers.size > 0) return;
    this.detach(group);
    group.stop();
  }

  /** No one joins `group` any more: a later subscriber of its key opens a group of its own. */
  private detach(group: Group): void {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
  }

  private open(key: string, opening: GroupRequest): Group {
    const { document, operationName, variables, subscriber } = opening;
    const operation = operationFromDocument(this.supergraph.apiSchema(), document, { operationName });
    const plan = this.planner.buildQueryPlan(operation);
    const node = plan.node as SubscriptionNode | undefined;
    if (node?.kind !== 'Subscription') throw new GraphQLError('only subscription operations are served over WebSocket; send queries and mutations over HTTP', { extensions: { code: 'BAD_USER_INPUT' } });
    const operationContext = buildOperationContext({ schema: this.apiSchema, operationDocument: document, operationName });
    const primary = node.primary;
    const fetch: FetchNode = { ...primary, serviceName: EVENT_SOURCE };
    const eventPlan: QueryPlan = { kind: 'QueryPlan', node: node.rest ? { kind: 'Sequence', nodes: [fetch, node.rest] } : fetch };
    const request = { query: textOf(document), variables, operationName };
    const groupId = `subscription-group:${randomUUID()}`;
    const identity = groupIdentity(subscriber.identity, groupId);
    const group: Group = { key, request: opening, subscribers: new Map(), stop: () => undefined, delivered: 0, chain: Promise.resolve(), ready: [], flushing: false, executing: 0, waiting: [] };
    // Executed once per event, serialized once, written to every member.
    const deliver = (result: ExecutionResult) => {
      group.ready.push(serialize(result));
      this.scheduleFlush(group);
    };
    // The upstream subscription ended (complete, or an error): each member is told once its results
    // are written. A member that joined after the group's last result saw none of it, where a
    // subscription of its own would have been answered (sagaUpdated: the saga as it ended): it
    // starts over in a new group instead of being told only that this one ended.
    const finish = () => {
      this.flush(group);
      for (const membership of [...group.subscribers.values()]) {
        if (group.delivered === 0 || membership.joinedAt < group.delivered) membership.member.end();
        else this.rejoin(membership);
      }
    };
    // The event's position goes out with its result: a subscriber that reads next (the inbox after an
    // alert banner) sends it as x-tracseq-consistent-with and sees what it was told about.
    const execute = async (data: Record<string, unknown>, position: string | null): Promise<ExecutionResult> => {
      const context: GatewayContext = { identity, correlationId: groupId, consistentWith: position };
      const result = (await executeQueryPlan(
        eventPlan,
        { ...this.options.serviceMap, [EVENT_SOURCE]: new EventDataSource(data) },
        { request, context, metrics: {}, logger: this.options.logger } as never,
        operationContext,
        this.supergraphSchema,
        this.supergraph.apiSchema(),
      )) as ExecutionResult;
      return position ? { ...result, extensions: { ...result.extensions, position } } : result;
    };
    const primaryVariables = Object.fromEntries((primary.variableUsages ?? []).map((name) => [name, variables[name]]));
    const client = this.client(primary.serviceName);
    group.stop = client.subscribe(
      { query: primary.operation, variables: primaryVariables, extensions: { [IDENTITY_HEADER]: this.options.signer.sign(identity) } },
      {
        next: (message) => {
          // Each event's execution starts as it arrives, up to EXECUTIONS_PER_GROUP at once (events in
          // flight overlap their entity fetches); results are delivered in the order the subgraph sent their events.
          const result: Promise<ExecutionResult> =
            message.errors?.length || !message.data
              ? Promise.resolve({ errors: subscriptionErrors(primary.serviceName, message) })
              : inSlot(group, () => execute(message.data as Record<string, unknown>, (message.extensions as { position?: string } | undefined)?.position ?? null));
          group.chain = group.chain
            .then(() => result)
            .then(deliver)
            .catch((error) => this.options.logger?.error({ err: error }, 'subscription event failed'));
        },
        error: (error) => {
          this.detach(group);
          group.chain = group.chain.then(() => {
            deliver({ errors: subscriptionErrors(primary.serviceName, error) });
            finish();
          });
        },
        complete: () => {
          this.detach(group);
          group.chain = group.chain.then(finish);
        },
      },
    );
    return group;
  }

  /**
   * Writes come in flushes: the results that became ready in one turn of the event loop go out
   * together, one corked write per socket. When fan-out falls behind, the events that arrived
   * meanwhile are waiting in `ready` and leave in the same write: the system-call count per socket
   * stays one per flush, not one per event, so a burst catches up instead of piling up.
   */
  private scheduleFlush(group: Group) {
    if (group.flushing) return;
    group.flushing = true;
    setImmediate(() => this.flush(group));
  }

  /** Moves `membership` from its ended group to the open group of the same key (a new one if none is). */
  private rejoin(membership: Membership): void {
    const ended = membership.group;
    try {
      this.enter(membership, ended.request);
    } catch (error) {
      this.options.logger?.error({ err: error }, 'reopening a subscription group failed');
      membership.member.end();
      return;
    }
    ended.subscribers.delete(membership.member);
    if (ended.subscribers.size === 0) ended.stop();
  }

  private flush(group: Group) {
    group.flushing = false;
    if (group.ready.length === 0) return;
    const payloads = group.ready;
    group.ready = [];
    group.delivered += payloads.length;
    const batch = new FlushBatch();
    try {
      // A copy: writing may drop a member.
      for (const { member } of [...group.subscribers.values()]) member.write(payloads, batch);
    } finally {
      batch.release();
    }
  }

  /** One multiplexed graphql-ws connection per subgraph, opened on demand, closed when unused. */
  private client(serviceName: string): Client {
    let client = this.clients.get(serviceName);
    if (!client) {
      const url = this.options.subgraphUrls[serviceName];
      if (!url) throw new Error(`no URL for subgraph ${serviceName}`);
      client = createClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        lazy: true,
        retryAttempts: 5,
        keepAlive: 15_000,
        on: { closed: () => undefined },
      });
      this.clients.set(serviceName, client);
    }
    return client;
  }

  async close(): Promise<void> {
    for (const group of this.groups.values()) group.stop();
    this.groups.clear();
    await Promise.all([...this.clients.values()].map((client) => client.dispose()));
    this.clients.clear();
  }
}

export const operationOf = (document: DocumentNode, operationName?: string | null): OperationDefinitionNode | undefined => {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
};
