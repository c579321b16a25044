import { refuseUnresolvedOperation } from './operation-resolution.js';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, type GraphQLDataSource, type GraphQLDataSourceProcessOptions } from './apollo-gateway.js';
import { compareCheckpoints, formatCheckpoint, parsePosition } from '../event-store/position.js';
import { CONSISTENCY_HEADER, CORRELATION_HEADER, READ_POSITION_EXTENSION } from '../platform/headers.js';
import { PgListener } from '../event-store/bus/pg-listener.js';
import { API_KEY_REVOKED_CHANNEL } from '../platform/api-keys.js';
import type { Config } from '../platform/config.js';
import { asDomainError, DomainError, formatGraphQLError } from '../platform/errors.js';
import { logUnexpectedErrors } from '../platform/observability/unexpected-errors.js';
import { graphqlHandler, sendJson } from '../platform/http/graphql-handler.js';
import { startHttpServer } from '../platform/http/http-server.js';
import { REQUEST_ID_HEADER } from '../platform/http/request-id.js';
import { IDENTITY_HEADER } from '../platform/identity.js';
import { IdentitySigner } from '../platform/identity-signer.js';
import type { Logger } from '../platform/logger.js';
import { createKysely, createPool } from '../platform/database.js';
import { pluginHooks, type GatewayContext, type GatewayPlugin, type OperationRequest, type PluginHooks } from './plugin.js';
import { SubgraphTransport, type SubgraphFetch } from './subgraph-transport.js';
import { subgraphResponse, unavailable } from './subgraph-errors.js';
import { FederatedSubscriptions } from './subscriptions/federated-subscriptions.js';
import { useCors } from './use-cors.js';
import { useIdentity } from './use-identity.js';
import { useLandingPage } from './use-landing-page.js';
import { useMetrics } from './use-metrics.js';
import { listSizeHints, useOperationLimits } from './use-operation-limits.js';
import { usePersistedQueries } from './use-persisted-queries.js';
import { useRateLimit } from './use-rate-limit.js';
import { useScalarValidation } from './use-scalar-validation.js';
import { useSubscriptions } from './use-subscriptions.js';
import { useWebPages } from './use-web-pages.js';

export type { GatewayContext } from './plugin.js';

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  port: number;
  supergraphSdl: string;
  /** Where each subgraph listens, by subgraph name; falls back to the URL composed into the supergraph. */
  subgraphUrls: Record<string, string>;
  /** For API keys (the access read model); without it only bearer tokens authenticate. */
  databaseUrl?: string;
}

export interface RunningGateway {
  url: string;
  port: number;
  subscriptions: FederatedSubscriptions;
  close(): Promise<void>;
}

/**
 * Sends the caller's identity, signed, and the consistency position to every subgraph fetch, over
 * the shared transport (keep-alive pool, single-flight for queries). A data source of our own
 * rather than RemoteGraphQLDataSource: that one builds fetch Headers, a Request and a Response per
 * fetch and parses the body through web streams, which cost more than the subgraph's answer here.
 */
class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(
    private readonly name: string,
    private readonly url: string,
    private readonly signer: IdentitySigner,
    private readonly fetch: SubgraphFetch,
  ) {}

  async process({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): ReturnType<GraphQLDataSource['process']> {
    // Only what we set here reaches a subgraph: client headers are never passed through.
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [IDENTITY_HEADER]: this.signer.sign(context.identity),
      [CORRELATION_HEADER]: context.correlationId,
    };
    if (context.consistentWith) headers[CONSISTENCY_HEADER] = context.consistentWith;
    // The query first: the transport recognises a mutation by the body's start.
    const body = JSON.stringify({ query: request.query, variables: request.variables, operationName: request.operationName });
    let reply;
    try {
      reply = await this.fetch(this.url, { headers, body });
    } catch {
      throw unavailable(this.name);
    }
    const response = subgraphResponse(this.name, reply);
    const reached = response.extensions?.[READ_POSITION_EXTENSION];
    // Later fetches of this plan read at least as far as this answer may show, or as a mutation
    // wrote (fetches already running in parallel do not depend on it).
    if (typeof reached === 'string' && isLater(reached, context.consistentWith ?? '0:0')) context.consistentWith = reached;
    return response as Awaited<ReturnType<GraphQLDataSource['process']>>;
  }
}

/** Whether position `a` lies after `b` in the log; a malformed one (not from our subgraphs) never does. */
const isLater = (a: string, b: string): boolean => {
  try {
    return compareCheckpoints(parsePosition(a), parsePosition(b)) > 0;
  } catch {
    return false;
  }
};

/** Subgraph names and URLs as composed into the supergraph (`@join__graph`). */
const JOIN_GRAPH = /@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g;
const composedNames = (sdl: string) => [...sdl.matchAll(JOIN_GRAPH)].map((m) => m[1]!);
const composedUrl = (sdl: string, name: string) => [...sdl.matchAll(JOIN_GRAPH)].find((m) => m[1] === name)![2]!;

/**
 * The HTTP side of the plugins, before Apollo Server runs: who calls, every onOperation hook, and
 * the context; a manifest operation asked for by id is handed to Apollo Server as its text.
 */
const prepareHttp = (hooks: PluginHooks) => async (headers: { get(name: string): string | undefined | null }, request: OperationRequest, method: string): Promise<{ body?: unknown; context: GatewayContext }> => {
  const started = process.hrtime.bigint();
  const transport = method === 'GET' ? 'http-get' : 'http-post';
  try {
    const caller = await hooks.identify(headers);
    const consistency = headers.get(CONSISTENCY_HEADER);
    const context: GatewayContext = {
      identity: caller,
      // The request id (http-server made or checked it) is the correlation id of everything it causes.
      correlationId: headers.get(REQUEST_ID_HEADER) ?? caller.requestId,
      consistentWith: consistency ? formatCheckpoint(clientPosition(consistency)) : null,
    };
    const operation = hooks.operation(caller, request, transport);
    if (operation.manifest) {
      // The manifest's text, without the APQ extension (the id is the manifest's, not Apollo's cache's).
      const { persistedQuery: _apq, ...extensions } = request.extensions ?? {};
      return { body: { ...request, query: operation.query, operationName: operation.operationName, extensions }, context };
    }
    return { context };
  } catch (error) {
    if (error instanceof DomainError) hooks.refused({ error, request, transport, started });
    throw error;
  }
};

/**
 * The gateway's assembly: the one place Config becomes plugin options. Plugin order is policy
 * order: who calls (identity), then persisted ids, rate limit, operation limits, then input checks.
 */
export const startGateway = async (options: GatewayOptions): Promise<RunningGateway> => {
  const { config, logger } = options;
  const signer = new IdentitySigner(config.internalSecret);
  const transport = new SubgraphTransport({ singleFlight: config.singleFlight });
  const dataSources: Record<string, SubgraphDataSource> = {};
  const pool = options.databaseUrl ? createPool(options.databaseUrl, 4, (error) => logger.warn({ err: error }, 'gateway database connection failed')) : null;
  const db = pool ? createKysely<any>(pool) : null;
  if (!db) logger.warn('no DATABASE_URL: API keys cannot be checked, only bearer tokens');
  const listener = options.databaseUrl ? new PgListener(options.databaseUrl) : null;
  await listener?.listen(API_KEY_REVOKED_CHANNEL);
  const subscriptions = new FederatedSubscriptions({
    supergraphSdl: options.supergraphSdl,
    serviceMap: dataSources,
    subgraphUrls: Object.fromEntries(composedNames(options.supergraphSdl).map((name) => [name, options.subgraphUrls[name] ?? composedUrl(options.supergraphSdl, name)])),
    signer,
    bufferLimit: config.subscriptionBuffer,
    logger,
  });
  const schema = subscriptions.apiSchema;
  const plugins: GatewayPlugin[] = [
    useMetrics({ subscriptionStats: () => subscriptions.stats(), pool }),
    useCors({ origins: config.corsOrigins }),
    useIdentity({ jwtSecret: config.jwtSecret, jwksUrl: config.jwksUrl, issuer: config.jwtIssuer, audience: config.jwtAudience, developmentIdentity: config.isDevelopment, db, listener }),
    usePersistedQueries({ dir: config.persistedQueriesDir, schema, logger }),
    useRateLimit({ perMinute: config.rateLimitPerMinute, persistedPerMinute: config.persistedRateLimitPerMinute }),
    useOperationLimits({ schema, ...config.limits, listSizes: listSizeHints(options.supergraphSdl) }),
    useScalarValidation(),
    useLandingPage({ enabled: !config.isProduction }),
    useWebPages({ explorer: config.isDevelopment, logger }),
    useSubscriptions({ subscriptions, exposeErrorDetails: config.exposeErrorDetails }),
  ];
  const hooks = pluginHooks(plugins);
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) => (dataSources[name] = new SubgraphDataSource(name, options.subgraphUrls[name] ?? url!, signer, hooks.wrapFetcher(name, transport.fetch))),
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.isDevelopment,
    includeStacktraceInErrorResponses: config.exposeErrorDetails,
    // "Did you mean …" names schema fields a caller may not know; only development shows them.
    hideSchemaDetailsFromClientErrors: !config.exposeErrorDetails,
    // Logged by logUnexpectedErrors, with the request's id; formatting only hides the details.
    formatError: formatGraphQLError(config.exposeErrorDetails),
    // Answers are never cached (no-store), so no cache policy is computed per request.
    plugins: [logUnexpectedErrors(logger, 'unexpected gateway error'), ApolloServerPluginCacheControlDisabled(), refuseUnresolvedOperation<GatewayContext>(), ...hooks.apolloPlugins()],
  });
  await apollo.start();
  const graphql = graphqlHandler(apollo, { maxBodyBytes: config.bodyLimitBytes, prepare: prepareHttp(hooks) });
  const subgraphUrls = Object.values(options.subgraphUrls);
  const server = await startHttpServer({
    name: 'gateway',
    port: options.port,
    logger,
    ...config.shutdown,
    routes: {
      ...hooks.routes(),
      '/graphql': (req, res, search) => (hooks.onHttpRequest(req, res) ? undefined : graphql(req, res, search)),
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok', service: 'gateway' }),
      '/ready': async (_req, res) => {
        const checks = await Promise.all(
          subgraphUrls.map(async (url) => {
            const ready = new URL('/ready', url);
            try {
              const response = await fetch(ready, { signal: AbortSignal.timeout(2000) });
              return { url: ready.origin, ready: response.ok };
            } catch {
              return { url: ready.origin, ready: false };
            }
          }),
        );
        const ready = checks.every((check) => check.ready);
        sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', subgraphs: checks });
      },
    },
  });
  hooks.started(server.server);
  const url = `${server.url}/graphql`;
  logger.info({ url }, 'gateway listening');
  return {
    url,
    port: server.port,
    subscriptions,
    async close() {
      // /ready turns 503 first; WebSocket clients then get 1001 (going away) and reconnect elsewhere.
      await server.drain();
      await hooks.close();
      await subscriptions.close();
      await server.close();
      await apollo.stop();
      await transport.close();
      await listener?.close();
      await db?.destroy();
    },
  };
};

/** A position a client sent: one that is not refuses the request as bad input (the store's error knows no API code). */
const clientPosition = (text: string) => {
  try {
    return parsePosition(text);
  } catch (error) {
    throw asDomainError(error) ?? error;
  }
};
