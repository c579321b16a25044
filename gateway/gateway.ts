import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { CONSISTENCY_HEADER, CORRELATION_HEADER } from '../platform/headers.js';
import { PgListener } from '../event-store/bus/pg-listener.js';
import { API_KEY_REVOKED_CHANNEL } from '../platform/api-keys.js';
import type { Config } from '../platform/config.js';
import { formatGraphQLError } from '../platform/errors.js';
import { graphqlHandler, sendJson } from '../platform/http/graphql-handler.js';
import { startHttpServer } from '../platform/http/http-server.js';
import { IDENTITY_HEADER, type Identity } from '../platform/identity.js';
import { IdentitySigner } from '../platform/identity-signer.js';
import { SubgraphTransport } from './subgraph-transport.js';
import { withSubgraphErrors } from './subgraph-errors.js';
import { useScalarValidation } from './use-scalar-validation.js';
import type { Logger } from '../platform/logger.js';
import { useIdentity } from './use-identity.js';
import { useCors } from './use-cors.js';
import { usePersistedQueries } from './use-persisted-queries.js';
import { useRateLimit } from './use-rate-limit.js';
import { useRequestPolicy } from './use-request-policy.js';
import { createKysely, createPool } from '../platform/database.js';
import { metricsRoute, poolMetrics } from '../platform/metrics.js';
import { useMetrics } from './use-metrics.js';
import { FederatedSubscriptions } from './subscriptions/federated-subscriptions.js';
import { useSubscriptions } from './subscriptions/use-subscriptions.js';
import { useWebPages } from './use-web-pages.js';


export interface GatewayContext extends BaseContext {
  identity: Omit<Identity, 'expiresAt'>;
  correlationId: string;
  consistentWith: string | null;
}

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
 * the shared transport (keep-alive pool, single-flight for queries).
 */
class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    name: string,
    url: string,
    private readonly signer: IdentitySigner,
    fetcher: SubgraphTransport['fetcher'],
  ) {
    super({ url, fetcher: withSubgraphErrors(fetcher, name) });
  }

  override willSendRequest({ request, context }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['willSendRequest']>>[0]): void {
    const headers = request.http!.headers;
    // Only what we set here reaches a subgraph: client headers are never passed through.
    headers.set(IDENTITY_HEADER, this.signer.sign(context.identity));
    headers.set(CORRELATION_HEADER, context.correlationId);
    if (context.consistentWith) headers.set(CONSISTENCY_HEADER, context.consistentWith);
  }
}

/** Subgraph names and URLs as composed into the supergraph (`@join__graph`). */
const JOIN_GRAPH = /@join__graph\(name: "([^"]+)", url: "([^"]+)"\)/g;
const SUBGRAPH_NAMES = (sdl: string) => [...sdl.matchAll(JOIN_GRAPH)].map((m) => m[1]!);
const composedUrl = (sdl: string, name: string) => [...sdl.matchAll(JOIN_GRAPH)].find((m) => m[1] === name)![2]!;

export const startGateway = async (options: GatewayOptions): Promise<RunningGateway> => {
  const { config, logger } = options;
  const signer = new IdentitySigner(config.internalSecret);
  const transport = new SubgraphTransport({ singleFlight: config.singleFlight });
  const dataSources: Record<string, SubgraphDataSource> = {};
  const metrics = useMetrics();
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) => (dataSources[name] = new SubgraphDataSource(name, options.subgraphUrls[name] ?? url!, signer, metrics.timeFetcher(name, transport.fetcher))),
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.isDevelopment,
    includeStacktraceInErrorResponses: config.exposeErrorDetails,
    // "Did you mean …" names schema fields a caller may not know; only development shows them.
    hideSchemaDetailsFromClientErrors: !config.exposeErrorDetails,
    formatError: formatGraphQLError(config.exposeErrorDetails, (error) => logger.error({ err: error }, 'unexpected gateway error')),
    plugins: [metrics.plugin, useScalarValidation(), config.isProduction ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true })],
  });
  await apollo.start();
  const pool = options.databaseUrl ? createPool(options.databaseUrl, 4, (error) => logger.warn({ err: error }, 'gateway database connection failed')) : null;
  const db = pool ? createKysely<any>(pool) : null;
  if (pool) poolMetrics(metrics.registry, pool, 'gateway');
  if (!db) logger.warn('no DATABASE_URL: API keys cannot be checked, only bearer tokens');
  const listener = options.databaseUrl ? new PgListener(options.databaseUrl) : null;
  await listener?.listen(API_KEY_REVOKED_CHANNEL);
  const identify = useIdentity(config, db, listener);
  const supergraph = new FederatedSubscriptions({
    supergraphSdl: options.supergraphSdl,
    serviceMap: dataSources,
    subgraphUrls: Object.fromEntries(SUBGRAPH_NAMES(options.supergraphSdl).map((name) => [name, options.subgraphUrls[name] ?? composedUrl(options.supergraphSdl, name)])),
    signer,
    bufferLimit: config.subscriptionBuffer,
    logger,
  });
  const manifests = usePersistedQueries({ dir: config.persistedQueriesDir, schema: supergraph.apiSchema, logger });
  const policy = useRequestPolicy({ config, schema: supergraph.apiSchema, manifests, rateLimit: useRateLimit() });
  const graphql = graphqlHandler(apollo, {
    maxBodyBytes: config.bodyLimitBytes,
    prepare: metrics.countRefusals((headers, request, method) => policy.http(identify, headers, request, method)),
  });
  metrics.watchSubscriptions(() => supergraph.stats());
  const cors = useCors(config.corsOrigins);
  const subgraphUrls = Object.values(options.subgraphUrls);
  const server = await startHttpServer({
    name: 'gateway',
    port: options.port,
    logger,
    routes: {
      ...useWebPages({ explorer: config.isDevelopment, schema: supergraph.apiSchema, logger }),
      '/graphql': (req, res, search) => (cors(req, res) ? undefined : graphql(req, res, search)),
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok', service: 'gateway' }),
      '/metrics': metricsRoute(metrics.registry),
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
  const subscriptions = supergraph;
  const websocket = useSubscriptions({
    server: server.server,
    subscriptions,
    policy,
    exposeErrorDetails: config.exposeErrorDetails,
    identify: (params) => identify({ get: (name) => params[name] }),
    onKeyRevoked: (revoked) => listener?.on(API_KEY_REVOKED_CHANNEL, revoked),
  });
  const url = `${server.url}/graphql`;
  logger.info({ url }, 'gateway listening');
  return {
    url,
    port: server.port,
    subscriptions,
    async close() {
      // /ready turns 503 first; WebSocket clients then get 1001 (going away) and reconnect elsewhere.
      await server.drain();
      await websocket.close();
      await subscriptions.close();
      await server.close();
      await apollo.stop();
      await transport.close();
      manifests.close();
      await listener?.close();
      await db?.destroy();
    },
  };
};
