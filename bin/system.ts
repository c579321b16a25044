import { readFileSync } from 'node:fs';
import { startGateway, type RunningGateway } from '../gateway/gateway.js';
import type { Config } from '../platform/config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../platform/embedded-postgres.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { createRuntime, type Runtime } from '../platform/runtime.js';
import { runProjections, serveSubgraph, type RunningSubgraph } from '../platform/subgraph-server.js';
import { samplesMigrations, samplesSubgraph } from '../subgraphs/samples/index.js';
import { seedDemo } from './seed-demo.js';

export const SUPERGRAPH_FILE = new URL('../schema/supergraph.graphql', import.meta.url);

export interface System {
  gatewayUrl: string;
  subgraphs: RunningSubgraph[];
  runtime: Runtime;
  /** Projection runners, for tests that stop and restart them. */
  projections: Awaited<ReturnType<typeof runProjections>>;
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
  const runtime = await createRuntime(config, logger, databaseUrl, [...samplesMigrations]);
  const samples = samplesSubgraph(runtime);
  const projections = await runProjections(runtime, samples.projections);
  const subgraphs = [await serveSubgraph(runtime, samples, config.samplesPort)];
  let gateway: RunningGateway;
  try {
    gateway = await startGateway({
      config,
      logger,
      port: config.port,
      supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
      subgraphUrls: Object.fromEntries(subgraphs.map((subgraph) => [subgraph.name, subgraph.url])),
    });
  } catch (error) {
    await Promise.all(subgraphs.map((subgraph) => subgraph.close()));
    throw error;
  }
  if (config.seedDemo && (await seedDemo(runtime))) logger.info('seeded the demo lab (tenant "demo")');
  return {
    gatewayUrl: gateway.url,
    subgraphs,
    runtime,
    projections,
    async stop() {
      await gateway.close();
      await Promise.all(subgraphs.map((subgraph) => subgraph.close()));
      await projections.close();
      await runtime.close();
      await embedded?.stop();
    },
  };
};
