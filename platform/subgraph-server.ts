import { Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { jitGateway } from './graphql/jit-executor.js';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../event-store/command-handler.js';
import { serveSubgraphSubscriptions } from './subscriptions/subgraph-subscriptions.js';
import { ConsistencyWaiter } from '../event-store/consistency.js';
import { compareCheckpoints, parsePosition } from '../event-store/position.js';
import { logPeeker } from '../event-store/log-peek.js';
import type { ProjectionRunner } from '../event-store/projection-runner.js';
import type { EventConsumer } from '../event-store/projection.js';
import { formatGraphQLError } from './errors.js';
import { applyInputBounds } from './graphql/input-bounds.js';
import { CONSISTENCY_HEADER, CORRELATION_HEADER, READ_POSITION_EXTENSION } from './headers.js';
import { graphqlHandler, sendJson } from './http/graphql-handler.js';
import { startHttpServer, type RunningServer } from './http/http-server.js';
import { IDENTITY_HEADER, type Identity } from './identity.js';
import { IdentityVerifier } from './identity-verifier.js';
import type { MigrationSet } from '../event-store/migrations.js';
import { metricsRoute, type Metrics } from './metrics.js';
import { subgraphMetrics } from './observability/subgraph-metrics.js';
import { logUnexpectedErrors } from './observability/unexpected-errors.js';
import { ForbiddenError, hasRole, type Role } from './roles.js';
import type { Runtime } from './runtime.js';


/** What every subgraph resolver receives: the verified caller plus the subgraph's own per-request data. */
export interface RequestContext extends BaseContext {
  identity: Identity;
  tenantId: string;
  actor: string;
  correlationId: string;
  /** The position the caller sent as x-tracseq-consistent-with (null: none). */
  consistentWith: string | null;
  /**
   * Waits (bounded) until this subgraph's read models include `position` (default: the caller's
   * x-tracseq-consistent-with). Queries do so before they run; a command calls it explicitly
   * before it reads another context's facts from a read model. False when the wait timed out.
   */
  readModelsAt(position?: string | null): Promise<boolean>;
}

/** The command metadata every mutation passes down: who, for which tenant, under which correlation. */
export const commandContext = (ctx: RequestContext): CommandContext => ({ tenantId: ctx.tenantId, actor: ctx.actor, correlationId: ctx.correlationId });

/** A bounded context as the platform runs it. Subgraphs declare this; they never boot servers themselves. */
export interface SubgraphDefinition<C extends RequestContext = RequestContext> {
  name: string;
  typeDefs: DocumentNode;
  /** Typed where written, by the subgraph's generated `Resolvers<Context>` (npm run codegen); Apollo's map type cannot hold entity resolvers. */
  resolvers: { readonly [typeName: string]: unknown };
  migrations: readonly MigrationSet[];
  /** Read models: reads with x-tracseq-consistent-with wait for these. */
  projections: readonly EventConsumer[];
  /** Reactions to other contexts' events (issue commands, raise alerts); run like projections. */
  policies?: readonly EventConsumer[];
  /** Timers and workers (alert escalation, the saga worker), started with the projection runners. */
  startWorkers?: (environment: { subgraphUrls: Record<string, string> }) => { stop(): Promise<void> };
  /**
   * Roles each root field needs (see platform/roles.ts). Mutations need `technician` unless listed;
   * queries need `viewer` (any role) unless listed.
   */
  requiredRoles?: { Query?: Record<string, Role>; Mutation?: Record<string, Role> };
  /** Adds this subgraph's own figures to its /metrics (e.g. saga states). */
  metrics?: (metrics: Metrics) => Promise<void>;
  /** Adds per-request state (DataLoaders) to the verified base context. */
  context(base: RequestContext): C;
}

export interface RunningSubgraph {
  name: string;
  url: string;
  close(): Promise<void>;
}

/** Wraps every Query and Mutation resolver with the role it needs, checked against the signed identity. */
const guardRoles = <C extends RequestContext>(definition: SubgraphDefinition<C>): GraphQLResolverMap<C> => {
  const resolvers = { ...definition.resolvers } as Record<string, any>;
  for (const [type, fallback] of [['Query', 'viewer'], ['Mutation', 'technician']] as const) {
    if (!resolvers[type]) continue;
    resolvers[type] = Object.fromEntries(
      Object.entries(resolvers[type] as Record<string, (...args: any[]) => unknown>).map(([field, resolve]) => {
        const required = definition.requiredRoles?.[type]?.[field] ?? fallback;
        return [field, (parent: unknown, args: unknown, ctx: C, info: unknown) => {
          if (!hasRole(ctx.identity.roles, required)) throw new ForbiddenError(required);
          return resolve(parent, args, ctx, info);
        }];
      }),
    );
  }
  return resolvers as GraphQLResolverMap<C>;
};

/**
 * Whether a mutation's selection reaches past the entity its command decided (`payload { entity {
 * field { … } } }`): such fields come from read models, so the payload waits for its own write.
 * `payload { position entity { id status } }` is answered from the decided state at once.
 */
const readsBeyondDecidedState = (selection: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>, depth = 0): boolean =>
  (selection?.selections ?? []).some((node) => {
    if (node.kind === Kind.FIELD) return node.selectionSet !== undefined && (depth >= 1 || readsBeyondDecidedState(node.selectionSet, fragments, depth + 1));
    const inner = node.kind === Kind.INLINE_FRAGMENT ? node.selectionSet : fragments[node.name.value]?.selectionSet;
    return inner === undefined || readsBeyondDecidedState(inner, fragments, depth);
  });

/** The furthest position each request's mutations wrote, by request context. */
const written = new WeakMap<RequestContext, string>();

const noteWritten = (ctx: RequestContext, position: string) => {
  const before = written.get(ctx);
  if (position === '0:0' || (before && compareCheckpoints(parsePosition(position), parsePosition(before)) <= 0)) return;
  written.set(ctx, position);
};

/**
 * Every mutation payload shows the state its write produced: what the command decided is in the
 * payload, and anything selected beyond it is read once the read models include the write. The
 * answer names the write's position (READ_POSITION_EXTENSION), so the gateway reads the payload's
 * fields other subgraphs own at it too (a discarded sample's location, from storage).
 */
const readYourOwnWrite = <C extends RequestContext>(resolvers: GraphQLResolverMap<C>): GraphQLResolverMap<C> => {
  const mutations = (resolvers as Record<string, any>).Mutation as Record<string, (...args: any[]) => unknown> | undefined;
  if (!mutations) return resolvers;
  const wrapped = Object.fromEntries(
    Object.entries(mutations).map(([field, resolve]) => [field, async (parent: unknown, args: unknown, ctx: C, info: GraphQLResolveInfo) => {
      const payload = (await resolve(parent, args, ctx, info)) as { position?: unknown } | null;
      if (!payload || typeof payload.position !== 'string') return payload;
      noteWritten(ctx, payload.position);
      if (readsBeyondDecidedState(info.fieldNodes[0]?.selectionSet, info.fragments)) await ctx.readModelsAt(payload.position);
      return payload;
    }]),
  );
  return { ...resolvers, Mutation: wrapped } as GraphQLResolverMap<C>;
};

/**
 * Serves a subgraph's GraphQL over HTTP: identity verified; queries (never mutations) wait for the
 * position in x-tracseq-consistent-with, so a command is never held up by read-model lag.
 */
export const serveSubgraph = async <C extends RequestContext>(runtime: Runtime, definition: SubgraphDefinition<C>, port: number): Promise<RunningSubgraph> => {
  const { config, logger } = runtime;
  const consistency = new ConsistencyWaiter(runtime.pool, runtime.listener, definition.projections, logPeeker(runtime.store));
  await consistency.start();
  const schema = applyInputBounds(buildSubgraphSchema([{ typeDefs: definition.typeDefs, resolvers: readYourOwnWrite(guardRoles(definition)) as GraphQLResolverMap<unknown> }]));
  const readModelsAt = (given: string | null) => (position?: string | null) => {
    const target = position ?? given;
    return target ? consistency.waitFor(target, config.consistencyTimeoutMs) : Promise.resolve(true);
  };
  // Ready before serving: the first subscriber should not wait for a Kafka group join.
  if (schema.getSubscriptionType()) await runtime.liveFeed.start();
  // Over WebSocket no request pipeline runs the logging plugin below: the formatter logs.
  const formatSocketError = formatGraphQLError(config.exposeErrorDetails, (error) => logger.error({ err: error, subgraph: definition.name }, 'unexpected resolver error'));
  const jit = config.subgraphExecutor === 'jit'
    ? jitGateway(schema, { onFallback: (error, operationName) => logger.warn({ err: error, subgraph: definition.name, operationName }, 'graphql-jit could not compile an operation; it runs on graphql-js') })
    : null;
  const apollo = new ApolloServer<C>({
    ...(jit ? { gateway: jit } : { schema }),
    includeStacktraceInErrorResponses: config.exposeErrorDetails,
    // Logged by the plugin below, with the request's id; formatting only hides the details.
    formatError: formatGraphQLError(config.exposeErrorDetails),
    plugins: [
      logUnexpectedErrors(logger, 'unexpected resolver error', { subgraph: definition.name }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      // Answers are never cached (no-store): without cache hints Apollo Server does not wrap every
      // field resolver to collect them, which was a hook call and a promise per resolved field.
      ApolloServerPluginCacheControlDisabled(),
      {
        // Only reads honour x-tracseq-consistent-with; known once the operation is resolved.
        async requestDidStart() {
          return {
            async didResolveOperation({ operation, contextValue }) {
              if (operation?.operation === 'query' && contextValue.consistentWith) await contextValue.readModelsAt();
            },
            // A read that asked for a position says how far its answer may reach (READ_POSITION_EXTENSION),
            // a write where it wrote: the gateway holds the plan's later fetches to it, so no subgraph
            // answers from before it.
            async willSendResponse({ operation, contextValue, response }) {
              if (response.body.kind !== 'single') return;
              const reached = operation?.operation === 'mutation' ? written.get(contextValue) : operation?.operation === 'query' && contextValue.consistentWith ? consistency.furthest() : null;
              if (reached) response.body.singleResult.extensions = { ...response.body.singleResult.extensions, [READ_POSITION_EXTENSION]: reached };
            },
          };
        },
      },
    ],
    // The gateway speaks JSON with the identity header; CSRF prevention stays on for anything else.
    csrfPrevention: true,
  });
  await apollo.start();
  const identities = new IdentityVerifier(config.internalSecret);
  const handler = graphqlHandler(apollo, {
    context: async (_req, headers) => {
      const identity = identities.verify(headers.get(IDENTITY_HEADER));
      const consistentWith = headers.get(CONSISTENCY_HEADER) || null;
      return definition.context({
        identity,
        tenantId: identity.tenantId,
        actor: identity.subject,
        correlationId: headers.get(CORRELATION_HEADER) ?? identity.requestId,
        consistentWith,
        readModelsAt: readModelsAt(consistentWith),
      });
    },
  });
  const server: RunningServer = await startHttpServer({
    name: definition.name,
    port,
    logger,
    ...runtime.config.shutdown,
    routes: {
      '/graphql': handler,
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok', service: definition.name }),
      '/metrics': metricsRoute(subgraphMetrics(runtime, definition, jit?.interpretedCount), definition.metrics),
      '/ready': async (_req, res) => {
        try {
          await runtime.pool.query('SELECT 1');
          sendJson(res, 200, { status: 'ready', service: definition.name });
        } catch {
          sendJson(res, 503, { status: 'database unreachable', service: definition.name });
        }
      },
    },
  });
  const subscriptions = schema.getSubscriptionType()
    ? serveSubgraphSubscriptions({
        server: server.server,
        schema,
        secret: config.internalSecret,
        consistency,
        consistencyTimeoutMs: config.consistencyTimeoutMs,
        // Over WebSocket nothing gives request errors (variables, validation) a code as Apollo Server does over HTTP.
        formatError: (error) => {
          const formatted = error.toJSON();
          return formatSocketError(formatted.extensions?.code ? formatted : { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } }, error);
        },
        context: (identity) =>
          definition.context({ identity, tenantId: identity.tenantId, actor: identity.subject, correlationId: identity.requestId || randomUUID(), consistentWith: null, readModelsAt: readModelsAt(null) }),
      })
    : null;
  logger.info({ subgraph: definition.name, url: `${server.url}/graphql` }, 'subgraph listening');
  return {
    name: definition.name,
    url: `${server.url}/graphql`,
    async close() {
      await server.drain();
      await subscriptions?.close();
      // Reads in flight may be waiting for a position: the waiter stops once they are answered.
      await server.close();
      consistency.stop();
      await apollo.stop();
    },
  };
};

export interface RunningWorkers {
  runners: ProjectionRunner[];
  close(): Promise<void>;
}

/** Runs subgraphs' projections and policies (one active runner each across processes) and their timers. */
export const runWorkers = async (
  runtime: Runtime,
  definitions: ReadonlyArray<Pick<SubgraphDefinition<any>, 'projections' | 'policies' | 'startWorkers'>>,
  subgraphUrls: Record<string, string> = {},
): Promise<RunningWorkers> => {
  const consumers = definitions.flatMap((d) => [...d.projections, ...(d.policies ?? [])]);
  const fed = await runtime.bus.feed(runtime.db, consumers);
  const timers = definitions.flatMap((d) => (d.startWorkers ? [d.startWorkers({ subgraphUrls })] : []));
  return {
    runners: fed.runners,
    async close() {
      await Promise.all(timers.map((timer) => timer.stop()));
      await fed.stop();
    },
  };
};
