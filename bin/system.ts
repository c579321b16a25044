import { readFileSync } from 'node:fs';
import { startGateway, type RunningGateway } from '../gateway/gateway.js';
import type { Config } from '../platform/config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../platform/embedded-postgres.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { createRuntime, type Runtime } from '../platform/runtime.js';
import { runWorkers, serveSubgraph, type RunningSubgraph, type RunningWorkers } from '../platform/subgraph-server.js';
import { ALL_MIGRATIONS, SUBGRAPH_MODULES } from './subgraphs.js';
import { seedDemo } from './seed-demo.js';

export const SUPERGRAPH_FILE = new URL('../schema/supergraph.graphql', import.meta.url);

export interface System {
  gatewayUrl: string;
  subgraphs: RunningSubgraph[];
  runtime: Runtime;
  /** Names of every projection and policy (their checkpoints say how far each has applied the log). */
  consumers: string[];
  /** Projection and policy runners, for tests that stop and restart them. */
  projections: RunningWorkers;
  /** Gateway subscription counts (groups, subscribers, upstream clients). */
  subscriptionStats(): { groups: number; subscribers: number; upstreamClients: number };
  stop(): Promise<void>;
}

/**
 * The whole system in one process: database (embedded unless DATABASE_URL), migrations, every
 * subgraph with its projections, then the gateway in front. Ports 0 pick free ones (tests).
 */
export const startSystem = async (config: Config, options: { logger?: Logger; databaseUrl?: string } = {}): Promise<System> => {
  const logger = options.logger ?? createLogger(config.logLevel);
  let embedded: EmbeddedDatabase | null = null;
  let databaseUrl = options.databaseUrl ?? config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, log: (line) => logger.debug({ postgres: line }) });
    databaseUrl = embedded.url;
    logger.info({ dataDir: config.dataDir, port: config.embeddedPgPort }, 'embedded PostgreSQL started');
  }
  const runtime = await createRuntime(config, logger, databaseUrl, ALL_MIGRATIONS);
  const definitions = SUBGRAPH_MODULES.map((module) => module.create(runtime));
  const subgraphs = await Promise.all(definitions.map((definition) => serveSubgraph(runtime, definition, config.subgraphPorts[definition.name] ?? 0)));
  const subgraphUrls = Object.fromEntries(subgraphs.map((subgraph) => [subgraph.name, subgraph.url]));
  const projections = await runWorkers(runtime, definitions, subgraphUrls);
  let gateway: RunningGateway;
  try {
    gateway = await startGateway({
      config,
      logger,
      port: config.port,
      supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
      subgraphUrls,
      databaseUrl,
    });
  } catch (error) {
    await Promise.all(subgraphs.map((subgraph) => subgraph.close()));
    throw error;
  }
  if (config.seedDemo && (await seedDemo(runtime, gateway.url))) logger.info('seeded the demo lab (tenant "demo")');
  return {
    gatewayUrl: gateway.url,
    subgraphs,
    runtime,
    consumers: definitions.flatMap((d) => [...d.projections, ...(d.policies ?? [])].map((p) => p.name)),
    projections,
    subscriptionStats: () => gateway.subscriptions.stats(),
    async stop() {
      await gateway.close();
      await Promise.all(subgraphs.map((subgraph) => subgraph.close()));
      await projections.close();
      await runtime.close();
      await embedded?.stop();
    },
  };
};
