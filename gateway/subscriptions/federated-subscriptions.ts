import { executeQueryPlan, buildOperationContext, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan, type SubscriptionNode } from '@apollo/query-planner';
import { GraphQLError, Kind, print, type DocumentNode, type ExecutionResult, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { IdentitySigner } from '../../platform/identity-signer.js';
import { IDENTITY_HEADER, type Identity } from '../../platform/identity.js';
import type { Logger } from '../../platform/logger.js';
import type { GatewayContext } from '../gateway.js';
import { subscriptionErrors } from '../subgraph-errors.js';
import type { Member } from './socket-subscriber.js';

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
 * (the subgraphs scope by tenant and check roles; the subject only names the caller in logs), so
 * a subscriber joins only a group that would have answered it exactly as it would answer itself.
 */
interface Group {
  key: string;
  subscribers: Set<Member>;
  stop: () => void;
  chain: Promise<void>;
}

export interface SubscriberOptions {
  identity: Omit<Identity, 'expiresAt'>;
  correlationId: string;
}

/** The group key: the identity parts that decide what a subscriber may see, then the operation. */
const groupKey = (identity: Omit<Identity, 'expiresAt'>, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>) =>
  [identity.tenantId, [...identity.roles].sort().join(','), operationName ?? '', JSON.stringify(variables), print(document)].join('\u0000');

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
    const key = groupKey(subscriber.identity, document, operationName, variables);
    let group = this.groups.get(key);
    if (!group) {
      group = this.open(key, document, operationName, variables, subscriber);
      this.groups.set(key, group);
    }
    group.subscribers.add(member);
    return () => this.leave(key, member);
  }

  private leave(key: string, entry: Member) {
    const group = this.groups.get(key);
    if (!group) return;
    group.subscribers.delete(entry);
    if (group.subscribers.size === 0) {
      this.groups.delete(key);
      group.stop();
    }
  }

  private open(key: string, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>, subscriber: SubscriberOptions): Group {
    const operation = operationFromDocument(this.supergraph.apiSchema(), document, { operationName });
    const plan = this.planner.buildQueryPlan(operation);
    const node = plan.node as SubscriptionNode | undefined;
    if (node?.kind !== 'Subscription') throw new GraphQLError('only subscription operations are served over WebSocket; send queries and mutations over HTTP', { extensions: { code: 'BAD_USER_INPUT' } });
    const operationContext = buildOperationContext({ schema: this.apiSchema, operationDocument: document, operationName });
    const primary = node.primary;
    const eventPlan = (): QueryPlan => {
      const fetch: FetchNode = { ...primary, serviceName: EVENT_SOURCE };
      const root: PlanNode = node.rest ? { kind: 'Sequence', nodes: [fetch, node.rest] } : fetch;
      return { kind: 'QueryPlan', node: root };
    };
    const group: Group = { key, subscribers: new Set(), stop: () => undefined, chain: Promise.resolve() };
    // Executed once per event, serialized once, written to every member (a copy: writing may drop a member).
    const deliver = (result: ExecutionResult) => {
      const payload = serialize(result);
      for (const entry of [...group.subscribers]) entry.write(payload);
    };
    const finish = () => {
      for (const entry of [...group.subscribers]) entry.end();
    };
    const primaryVariables = Object.fromEntries((primary.variableUsages ?? []).map((name) => [name, variables[name]]));
    const client = this.client(primary.serviceName);
    group.stop = client.subscribe(
      { query: primary.operation, variables: primaryVariables, extensions: { [IDENTITY_HEADER]: this.options.signer.sign(subscriber.identity) } },
      {
        next: (message) => {
          // One event at a time, in the order the subgraph sent them.
          group.chain = group.chain.then(async () => {
            if (message.errors?.length || !message.data) return deliver({ errors: subscriptionErrors(primary.serviceName, message) });
            const context: GatewayContext = {
              identity: subscriber.identity,
              correlationId: subscriber.correlationId,
              consistentWith: (message.extensions as { position?: string } | undefined)?.position ?? null,
            };
            const result = await executeQueryPlan(
              eventPlan(),
              { ...this.options.serviceMap, [EVENT_SOURCE]: new EventDataSource(message.data as Record<string, unknown>) },
              { request: { query: print(document), variables, operationName }, context, metrics: {}, logger: this.options.logger } as never,
              operationContext,
              this.supergraphSchema,
              this.supergraph.apiSchema(),
            );
            deliver(result as ExecutionResult);
          }).catch((error) => this.options.logger?.error({ err: error }, 'subscription event failed'));
        },
        error: (error) => {
          group.chain = group.chain.then(() => {
            deliver({ errors: subscriptionErrors(primary.serviceName, error) });
            finish();
          });
        },
        complete: () => {
          group.chain = group.chain.then(finish);
        },
      },
    );
    return group;
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
